/**
 * The one build configuration of every published package: ESM and CJS, each with its own
 * type declarations (`.d.mts` / `.d.cts`, checked by publint and attw in `pnpm lint`).
 */
import { defineConfig, type UserConfig } from 'tsdown';

/** tsdown config of a published `@a2a-mqtt/*` package with the given entry points. */
export function libraryConfig(entry: string[]): UserConfig {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    fixedExtension: true,
    clean: true,
    platform: 'node',
    target: 'node20',
  });
}

/** tsdown config of an app (ESM executable, no declarations). */
export function appConfig(entry: string[] | Record<string, string>): UserConfig {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: false,
    sourcemap: true,
    fixedExtension: true,
    clean: true,
    platform: 'node',
    target: 'node20',
  });
}
