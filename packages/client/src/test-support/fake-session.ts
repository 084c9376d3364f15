import type { InboundMessage } from '@a2a-mqtt/connection';
import type { RequesterSession, RequestPublishProperties } from '../requester';

/** One publish recorded by {@link FakeSession}. */
export interface RecordedPublish {
  topic: string;
  payload: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary request params
  json: { jsonrpc: string; id: number; method: string; params: any };
  properties: RequestPublishProperties;
  failOnNoSubscribers: boolean | undefined;
}

/**
 * An in-memory stand-in for `MqttSession` (unit tests only): records subscriptions and
 * publishes, and lets a test deliver replies.
 */
export class FakeSession implements RequesterSession {
  readonly clientId: string;
  readonly subscriptions: { filter: string; handler: (message: InboundMessage) => void }[] = [];
  readonly published: RecordedPublish[] = [];
  readonly events: string[] = [];
  /** How often the requester asked to hold writes to the end of the turn. */
  coalesced = 0;
  /** Next publish results: an Error rejects that publish. */
  publishOutcomes: (Error | undefined)[] = [];

  constructor(clientId = 'acme/eng/tester') {
    this.clientId = clientId;
  }

  async subscribe(filter: string, handler: (message: InboundMessage) => void) {
    this.events.push(`subscribe ${filter}`);
    const entry = { filter, handler };
    this.subscriptions.push(entry);
    return {
      unsubscribe: async () => {
        this.events.push(`unsubscribe ${filter}`);
        const index = this.subscriptions.indexOf(entry);
        if (index >= 0) this.subscriptions.splice(index, 1);
      },
    };
  }

  publish(
    topic: string,
    payload: string | Buffer,
    options?: { properties?: RequestPublishProperties; failOnNoSubscribers?: boolean },
  ): Promise<unknown> {
    const text = payload.toString();
    this.events.push(`publish ${topic}`);
    this.published.push({
      topic,
      payload: text,
      json: JSON.parse(text),
      properties: options?.properties as RequestPublishProperties,
      failOnNoSubscribers: options?.failOnNoSubscribers,
    });
    const outcome = this.publishOutcomes.shift();
    return outcome ? Promise.reject(outcome) : Promise.resolve({ reasonCode: 0 });
  }

  coalesceWritesThisTurn(): void {
    this.coalesced++;
  }

  /** Delivers a raw reply to every subscription. */
  deliver(message: Partial<InboundMessage> & { payload: Buffer }): void {
    const full: InboundMessage = {
      topic: this.subscriptions[0]?.filter ?? 'reply',
      qos: 1,
      retain: false,
      properties: {},
      ...message,
    };
    for (const subscription of [...this.subscriptions]) subscription.handler(full);
  }

  /** Replies to publish number `index` with a JSON body (echoing its Correlation Data). */
  reply(index: number, body: unknown, userProperties?: Record<string, string>): void {
    const request = this.published[index];
    if (!request) throw new Error(`no publish #${index}`);
    this.deliver({
      topic: request.properties.responseTopic,
      payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      properties: {
        correlationData: Buffer.from(request.properties.correlationData),
        ...(userProperties ? { userProperties } : {}),
      },
    });
  }

  /** Replies with a JSON-RPC result to publish number `index`. */
  result(index: number, result: unknown, userProperties?: Record<string, string>): void {
    const request = this.published[index]!;
    this.reply(index, { jsonrpc: '2.0', id: request.json.id, result }, userProperties);
  }

  /** Replies with a JSON-RPC error to publish number `index`. */
  error(index: number, error: { code: number; message: string; data?: unknown }): void {
    const request = this.published[index]!;
    this.reply(index, { jsonrpc: '2.0', id: request.json.id, error });
  }
}

/** Lets pending promise callbacks run (fake timers do not advance microtasks by themselves). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
