import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Follows relative imports from `entry` and returns every bare module specifier reached. */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Static imports/exports only: `import type` is erased and `await import()` is lazy.
    for (const match of source.matchAll(
      /^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms,
    )) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bare.add(specifier);
    }
  };
  visit(entry);
  return bare;
}

describe('entry points', () => {
  it('the root entry works without vitest and without testcontainers (lazy import)', () => {
    const imports = bareImports(join(here, 'index.ts'));
    expect(imports.has('vitest')).toBe(false);
    expect(imports.has('testcontainers')).toBe(false);
    expect([...imports].filter((name) => !name.startsWith('node:')).sort()).toEqual([
      '@a2a-mqtt/protocol',
      'mqtt',
    ]);
  });

  it('the vitest entry is the one that imports vitest', () => {
    expect(bareImports(join(here, 'vitest.ts')).has('vitest')).toBe(true);
  });
});
