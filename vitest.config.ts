import { defineConfig } from 'vitest/config';

/** Runs every package's tests from the root: `pnpm vitest --project unit`. */
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
