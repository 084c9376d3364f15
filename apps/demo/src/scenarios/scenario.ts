import type { Logger } from 'pino';
import type { CheckResult, Reporter, ScenarioId, ScenarioResult } from '../output/reporter.js';

/** Where and how the scenarios run. */
export interface DemoEnvironment {
  /** Broker URL, credentials included (never printed). */
  brokerUrl: string;
  /** Topic prefix (`a2a/v1` on mosquitto: its shared subscriptions ignore `$` topics). */
  prefix: string;
  /** The organisation every agent registers under. */
  org: string;
  /** Overrides each scenario's own unit (for brokers that confine a client to one unit). */
  unit?: string;
  /** Appended to scenario units so runs on a shared broker do not see each other's cards. */
  unitSuffix: string;
  /** App logger (pino, to stderr). */
  logger: Logger;
}

/** What a scenario body gets. */
export interface ScenarioContext {
  readonly env: DemoEnvironment;
  readonly logger: Logger;
  /** The unit this scenario uses: `env.unit` or `{base}{unitSuffix}`. */
  unit(base: string): string;
  /** Reports progress (a line in the terminal, an object in `--json`). */
  progress(message: string, data?: Record<string, unknown>): void;
  /** Records an expectation; returns `ok` so the body can branch on it. */
  check(name: string, ok: boolean, detail?: string): boolean;
  /** Registers a cleanup, run in reverse order when the scenario ends (even on failure). */
  defer(cleanup: () => Promise<void> | void): void;
  /** Aborted when the scenario times out. */
  readonly signal: AbortSignal;
}

/** A scenario of the demo. */
export interface ScenarioDefinition {
  id: ScenarioId;
  title: string;
  /** Upper bound for the whole scenario. */
  timeoutMs: number;
  run(context: ScenarioContext): Promise<void>;
}

/** Default bound of one scenario. */
export const DEFAULT_SCENARIO_TIMEOUT_MS = 30_000;

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Runs one scenario: reports its start, its progress and checks, and its end. A scenario passes
 * when it finished without error, recorded at least one check, and every check passed.
 */
export async function runScenario(
  definition: ScenarioDefinition,
  index: number,
  env: DemoEnvironment,
  reporter: Reporter,
  /** Aborts the scenario (Ctrl-C): it fails with the signal's reason, its cleanups still run. */
  signal?: AbortSignal,
): Promise<ScenarioResult> {
  const started = Date.now();
  const checks: CheckResult[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  const controller = new AbortController();
  const logger = env.logger.child({ scenario: definition.id });
  reporter.emit({
    type: 'scenario-start',
    scenario: definition.id,
    index,
    title: definition.title,
  });
  const context: ScenarioContext = {
    env,
    logger,
    signal: controller.signal,
    unit: (base) => env.unit ?? `${base}${env.unitSuffix}`,
    progress: (message, data) => {
      reporter.emit({
        type: 'progress',
        scenario: definition.id,
        message,
        ...(data ? { data } : {}),
      });
    },
    check: (name, ok, detail) => {
      const result: CheckResult = detail === undefined ? { name, ok } : { name, ok, detail };
      checks.push(result);
      reporter.emit({ type: 'check', scenario: definition.id, ...result });
      return ok;
    },
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      definition.run(context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const timeout = new Error(`scenario timed out after ${definition.timeoutMs} ms`);
          controller.abort(timeout);
          reject(timeout);
        }, definition.timeoutMs);
        onAbort = () => {
          const reason =
            signal?.reason instanceof Error ? signal.reason : new Error('scenario interrupted');
          controller.abort(reason);
          reject(reason);
        };
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } catch (caught) {
    error = errorMessage(caught);
    // The reporter shows the error; the log keeps the details (stack, cause).
    logger.debug({ err: caught }, 'scenario failed');
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort(new Error('scenario ended'));
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (caught) {
        // After Ctrl-C the broker may be gone already: expected, not worth a warning.
        if (signal?.aborted) logger.debug({ err: caught }, 'cleanup failed after interrupt');
        else logger.warn({ err: caught }, 'cleanup failed');
      }
    }
  }
  const ok = error === undefined && checks.length > 0 && checks.every((check) => check.ok);
  const result: ScenarioResult = {
    id: definition.id,
    title: definition.title,
    ok,
    durationMs: Date.now() - started,
    checks,
    ...(error === undefined ? {} : { error }),
  };
  reporter.emit({
    type: 'scenario-end',
    scenario: definition.id,
    index,
    title: definition.title,
    ok,
    durationMs: result.durationMs,
    passedChecks: checks.filter((check) => check.ok).length,
    totalChecks: checks.length,
    ...(error === undefined ? {} : { error }),
  });
  return result;
}
