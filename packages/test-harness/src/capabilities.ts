/** What a broker target supports, so shared suites adapt instead of failing or skipping blindly. */
export interface BrokerCapabilities {
  /** `'mosquitto'`, `'emqx'` or `'external'`. */
  name: string;
  /** `$share/{group}/$a2a/...` delivers (mosquitto 2.0: no, it never matches `$` topics). */
  sharedSubscriptionsOnDollarTopics: boolean;
  /**
   * A denied SUBSCRIBE gets a failing SUBACK (reason code >= 0x80). `false` on mosquitto's
   * `acl_file`, which grants every SUBSCRIBE and checks read rights per message at delivery.
   * Consult it in ACL tests before asserting that a subscription is refused: when `false`, assert
   * instead that no message reaches the subscriber. No suite of this package depends on it yet.
   */
  subscribeAclEnforced: boolean;
  /**
   * The broker publishes presence itself, with `a2a-status-source=broker` (EMQX 6.2+ A2A
   * registry), which subscribers must prefer over agent-published status. Consult it in
   * discovery/presence tests that expect a broker-managed status; when `false` only the agent
   * (`agent`) and its Last Will (`lwt`) set status. No suite of this package depends on it yet.
   */
  brokerManagedStatus: boolean;
  /** The topic prefix suites should use on this broker. */
  recommendedPrefix: string;
  /**
   * A new shared subscription (`$share/{group}/...`) receives the retained messages of its
   * filter (mosquitto < 2.0.13 does; MQTT 5 says it must not). Consult it in pool tests that
   * subscribe a pool member to a filter that may match retained messages: when `true`, expect
   * (or clear) those deliveries. No suite of this package depends on it yet.
   */
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
