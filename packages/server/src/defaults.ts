/**
 * Defaults of the server runtime. Every option that has a default exports it here, so
 * applications can derive their own values from ours (`DEFAULT_X * 2`).
 */

/** Requests processed at the same time by one server or host (streams count until they end). */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

/** Requests waiting for a free slot; when the queue is full a request gets `-32004`. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 1_000;

/**
 * Largest request payload accepted, in bytes (4 MiB). Larger payloads get `-32600`. The
 * broker's own Maximum Packet Size, when smaller, applies first.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** How long `close()` lets in-flight requests and streams finish before abandoning them. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
