import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, extractImports } from './check-layers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees: string[] = [];

/** A throw-away tree of source files: `{ 'src-shared/a.ts': '…' }`. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'layers-'));
  trees.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

function messages(root: string): string[] {
  return checkLayers(root).violations.map((v) => `${v.file}:${v.line}: ${v.message}`);
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('check-layers on the real tree', () => {
  it('finds no violation', () => {
    const report = checkLayers(repoRoot);
    expect(report.violations).toEqual([]);
    expect(report.files).toBeGreaterThan(10);
  });
});

describe('check-layers rules', () => {
  it('accepts a tree that follows every rule', () => {
    const root = tree({
      'src-shared/api/a.ts': "import { z } from 'zod';\nimport { b } from './b.js';\nexport const a = z.string();\n",
      'src-shared/api/b.ts': 'export const b = 1;\n',
      'src-main/engine/host/host.ts': "import { a } from '../../../src-shared/api/a.js';\nimport fs from 'node:fs';\n",
      'src-main/engine/nn/ops.ts': "import { shape } from './shape.js';\n",
      'src-main/engine/nn/shape.ts': 'export const shape = 1;\n',
      'src-main/app/main.ts': "import { app } from 'electron';\nimport '../engine/host/host.js';\n",
      'src-renderer/App.svelte': "<script lang=\"ts\">\n  import { a } from '../src-shared/api/a.js';\n  import Chart from 'chart.js';\n</script>\n",
    });
    expect(messages(root)).toEqual([]);
  });

  it('src-shared may not import anything of ours outside src-shared', () => {
    const root = tree({
      'src-shared/api/a.ts': "export const a = 1;\nimport { h } from '../../src-main/engine/host/h.js';\n",
      'src-main/engine/host/h.ts': 'export const h = 1;\n',
    });
    expect(messages(root)).toEqual([
      "src-shared/api/a.ts:2: src-shared must not import '../../src-main/engine/host/h.js' (src-main/engine/host/h.ts): src-shared imports nothing of ours",
    ]);
  });

  it('src-shared may not import node built-ins or electron, however written', () => {
    const root = tree({
      'src-shared/x.ts': "import fs from 'node:fs';\nconst p = await import('path');\nconst e = require('electron');\nexport { fs, p, e };\n",
    });
    expect(messages(root)).toEqual([
      "src-shared/x.ts:1: src-shared must not import the node built-in 'node:fs' (it runs in the renderer too)",
      "src-shared/x.ts:2: src-shared must not import the node built-in 'path' (it runs in the renderer too)",
      "src-shared/x.ts:3: src-shared must not import 'electron'",
    ]);
  });

  it('engine, server and cli may not import electron, not even as a type or a re-export', () => {
    const root = tree({
      'src-main/engine/utility-entry.ts': "import type { ParentPort } from 'electron';\n",
      'src-main/server/serve.ts': "\n\nexport { app } from 'electron';\n",
      'src-main/cli/valle.ts': "const { dialog } = require('electron/main');\n",
    });
    expect(messages(root)).toEqual([
      "src-main/cli/valle.ts:1: src-main/cli must not import 'electron/main' (it runs under plain Node)",
      "src-main/engine/utility-entry.ts:1: src-main/engine must not import 'electron' (it runs under plain Node)",
      "src-main/server/serve.ts:3: src-main/server must not import 'electron' (it runs under plain Node)",
    ]);
  });

  it('engine may not load a file that loads electron, however indirectly', () => {
    const root = tree({
      'src-main/engine/host/h.ts': "import { x } from '../../app/menu.js';\nimport type { Y } from '../../app/menu.js';\n",
      'src-main/app/menu.ts': "export { x } from './menu-items.js';\nexport type Y = number;\n",
      'src-main/app/menu-items.ts': "import { Menu } from 'electron';\nexport const x = Menu;\n",
    });
    expect(messages(root)).toEqual([
      "src-main/engine/host/h.ts:1: src-main/engine must not import '../../app/menu.js': it loads electron (src-main/app/menu.ts → src-main/app/menu-items.ts → electron)",
    ]);
  });

  it('engine may use an electron-free file that lives beside electron code', () => {
    const root = tree({
      'src-main/engine/transport/port.test.ts': "import { wire } from '../../preload/wire.js';\n",
      'src-main/preload/wire.ts': "import type { IpcRenderer } from 'electron';\nexport const wire = 1;\n",
      'src-main/preload/preload.ts': "import { ipcRenderer } from 'electron';\nimport { wire } from './wire.js';\n",
    });
    expect(messages(root)).toEqual([]);
  });

  it('engine/nn may not import speech or host modules', () => {
    const root = tree({
      'src-main/engine/nn/graph.ts': "import { codec } from '../codec/encodec.js';\nimport { db } from '../db/open.js';\nimport { ok } from '../jobs/job-context.js';\n",
      'src-main/engine/codec/encodec.ts': 'export const codec = 1;\n',
      'src-main/engine/db/open.ts': 'export const db = 1;\n',
      'src-main/engine/jobs/job-context.ts': 'export const ok = 1;\n',
    });
    expect(messages(root)).toEqual([
      "src-main/engine/nn/graph.ts:1: src-main/engine/nn must not import src-main/engine/codec ('../codec/encodec.js'): nn knows nothing of speech or the host",
      "src-main/engine/nn/graph.ts:2: src-main/engine/nn must not import src-main/engine/db ('../db/open.js'): nn knows nothing of speech or the host",
    ]);
  });

  it('the renderer may import only src-shared, itself and npm packages', () => {
    const root = tree({
      'src-renderer/lib/a.ts': "import { h } from '../../src-main/engine/host/h.js';\nimport { readFile } from 'fs/promises';\nimport { ipcRenderer } from 'electron';\n",
      'src-renderer/views/B.svelte': "<div>\n</div>\n<script lang=\"ts\">\n  import { h } from '../../src-main/engine/host/h';\n</script>\n",
      'src-main/engine/host/h.ts': 'export const h = 1;\n',
    });
    expect(messages(root)).toEqual([
      "src-renderer/lib/a.ts:1: src-renderer may import only src-shared and itself, not '../../src-main/engine/host/h.js' (src-main/engine/host/h.ts)",
      "src-renderer/lib/a.ts:2: src-renderer must not import the node built-in 'fs/promises'",
      "src-renderer/lib/a.ts:3: src-renderer must not import 'electron'; use window.studio",
      "src-renderer/views/B.svelte:4: src-renderer may import only src-shared and itself, not '../../src-main/engine/host/h' (src-main/engine/host/h.ts)",
    ]);
  });

  it('renderer aliases from its tsconfig are resolved and checked', () => {
    const root = tree({
      'src-renderer/tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "$main/*": ["../src-main/*"], "$lib/*": ["./lib/*"] } } }',
      'src-renderer/lib/ok.ts': 'export const ok = 1;\n',
      'src-renderer/App.ts': "import { ok } from '$lib/ok';\nimport { h } from '$main/engine/h.js';\n",
      'src-main/engine/h.ts': 'export const h = 1;\n',
    });
    expect(messages(root)).toEqual([
      "src-renderer/App.ts:2: src-renderer may import only src-shared and itself, not '$main/engine/h.js' (src-main/engine/h.ts)",
    ]);
  });

  it('reports an import cycle with the files along it', () => {
    const root = tree({
      'src-main/engine/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'src-main/engine/b.ts': "export const b = 1;\n\nimport { c } from './c.js';\n",
      'src-main/engine/c.ts': "import { a } from './a.js';\nexport const c = 1;\n",
      'src-main/engine/d.ts': "import { a } from './a.js';\n", // leads into the cycle, is not part of it
    });
    expect(messages(root)).toEqual([
      'src-main/engine/a.ts:1: import cycle: src-main/engine/a.ts → src-main/engine/b.ts → src-main/engine/c.ts → src-main/engine/a.ts',
    ]);
  });

  it('reports a file that imports itself', () => {
    const root = tree({ 'src-shared/self.ts': "export * from './self.js';\n" });
    expect(messages(root)).toEqual(['src-shared/self.ts:1: import cycle: src-shared/self.ts → src-shared/self.ts']);
  });

  it('does not count type-only imports as cycles (they are erased)', () => {
    const root = tree({
      'src-main/engine/queue.ts': "import type { Job } from './job.js';\nexport class Queue { job?: Job }\n",
      'src-main/engine/job.ts': "import { Queue } from './queue.js';\nexport interface Job { q: Queue }\n",
    });
    expect(messages(root)).toEqual([]);
  });

  it('leaves tool configs out of the layer rules, but not tests or type tests', () => {
    const root = tree({
      'src-renderer/vitest.config.ts': "import { fileURLToPath } from 'node:url';\n",
      'src-shared/api/contract.test-d.ts': "import type { HandlerTable } from '../../src-main/engine/host/table.js';\n",
      'src-shared/api/contract.test.ts': "import type { HandlerTable } from '../../src-main/engine/host/table.js';\n",
      'src-main/engine/host/table.ts': 'export type HandlerTable = {};\n',
    });
    expect(messages(root)).toEqual([
      "src-shared/api/contract.test-d.ts:1: src-shared must not import '../../src-main/engine/host/table.js' (src-main/engine/host/table.ts): src-shared imports nothing of ours",
      "src-shared/api/contract.test.ts:1: src-shared must not import '../../src-main/engine/host/table.js' (src-main/engine/host/table.ts): src-shared imports nothing of ours",
    ]);
  });

  it('reports an import it cannot resolve', () => {
    const root = tree({ 'src-main/engine/a.ts': "import { gone } from './gone.js';\n" });
    expect(messages(root)).toEqual(["src-main/engine/a.ts:1: cannot resolve './gone.js'"]);
  });
});

describe('extractImports', () => {
  it('finds every import form, with its line and whether it is type-only', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "export { c } from 'c';",
      "export type { D } from 'd';",
      "const e = await import('e');",
      "const f = require('f');",
      "import g = require('g');",
      "let h: import('h').H;",
      "import { type I } from 'i';",
      "import 'j';",
      "// import k from 'k';",
      "const s = \"import l from 'l'\";",
    ].join('\n');
    const refs = extractImports('/x/file.ts', text).map((r) => [r.specifier, r.line, r.typeOnly]);
    expect(refs).toEqual([
      ['a', 1, false],
      ['b', 2, true],
      ['c', 3, false],
      ['d', 4, true],
      ['e', 5, false],
      ['f', 6, false],
      ['g', 7, false],
      ['h', 8, true],
      ['i', 9, true],
      ['j', 10, false],
    ]);
  });
});
