/**
 * A scriptable in-memory stand-in for `MqttSession`, for unit tests only (never exported).
 * Retained messages are replayed on subscribe, publishes are routed to matching handlers in
 * order, like a broker for one session.
 */
import { EventEmitter } from 'node:events';
import type { InboundMessage, MessageHandler, MqttSession } from '@a2a-mqtt/connection';

interface FakePublish {
  topic: string;
  payload: string | Buffer;
  options: Record<string, unknown> | undefined;
}

function matches(filter: string, topic: string): boolean {
  // A shared subscription `$share/{group}/{filter}` matches like `{filter}` (one member here).
  const f = (filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter).split(
    '/',
  );
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export class FakeSession extends EventEmitter {
  clientId = 'acme/ops/watcher';
  connected = true;
  endpoint = undefined;
  readonly published: FakePublish[] = [];
  readonly subscriptions = new Map<string, Set<MessageHandler>>();
  readonly retained = new Map<string, InboundMessage>();
  /** Make `publish` on topics matching this filter reject (e.g. an ACL refusal). */
  refusePublishOn: string | undefined;

  async subscribe(
    filter: string,
    handler: MessageHandler,
  ): Promise<{ unsubscribe(): Promise<void> }> {
    let set = this.subscriptions.get(filter);
    if (!set) {
      set = new Set();
      this.subscriptions.set(filter, set);
    }
    set.add(handler);
    const retained = [...this.retained.values()].filter((message) =>
      matches(filter, message.topic),
    );
    queueMicrotask(() => {
      for (const message of retained) handler(message);
    });
    return {
      unsubscribe: async () => {
        set.delete(handler);
        if (set.size === 0) this.subscriptions.delete(filter);
      },
    };
  }

  async publish(
    topic: string,
    payload: string | Buffer,
    options?: { retain?: boolean; properties?: InboundMessage['properties'] },
  ): Promise<{ reasonCode: number; noMatchingSubscribers: boolean }> {
    if (this.refusePublishOn && matches(this.refusePublishOn, topic)) {
      throw Object.assign(new Error('not authorized'), { code: 'NOT_AUTHORIZED' });
    }
    this.published.push({ topic, payload, options: options as Record<string, unknown> });
    const { userProperties, ...properties } = options?.properties ?? {};
    this.deliver(topic, payload, userProperties, options?.retain ?? false, properties);
    return { reasonCode: 0, noMatchingSubscribers: false };
  }

  /**
   * Simulates a message from another client (a card, a will, a broker-status update, a reply);
   * `properties` adds MQTT v5 properties besides the user properties (Correlation Data, ...).
   */
  deliver(
    topic: string,
    payload: string | Buffer,
    userProperties?: Record<string, string | string[]>,
    retain = true,
    properties: Omit<InboundMessage['properties'], 'userProperties'> = {},
  ): void {
    const message: InboundMessage = {
      topic,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
      qos: 1,
      retain: false,
      properties: { ...properties, ...(userProperties ? { userProperties } : {}) },
    } as InboundMessage;
    if (retain) {
      if (message.payload.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, { ...message, retain: true });
    }
    for (const [filter, handlers] of this.subscriptions) {
      if (!matches(filter, topic)) continue;
      for (const handler of handlers) handler(message);
    }
  }

  /** Burst scopes opened with `beginBurst()` and not yet ended, and all ever opened. */
  openBursts = 0;
  burstsOpened = 0;

  beginBurst(): () => void {
    this.openBursts += 1;
    this.burstsOpened += 1;
    let open = true;
    return () => {
      if (open) this.openBursts -= 1;
      open = false;
    };
  }

  asSession(): MqttSession {
    return this as unknown as MqttSession;
  }
}
