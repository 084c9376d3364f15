/**
 * The intake shared by the single-agent server and the multi-agent host: checks every inbound
 * request (reply path, Correlation Data, size, JSON-RPC envelope, expiry, capacity), admits it
 * into the bounded work queue, and publishes replies with the Correlation Data echoed.
 * Nothing a peer sends reaches an unguarded `throw`.
 */
import type { InboundMessage, Logger, MqttSession, PublishProperties } from '@a2a-mqtt/connection';
import {
  ARTIFACT_MODE,
  buildBindingError,
  buildJsonRpcError,
  isA2AMqttError,
  JSON_RPC_ERROR_CODE,
  type JsonRpcId,
  readUserProperty,
  SERVICE_PARAMETER,
  USER_PROPERTY,
  type UserProperties,
} from '@a2a-mqtt/protocol';
import type { AgentEndpoint, ReplyChannel, SerializedReply } from './agent-endpoint.js';
import { MetricsRecorder, type ServerMetrics } from './metrics.js';
import { isUsableResponseTopic, parseJsonRpcRequest, protocolError } from './request-envelope.js';
import { WorkQueue } from './work-queue.js';

/** @internal */
export interface IntakeLimits {
  maxConcurrentRequests: number;
  maxQueuedRequests: number;
  maxRequestBytes: number;
  maxQueueWaitMs: number | undefined;
}

/** @internal */
export class RequestIntake {
  readonly metrics = new MetricsRecorder();
  private readonly queue: WorkQueue;
  private accepting = true;

  constructor(
    private readonly session: MqttSession,
    private readonly limits: IntakeLimits,
    private readonly logger: Logger,
  ) {
    this.queue = new WorkQueue(limits.maxConcurrentRequests, limits.maxQueuedRequests);
  }

  /** Counters plus the current gauges. */
  snapshot(): ServerMetrics {
    return this.metrics.snapshot(this.queue.inFlight, this.queue.queued);
  }

  /**
   * Takes one inbound request. `endpoint` is the agent that serves it (`undefined`: not served
   * here, answered `-32004`); `replyUserProperties` is added to every reply (pooled replies
   * carry `a2a-responder-agent-id`). Never throws.
   */
  accept(
    message: InboundMessage,
    endpoint: AgentEndpoint | undefined,
    replyUserProperties: UserProperties | undefined,
  ): void {
    // The PUBACK of this request and a reply computed within this turn leave in one write.
    this.session.coalesceWritesThisTurn();
    try {
      this.acceptUnsafe(message, endpoint, replyUserProperties);
    } catch (error) {
      this.logger.error({ topic: message.topic, err: String(error) }, 'request intake failed');
    }
  }

