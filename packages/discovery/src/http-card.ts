/**
 * Serving the same card at the HTTP well-known path, for HTTP-first clients.
 */
import type { AgentCard } from '@a2a-js/sdk';

/** Where the current card comes from: a registration (follows `update()`), or a getter. */
export type AgentCardSource = { readonly card: AgentCard } | (() => AgentCard);

/**
 * An `AgentCardProvider` for `@a2a-js/sdk/server/express`'s `agentCardHandler`, serving the
 * card an MQTT registration publishes (including its MQTT interface entry, so an HTTP-first
 * client can switch to MQTT). It reads the card on every request, so `update()` shows up.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { agentCardHandler } from '@a2a-js/sdk/server/express';
 * import { AGENT_CARD_PATH } from '@a2a-js/sdk';
 *
 * const registration = await registerAgent({ session, agent, card });
 * const app = express();
 * app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({
 *   agentCardProvider: agentCardProviderFor(registration),
 * }));
 * ```
 */
export function agentCardProviderFor(source: AgentCardSource): () => Promise<AgentCard> {
  return () => Promise.resolve(typeof source === 'function' ? source() : source.card);
}
