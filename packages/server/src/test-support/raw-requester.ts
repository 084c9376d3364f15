/**
 * A raw mqtt.js requester for integration tests: the server is tested against the wire,
 * independently of `@a2a-mqtt/client`. Every reply is recorded with its Correlation Data
 * and user properties.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';

/** One reply as received. */
export interface RawReply {
  topic: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON-RPC replies.
  body: any;
  raw: Buffer;
  correlationData: Buffer | undefined;
  userProperties: Record<string, string | string[]>;
}

/** Options of {@link RawRequester.publish}. */
export interface RawPublishOptions {
  /** Correlation Data; `null` sends none. @default 16 random bytes */
  correlationData?: Buffer | null;
  /** Response Topic; `null` sends none. @default the requester's reply topic */
  responseTopic?: string | null;
  userProperties?: Record<string, string | string[]>;
  messageExpiryInterval?: number;
  /** @default { 'A2A-Version': '1.0' } merged under userProperties */
  version?: string | null;
}

const FINAL_STATES = new Set([
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_AUTH_REQUIRED',
]);

/** Whether a reply body ends its stream (error, message or final status). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON-RPC replies.
export function isFinalReply(body: any): boolean {
  if (!body || typeof body !== 'object') return true;
  if (body.error !== undefined) return true;
  const result = body.result;
  if (!result || typeof result !== 'object') return true;
  if (result.message !== undefined) return true;
  if (result.statusUpdate) return FINAL_STATES.has(result.statusUpdate.status?.state);
  if (result.task && 'task' in result && Object.keys(result).length === 1) return false;
  return !('artifactUpdate' in result);
}

export class RawRequester {
  readonly replies: RawReply[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly client: MqttClient,
    readonly replyTopic: string,
  ) {
    client.on('message', (topic, payload, packet) => {
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        body = undefined;
      }
      this.replies.push({
        topic,
        body,
        raw: payload,
        correlationData: packet.properties?.correlationData,
        userProperties: (packet.properties?.userProperties ?? {}) as Record<
          string,
          string | string[]
        >,
      });
      for (const listener of this.listeners) listener();
    });
  }

  /** Connects and subscribes the reply topic `{prefix}/reply/{org}/{unit}/{id}/{suffix}`. */
  static async connect(options: {
    url: string;
    prefix: string;
    org: string;
    unit: string;
    id?: string;
  }): Promise<RawRequester> {
    const id = options.id ?? `requester-${randomBytes(3).toString('hex')}`;
    const client = await mqtt.connectAsync(options.url, {
      protocolVersion: 5,
      clientId: `${options.org}/${options.unit}/${id}`,
      reconnectPeriod: 0,
    });
    const replyTopic = `${options.prefix}/reply/${options.org}/${options.unit}/${id}/${randomBytes(6).toString('hex')}`;
    await client.subscribeAsync(replyTopic, { qos: 1 });
    return new RawRequester(client, replyTopic);
  }

  /** Publishes a request and returns the Correlation Data used. */
  async publish(
    topic: string,
    body: unknown,
    options: RawPublishOptions = {},
  ): Promise<Buffer | undefined> {
    const correlationData =
      options.correlationData === null ? undefined : (options.correlationData ?? randomBytes(16));
    const payload = Buffer.isBuffer(body)
      ? body
      : typeof body === 'string'
        ? body
        : JSON.stringify(body);
    const userProperties: Record<string, string | string[]> = {
      ...(options.version === null ? {} : { 'A2A-Version': options.version ?? '1.0' }),
      ...options.userProperties,
    };
    // mqtt.js writes an invalid packet for an empty user-property object: leave it out.
    const properties: NonNullable<IClientPublishOptions['properties']> =
      Object.keys(userProperties).length > 0 ? { userProperties } : {};
    if (options.responseTopic !== null)
      properties.responseTopic = options.responseTopic ?? this.replyTopic;
    if (correlationData !== undefined) properties.correlationData = correlationData;
    if (options.messageExpiryInterval !== undefined)
      properties.messageExpiryInterval = options.messageExpiryInterval;
    await this.client.publishAsync(topic, payload, { qos: 1, properties });
    return correlationData;
  }

  /** Replies whose Correlation Data equals `correlationData` (or that have none, for `undefined`). */
  repliesFor(correlationData: Buffer | undefined): RawReply[] {
    return this.replies.filter((reply) =>
      correlationData === undefined
        ? reply.correlationData === undefined
        : reply.correlationData !== undefined &&
          Buffer.compare(reply.correlationData, correlationData) === 0,
    );
  }

  /** Waits until `predicate()` holds (checked on every reply), or fails after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 10_000, what = 'replies'): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /** Sends and waits for the single reply of a request. */
  async call(topic: string, body: unknown, options: RawPublishOptions = {}): Promise<RawReply> {
    const correlation = await this.publish(topic, body, options);
    await this.until(
      () => this.repliesFor(correlation).length > 0,
      10_000,
      `reply to ${describe(body)}`,
    );
    return this.repliesFor(correlation)[0]!;
  }

  /** Sends and waits until the stream ends (a final item); returns every item. */
  async stream(topic: string, body: unknown, options: RawPublishOptions = {}): Promise<RawReply[]> {
    const correlation = await this.publish(topic, body, options);
    return this.waitStream(correlation);
  }

  /** Waits until the stream of `correlation` has its final item. */
  async waitStream(correlation: Buffer | undefined, timeoutMs = 10_000): Promise<RawReply[]> {
    await this.until(
      () => this.repliesFor(correlation).some((reply) => isFinalReply(reply.body)),
      timeoutMs,
      'end of stream',
    );
    return this.repliesFor(correlation);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

function describe(body: unknown): string {
  const method = (body as { method?: unknown } | null)?.method;
  return typeof method === 'string' ? method : 'request';
}
