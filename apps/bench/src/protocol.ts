/** Messages between the bench (parent) and a server process (child), over the fork IPC channel. */

/** Which executor a server runs. */
export type ExecutorSpec =
  | { kind: 'echo' }
  | { kind: 'stream'; events: number; append: boolean }
  | { kind: 'hold' };

/** Which task store the request handler uses. */
export type StoreKind = 'sdk' | 'fast';

export type ServerCommand =
  | { cmd: 'start-http'; store: StoreKind; executor: ExecutorSpec }
  | {
      cmd: 'start-mqtt';
      brokerUrl: string;
      store: StoreKind;
      executor: ExecutorSpec;
      agent: { org: string; unit: string; agent: string };
      prefix?: string;
      pool?: string;
      /** Time every call on the server side (see the `timings` command); latency only. */
      timed?: boolean;
    }
  | {
      cmd: 'start-raw';
      brokerUrl: string;
      requestTopic: string;
      replyBytes: number;
      /** Answer each request with a stream of `events` QoS 1 messages instead of one reply. */
      stream?: { events: number; window: number };
    }
  | { cmd: 'memory' }
  /** Process CPU time so far (user + system), in microseconds. */
  | { cmd: 'cpu' }
  /**
   * Server-side timings of the sequential calls since the last `timings` command (our server
   * only): from the request's arrival to its reply's publish, and inside the SDK's handler.
   */
  | { cmd: 'timings' }
  | { cmd: 'held' }
  | { cmd: 'release' }
  | { cmd: 'stop' };

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface StartResult {
  /** HTTP: the JSON-RPC endpoint URL. */
  url?: string;
}

export type ServerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

export type ServerRequest = { id: number } & ServerCommand;

/** Server-side latency samples of one server process, in microseconds. */
export interface ServerTimings {
  /** From the request PUBLISH's arrival (mqtt.js `message`) to the publish of its reply. */
  serve: number[];
  /** Inside `JsonRpcTransportHandler.handle()` of `@a2a-js/sdk` (the A2A work). */
  handle: number[];
}
