import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite costs ~700 MB per instance: keep concurrency low on 2-core CI machines.
    maxWorkers: 2,
    pool: 'forks',
  },
});
