/**
 * The root README's "An agent and a client" blocks are the files echo-agent.ts and
 * echo-client.ts, byte for byte: the README shows exactly the code that the integration test
 * next to this one type-checks and runs. (No broker needed; it runs with that suite.)
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const SECTION = '## An agent and a client';

/** The ```ts blocks of the README section `title`, in order. */
function tsBlocks(readme: string, title: string): string[] {
  const start = readme.indexOf(`\n${title}\n`);
  if (start < 0) throw new Error(`README has no "${title}" section`);
  const next = readme.indexOf('\n## ', start + title.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('README: an agent and a client', () => {
  it('shows echo-agent.ts and echo-client.ts exactly', async () => {
    const [readme, agent, client] = await Promise.all([
      readFile(join(here, '../../README.md'), 'utf8'),
      readFile(join(here, 'echo-agent.ts'), 'utf8'),
      readFile(join(here, 'echo-client.ts'), 'utf8'),
    ]);
    expect(tsBlocks(readme, SECTION)).toEqual([agent, client]);
  });
});
