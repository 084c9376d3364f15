/**
 * Public API of `@a2a-mqtt/client`.
 *
 * Every export listed here is public API and follows semver; add new exports by name
 * (no `export *`).
 */

export {
  assertBearerTransport,
  type BearerAuthorizationOptions,
  type BearerTokenProvider,
  isTlsSession,
} from './bearer-authorization';
export {
  type A2AMqttClient,
  type CreateA2AMqttClientOptions,
  createA2AMqttClient,
} from './create-client';
export {
  MqttTransport,
  type MqttTransportOptions,
  prepareSendMessage,
} from './mqtt-transport';
export {
  createMqttTransportFactories,
  MqttTransportFactory,
  type MqttTransportFactoryOptions,
  mqttBindingNames,
} from './mqtt-transport-factory';
export {
  computeRetryDelayMs,
  DEFAULT_MAX_BUFFERED_STREAM_ITEMS,
  DEFAULT_MAX_STALL_RECOVERIES,
  DEFAULT_SCHEDULER,
  type RequestPolicy,
  type ResolvedRequestPolicy,
  resolveRequestPolicy,
  type Scheduler,
} from './policy';
export { errorFromJsonRpcReply } from './reply-errors';
export {
  DEFAULT_DEDUPE_WINDOW,
  DEFAULT_MAX_TRACKED_TASKS,
  getRequester,
  MqttRequester,
  type MqttRequesterOptions,
  type RequesterCall,
  type RequesterSession,
  type RequesterSourceOptions,
  type RequesterStats,
  type RequestPublishProperties,
  type RequestTarget,
} from './requester';
export { isStreamFinalItem, isStreamFinalState } from './task-states';
export type { UnmatchedReply } from './unmatched-reply';
