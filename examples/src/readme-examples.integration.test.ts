/**
 * The README's "An agent and a client" examples (echo-agent.ts, echo-client.ts), run against a
 * private mosquitto, plus the README's broker claims that are cheap to check.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageRequest, type StreamResponse, TaskState } from '@a2a-js/sdk';
import { createA2AMqttClient, type RequesterStats } from '@a2a-mqtt/client';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { createAgentResolver } from '@a2a-mqtt/discovery';
import { A2AMqttError, createTopics, type TopicScheme } from '@a2a-mqtt/protocol';
import { createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import { isStreamEndingEvent, MOSQUITTO_CAPABILITIES } from '@a2a-mqtt/test-harness';
import { useBroker } from '@a2a-mqtt/test-harness/vitest';
import { describe, expect, it } from 'vitest';
import { echoCard, echoExecutor, startEchoAgent } from './echo-agent';
import { askEcho } from './echo-client';

const broker = useBroker({ profile: 'anonymous' });

/** The text parts of the agent message carried by a final status update. */
function replyText(event: StreamResponse | undefined): string | undefined {
  if (event?.payload?.$case !== 'statusUpdate') return undefined;
  return event.payload.value.status?.message?.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

describe('README: an agent and a client', () => {
  it('the client finds the agent by name, gets its reply, and the stream ends', async () => {
    const server = await startEchoAgent({ url: broker().url, org: 'acme', unit: 'eng' });
    try {
      const events = await askEcho({ url: `${broker().url}/acme/eng`, text: 'hello over MQTT' });

      expect(events.map((event) => event.payload?.$case)).toEqual(['task', 'statusUpdate']);
      const [first, last] = events;
      expect(first?.payload?.$case === 'task' && first.payload.value.status?.state).toBe(
        TaskState.TASK_STATE_SUBMITTED,
      );
      expect(last?.payload?.$case === 'statusUpdate' && last.payload.value.status?.state).toBe(
        TaskState.TASK_STATE_COMPLETED,
      );
      expect(replyText(last)).toBe('hello over MQTT');
      // askEcho returned, so its for-await loop ended: the stream closed after the final status.
      expect(isStreamEndingEvent(last)).toBe(true);
      expect(server.metrics().received).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('server.close() publishes the offline card', async () => {
    const server = await startEchoAgent({ url: broker().url, org: 'acme', unit: 'closing' });
    await server.close();

    const session = await connectMqttSession({
      url: broker().url,
      clientId: 'acme/closing/observer',
    });
    const resolver = createAgentResolver({ session, scope: { org: 'acme', unit: 'closing' } });
    try {
      const entry = await resolver.discoverAgent('echo');
      expect(entry.card.name).toBe(echoCard.name);
      expect(entry.status).toBe('offline');
      expect(entry.statusSource).toBe('agent');
    } finally {
      await resolver.close();
      await session.close();
    }
  });
});

describe('README: what to know about brokers (mosquitto)', () => {
  /** One pooled streaming request; the events, or the error, and the requester's counters. */
  async function askPool(
    unit: string,
    topics: TopicScheme,
  ): Promise<{ events: StreamResponse[]; error: unknown; stats: RequesterStats }> {
    const client = await createA2AMqttClient({
      url: `${broker().url}/acme/${unit}`,
      agent: 'echo',
      pool: 'echoes',
      topics,
    });
    const events: StreamResponse[] = [];
    let error: unknown;
    let stats: RequesterStats;
    try {
      const stream = client.client.sendMessageStream(
        SendMessageRequest.fromJSON({
          message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'pooled' }] },
        }),
      );
      for await (const event of stream) events.push(event);
    } catch (caught) {
      error = caught;
    } finally {
      stats = { ...client.requester.stats };
      await client.close();
    }
    return { events, error, stats };
  }

  async function startPoolMember(unit: string, topics: TopicScheme) {
    return createA2AMqttServer({
      session: { url: broker().url },
      agent: { org: 'acme', unit, agent: 'echo' },
      pool: 'echoes',
      topics,
      requestHandler: createRequestHandler({ agentCard: echoCard, agentExecutor: echoExecutor }),
    });
  }

  it('a pooled request on the $a2a/v1 prefix fails fast with NO_MATCHING_SUBSCRIBERS', async () => {
    expect(MOSQUITTO_CAPABILITIES.sharedSubscriptionsOnDollarTopics).toBe(false);
    const topics = createTopics(); // the profile's default prefix, $a2a/v1
    expect(topics.prefix).toBe('$a2a/v1');
    const server = await startPoolMember('dollar', topics);
    try {
      const { events, error, stats } = await askPool('dollar', topics);

      expect(events).toEqual([]);
      expect(error).toBeInstanceOf(A2AMqttError);
      expect(error).toMatchObject({ code: 'NO_MATCHING_SUBSCRIBERS' });
      // Fast: failed on the PUBACK of the one publish, without waiting for a reply (the default
      // first-reply timeout alone is 15 s) and without a retry.
      expect(stats).toMatchObject({ requests: 1, retries: 0, timeouts: 0, inFlight: 0 });
      expect(server.metrics().received).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('the same pool works on mosquitto with a prefix without $ (a2a/v1)', async () => {
    const topics = createTopics({ prefix: 'a2a/v1' });
    const server = await startPoolMember('plain', topics);
    try {
      const { events, error, stats } = await askPool('plain', topics);

      expect(error).toBeUndefined();
      expect(stats).toMatchObject({ requests: 1, retries: 0, timeouts: 0 });
      expect(replyText(events.at(-1))).toBe('pooled');
      expect(isStreamEndingEvent(events.at(-1))).toBe(true);
      expect(server.metrics().received).toBe(1);
    } finally {
      await server.close();
    }
  });
});
