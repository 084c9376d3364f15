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
  ServerTimings,
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
        if (command.timed) await instrumentServerTimings();
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
      case 'timings':
        return takeTimings();
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

let timings: ServerTimings = { serve: [], handle: [] };
let instrumented = false;

function takeTimings(): ServerTimings {
  const taken = timings;
  timings = { serve: [], handle: [] };
  return taken;
}

/**
 * Diagnostic timing of our server for sequential calls (one request at a time): the time from
 * a request's arrival (mqtt.js `message` event) to the publish of its reply, and the time spent
 * inside the SDK's `JsonRpcTransportHandler.handle()`. Patches the prototypes of this process
 * only (the server process of one contender, started with `timed` by the latency scenario
 * alone, so throughput and streaming run unpatched); costs two `hrtime` reads per call.
 */
async function instrumentServerTimings(): Promise<void> {
  if (instrumented) return;
  instrumented = true;
  const { MqttSession } = await import('@a2a-mqtt/connection');
  const { JsonRpcTransportHandler } = await import('@a2a-js/sdk/server');
  let arrivedAt: bigint | undefined;
  const micros = (since: bigint) => Number(process.hrtime.bigint() - since) / 1_000;
  const prototype = mqtt.MqttClient.prototype as unknown as {
    emit(this: MqttClient, event: string, ...args: unknown[]): boolean;
  };
  const emit = prototype.emit;
  prototype.emit = function (this: MqttClient, event: string, ...args: unknown[]) {
    if (event === 'message' && String(args[0]).includes('/request/')) {
      arrivedAt = process.hrtime.bigint();
    }
    return emit.call(this, event, ...args);
  };
  const publish = MqttSession.prototype.publish;
  MqttSession.prototype.publish = function (this: InstanceType<typeof MqttSession>, ...args) {
    if (arrivedAt !== undefined && String(args[0]).includes('/reply/')) {
      timings.serve.push(micros(arrivedAt));
      arrivedAt = undefined;
    }
    return publish.apply(this, args);
  };
  const handle = JsonRpcTransportHandler.prototype.handle;
  JsonRpcTransportHandler.prototype.handle = async function (
    this: InstanceType<typeof JsonRpcTransportHandler>,
    ...args: Parameters<typeof handle>
  ) {
    const started = process.hrtime.bigint();
    try {
      return await handle.apply(this, args);
    } finally {
      timings.handle.push(micros(started));
    }
  } as typeof handle;
}
