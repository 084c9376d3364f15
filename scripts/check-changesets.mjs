#!/usr/bin/env node
// Checks that every changeset parses: front matter of `"@a2a-mqtt/<package>": major|minor|patch`
// lines naming workspace packages, then a summary. (A formatter once rewrote front matter into
// a heading, which `changeset version` rejects.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.changeset');
const published = new Set(
  readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name, 'package.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')))
    .filter((pkg) => !pkg.private)
    .map((pkg) => pkg.name),
);
const problems = [];
let count = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  count++;
  const text = readFileSync(join(dir, file), 'utf8');
  const match = /^---\n((?:"[^"]+": (?:major|minor|patch)\n)+)---\n\s*\S/.exec(text);
  if (!match) {
    problems.push(`${file}: front matter is not '---', "<package>": <bump> lines, '---', summary`);
    continue;
  }
  for (const line of match[1].trim().split('\n')) {
    const name = line.slice(1, line.indexOf('"', 1));
    if (!published.has(name)) problems.push(`${file}: ${name} is not a published package`);
  }
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`changesets: ${count} valid\n`);
