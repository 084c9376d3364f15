import type { Server } from 'node:http';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AgentCard } from '@a2a-js/sdk';
import {
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type TaskStore,
} from '@a2a-js/sdk/server';
import { jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { benchCard, echoExecutor, holdExecutor, streamExecutor } from './agent.js';
import { measureMemory } from './memory.js';
import type {
  ExecutorSpec,
  ServerCommand,
  ServerReply,
  ServerRequest,
  StoreKind,
} from './protocol.js';

/**
 * The server side of every contender, run in its own process (`--role=server`) so client and
 * server costs (CPU and memory) are measured apart. Driven by the parent over IPC.
 */
export async function runServerRole(): Promise<void> {
  const closers: Array<() => Promise<void>> = [];
  let held: ReturnType<typeof holdExecutor> | undefined;

  const makeExecutor = (spec: ExecutorSpec): AgentExecutor => {
    switch (spec.kind) {
      case 'echo':
        return echoExecutor();
      case 'stream':
        return streamExecutor(spec);
      case 'hold':
        held = holdExecutor();
        return held;
    }
  };

  const makeStore = async (kind: StoreKind): Promise<TaskStore> => {
    if (kind === 'sdk') return new InMemoryTaskStore();
    const { FastInMemoryTaskStore } = await import('@a2a-mqtt/server');
    return new FastInMemoryTaskStore();
  };

  const stopAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch(() => {});
    }
  };

  const handle = async (command: ServerCommand): Promise<unknown> => {
    switch (command.cmd) {
      case 'start-http': {
        const card: AgentCard = benchCard();
        const requestHandler = new DefaultRequestHandler(
          card,
          await makeStore(command.store),
          makeExecutor(command.executor),
        );
        const app = express();
        app.use('/', jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
        const server: Server = await new Promise((resolve) => {
          const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
        });
        server.keepAliveTimeout = 60_000;
        server.headersTimeout = 61_000;
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        const url = `http://127.0.0.1:${port}/`;
        card.supportedInterfaces = [
          { url, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' },
        ];
        closers.push(
          () =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        );
        return { url };
      }
      case 'start-mqtt': {
        const { createA2AMqttServer, createRequestHandler } = await import('@a2a-mqtt/server');
        const { createTopics } = await import('@a2a-mqtt/protocol');
        const requestHandler = createRequestHandler({
          agentCard: benchCard(),
          agentExecutor: makeExecutor(command.executor),
          taskStore: await makeStore(command.store),
        });
        const server = await createA2AMqttServer({
          session: { url: command.brokerUrl },
          agent: command.agent,
          requestHandler,
          topics: createTopics(command.prefix ? { prefix: command.prefix } : {}),
          ...(command.pool ? { pool: command.pool } : {}),
          // The bench measures the transport, not admission control: let every request in.
          maxConcurrentRequests: 4_096,
          maxQueuedRequests: 16_384,
          shutdownTimeoutMs: 2_000,
        });
        closers.push(() => server.close({ timeoutMs: 2_000 }));
        return {};
      }
      case 'start-raw': {
        const client = await mqtt.connectAsync(command.brokerUrl, {
          protocolVersion: 5,
          clean: true,
          reconnectPeriod: 0,
        });
        (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
        const reply = Buffer.alloc(command.replyBytes, 0x61);
        const stream = command.stream;
        client.on('message', (_topic, _payload, packet) => {
          const responseTopic = packet.properties?.responseTopic;
          if (!responseTopic) return;
          const options = {
            qos: 1 as const,
            properties: { correlationData: packet.properties?.correlationData },
          };
          if (stream) void rawStream(client, responseTopic, reply, options, stream);
          else client.publish(responseTopic, reply, options);
        });
        await client.subscribeAsync(command.requestTopic, { qos: 1 });
        closers.push(() => client.endAsync(true).then(() => {}));
        return {};
      }
      case 'memory':
        return measureMemory();
      case 'cpu': {
        const usage = process.cpuUsage();
        return usage.user + usage.system;
      }
      case 'held':
        return held?.held() ?? 0;
      case 'release':
        held?.release();
        return {};
      case 'stop':
        await stopAll();
        return {};
    }
  };

  process.on('message', (raw) => {
    const request = raw as ServerRequest;
    handle(request).then(
      (result) => process.send?.({ id: request.id, ok: true, result } satisfies ServerReply),
      (error: unknown) =>
        process.send?.({
          id: request.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies ServerReply),
    );
  });
  // The parent is gone (or closed the channel): release everything and leave.
  process.on('disconnect', () => {
    void stopAll().finally(() => process.exit(0));
  });
  process.send?.({ id: 0, ok: true, result: 'ready' } satisfies ServerReply);
}

/**
 * The raw streaming floor: `events` QoS 1 publishes of one stream item's size, at most
 * `window` unacknowledged (as our server pipelines stream items), yielding to the event loop
 * after each one as the stream executor does.
 */
async function rawStream(
  client: MqttClient,
  topic: string,
  item: Buffer,
  options: IClientPublishOptions,
  stream: { events: number; window: number },
): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < stream.events; i++) {
    inFlight.push(client.publishAsync(topic, item, options));
    while (inFlight.length >= stream.window) await inFlight.shift();
    await yieldToEventLoop();
  }
  await Promise.all(inFlight);
}
