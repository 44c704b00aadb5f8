import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const fromHere = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/**
 * Unit tests of the renderer's plain logic (wire, services, formatting) in Node. The Svelte plugin
 * compiles `.svelte.ts` service modules; nothing here needs a DOM. Run:
 *   npx vitest run --config src-renderer/vitest.config.ts
 */
export default defineConfig({
  // Compile and resolve Svelte for the browser, as the app runs: service tests then exercise the real
  // client reactivity (signals, deriveds, effects), not the server renderer's stand-ins.
  plugins: [svelte({ configFile: false, dynamicCompileOptions: () => ({ generate: 'client' }) })],
  resolve: {
    conditions: ['browser'],
    alias: {
      $lib: fromHere('./lib'),
      $components: fromHere('./components'),
      $views: fromHere('./views'),
      $shared: fromHere('../src-shared'),
    },
  },
  test: {
    root: fromHere('.'),
    include: ['**/*.test.ts'],
    environment: 'node',
    maxWorkers: 1,
  },
});
