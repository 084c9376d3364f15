import { describe, expect, it } from 'vitest';
import { type RouteHandler, TopicRouter } from './topic-router.js';

type Message = { topic: string };

function handler(): RouteHandler<Message> & { received: Message[] } {
  const received: Message[] = [];
  return { received, deliver: (message) => received.push(message) };
}

describe('TopicRouter', () => {
  it('routes by subscription identifier: each handler once, even when overlapping filters each get a copy', () => {
    const router = new TopicRouter<Message>();
    const plus = handler();
    const hash = handler();
    const a = router.add('x/+', plus, 1).entry;
    const b = router.add('x/#', hash, 1).entry;
    const idA = router.allocateSubscriptionId(a, new Set(a.handlers));
    const idB = router.allocateSubscriptionId(b, new Set(b.handlers));
    // A broker that sends one copy per matching subscription (mosquitto does).
    expect([...router.route('x/y', false, [idA])]).toEqual([plus]);
    expect([...router.route('x/y', false, [idB])]).toEqual([hash]);
    // A broker that sends one copy carrying both identifiers.
    expect(new Set(router.route('x/y', false, [idA, idB]))).toEqual(new Set([plus, hash]));
  });

  it('delivers once per handler when one copy matches several filters (no identifiers)', () => {
    const router = new TopicRouter<Message>();
    const shared = handler();
    router.add('x/+', shared, 1);
    router.add('x/#', shared, 1);
    router.add('#', shared, 0);
    const other = handler();
    router.add('x/y', other, 0);
    const recipients = router.route('x/y', false, undefined);
    expect(recipients.size).toBe(2);
    expect(recipients.has(shared)).toBe(true);
    expect(recipients.has(other)).toBe(true);
  });

  it('falls back to topic matching when no identifier is known (a resumed session)', () => {
    const router = new TopicRouter<Message>();
    const h = handler();
    router.add('$a2a/v1/request/acme/ops/+', h, 1);
    expect(router.route('$a2a/v1/request/acme/ops/planner', false, [999]).has(h)).toBe(true);
    expect(router.route('$a2a/v1/request/acme/other/planner', false, [999]).size).toBe(0);
  });

  it('applies the $-topic rule and $share prefixes in the trie', () => {
    const router = new TopicRouter<Message>();
    const all = handler();
    const dollar = handler();
    const pool = handler();
    router.add('#', all, 0);
    router.add('+/v1/#', all, 0);
    router.add('$a2a/v1/#', dollar, 0);
    router.add('$share/g/a2a/v1/request/acme/ops/pool/p', pool, 1);
    expect([...router.route('$a2a/v1/x', false, undefined)]).toEqual([dollar]);
    expect(new Set(router.route('a2a/v1/request/acme/ops/pool/p', false, undefined))).toEqual(
      new Set([all, pool]),
    );
  });

  it('reference-counts filters: only the last handler leaving removes the entry', () => {
    const router = new TopicRouter<Message>();
    const first = handler();
    const second = handler();
    expect(router.add('a/b', first, 0).created).toBe(true);
    expect(router.add('a/b', second, 1)).toMatchObject({ created: false, qosRaised: true });
    expect(router.remove('a/b', first)).toBe(false);
    expect(router.route('a/b', false, undefined).has(second)).toBe(true);
    expect(router.remove('a/b', first)).toBe(false); // idempotent
    expect(router.remove('a/b', second)).toBe(true);
    expect(router.size).toBe(0);
    expect(router.route('a/b', false, undefined).size).toBe(0);
  });

  it('drops subscription identifiers of removed filters', () => {
    const router = new TopicRouter<Message>();
    const h = handler();
    const entry = router.add('a/b', h, 0).entry;
    const id = router.allocateSubscriptionId(entry, new Set([h]));
    router.remove('a/b', h);
    const again = handler();
    router.add('a/b', again, 0);
    // The old identifier is unknown now: fall back to matching (the new handler only).
    expect([...router.route('a/b', false, [id])]).toEqual([again]);
  });

  it('sends retained messages of a renewed SUBSCRIBE only to the handler that asked', () => {
    const router = new TopicRouter<Message>();
    const early = handler();
    const late = handler();
    const entry = router.add('cards/+', early, 1).entry;
    const first = router.allocateSubscriptionId(entry, new Set([early]));
    router.add('cards/+', late, 1);
    const renewed = router.allocateSubscriptionId(entry, new Set([late]));
    expect([...router.route('cards/a', true, [renewed])]).toEqual([late]);
    expect([...router.route('cards/a', true, [first])]).toEqual([early]);
    // Live messages (retain flag off) go to everyone.
    expect(router.route('cards/a', false, [renewed]).size).toBe(2);
  });

  it('keeps the trie small: removing filters prunes their branches, and matching uses the cache', () => {
    const router = new TopicRouter<Message>();
    const handlers = Array.from({ length: 1_000 }, (_, index) => {
      const h = handler();
      router.add(`$a2a/v1/reply/acme/ops/me/${index}`, h, 1);
      return h;
    });
    const target = handlers[500] as RouteHandler<Message>;
    expect([...router.route('$a2a/v1/reply/acme/ops/me/500', false, undefined)]).toEqual([target]);
    expect(router.match('$a2a/v1/reply/acme/ops/me/500')).toBe(
      router.match('$a2a/v1/reply/acme/ops/me/500'),
    );
    handlers.forEach((h, index) => {
      router.remove(`$a2a/v1/reply/acme/ops/me/${index}`, h);
    });
    expect(router.size).toBe(0);
    expect(
      (router as unknown as { root: { children: Map<string, unknown> } }).root.children.size,
    ).toBe(0);
  });

  it('rejects invalid filters with INVALID_TOPIC and leaves no entry behind', () => {
    const router = new TopicRouter<Message>();
    expect(() => router.add('a/#/b', handler(), 0)).toThrowError(
      expect.objectContaining({ code: 'INVALID_TOPIC' }),
    );
    expect(router.size).toBe(0);
  });
});
