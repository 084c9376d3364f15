/**
 * The root entry must stay pure: no `mqtt`, no Node I/O module, nothing but `zod`.
 *
 * Two independent checks: a static walk of the import graph of `src/index.ts` (every runtime
 * import, including dynamic `import()` and `require()`), and a runtime import of the entry
 * with every forbidden module mocked to throw when loaded.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const ENTRY = resolve(here, 'index.ts');
const ALLOWED_PACKAGES = new Set(['zod']);

/** Runtime module specifiers of one source text (type-only imports and exports excluded). */
function runtimeImports(text: string, file = 'source.ts'): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // Only `import type` is erased: under verbatimModuleSyntax, `import { type X } from 'm'`
      // is emitted as `import {} from 'm'` and still loads the module.
      const typeOnly = node.importClause?.isTypeOnly === true;
      if (!typeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = node.isTypeOnly;
      if (!typeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [argument] = node.arguments;
      specifiers.push(argument && ts.isStringLiteralLike(argument) ? argument.text : '<dynamic>');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** Every non-relative runtime specifier reachable from `entry`, with the file importing it. */
function externalImports(entry: string): { file: string; specifier: string }[] {
  const seen = new Set<string>();
  const found: { file: string; specifier: string }[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'), file)) {
      if (specifier.startsWith('.')) {
        queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      } else {
        found.push({ file, specifier });
      }
    }
  }
  expect(seen.size).toBeGreaterThan(5); // the walk really followed the graph
  return found;
}

const FORBIDDEN = [
  'mqtt',
  'mqtt-packet',
  'ws',
  ...builtinModules
    .filter((name) => !name.startsWith('_'))
    .flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])),
];

describe('barrel clean', () => {
  afterEach(() => {
    for (const name of [...FORBIDDEN, 'zod']) vi.doUnmock(name);
    vi.resetModules();
  });

  it('the static import graph of the root entry reaches only zod', () => {
    const external = externalImports(ENTRY);
    const offending = external.filter(({ specifier }) => !ALLOWED_PACKAGES.has(specifier));
    expect(offending).toEqual([]);
    expect(external.map(({ specifier }) => specifier)).toContain('zod');
  });

  it('the static check recognises forbidden imports of every form', () => {
    const text = [
      "import 'mqtt';",
      "import type { Stats } from 'node:fs';",
      "import { type Socket } from 'node:net';",
      "import { connect } from 'node:tls';",
      "export { request } from 'node:http';",
      "export type { Agent } from 'node:https';",
      "const dns = await import('node:dns');",
      "const cp = require('node:child_process');",
    ].join('\n');
    // `import { type Socket }` still loads the module under verbatimModuleSyntax.
    expect(runtimeImports(text)).toEqual([
      'mqtt',
      'node:net',
      'node:tls',
      'node:http',
      'node:dns',
      'node:child_process',
    ]);
  });

  it('importing the root entry loads no mqtt and no Node built-in module', async () => {
    const loaded: string[] = [];
    for (const name of FORBIDDEN) {
      vi.doMock(name, () => {
        loaded.push(name);
        return {};
      });
    }
    vi.resetModules();
    let importError: unknown;
    const api = await import('./index.js').catch((error: unknown) => {
      importError = error;
      return undefined;
    });
    expect(loaded).toEqual([]);
    expect(importError).toBeUndefined();
    expect(typeof api?.createTopics).toBe('function');
  });

  it('the runtime check sees the modules the entry does load', async () => {
    // Proves the mechanism on a real dependency: zod is external, like mqtt would be.
    const loaded: string[] = [];
    vi.doMock('zod', async (importOriginal) => {
      loaded.push('zod');
      return importOriginal();
    });
    vi.resetModules();
    await import('./index.js');
    expect(loaded).toEqual(['zod']);
  });
});
