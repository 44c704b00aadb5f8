import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const fromRoot = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/**
 * The renderer build, shared by both hosts: the web host serves `out/renderer` at `/`, Electron loads the
 * same files. `base: './'` keeps every asset URL relative so either host (or a reverse-proxy sub-path) works.
 */
export default defineConfig({
  root: fromRoot('./src-renderer'),
  base: './',
  // No svelte.config.js: the defaults (runes, TS via vite) are what we want.
  plugins: [svelte({ configFile: false })],
  resolve: {
    alias: {
      $lib: fromRoot('./src-renderer/lib'),
      $components: fromRoot('./src-renderer/components'),
      $views: fromRoot('./src-renderer/views'),
      $shared: fromRoot('./src-shared'),
    },
  },
  build: {
    outDir: fromRoot('./out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    // [Note: strict CSP] The page must run under `script-src 'self'`: no inline scripts. Vite's module
    // preload polyfill is the one thing that could be injected inline; every browser we target has
    // native modulepreload, so it is off.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
