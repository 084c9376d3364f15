import { describe, expect, it } from 'vitest';
import {
  createJsonReporter,
  createStyles,
  createTerminalReporter,
  type DemoEvent,
  type ScenarioResult,
} from './reporter.js';
import { formatTable, visibleWidth } from './table.js';

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

const passed: ScenarioResult = {
  id: 'code-generation',
  title: 'Code generation',
  ok: true,
  durationMs: 1_234,
  checks: [{ name: 'a', ok: true }],
};
const failed: ScenarioResult = {
  id: 'platform',
  title: 'Agent platform',
  ok: false,
  durationMs: 50,
  checks: [
    { name: 'a', ok: true },
    { name: 'b', ok: false, detail: 'why' },
  ],
  error: 'boom',
};

describe('json reporter', () => {
  it('writes one JSON object per line, with a timestamp', () => {
    const out = sink();
    const reporter = createJsonReporter(out);
    reporter.emit({ type: 'progress', scenario: 'diagnosis', message: 'hello\nworld' });
    reporter.emit({ type: 'summary', ok: true, durationMs: 1, scenarios: [passed] });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] ?? '') as DemoEvent & { time: string };
    expect(first).toMatchObject({ type: 'progress', message: 'hello\nworld' });
    expect(Number.isNaN(Date.parse(first.time))).toBe(false);
  });
});

describe('terminal reporter', () => {
  it('prints checks and a summary table without colour when not a terminal', () => {
    const out = sink(false);
    const reporter = createTerminalReporter(out, createStyles(out, {}));
    reporter.emit({ type: 'check', scenario: 'platform', name: 'b', ok: false, detail: 'why' });
    reporter.emit({ type: 'summary', ok: false, durationMs: 1_300, scenarios: [passed, failed] });
    const text = out.text();
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('✗ b (why)');
    expect(text).toMatch(/\n1 +Code generation +PASS +1\/1 +1\.2 s\n/);
    expect(text).toMatch(/\n2 +Agent platform +FAIL +1\/2 +0\.1 s\n/);
    expect(text).toContain('1 of 2 scenarios failed');
  });

  it('colours a terminal unless NO_COLOR is set', () => {
    const tty = sink(true);
    expect(createStyles(tty, {}).green('x')).toBe('\u001b[32mx\u001b[39m');
    expect(createStyles(tty, { NO_COLOR: '1' }).green('x')).toBe('x');
    expect(createStyles(sink(false), { FORCE_COLOR: '1' }).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('formatTable', () => {
  it('aligns columns, ignoring colour codes', () => {
    const table = formatTable(
      [
        { header: 'n', value: (row: { n: string; v: string }) => row.n, align: 'right' },
        { header: 'value', value: (row) => row.v },
      ],
      [
        { n: '1', v: '\u001b[32mok\u001b[39m' },
        { n: '10', v: 'longer' },
      ],
    );
    const lines = table.split('\n');
    expect(lines[0]).toBe(' n  value');
    expect(lines[2]).toBe(' 1  \u001b[32mok\u001b[39m');
    expect(lines[3]).toBe('10  longer');
    expect(visibleWidth(lines[2] ?? '')).toBe(6);
  });
});
