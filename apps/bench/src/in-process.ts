import { SendMessageRequest } from '@a2a-js/sdk';
import type { AgentExecutor, TaskStore } from '@a2a-js/sdk/server';
import {
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { benchCard, echoExecutor, echoRequest, streamExecutor } from './agent.js';

export interface InProcessFigures {
  /** Bytes of one SendMessage JSON-RPC request body with the bench payload. */
  requestBytes: number;
  /** Bytes of its JSON-RPC response (the echo agent's completed task). */
  replyBytes: number;
  /** The SDK's JSON-RPC handler alone, in this process, with no transport: requests/s. */
  handlerPerSecond: number;
  /** The same with `FastInMemoryTaskStore` (the store our server runs with here). */
  handlerFastStorePerSecond?: number;
  /**
   * One task streaming `streamEvents` artifact updates through the handler alone
   * (`FastInMemoryTaskStore`, each item serialised as a transport would, one event-loop turn
   * per item as in the streaming scenario): items/s per shape. What any transport can at most
   * carry with this handler on one core.
   */
  streamPerSecond?: { replace: number; append: number };
}

function jsonRpcHandler(store: TaskStore, executor: AgentExecutor) {
  const card = benchCard([
    { url: 'http://127.0.0.1/', protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' },
  ]);
  return new JsonRpcTransportHandler(new DefaultRequestHandler(card, store, executor));
}

/** Requests/s of sequential SendMessage calls through `transport` for `durationMs`. */
async function sequentialRate(
  transport: JsonRpcTransportHandler,
  durationMs: number,
): Promise<{ perSecond: number; body: string; reply: string }> {
  let id = 0;
  const call = async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: ++id,
      method: 'SendMessage',
      params: SendMessageRequest.toJSON(echoRequest()),
    });
    const response = await transport.handle(
      JSON.parse(body),
      new ServerCallContext({ requestedVersion: '1.0' }),
    );
    return { body, reply: JSON.stringify(response) };
  };
  const first = await call();
  if (!first.reply.includes('"result"')) {
    throw new Error(`in-process handler failed: ${first.reply.slice(0, 300)}`);
  }
  for (let i = 0; i < 500; i++) await call();
  const deadline = performance.now() + durationMs;
  const start = performance.now();
  let completed = 0;
  while (performance.now() < deadline) {
    await call();
    completed++;
  }
  return {
    perSecond: completed / ((performance.now() - start) / 1000),
    body: first.body,
    reply: first.reply,
  };
}

/** Items/s of one streaming task of `events` artifact updates through the handler alone. */
async function streamRate(store: TaskStore, events: number, append: boolean): Promise<number> {
  const transport = jsonRpcHandler(store, streamExecutor({ events, append }));
  const start = performance.now();
  const result = await transport.handle(
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'SendStreamingMessage',
      params: SendMessageRequest.toJSON(echoRequest('stream')),
    },
    new ServerCallContext({ requestedVersion: '1.0' }),
  );
  if (!(Symbol.asyncIterator in (result as object))) {
    throw new Error(`in-process stream failed: ${JSON.stringify(result).slice(0, 300)}`);
  }
  let items = 0;
  for await (const item of result as AsyncIterable<unknown>) {
    JSON.stringify(item);
    items++;
  }
  // The stream also carries the working task and the completed status.
  return (items - 2) / ((performance.now() - start) / 1000);
}

/**
 * Sizes the payloads (so the raw floor moves the same bytes) and measures the SDK's JSON-RPC
 * handler without any transport: sequential SendMessage calls for `durationMs` with the SDK's
 * store and with ours, and one stream of `streamEvents` items per shape.
 */
export async function measureInProcess(
  durationMs: number,
  streamEvents: number,
): Promise<InProcessFigures> {
  const sdk = await sequentialRate(
    jsonRpcHandler(new InMemoryTaskStore(), echoExecutor()),
    durationMs,
  );
  const figures: InProcessFigures = {
    requestBytes: Buffer.byteLength(sdk.body),
    replyBytes: Buffer.byteLength(sdk.reply),
    handlerPerSecond: sdk.perSecond,
  };
  let FastInMemoryTaskStore: (new () => TaskStore) | undefined;
  try {
    ({ FastInMemoryTaskStore } = await import('@a2a-mqtt/server'));
  } catch {
    return figures; // our packages are not built: the SDK figure only
  }
  const fast = await sequentialRate(
    jsonRpcHandler(new FastInMemoryTaskStore(), echoExecutor()),
    durationMs,
  );
  figures.handlerFastStorePerSecond = fast.perSecond;
  // A short warm-up stream, then one measured stream per shape.
  await streamRate(new FastInMemoryTaskStore(), Math.min(1_000, streamEvents), true);
  figures.streamPerSecond = {
    replace: await streamRate(new FastInMemoryTaskStore(), streamEvents, false),
    append: await streamRate(new FastInMemoryTaskStore(), streamEvents, true),
  };
  return figures;
}
