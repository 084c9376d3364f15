#!/usr/bin/env node
// Removes the Vitest JSON reports of an earlier run so the summary counts this run only.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const packageDirs = [
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => `${group}/${name}`),
  ),
  'examples',
];
for (const packageDir of packageDirs) {
  {
    const dir = join(root, packageDir, '.test-results');
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
