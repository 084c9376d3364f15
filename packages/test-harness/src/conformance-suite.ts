/**
 * The shared A2A over MQTT conformance suite (first version: the profile's core). It is
 * parameterised by factories so it never imports `@a2a-mqtt/client` or `@a2a-mqtt/server`:
 * the caller creates the agent under test and, optionally, a client.
 */
import {
  type AgentAddress,
  createContextId,
  createCorrelationData,
  createReplySuffix,
  createTaskId,
  createTopics,
  PRESENCE_STATUS,
  readUserProperty,
  SERVICE_PARAMETER,
  STATUS_SOURCE,
  USER_PROPERTY,
  validateAgentCard,
} from '@a2a-mqtt/protocol';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerHandle } from './broker-handle.js';
import { type StartBrokerOptions, startBroker } from './mosquitto.js';
import type { BrokerUser } from './mosquitto-config.js';
import { isStreamEndingEvent } from './stream-events.js';
import { WaitTimeoutError, waitFor } from './wait.js';
import { createWireSniffer, type WireSniffer } from './wire-sniffer.js';

/** Default bound of each wait in the conformance suite. */
export const DEFAULT_CONFORMANCE_TIMEOUT_MS = 10_000;
/** Default address of the agent under test. */
export const DEFAULT_CONFORMANCE_AGENT: Readonly<AgentAddress> = Object.freeze({
  org: 'conformance',
  unit: 'suite',
  agent: 'agent-under-test',
});
/** Default address of the suite's own requester (raw requests and the client). */
export const DEFAULT_CONFORMANCE_REQUESTER: Readonly<AgentAddress> = Object.freeze({
  org: 'conformance',
  unit: 'suite',
  agent: 'conformance-requester',
});

/** What the agent factory gets. */
export interface ConformanceAgentContext {
  /** The broker the suite runs against. */
  broker: BrokerHandle;
  /** The topic prefix the agent must use. */
  prefix: string;
  /** The address the agent must register under. */
  address: AgentAddress;
  /** Credentials for `address` on ACL brokers. */
  credentials?: BrokerUser;
}

/** The agent under test. It must answer a text message by completing a task (any content). */
export interface ConformanceAgent {
  /** Stops the agent and releases what it opened. */
  close(): Promise<void>;
}

/** What the client factory gets. */
export interface ConformanceClientContext {
  /** The broker the suite runs against. */
  broker: BrokerHandle;
  /** The topic prefix the client must use. */
  prefix: string;
  /** The agent to talk to. */
  agentAddress: AgentAddress;
  /** The requester identity the client should use. */
  requesterAddress: AgentAddress;
  /** Credentials for `requesterAddress` on ACL brokers. */
  credentials?: BrokerUser;
}

/** A client under test, wrapping whatever client implementation the caller tests. */
export interface ConformanceClient {
  /** Sends a text message (SendMessage); resolves with the Task or Message. */
  sendMessage(text: string): Promise<unknown>;
  /** Sends a text message (SendStreamingMessage); yields every stream event. */
  sendMessageStream(text: string): AsyncIterable<unknown>;
  /** Closes the client and releases what it opened. */
  close(): Promise<void>;
}

/** Options of {@link defineConformanceSuite}. */
export interface ConformanceSuiteOptions {
  /** @default 'A2A over MQTT conformance' */
  name?: string;
  /**
   * A broker getter (e.g. from `useBroker()`); otherwise the suite starts its own mosquitto.
   * @default undefined (the suite's own mosquitto, see `brokerOptions`)
   */
  broker?: () => BrokerHandle;
  /** Options of the suite's own broker (when `broker` is not given). @default {} */
  brokerOptions?: StartBrokerOptions;
  /** @default the broker's `capabilities.recommendedPrefix` */
  prefix?: string;
  /** @default {@link DEFAULT_CONFORMANCE_AGENT} */
  agentAddress?: AgentAddress;
  /** @default {@link DEFAULT_CONFORMANCE_REQUESTER} */
  requesterAddress?: AgentAddress;
  /** Starts the agent under test; it must have published its card when the promise resolves. */
  createAgent(context: ConformanceAgentContext): Promise<ConformanceAgent>;
  /** Creates a client; the client-level tests are defined only when given. */
  createClient?(context: ConformanceClientContext): Promise<ConformanceClient>;
  /** @default 10_000 ({@link DEFAULT_CONFORMANCE_TIMEOUT_MS}) */
  timeoutMs?: number;
  /** Decides whether a client-level stream event ends the stream. @default isStreamEndingEvent */
  isStreamEndingEvent?(event: unknown): boolean;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new WaitTimeoutError(`${what} did not settle within ${timeoutMs} ms`, timeoutMs)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

interface Reply {
  packet: IPublishPacket;
  body: Record<string, unknown> | undefined;
  correlation: Buffer | undefined;
}

/**
 * Defines a `describe` block checking the core of the profile against the caller's agent (and
 * client): retained card with presence properties, Correlation Data echo, error replies to bad
 * input, streams ending on a terminal state, and a wire sniffer reporting no violation.
 *
 * @example
 * ```ts
 * import { defineConformanceSuite } from '@a2a-mqtt/test-harness/vitest';
 * defineConformanceSuite({
 *   createAgent: async ({ broker, prefix, address }) => startMyAgent({ url: broker.url, prefix, address }),
 *   createClient: async (context) => createMyConformanceClient(context),
 * });
 * ```
 */
export function defineConformanceSuite(options: ConformanceSuiteOptions): void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONFORMANCE_TIMEOUT_MS;
  const agentAddress = options.agentAddress ?? DEFAULT_CONFORMANCE_AGENT;
  const requesterAddress = options.requesterAddress ?? DEFAULT_CONFORMANCE_REQUESTER;
  const endsStream = options.isStreamEndingEvent ?? isStreamEndingEvent;

