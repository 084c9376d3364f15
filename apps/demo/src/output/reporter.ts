import { formatTable } from './table.js';

/** The scenarios of `pnpm demo`. */
export type ScenarioId = 'code-generation' | 'diagnosis' | 'platform';

/** One expectation a scenario checked. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  ok: boolean;
  durationMs: number;
  checks: CheckResult[];
  error?: string;
}

/** Everything the demo reports, in order. In `--json` mode each is one line of JSON. */
export type DemoEvent =
  | { type: 'run-start'; broker: string; brokerKind: string; prefix: string; notes: string[] }
  | { type: 'scenario-start'; scenario: ScenarioId; index: number; title: string }
  | { type: 'progress'; scenario: ScenarioId; message: string; data?: Record<string, unknown> }
  | ({ type: 'check'; scenario: ScenarioId } & CheckResult)
  | ({ type: 'scenario-end'; index: number } & Omit<ScenarioResult, 'checks' | 'id'> & {
        scenario: ScenarioId;
        passedChecks: number;
        totalChecks: number;
      })
  | { type: 'summary'; ok: boolean; durationMs: number; scenarios: ScenarioResult[] };

/** Receives the demo's events. */
export interface Reporter {
  emit(event: DemoEvent): void;
}

/** Where a reporter writes (a subset of `NodeJS.WritableStream`). */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** One JSON object per line, with a timestamp. */
export function createJsonReporter(out: TextSink): Reporter {
  return {
    emit: (event) => {
      out.write(`${JSON.stringify({ ...event, time: new Date().toISOString() })}\n`);
    },
  };
}

/** ANSI styles, or identity functions when colour is off. */
export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
  yellow(text: string): string;
}

/** Colour when writing to a terminal, unless `NO_COLOR` is set (or `FORCE_COLOR` forces it). */
export function createStyles(out: TextSink, env: NodeJS.ProcessEnv = process.env): Styles {
  const on =
    env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0'
      ? true
      : env.NO_COLOR === undefined && out.isTTY === true;
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      on ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    red: wrap(31, 39),
    cyan: wrap(36, 39),
    yellow: wrap(33, 39),
  };
}

/** Seconds with one decimal, e.g. `1.3 s`. */
export function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Progress as it happens, then a summary table. */
export function createTerminalReporter(
  out: TextSink,
  styles: Styles = createStyles(out),
): Reporter {
  const s = styles;
  return {
    emit: (event) => {
      switch (event.type) {
        case 'run-start':
          out.write(
            `${s.bold('a2a-mqtt demo')}  broker ${s.cyan(event.broker)} (${event.brokerKind})  prefix ${s.cyan(event.prefix)}\n`,
          );
          for (const note of event.notes) out.write(`${s.dim(`  note: ${note}`)}\n`);
          break;
        case 'scenario-start':
          out.write(`\n${s.bold(`▶ ${event.index}. ${event.title}`)}\n`);
          break;
        case 'progress':
          out.write(`  ${s.dim('·')} ${event.message}\n`);
          break;
        case 'check':
          out.write(
            `  ${event.ok ? s.green('✓') : s.red('✗')} ${event.name}${event.detail ? s.dim(` (${event.detail})`) : ''}\n`,
          );
          break;
        case 'scenario-end': {
          const verdict = event.ok ? s.green('passed') : s.red('FAILED');
          out.write(
            `${event.ok ? s.green('✔') : s.red('✘')} ${event.index}. ${event.title} ${verdict} (${event.passedChecks}/${event.totalChecks} checks, ${formatDuration(event.durationMs)})\n`,
          );
          if (event.error) out.write(`  ${s.red(`error: ${event.error}`)}\n`);
          break;
        }
        case 'summary': {
          out.write(`\n${s.bold('Summary')}\n`);
          const table = formatTable(
            [
              { header: '#', value: (row: { index: number }) => String(row.index), align: 'right' },
              { header: 'scenario', value: (row) => row.result.title },
              {
                header: 'result',
                value: (row) => (row.result.ok ? s.green('PASS') : s.red('FAIL')),
              },
              {
                header: 'checks',
                value: (row) =>
                  `${row.result.checks.filter((check) => check.ok).length}/${row.result.checks.length}`,
                align: 'right',
              },
              {
                header: 'time',
                value: (row) => formatDuration(row.result.durationMs),
                align: 'right',
              },
            ],
            event.scenarios.map((result, index) => ({ index: index + 1, result })),
          );
          out.write(`${table}\n`);
          const passed = event.scenarios.filter((scenario) => scenario.ok).length;
          out.write(
            event.ok
              ? `${s.green(passed === 1 ? 'The scenario passed' : `All ${passed} scenarios passed`)} in ${formatDuration(event.durationMs)}.\n`
              : `${s.red(`${event.scenarios.length - passed} of ${event.scenarios.length} scenarios failed`)}; see the ✗ lines above.\n`,
          );
          break;
        }
      }
    },
  };
}
