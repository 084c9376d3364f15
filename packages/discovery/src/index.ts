/**
 * Public API of `@a2a-mqtt/discovery`: agent registration with presence (retained cards and
 * Last Will), the live directory and resolver, the `@a2a-js/sdk` card resolver, the HTTP
 * card provider and sticky discovery through a pool.
 *
 * Any new export added here becomes public API. Use named exports, not wildcards.
 */

export type {
  DecodedCard,
  InvalidCardReason,
  PreparedAgentCard,
} from './card-codec.js';
export { decodeAgentCard, prepareAgentCard } from './card-codec.js';
export type { MqttAgentCardResolverOptions } from './card-resolver.js';
export {
  A2A_MQTT_ADDRESS_SCHEME,
  MqttAgentCardResolver,
  parseAgentUrl,
} from './card-resolver.js';
export {
  DEFAULT_DIRECTORY_QOS,
  DEFAULT_DISCOVER_TIMEOUT_MS,
  DEFAULT_MAX_CARD_BYTES,
  DEFAULT_POOL_DISCOVERY_TIMEOUT_MS,
  DEFAULT_SETTLE_MAX_MS,
  DEFAULT_SETTLE_QUIET_MS,
  DEFAULT_SETTLE_TIMEOUT_MS,
  DEFAULT_WATCH_BUFFER_SIZE,
} from './defaults.js';
export type {
  AgentDirectory,
  AgentDirectoryOptions,
  DirectoryWatch,
  SettleOptions,
  WatchOptions,
} from './directory.js';
export { createAgentDirectory } from './directory.js';
export type {
  DirectoryEntry,
  DirectoryEntryEvent,
  DirectoryEvent,
  DirectoryEventType,
  DirectoryInvalidEvent,
} from './directory-types.js';
export type { AgentFilter, AgentReference } from './filter.js';
export { matchesFilter } from './filter.js';
export type { AgentCardSource } from './http-card.js';
export { agentCardProviderFor } from './http-card.js';
export type {
  DiscoverFromPoolOptions,
  PoolDiscoveryResult,
  PoolDiscoveryServer,
  PoolDiscoveryServerOptions,
} from './pool-discovery.js';
export {
  discoverFromPool,
  POOL_DISCOVERY_METHOD,
  servePoolDiscovery,
} from './pool-discovery.js';
export type {
  MessagePresence,
  PresenceStatus,
  PresenceWill,
  PresenceWillOptions,
  StatusSource,
} from './presence.js';
export { presenceWill, readPresence } from './presence.js';
export type { AgentRegistration, RegisterAgentOptions } from './registration.js';
export { registerAgent } from './registration.js';
export type {
  AgentResolver,
  AgentResolverOptions,
  DiscoverAgentOptions,
} from './resolver.js';
export { createAgentResolver } from './resolver.js';
