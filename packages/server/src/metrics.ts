/**
 * Counters of the server runtime, kept as plain numbers on the hot path and copied out by
 * `metrics()` for tests and observability exporters.
 */

/**
 * Why a request received no reply at all. A request without a usable Response Topic cannot
 * be answered (`no-response-topic`); a reply the broker refused or that could not be sent is
 * `publish-failed`; work still running when `close()` gave up is `shutdown`.
 */
export type DropReason = 'no-response-topic' | 'publish-failed' | 'shutdown';

/**
 * Why a request was answered with an error before (or instead of) reaching the request
 * handler. `parse-error` (-32700), `invalid-request` (-32600, including oversize payloads),
 * `protocol` (-32005: missing Correlation Data, bad binding metadata, missing or malformed
 * requester Task.id), `expired` (-32003), `overloaded` (-32004: queue full),
 * `unavailable` (-32004: shutting down or agent not served here), `version` (A2A version
 * not supported), `unauthenticated` (the `authenticate` hook refused the caller),
 * `context-mismatch` (-32602: contextId differs from the stored task).
 */
export type RejectReason =
  | 'parse-error'
  | 'invalid-request'
  | 'protocol'
  | 'expired'
  | 'overloaded'
  | 'unavailable'
  | 'version'
  | 'unauthenticated'
  | 'context-mismatch';

/** A snapshot of the server's counters. Counters only grow; gauges are `inFlight` and `queued`. */
export interface ServerMetrics {
  /** Request messages received on any request topic. */
  received: number;
  /** Requests answered: a single reply published, or a stream ended (normally or by error). */
  replied: number;
  /** MQTT messages published on reply topics (single replies plus every stream item). */
  published: number;
  /** Replies (single or stream item) that carried a JSON-RPC `error`. */
  errorReplies: number;
  /** Retries recognised by Task.id + messageId and answered without running the executor again. */
  retries: number;
  /** Requests with no reply, by reason. */
  dropped: Record<DropReason, number>;
  /** Requests answered with an error by the runtime itself, by reason. */
  rejected: Record<RejectReason, number>;
  /** Requests being processed now (streams count until they end). */
  inFlight: number;
  /** Requests waiting for a processing slot. */
  queued: number;
}

/** @internal Mutable counters shared by the runtime's parts. */
export class MetricsRecorder {
  received = 0;
  replied = 0;
  published = 0;
  errorReplies = 0;
  retries = 0;
  readonly dropped: Record<DropReason, number> = {
    'no-response-topic': 0,
    'publish-failed': 0,
    shutdown: 0,
  };
  readonly rejected: Record<RejectReason, number> = {
    'parse-error': 0,
    'invalid-request': 0,
    protocol: 0,
    expired: 0,
    overloaded: 0,
    unavailable: 0,
    version: 0,
    unauthenticated: 0,
    'context-mismatch': 0,
  };

  snapshot(inFlight: number, queued: number): ServerMetrics {
    return {
      received: this.received,
      replied: this.replied,
      published: this.published,
      errorReplies: this.errorReplies,
      retries: this.retries,
      dropped: { ...this.dropped },
      rejected: { ...this.rejected },
      inFlight,
      queued,
    };
  }
}
