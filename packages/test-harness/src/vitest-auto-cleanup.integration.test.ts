/**
 * Importing `@a2a-mqtt/test-harness/vitest` registers a file-level `afterAll` that stops what the
 * harness started and nobody closed. The check below is registered before that import (a dynamic
 * one), so with vitest's default stacked hook order it runs after the harness's hook.
 */
import { existsSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { type MosquittoBrokerHandle, startBroker } from './index.js';

let leaked: MosquittoBrokerHandle | undefined;

afterAll(() => {
  expect(leaked).toBeDefined();
  expect(leaked?.running).toBe(false);
  expect(existsSync(leaked!.dataDir)).toBe(false);
});

await import('./vitest.js');

it('starts a broker and never closes it (the entry point stops it after the file)', async () => {
  leaked = await startBroker();
  expect(leaked.running).toBe(true);
});