  private acceptUnsafe(
    message: InboundMessage,
    endpoint: AgentEndpoint | undefined,
    replyUserProperties: UserProperties | undefined,
  ): void {
    const metrics = this.metrics;
    metrics.received += 1;
    const properties = message.properties ?? {};
    const responseTopic = properties.responseTopic;
    if (!isUsableResponseTopic(responseTopic)) {
      metrics.dropped['no-response-topic'] += 1;
      this.logger.warn(
        { topic: message.topic, bytes: message.payload.length },
        'request without a usable Response Topic dropped: it cannot be answered',
      );
      return;
    }
    const correlationData = properties.correlationData;
    // Binary artifact mode is not offered: a requester asking for it is told JSON is used.
    const channel = new MqttReplyChannel(
      this,
      responseTopic,
      correlationData,
      readUserProperty(properties.userProperties, USER_PROPERTY.ARTIFACT_MODE) === undefined
        ? replyUserProperties
        : { ...replyUserProperties, [USER_PROPERTY.ARTIFACT_MODE]: ARTIFACT_MODE.JSON },
    );
    const parsed = parseJsonRpcRequest(message.payload, this.limits.maxRequestBytes);

    if (correlationData === undefined || correlationData.length === 0) {
      metrics.rejected.protocol += 1;
      this.answerNow(
        channel,
        protocolError(
          parsed.ok ? parsed.id : null,
          'Correlation Data is required on every request.',
        ),
      );
      return;
    }
    if (!parsed.ok) {
      metrics.rejected[parsed.reason] += 1;
      this.answerNow(channel, parsed.reply);
      return;
    }
    const { id, request } = parsed;
    if (!endpoint) {
      metrics.rejected.unavailable += 1;
      this.answerNow(channel, unavailable(id, 'No agent is served on this topic here.'));
      return;
    }
    if (!this.accepting) {
      metrics.rejected.unavailable += 1;
      this.answerNow(channel, unavailable(id, 'Responder is shutting down.'));
      return;
    }
    const arrivedAt = Date.now();
    const expiry = properties.messageExpiryInterval;
    if (expiry !== undefined && expiry <= 0) {
      metrics.rejected.expired += 1;
      this.answerNow(channel, expired(id));
      return;
    }
    const expiresAt = expiry === undefined ? Number.POSITIVE_INFINITY : arrivedAt + expiry * 1_000;
    const maxWait = this.limits.maxQueueWaitMs;
    const waitLimit = maxWait === undefined ? Number.POSITIVE_INFINITY : arrivedAt + maxWait;

    const admitted = this.queue.tryRun(async (startedAt) => {
      try {
        if (startedAt === undefined) {
          metrics.rejected.unavailable += 1;
          await channel.send(unavailable(id, 'Responder is shutting down.'));
        } else if (startedAt > expiresAt) {
          metrics.rejected.expired += 1;
          await channel.send(expired(id));
        } else if (startedAt > waitLimit) {
          metrics.rejected.overloaded += 1;
          await channel.send(unavailable(id, 'Responder overloaded: request waited too long.'));
        } else {
          await endpoint.serve(
            { request, id, topic: message.topic, userProperties: properties.userProperties },
            channel,
          );
        }
      } finally {
        if (channel.sentCount > 0) metrics.replied += 1;
      }
    });
    if (!admitted) {
      metrics.rejected.overloaded += 1;
      this.answerNow(channel, unavailable(id, 'Responder overloaded: request queue is full.'));
    }
  }

  /** Publishes an immediate (single) answer and counts the request as replied. */
  private answerNow(channel: MqttReplyChannel, body: unknown): void {
    void channel.send(body).then((sent) => {
      if (sent) this.metrics.replied += 1;
    });
  }

  /** Answers every later arrival with `-32004` (synchronous: the first step of a shutdown). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * Stops taking requests: later arrivals get `-32004`, queued ones too; running ones may
   * finish until `deadline` (epoch ms). Returns how many were still running at the deadline.
   */
  async drain(deadline: number): Promise<number> {
    this.stopAccepting();
    for (const job of this.queue.takeQueued()) void job(undefined);
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, remaining));
    });
    const outcome = await Promise.race([
      this.queue.whenIdle().then(() => 'idle' as const),
      timedOut,
    ]);
    clearTimeout(timer);
    if (outcome === 'idle') return 0;
    const abandoned = this.queue.inFlight;
    this.metrics.dropped.shutdown += abandoned;
    return abandoned;
  }

  /**
   * @internal The broker's Maximum Packet Size, or `undefined` when it announced none (the
   * MQTT limit of 256 MiB then applies).
   */
  packetLimit(): number | undefined {
    return this.session.maximumPacketSize;
  }

  /** @internal used by {@link MqttReplyChannel}. */
  async publish(
    topic: string,
    payload: string,
    properties: PublishProperties,
    isError: boolean,
  ): Promise<'sent' | 'too-large' | 'failed'> {
    try {
      await this.session.publish(topic, payload, { qos: 1, properties });
      this.metrics.published += 1;
      if (isError) this.metrics.errorReplies += 1;
      return 'sent';
    } catch (error) {
      if (isA2AMqttError(error, 'PACKET_TOO_LARGE')) return 'too-large';
      this.metrics.dropped['publish-failed'] += 1;
      this.logger.warn(
        {
          responseTopic: topic,
          code: isA2AMqttError(error) ? error.code : undefined,
          err: String(error),
        },
        'reply could not be published',
      );
      return 'failed';
    }
  }
}