  describe(options.name ?? 'A2A over MQTT conformance', () => {
    let ownBroker: BrokerHandle | undefined;
    let broker: BrokerHandle;
    let prefix: string;
    let sniffer: WireSniffer;
    let agent: ConformanceAgent | undefined;
    let raw: MqttClient;
    const replies: Reply[] = [];
    let replyFilter: string;
    let replyTopic: string;

    const credentialsFor = (address: AgentAddress): BrokerUser | undefined => {
      if (!broker.agentCredentials) return undefined;
      try {
        return broker.agentCredentials(address);
      } catch {
        return undefined;
      }
    };

    beforeAll(async () => {
      if (options.broker) {
        broker = options.broker();
      } else {
        ownBroker = await startBroker(options.brokerOptions ?? {});
        broker = ownBroker;
      }
      prefix = options.prefix ?? broker.capabilities.recommendedPrefix;
      const topics = createTopics({ prefix });
      sniffer = await createWireSniffer({ broker, prefix });
      const requesterCredentials = broker.admin ?? credentialsFor(requesterAddress);
      raw = await mqtt.connectAsync(
        broker.clientOptions({
          clientId: `conformance-raw-${createReplySuffix()}`,
          ...(requesterCredentials ?? {}),
        }),
      );
      replyFilter = topics.replyFilter({
        org: requesterAddress.org,
        unit: requesterAddress.unit,
        requester: requesterAddress.agent,
      });
      replyTopic = topics.reply({
        org: requesterAddress.org,
        unit: requesterAddress.unit,
        requester: requesterAddress.agent,
        suffix: createReplySuffix(),
      });
      raw.on('message', (topic, payload, packet) => {
        if (topic !== replyTopic) return;
        let body: Record<string, unknown> | undefined;
        try {
          body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
        } catch {
          body = undefined;
        }
        const data = packet.properties?.correlationData;
        replies.push({ packet, body, correlation: data ? Buffer.from(data) : undefined });
      });
      await raw.subscribeAsync(replyFilter, { qos: 1 });
      agent = await options.createAgent({
        broker,
        prefix,
        address: { ...agentAddress },
        ...(credentialsFor(agentAddress) ? { credentials: credentialsFor(agentAddress) } : {}),
      });
    });

    afterAll(async () => {
      await agent?.close();
      await raw?.endAsync();
      await sniffer?.close();
      await ownBroker?.close();
    });

    const requestTopic = () => createTopics({ prefix }).request(agentAddress);

    async function sendRaw(payload: string | Buffer): Promise<Buffer> {
      const correlationData = createCorrelationData();
      await raw.publishAsync(requestTopic(), payload, {
        qos: 1,
        properties: {
          responseTopic: replyTopic,
          correlationData,
          userProperties: { [SERVICE_PARAMETER.VERSION]: '1.0' },
        },
      });
      return correlationData;
    }

    function repliesFor(correlation: Buffer): Reply[] {
      return replies.filter((reply) => reply.correlation?.equals(correlation));
    }

    function textMessage(text: string) {
      return {
        message: {
          messageId: createTaskId(),
          role: 'ROLE_USER',
          parts: [{ text }],
          taskId: createTaskId(),
          contextId: createContextId(),
        },
      };
    }

    it('discovery: the card is retained, valid, with a2a-status=online and a2a-status-source=agent', async () => {
      const topic = createTopics({ prefix }).discovery(agentAddress);
      const observer = await mqtt.connectAsync(
        broker.clientOptions({
          clientId: `conformance-observer-${createReplySuffix()}`,
          ...(broker.admin ?? {}),
        }),
      );
      try {
        const received: IPublishPacket[] = [];
        observer.on('message', (_topic, _payload, packet) => received.push(packet));
        await observer.subscribeAsync(topic, { qos: 1 });
        const packet = await waitFor(() => received.find((entry) => entry.retain), {
          timeoutMs,
          description: `a retained card on ${topic}`,
        });
        const userProperties = packet.properties?.userProperties;
        expect(readUserProperty(userProperties, USER_PROPERTY.STATUS)).toBe(PRESENCE_STATUS.ONLINE);
        expect(readUserProperty(userProperties, USER_PROPERTY.STATUS_SOURCE)).toBe(
          STATUS_SOURCE.AGENT,
        );
        const card = JSON.parse(Buffer.from(packet.payload).toString('utf8'));
        const result = validateAgentCard(card);
        expect(result.ok ? [] : result.issues).toEqual([]);
      } finally {
        await observer.endAsync();
      }
    });

    it('request/reply: the reply echoes Correlation Data byte for byte and the JSON-RPC id', async () => {
      const id = `conformance-${createReplySuffix()}`;
      const correlation = await sendRaw(
        JSON.stringify({ jsonrpc: '2.0', id, method: 'SendMessage', params: textMessage('ping') }),
      );
      const reply = await waitFor(() => repliesFor(correlation)[0], {
        timeoutMs,
        description: 'a correlated reply to SendMessage',
      });
      expect(reply.correlation?.equals(correlation)).toBe(true);
      expect(reply.body?.jsonrpc).toBe('2.0');
      expect(reply.body?.id).toBe(id);
      expect(reply.body !== undefined && 'result' in reply.body).toBe(true);
      expect(reply.packet.qos).toBe(1);
    });

    it('error reply: unparseable JSON gets a JSON-RPC parse error (-32700) echoing Correlation Data', async () => {
      const correlation = await sendRaw('{"jsonrpc":"2.0","id":');
      const reply = await waitFor(() => repliesFor(correlation)[0], {
        timeoutMs,
        description: 'an error reply to malformed JSON',
      });
      const error = reply.body?.error as { code?: unknown; message?: unknown } | undefined;
      expect(error?.code).toBe(-32_700);
      expect(typeof error?.message).toBe('string');
    });

    it('error reply: an unknown method gets -32601 with the request id', async () => {
      const id = `unknown-${createReplySuffix()}`;
      const correlation = await sendRaw(
        JSON.stringify({ jsonrpc: '2.0', id, method: 'NoSuchMethod', params: {} }),
      );
      const reply = await waitFor(() => repliesFor(correlation)[0], {
        timeoutMs,
        description: 'an error reply to an unknown method',
      });
      expect(reply.body?.id).toBe(id);
      expect((reply.body?.error as { code?: unknown } | undefined)?.code).toBe(-32_601);
    });

    it('stream: every item echoes Correlation Data and the last one ends the stream', async () => {
      const id = `stream-${createReplySuffix()}`;
      const correlation = await sendRaw(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'SendStreamingMessage',
          params: textMessage('stream please'),
        }),
      );
      const items = await waitFor(
        () => {
          const list = repliesFor(correlation);
          return list.some((reply) => isStreamEndingEvent(reply.body)) ? list : undefined;
        },
        { timeoutMs, description: 'a stream-ending item' },
      );
      const endIndex = items.findIndex((reply) => isStreamEndingEvent(reply.body));
      expect(endIndex).toBe(items.length - 1);
      for (const item of items) {
        expect(item.body?.id).toBe(id);
        expect(item.packet.qos).toBe(1);
      }
    });

