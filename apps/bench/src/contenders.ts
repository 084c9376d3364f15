import { randomBytes } from 'node:crypto';
import type { AgentCard, SendMessageRequest, StreamResponse } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';
import mqtt, { type MqttClient } from 'mqtt';
import { benchCard, echoRequest, TASK_STATE_COMPLETED } from './agent.js';
import type { CpuPerCall } from './cpu.js';
import { withTimeout } from './load.js';

/** The requester side of one contender. */
export interface RequesterHandle {
  /** One non-streaming SendMessage (or raw request/reply) to the echo agent. */
  send(): Promise<void>;
  /** The @a2a-js/sdk client (A2A contenders only), for streaming and ad-hoc calls. */
  client?: Client;
  close(): Promise<void>;
}

/** Fails loudly when a call did not produce the echo agent's completed task. */
export function checkEchoResult(result: unknown): void {
  const task = result as { status?: { state?: number }; artifacts?: unknown[] };
  if (task?.status?.state !== TASK_STATE_COMPLETED || task.artifacts?.length !== 1) {
    throw new Error(`unexpected echo result: ${JSON.stringify(result).slice(0, 200)}`);
  }
}

function a2aHandle(client: Client, close: () => Promise<void>): RequesterHandle {
  return {
    client,
    async send() {
      checkEchoResult(await client.sendMessage(echoRequest()));
    },
    close,
  };
}

/** (b) @a2a-js/sdk's JSON-RPC client over HTTP (Node's fetch keeps connections alive). */
export async function httpRequester(url: string): Promise<RequesterHandle> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory()],
    }),
  );
  const card: AgentCard = benchCard([
    { url, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' },
  ]);
  const client = await factory.createFromAgentCard(card);
  return a2aHandle(client, async () => {});
}

/** Where the MQTT server of a scenario lives. */
export interface MqttTarget {
  brokerUrl: string;
  org: string;
  unit: string;
  /** Agent id whose card is resolved. */
  agent: string;
  /** Topic prefix; `undefined` = the default `$a2a/v1`. */
  prefix?: string;
  /** Send to this pool instead of the agent's direct topic. */
  pool?: string;
}

/** (a) our client: createA2AMqttClient over the bench broker. */
export async function mqttRequester(target: MqttTarget): Promise<RequesterHandle> {
  const { createA2AMqttClient } = await import('@a2a-mqtt/client');
  const { createTopics } = await import('@a2a-mqtt/protocol');
  const handle = await createA2AMqttClient({
    url: target.brokerUrl,
    agent: target.agent,
    scope: { org: target.org, unit: target.unit },
    ...(target.prefix ? { topics: createTopics({ prefix: target.prefix }) } : {}),
    ...(target.pool ? { pool: target.pool } : {}),
  });
  return a2aHandle(handle.client, () => handle.close());
}

/**
 * (c) the floor: mqtt.js request/reply with Response Topic and Correlation Data, QoS 1 both
 * ways (as the A2A profile), the same request size as our SendMessage, TCP_NODELAY on.
 */
