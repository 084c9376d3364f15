import type { AgentCard } from '@a2a-js/sdk';
import type { AgentExecutor } from '@a2a-js/sdk/server';

/** The demo agents that `a2a-mqtt serve` and `pnpm demo` know by name. */
export type DemoAgentKind = 'echo' | 'code-generator' | 'diagnosis';

/** Every demo agent kind, in the order the CLI lists them. */
export const DEMO_AGENT_KINDS: readonly DemoAgentKind[] = ['echo', 'code-generator', 'diagnosis'];

/** Options common to every demo executor. */
export interface DemoExecutorOptions {
  /**
   * Pause between two published steps, so streamed progress is visible.
   * @default the agent's own default (tens to hundreds of milliseconds)
   */
  stepDelayMs?: number;
  /**
   * Aborting stops every running execution at its next step without publishing anything more
   * (used to simulate a crash).
   */
  signal?: AbortSignal;
}

/** A deterministic demo agent: its default id, its card and a factory for its executor. */
export interface DemoAgentDefinition {
  /** The kind name (`serve <kind>`). */
  readonly kind: DemoAgentKind;
  /** The agent id it registers under unless told otherwise (an MQTT identifier). */
  readonly defaultAgentId: string;
  /** Its Agent Card (no interface yet; `registerAgent` adds the MQTT one). */
  card(options?: { name?: string }): AgentCard;
  /** A fresh executor. */
  createExecutor(options?: DemoExecutorOptions): AgentExecutor;
}
