/**
 * Public API of `@a2a-mqtt/test-harness`. Any new export added here becomes public API.
 * Use named exports, not wildcards. The vitest helpers live in `@a2a-mqtt/test-harness/vitest`.
 */
export type {
  BrokerHandle,
  BrokerProfile,
  BrokerTlsInfo,
  RestartOptions,
} from './broker-handle.js';
export {
  availableBrokerTargets,
  type BrokerTarget,
  type BrokerTargetName,
} from './broker-targets.js';
export {
  type BrokerCapabilities,
  EMQX_CAPABILITIES,
  EXTERNAL_CAPABILITIES,
  MOSQUITTO_CAPABILITIES,
} from './capabilities.js';
export {
  type ContainerRuntimeStatus,
  candidateContainerSockets,
  detectContainerRuntime,
  quickContainerRuntimeCheck,
} from './container-runtime.js';
export {
  DEFAULT_EMQX_IMAGE,
  DEFAULT_EMQX_START_TIMEOUT_MS,
  DEFAULT_EMQX_STOP_TIMEOUT_MS,
  type StartEmqxOptions,
  startEmqx,
} from './emqx.js';
export {
  BrokerStartError,
  BrokerUnavailableError,
  TEST_HARNESS_ERROR_CODE,
  TestHarnessError,
  type TestHarnessErrorCode,
} from './errors.js';
export {
  DEFAULT_EXTERNAL_PROBE_TIMEOUT_MS,
  type ExternalBrokerOptions,
  externalBroker,
} from './external-broker.js';
export { cutClientSocket, type SocketOwner } from './faults.js';
export { findFreePort } from './free-port.js';
export {
  DEFAULT_ACL_POLICY,
  DEFAULT_BROKER_START_TIMEOUT_MS,
  DEFAULT_BROKER_STOP_TIMEOUT_MS,
  DEFAULT_MAX_PACKET_SIZE,
  DEFAULT_MOSQUITTO_PATH,
  HARNESS_ADMIN_USERNAME,
  type MosquittoBrokerHandle,
  type StartBrokerOptions,
  startBroker,
} from './mosquitto.js';
export {
  type AclAgent,
  type AclPolicy,
  type AclSuperUser,
  agentUsername,
  type BrokerUser,
  buildAclFile,
  buildMosquittoConfig,
  buildPasswordFile,
  DEFAULT_ACL_PREFIX,
  DEFAULT_MAX_QUEUED_MESSAGES,
  hashMosquittoPassword,
  type MosquittoConfigInput,
  type MosquittoTlsFiles,
} from './mosquitto-config.js';
export {
  cleanupAll,
  killTrackedProcessesSync,
  liveChildProcessCount,
} from './process-registry.js';
export {
  type OutgoingRecording,
  type PacketSendSource,
  recordOutgoing,
} from './record-outgoing.js';
export { isStreamEndingEvent, STREAM_ENDING_STATES } from './stream-events.js';
export {
  type ClientCertificate,
  DEFAULT_CLIENT_CERTIFICATE_CN,
  generateTlsMaterial,
  TLS_SERVER_NAME,
  type TlsMaterial,
} from './tls-material.js';
export {
  createDeferred,
  DEFAULT_WAIT_INTERVAL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  type Deferred,
  type EventSource,
  type WaitForEventOptions,
  type WaitForOptions,
  WaitTimeoutError,
  waitFor,
  waitForEvent,
} from './wait.js';
export {
  createWireSniffer,
  DEFAULT_SNIFFER_MAX_MESSAGES,
  type WaitForMessageOptions,
  type WireSniffer,
  type WireSnifferOptions,
} from './wire-sniffer.js';
export {
  createWireValidationState,
  jsonRpcRequestProblems,
  jsonRpcResponseProblems,
  type SniffedMessage,
  type SniffedProperties,
  validateWireMessage,
  WIRE_RULE,
  type WireRule,
  type WireValidationState,
  type WireViolation,
} from './wire-validation.js';
