/**
 * Shared Vitest configuration for every workspace package.
 *
 * Tests import sibling packages by name; the aliases below point those names at the
 * sources so a test run never depends on a stale `dist/`. Published builds are checked
 * separately (`publint`, `attw`) by each package's `lint` task.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const packages = ['protocol', 'connection', 'discovery', 'client', 'server', 'test-harness'];

/** Aliases from `@a2a-mqtt/<name>` (and known subpaths) to the package sources. */
export const workspaceAliases = [
  {
    find: '@a2a-mqtt/test-harness/vitest',
    replacement: resolve(root, 'packages/test-harness/src/vitest.ts'),
  },
  ...packages
    .filter((name) => existsSync(resolve(root, 'packages', name, 'src/index.ts')))
    .map((name) => ({
      find: new RegExp(`^@a2a-mqtt/${name}$`),
      replacement: resolve(root, 'packages', name, 'src/index.ts'),
    })),
];

/**
 * The config of one package: a `unit` project (`src/**\/*.test.ts`) and an `integration`
 * project (`src/**\/*.integration.test.ts`, `test/**\/*.test.ts`) that talks to real brokers.
 */
export function definePackageConfig(): ViteUserConfig {
  // Each run also writes a JSON report that `scripts/test-summary.mjs` totals into the one
  // closing line CI reads ("tests: N passed, N failed, N skipped").
  const reportFile = resolve(
    process.cwd(),
    '.test-results',
    `${basename(process.cwd())}-${process.argv.includes('integration') ? 'integration' : 'unit'}.json`,
  );
  return defineConfig({
    resolve: { alias: workspaceAliases },
    test: {
      reporters: ['default', 'json'],
      outputFile: { json: reportFile },
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts'],
            exclude: ['**/*.integration.test.ts', '**/node_modules/**', '**/dist/**'],
            testTimeout: 10_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['src/**/*.integration.test.ts', 'test/**/*.test.ts'],
            exclude: ['**/node_modules/**', '**/dist/**'],
            testTimeout: 60_000,
            hookTimeout: 60_000,
            // Brokers are real processes: keep the machine (2 cores) from oversubscribing.
            maxWorkers: 2,
          },
        },
      ],
    },
  });
}
