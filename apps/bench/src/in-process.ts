import { SendMessageRequest } from '@a2a-js/sdk';
import {
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { benchCard, echoExecutor, echoRequest } from './agent.js';

export interface InProcessFigures {
  /** Bytes of one SendMessage JSON-RPC request body with the bench payload. */
  requestBytes: number;
  /** Bytes of its JSON-RPC response (the echo agent's completed task). */
  replyBytes: number;
  /** The SDK's JSON-RPC handler alone, in this process, with no transport: requests/s. */
  handlerPerSecond: number;
}

/**
 * Sizes the payloads (so the raw floor moves the same bytes) and measures the SDK's
 * JSON-RPC handler without any transport, sequentially, for `durationMs`.
 */
export async function measureInProcess(durationMs: number): Promise<InProcessFigures> {
  const card = benchCard([
    { url: 'http://127.0.0.1/', protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' },
  ]);
  const transport = new JsonRpcTransportHandler(
    new DefaultRequestHandler(card, new InMemoryTaskStore(), echoExecutor()),
  );
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
    requestBytes: Buffer.byteLength(first.body),
    replyBytes: Buffer.byteLength(first.reply),
    handlerPerSecond: completed / ((performance.now() - start) / 1000),
  };
}
