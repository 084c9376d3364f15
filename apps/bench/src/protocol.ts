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
