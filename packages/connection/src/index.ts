/**
 * Public API of `@a2a-mqtt/connection`: the one MQTT v5 session a process shares between
 * discovery, client and server (options from a URL, TLS/mTLS, Last Will, persistent
 * sessions, reconnect with backoff and resubscription, a topic router, PUBACK reason codes
 * and size checks).
 *
 * Any new export added here becomes public API. Use named exports, not wildcards.
 */

export { type Logger, NOOP_LOGGER } from './logger.js';
export { connectMqttSession, MqttSession } from './mqtt-session.js';
export {
  type CloseOptions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_SECONDS,
  DEFAULT_QOS,
  DEFAULT_RECONNECT_FACTOR,
  DEFAULT_RECONNECT_INITIAL_DELAY_MS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_SESSION_EXPIRY_INTERVAL_SECONDS,
  type InboundMessage,
  type MessageHandler,
  type MqttSessionEvents,
  type MqttSessionOptions,
  type MqttSessionSummary,
  type PublishOptions,
  type PublishProperties,
  type PublishResult,
  type QoS,
  type ReconnectOptions,
  type SessionPersistenceOptions,
  type SubscribeOptions,
  type Subscription,
  type TlsOptions,
  type WillOptions,
} from './options.js';
export { topicMatchesFilter } from './topic-filter.js';
