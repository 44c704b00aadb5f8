import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import rendererConfig from './vite.renderer.config.js';

const fromRoot = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/**
 * The desktop build (`npm run build:desktop`): out/main (Electron main), out/preload, out/renderer.
 *
 * [Note: the engine is not bundled] The engine runs in the utility process from its TypeScript sources under
 * tsx (src-main/engine/utility-bootstrap.js), exactly as in the CLI and the web host: worker threads load task
 * modules by `*.ts` URL (engine/workers/task-registry.ts), which a bundle would break. So main's bundle holds
 * src-main/app only; the engine, src-shared and tsx ship as files (electron-builder.yml).
 */
export default defineConfig({
  main: {
    build: {
      outDir: fromRoot('./out/main'),
      rolldownOptions: {
        // `index` matches package.json "main": out/main/index.js.
        input: { index: fromRoot('./src-main/app/main.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: fromRoot('./out/preload'),
      // A sandboxed preload can `require` only electron's renderer modules: everything else (src-shared, zod)
      // must be inside the one file, and it must be CommonJS (sandboxed preloads cannot be ES modules).
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: fromRoot('./src-main/preload/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    // The same renderer as the web build (plugins, aliases, strict-CSP settings); only where it lands differs.
    ...rendererConfig,
    build: {
      ...rendererConfig.build,
      outDir: fromRoot('./out/renderer'),
      rolldownOptions: { input: fromRoot('./src-renderer/index.html') },
    },
  },
});
