import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // ORT sessions and worker threads are heavy on a 2-core machine: keep files from oversubscribing it.
    maxWorkers: 2,
    typecheck: { enabled: true, include: ['src-main/**/*.test-d.ts', 'src-shared/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