/** The largest MQTT packet (a limit even when the broker announces none). */
const MQTT_MAX_PACKET_BYTES = 268_435_455;

/** Publishes the replies of one request; one properties object reused for every item. */
class MqttReplyChannel implements ReplyChannel {
  sentCount = 0;
  private properties: PublishProperties;
  private overhead: number | undefined;

  constructor(
    private readonly intake: RequestIntake,
    private readonly topic: string,
    correlationData: Buffer | undefined,
    private readonly baseUserProperties: UserProperties | undefined,
  ) {
    this.properties =
      baseUserProperties === undefined
        ? { correlationData }
        : { correlationData, userProperties: baseUserProperties };
  }

  /** Upper bound of everything but the payload in a reply PUBLISH (topic, properties, headers). */
  private overheadBound(): number {
    if (this.overhead === undefined) {
      let bytes = 64 + this.topic.length * 3 + (this.properties.correlationData?.length ?? 0);
      const userProperties = this.properties.userProperties;
      if (userProperties !== undefined) {
        for (const key in userProperties) {
          const value = userProperties[key];
          const values = Array.isArray(value) ? value : [value];
          for (const item of values) bytes += 8 + (key.length + String(item).length) * 3;
        }
      }
      this.overhead = bytes;
    }
    return this.overhead;
  }

  setActivatedExtensions(extensions: readonly string[]): void {
    this.overhead = undefined;
    this.properties = {
      ...this.properties,
      userProperties: {
        ...this.baseUserProperties,
        [SERVICE_PARAMETER.EXTENSIONS]: extensions.join(','),
      },
    };
  }

  send(body: unknown): Promise<boolean> {
    return this.sendSerialized(this.serialize(body));
  }

  serialize(body: unknown): SerializedReply {
    const isError = (body as { error?: unknown }).error !== undefined;
    let payload: string;
    try {
      payload = JSON.stringify(body);
    } catch {
      payload = JSON.stringify(
        buildJsonRpcError({
          id: idOf(body),
          code: JSON_RPC_ERROR_CODE.INTERNAL_ERROR,
          message: 'Reply could not be serialised.',
        }),
      );
    }
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: below this bound no packet-size
    // check can refuse the publish, so it may be pipelined (O(1), no byte count).
    const limit = this.intake.packetLimit() ?? MQTT_MAX_PACKET_BYTES;
    const fits = payload.length * 3 + this.overheadBound() <= limit;
    return { body, payload, isError, fits };
  }

  async sendSerialized(reply: SerializedReply): Promise<boolean> {
    const { body, payload, isError } = reply;
    const outcome = await this.intake.publish(this.topic, payload, this.properties, isError);
    if (outcome === 'sent') {
      this.sentCount += 1;
      return true;
    }
    if (outcome === 'too-large') {
      // The broker would refuse (and disconnect on) this reply: say so in a small one instead.
      const fallback = JSON.stringify(
        buildJsonRpcError({
          id: idOf(body),
          code: JSON_RPC_ERROR_CODE.INTERNAL_ERROR,
          message: "Reply exceeds the broker's maximum packet size.",
        }),
      );
      if ((await this.intake.publish(this.topic, fallback, this.properties, true)) === 'sent') {
        this.sentCount += 1;
      } else {
        this.intake.metrics.dropped['publish-failed'] += 1;
      }
    }
    return false;
  }
}

function idOf(body: unknown): JsonRpcId {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function unavailable(id: JsonRpcId, message: string) {
  return buildBindingError('RESPONDER_UNAVAILABLE', { id, message });
}

function expired(id: JsonRpcId) {
  return buildBindingError('REQUEST_EXPIRED', {
    id,
    message: 'Request expired before processing.',
  });
}