    if (options.createClient) {
      const createClient = options.createClient;
      describe('client', () => {
        let client: ConformanceClient | undefined;
        beforeAll(async () => {
          client = await createClient({
            broker,
            prefix,
            agentAddress: { ...agentAddress },
            requesterAddress: { ...requesterAddress },
            ...(credentialsFor(requesterAddress)
              ? { credentials: credentialsFor(requesterAddress) }
              : {}),
          });
        });
        afterAll(async () => {
          await client?.close();
        });

        it('sendMessage resolves with a task or message', async () => {
          const result = await withTimeout(
            client!.sendMessage('hello from the conformance suite'),
            timeoutMs,
            'sendMessage',
          );
          expect(result).toBeTypeOf('object');
          expect(result).not.toBeNull();
        });

        it('sendMessageStream completes after a stream-ending event', async () => {
          const events: unknown[] = [];
          const consume = (async () => {
            for await (const event of client!.sendMessageStream('stream from the client')) {
              events.push(event);
            }
          })();
          await withTimeout(consume, timeoutMs, 'sendMessageStream (to complete)');
          expect(events.length).toBeGreaterThan(0);
          expect(endsStream(events[events.length - 1])).toBe(true);
          expect(events.slice(0, -1).some((event) => endsStream(event))).toBe(false);
        });
      });
    }

    it('wire: every message under the prefix follows the profile', () => {
      // The raw error-path tests publish malformed requests on purpose.
      const unexpected = sniffer
        .violations()
        .filter(
          (violation) =>
            !(
              violation.rule === 'request-invalid-json-rpc' &&
              violation.topic === requestTopic() &&
              /not JSON/.test(violation.message)
            ),
        );
      expect(unexpected).toEqual([]);
    });
  });
}
