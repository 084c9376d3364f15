/**
 * Public API of `@a2a-mqtt/server`: serve any @a2a-js/sdk request handler over MQTT v5 (one
 * agent, a pool member, or many agents from one host).
 *
 * Any new export added here becomes public API. Use named exports, not wildcards.
 */

export {
  type A2AMqttServer,
  type A2AMqttServerOptions,
  createA2AMqttServer,
  type ServerCloseOptions,
} from './a2a-mqtt-server.js';
export {
  BEARER_AUTH_FAILURE,
  BearerAuthenticationError,
  type BearerAuthenticatorOptions,
  type BearerAuthFailure,
  BearerUser,
  createBearerAuthenticator,
  DEFAULT_BEARER_ALGORITHMS,
  DEFAULT_BEARER_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_BEARER_HMAC_ALGORITHMS,
  DEFAULT_MAX_BEARER_TOKEN_BYTES,
  scopesOf,
} from './bearer-authenticator.js';
export type { AuthenticateHook, AuthenticationContext } from './call-context.js';
export {
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_QUEUED_REQUESTS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from './defaults.js';
export type { DropReason, RejectReason, ServerMetrics } from './metrics.js';
export {
  createMultiAgentHost,
  type HostedAgent,
  type HostedAgentOptions,
  type MultiAgentHost,
  type MultiAgentHostOptions,
  type RemoveAgentOptions,
} from './multi-agent-host.js';
export { type CreateRequestHandlerOptions, createRequestHandler } from './request-handler.js';
export {
  RequesterTaskIdStore,
  TASK_ADOPTION_STATE_KEY,
  type TaskAdoption,
} from './requester-task-id-store.js';
export type { CapacityOptions, PoolMembership, ServingOptions } from './session-support.js';
export {
  DEFAULT_TASK_LIST_PAGE_SIZE,
  FastInMemoryTaskStore,
  type FastInMemoryTaskStoreOptions,
} from './stores/fast-in-memory-task-store.js';
