import { randomBytes } from 'node:crypto';
import { connectMqttSession } from '@a2a-mqtt/connection';
import { parseBrokerUrl, validateIdentifier } from '@a2a-mqtt/protocol';
import type { Logger } from 'pino';
import type { Reporter, ScenarioId, ScenarioResult } from './output/reporter.js';
import { SCENARIOS } from './scenarios/index.js';
import { type DemoEnvironment, runScenario } from './scenarios/scenario.js';

/** Topic prefix the demo uses on its embedded mosquitto. */
export const MOSQUITTO_DEMO_PREFIX = 'a2a/v1';
/** Default topic prefix on a broker given with `--broker` (the profile's default). */
export const EXTERNAL_DEMO_PREFIX = '$a2a/v1';
/** How long the demo waits for a broker given with `--broker` before giving up. */
export const PREFLIGHT_CONNECT_TIMEOUT_MS = 5_000;
/** Org of the demo's agents unless the URL or `--org` names one. */
export const DEFAULT_DEMO_ORG = 'demo';

/** Options of {@link runDemo}. */
export interface RunDemoOptions {
  /** Broker URL; when absent a private mosquitto is started (and stopped at the end). */
  brokerUrl?: string;
  /** Topic prefix. @default `a2a/v1` on the embedded mosquitto, `$a2a/v1` otherwise */
  prefix?: string;
  /** Org. @default the URL's org or `demo` */
  org?: string;
  /** Run only these scenarios. @default all */
  only?: readonly ScenarioId[];
  reporter: Reporter;
  logger: Logger;
  /** Stops the run (Ctrl-C): the running scenario fails and cleans up, the rest are skipped. */
  signal?: AbortSignal;
}

/** The outcome of a demo run. */
export interface DemoRunResult {
  ok: boolean;
  results: ScenarioResult[];
}

/** Runs the demo's scenarios on the given or an embedded broker and reports as it goes. */
export async function runDemo(options: RunDemoOptions): Promise<DemoRunResult> {
  const started = Date.now();
  const notes: string[] = [];
  let brokerUrl = options.brokerUrl;
  let stopBroker: (() => Promise<void>) | undefined;
  let brokerKind = 'external broker';
  let prefix = options.prefix;
  if (brokerUrl === undefined) {
    // Loaded on demand: with --broker the harness (and mosquitto) is not needed.
    const { startBroker } = await import('@a2a-mqtt/test-harness');
    const broker = await startBroker();
    stopBroker = () => broker.close();
    brokerUrl = broker.url;
    brokerKind = `embedded ${broker.capabilities.name}, pid ${broker.pid}`;
    if (prefix === undefined) {
      prefix = broker.capabilities.sharedSubscriptionsOnDollarTopics
        ? EXTERNAL_DEMO_PREFIX
        : (broker.capabilities.recommendedPrefix ?? MOSQUITTO_DEMO_PREFIX);
      if (!broker.capabilities.sharedSubscriptionsOnDollarTopics) {
        notes.push(
          `prefix ${prefix}: mosquitto 2.0 never delivers shared subscriptions (pools) on $-topics, so the demo does not use the default $a2a/v1 here`,
        );
      }
    }
  }
  prefix ??= EXTERNAL_DEMO_PREFIX;
  try {
    const endpoint = parseBrokerUrl(brokerUrl);
    const org = validateIdentifier(options.org ?? endpoint.org ?? DEFAULT_DEMO_ORG, 'org');
    const external = stopBroker === undefined;
    if (external) {
      // Fail once, clearly, rather than three times: is the broker there at all?
      const probe = await connectMqttSession({
        url: brokerUrl,
        connectTimeoutMs: PREFLIGHT_CONNECT_TIMEOUT_MS,
        reconnect: { enabled: false },
        // No logger: a refusal is reported once, as the demo's own one-line error.
      });
      await probe.close();
    }
    if (external && endpoint.unit === undefined) {
      notes.push('units get a per-run suffix so runs on a shared broker do not see each other');
    }
    const env: DemoEnvironment = {
      brokerUrl,
      prefix,
      org,
      ...(endpoint.unit === undefined ? {} : { unit: endpoint.unit }),
      unitSuffix: external ? `-${randomBytes(3).toString('hex')}` : '',
      logger: options.logger,
    };
    options.reporter.emit({
      type: 'run-start',
      broker: endpoint.toString(),
      brokerKind,
      prefix,
      notes,
    });
    const selected = SCENARIOS.filter(
      (scenario) => options.only === undefined || options.only.includes(scenario.id),
    );
    const results: ScenarioResult[] = [];
    for (const [index, scenario] of selected.entries()) {
      if (options.signal?.aborted) break;
      results.push(await runScenario(scenario, index + 1, env, options.reporter, options.signal));
    }
    const ok =
      results.length === selected.length &&
      results.length > 0 &&
      results.every((result) => result.ok);
    options.reporter.emit({
      type: 'summary',
      ok,
      durationMs: Date.now() - started,
      scenarios: results,
    });
    return { ok, results };
  } finally {
    await stopBroker?.();
  }
}
