/** What a broker target supports, so shared suites adapt instead of failing or skipping blindly. */
export interface BrokerCapabilities {
  /** `'mosquitto'`, `'emqx'` or `'external'`. */
  name: string;
  /** `$share/{group}/$a2a/...` delivers (mosquitto 2.0: no, it never matches `$` topics). */
  sharedSubscriptionsOnDollarTopics: boolean;
  /** A denied SUBSCRIBE gets a failing SUBACK (mosquitto `acl_file`: no, read is checked per message). */
  subscribeAclEnforced: boolean;
  /** The broker publishes `a2a-status-source=broker` presence itself (EMQX 6.2+ A2A registry). */
  brokerManagedStatus: boolean;
  /** The topic prefix suites should use on this broker. */
  recommendedPrefix: string;
  /** New shared subscribers receive retained messages (mosquitto < 2.0.13 does). */
  retainedToNewSharedSubscribers: boolean;
}

/** Capabilities of mosquitto 2.0.11 as measured (broker-notes.md). */
export const MOSQUITTO_CAPABILITIES: Readonly<BrokerCapabilities> = Object.freeze({
  name: 'mosquitto',
  sharedSubscriptionsOnDollarTopics: false,
  subscribeAclEnforced: false,
  brokerManagedStatus: false,
  recommendedPrefix: 'a2a/v1',
  retainedToNewSharedSubscribers: true,
});

/** Capabilities of EMQX 5.x (A2A registry features off). */
export const EMQX_CAPABILITIES: Readonly<BrokerCapabilities> = Object.freeze({
  name: 'emqx',
  sharedSubscriptionsOnDollarTopics: true,
  subscribeAclEnforced: true,
  brokerManagedStatus: false,
  recommendedPrefix: '$a2a/v1',
  retainedToNewSharedSubscribers: false,
});

/** Conservative capabilities assumed for an unknown external broker (`MQTT_URL`). */
export const EXTERNAL_CAPABILITIES: Readonly<BrokerCapabilities> = Object.freeze({
  name: 'external',
  sharedSubscriptionsOnDollarTopics: false,
  subscribeAclEnforced: false,
  brokerManagedStatus: false,
  recommendedPrefix: 'a2a/v1',
  retainedToNewSharedSubscribers: true,
});
