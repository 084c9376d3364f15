#!/usr/bin/env node
// Totals the Vitest JSON reports of every workspace package (written by vitest.shared.ts into
// `<package>/.test-results/`) into one closing line: "tests: N passed, N failed, N skipped".
// Exits non-zero when a test failed or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const packageDirs = [
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => `${group}/${name}`),
  ),
  'examples',
];
for (const packageDir of packageDirs) {
  {
    const dir = join(root, packageDir, '.test-results');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const p = report.numPassedTests ?? 0;
      const f = report.numFailedTests ?? 0;
      const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      passed += p;
      failed += f;
      skipped += s;
      rows.push(
        `  ${packageDir} ${file
          .replace(/\.json$/, '')
          .split('-')
          .pop()}: ${p} passed, ${f} failed, ${s} skipped`,
      );
    }
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