export async function rawRequester(options: {
  brokerUrl: string;
  requestTopic: string;
  requestBytes: number;
  /** A fresh request body per call (default: `requestBytes` of filler, the floor's). */
  body?: () => Buffer;
  /** User properties of every request (default none). */
  userProperties?: Record<string, string>;
  /** A call fails unless its reply contains this text (default: any reply). */
  expectInReply?: string;
}): Promise<RequesterHandle> {
  const client: MqttClient = await mqtt.connectAsync(options.brokerUrl, {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
  });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const replyTopic = `bench/raw/reply/${randomBytes(6).toString('hex')}`;
  const pending = new Map<string, (payload: Buffer) => void>();
  client.on('message', (_topic, payload, packet) => {
    const key = packet.properties?.correlationData?.toString('hex');
    if (key === undefined) return;
    const resolve = pending.get(key);
    pending.delete(key);
    resolve?.(payload);
  });
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const payload = Buffer.alloc(options.requestBytes, 0x61);
  return {
    send() {
      return new Promise<void>((resolve, reject) => {
        const correlationData = randomBytes(16);
        const expected = options.expectInReply;
        pending.set(correlationData.toString('hex'), (reply) => {
          if (expected === undefined || reply.includes(expected)) resolve();
          else reject(new Error(`unexpected reply: ${reply.toString('utf8').slice(0, 200)}`));
        });
        const properties = options.userProperties
          ? { responseTopic: replyTopic, correlationData, userProperties: options.userProperties }
          : { responseTopic: replyTopic, correlationData };
        client.publish(
          options.requestTopic,
          options.body ? options.body() : payload,
          { qos: 1, properties },
          (error) => {
            if (error) reject(error);
          },
        );
      });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

export interface StreamRun {
  /** Artifact updates received. */
  events: number;
  /** From sending the request to the last artifact update (or to the cap). */
  ms: number;
  perSecond: number;
  /** `false` when the cap ended the run before the task completed. */
  complete: boolean;
  /** CPU time per received event of the requester, the server and the broker (MQTT). */
  cpuPerEventUs?: CpuPerCall;
  /** Events/s of every measured round, when there were several (this run is their median). */
  roundsPerSecond?: number[];
}

/**
 * Sends one streaming message and counts artifact updates until the stream ends or `capMs`
 * passes (then the stream is abandoned; the caller kills the server process).
 */
export async function consumeStream(
  client: Client,
  request: SendMessageRequest,
  capMs: number,
): Promise<StreamRun> {
  const start = performance.now();
  const deadline = start + capMs;
  const iterator = client.sendMessageStream(request)[Symbol.asyncIterator]();
  let events = 0;
  let last = start;
  let complete = false;
  try {
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      let next: IteratorResult<StreamResponse>;
      try {
        next = await withTimeout(iterator.next(), remaining, 'stream');
      } catch {
        break; // the cap
      }
      if (next.done) {
        complete = true;
        break;
      }
      if (next.value.payload?.$case === 'artifactUpdate') {
        events++;
        last = performance.now();
      }
    }
  } finally {
    // Do not wait for the transport to wind down an abandoned stream.
    void Promise.resolve(iterator.return?.(undefined)).catch(() => {});
  }
  const ms = (complete ? last : Math.max(last, deadline)) - start;
  return { events, ms, perSecond: events / (ms / 1000), complete };
}

/**
 * The raw streaming floor: one request to a raw server started with `stream`, then counts the
 * QoS 1 messages it streams back until `events` arrived or `capMs` passed.
 */
export async function rawStreamRun(options: {
  brokerUrl: string;
  requestTopic: string;
  requestBytes: number;
  events: number;
  capMs: number;
}): Promise<StreamRun> {
  const client: MqttClient = await mqtt.connectAsync(options.brokerUrl, {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
  });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  try {
    const replyTopic = `bench/raw/reply/${randomBytes(6).toString('hex')}`;
    let events = 0;
    let last = 0;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => {
      finished = resolve;
    });
    client.on('message', () => {
      events++;
      last = performance.now();
      if (events === options.events) finished();
    });
    await client.subscribeAsync(replyTopic, { qos: 1 });
    const start = performance.now();
    await client.publishAsync(options.requestTopic, Buffer.alloc(options.requestBytes, 0x61), {
      qos: 1,
      properties: { responseTopic: replyTopic, correlationData: randomBytes(16) },
    });
    const complete = await withTimeout(all, options.capMs, 'raw stream').then(
      () => true,
      () => false,
    );
    const ms = (complete ? last : Math.max(last, start + options.capMs)) - start;
    return { events, ms, perSecond: events / (ms / 1000), complete };
  } finally {
    await client.endAsync(true);
  }
}
