/**
 * Default values of the discovery options. Exported so applications can derive their own
 * values from them (for example `DEFAULT_SETTLE_TIMEOUT_MS * 2`).
 */

/**
 * How long a directory waits for its probe (see {@link SettleOptions}) before it stops
 * waiting for the retained set and resolves `start()` anyway (logging a warning).
 */
export const DEFAULT_SETTLE_TIMEOUT_MS = 5_000;

/** Quiet-period strategy: the retained set counts as delivered after this long without a card. */
export const DEFAULT_SETTLE_QUIET_MS = 100;

/** Quiet-period strategy: upper bound of the whole wait after SUBACK. */
export const DEFAULT_SETTLE_MAX_MS = 5_000;

/** Cards larger than this (bytes of the MQTT payload) are reported as `invalid` and skipped. */
export const DEFAULT_MAX_CARD_BYTES = 256 * 1024;

/** How long `discoverAgent` waits for an agent that is not in the retained set yet. */
export const DEFAULT_DISCOVER_TIMEOUT_MS = 3_000;

/** Events buffered per `watch()` iterator before the oldest are dropped. */
export const DEFAULT_WATCH_BUFFER_SIZE = 10_000;

/** How long a pool discovery request waits for the reply of a pool member. */
export const DEFAULT_POOL_DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * QoS of a directory's discovery subscription (see `AgentDirectoryOptions.qos`): 0, because
 * the directory re-reads the retained set after every reconnect.
 */
export const DEFAULT_DIRECTORY_QOS: 0 | 1 = 0;
