/**
 * The layering rule (STYLE-ANCHORS "What we take" 7), enforced rather than written down.
 *
 *   node --import tsx scripts/check-layers.ts [root]
 *
 * Scans every import (`import … from`, `export … from`, `import('…')`, `require('…')`, `import x = require`) in
 * src-shared, src-main and src-renderer (including the <script> blocks of .svelte files) and prints one
 * `file:line: message` per violation; exits 1 when there is any. The rules:
 *   - src-shared imports only src-shared and npm packages (no node built-ins, no electron, nothing else of ours);
 *   - src-main/engine, src-main/server and src-main/cli never import `electron`, nor (at run time) any file of
 *     ours that imports it, however indirectly;
 *   - src-main/engine/nn imports none of valle, codec, train, db, media, library, host;
 *   - src-renderer imports only src-shared, itself and npm packages (never src-main, node built-ins or electron);
 *   - our files have no import cycles. Type-only imports (`import type`, `export type`, `import('x').T`) are
 *     erased at compile time, so they count for the layer rules but not for cycles.
 * Tool configs (`*.config.ts`, run by Node tooling) belong to no layer, so the layer rules skip them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ImportRef {
  /** Absolute path of the importing file. */
  from: string;
  line: number;
  specifier: string;
  typeOnly: boolean;
}

export type ImportTarget =
  | { kind: 'file'; path: string }
  | { kind: 'builtin' }
  | { kind: 'electron' }
  | { kind: 'package' }
  | { kind: 'unresolved' };

export interface Violation {
  /** Path relative to the root, with forward slashes. */
  file: string;
  line: number;
  message: string;
}

export interface LayerReport {
  files: number;
  imports: number;
  violations: Violation[];
}

const scannedRoots = ['src-shared', 'src-main', 'src-renderer'];
const sourceExtensions = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.svelte'];
const nnForbidden = ['valle', 'codec', 'train', 'db', 'media', 'library', 'host'];
const electronFree = ['src-main/engine', 'src-main/server', 'src-main/cli'];
const builtins = new Set(builtinModules);

export function checkLayers(root: string): LayerReport {
  const absoluteRoot = path.resolve(root);
  const files = scannedRoots.flatMap((dir) => listSources(path.join(absoluteRoot, dir)));
  const ours = new Set(files);
  const aliases = readAliases(absoluteRoot);
  const violations: Violation[] = [];
  const runtimeEdges = new Map<string, { to: string; line: number }[]>();
  const resolved: { ref: ImportRef; target: ImportTarget }[] = [];
  const importsElectron = new Set<string>();

  for (const file of files) {
    const refs = extractImports(file, readFileSync(file, 'utf8'));
    const edges: { to: string; line: number }[] = [];
    for (const ref of refs) {
      const target = resolveImport(ref, absoluteRoot, aliases);
      resolved.push({ ref, target });
      const message = outsideLayers(file) ? null : layerViolation(relative(absoluteRoot, file), ref.specifier, target, absoluteRoot);
      if (message) violations.push({ file: relative(absoluteRoot, file), line: ref.line, message });
      if (target.kind === 'file' && !ref.typeOnly && ours.has(target.path)) edges.push({ to: target.path, line: ref.line });
      if (target.kind === 'electron' && !ref.typeOnly) importsElectron.add(file);
    }
    runtimeEdges.set(file, edges);
  }

  // Electron-free layers may not load a file of ours that loads electron, however far down.
  const towardElectron = electronPaths(runtimeEdges, importsElectron);
  for (const { ref, target } of resolved) {
    const file = relative(absoluteRoot, ref.from);
    const layer = outsideLayers(ref.from) ? undefined : electronFree.find((l) => within(file, l));
    if (!layer || ref.typeOnly || target.kind !== 'file' || !towardElectron.has(target.path)) continue;
    const chain = [target.path];
    for (let next = towardElectron.get(target.path); next; next = towardElectron.get(next)) chain.push(next);
    const via = chain.map((f) => relative(absoluteRoot, f)).join(' → ');
    violations.push({ file, line: ref.line, message: `${layer} must not import '${ref.specifier}': it loads electron (${via} → electron)` });
  }

  for (const cycle of findCycles(runtimeEdges)) {
    const names = cycle.map((step) => relative(absoluteRoot, step.file));
    violations.push({
      file: names[0],
      line: cycle[0].line,
      message: `import cycle: ${[...names, names[0]].join(' → ')}`,
    });
  }

  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { files: files.length, imports: resolved.length, violations };
}

function outsideLayers(file: string): boolean {
  return /\.config\.[cm]?[jt]s$/.test(file);
}

/** The rule a single import breaks, or null. `file` is relative to the root. */
function layerViolation(file: string, specifier: string, target: ImportTarget, root: string): string | null {
  const targetRel = target.kind === 'file' ? relative(root, target.path) : null;
  const quoted = `'${specifier}'`;

  if (target.kind === 'unresolved') return `cannot resolve ${quoted}`;

  if (within(file, 'src-shared')) {
    if (target.kind === 'builtin') return `src-shared must not import the node built-in ${quoted} (it runs in the renderer too)`;
    if (target.kind === 'electron') return `src-shared must not import ${quoted}`;
    if (targetRel !== null && !within(targetRel, 'src-shared')) return `src-shared must not import ${quoted} (${targetRel}): src-shared imports nothing of ours`;
    return null;
  }

  if (within(file, 'src-renderer')) {
    if (target.kind === 'builtin') return `src-renderer must not import the node built-in ${quoted}`;
    if (target.kind === 'electron') return `src-renderer must not import ${quoted}; use window.studio`;
    if (targetRel !== null && !within(targetRel, 'src-renderer') && !within(targetRel, 'src-shared')) {
      return `src-renderer may import only src-shared and itself, not ${quoted} (${targetRel})`;
    }
    return null;
  }

  const electronFreeLayer = electronFree.find((layer) => within(file, layer));
  if (electronFreeLayer && target.kind === 'electron') return `${electronFreeLayer} must not import ${quoted} (it runs under plain Node)`;

  if (within(file, 'src-main/engine/nn') && targetRel !== null) {
    const forbidden = nnForbidden.find((module) => within(targetRel, `src-main/engine/${module}`));
    if (forbidden) return `src-main/engine/nn must not import src-main/engine/${forbidden} (${quoted}): nn knows nothing of speech or the host`;
  }
  return null;
}

// ---------------------------------------------------------------- imports

/** Every import of a file, with 1-based line numbers. Svelte files contribute their <script> blocks. */
export function extractImports(file: string, text: string): ImportRef[] {
  if (file.endsWith('.svelte')) {
    const refs: ImportRef[] = [];
    for (const match of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
      const start = (match.index ?? 0) + match[0].indexOf('>') + 1;
      const lineOffset = text.slice(0, start).split('\n').length - 1;
      for (const ref of extractFromScript(file, match[1], ts.ScriptKind.TS)) refs.push({ ...ref, line: ref.line + lineOffset });
    }
    return refs;
  }
  const kind = /\.[mc]?js$/.test(file) ? ts.ScriptKind.JS : file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return extractFromScript(file, text, kind);
}

function extractFromScript(file: string, text: string, kind: ts.ScriptKind): ImportRef[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    refs.push({ from: file, line, specifier, typeOnly });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) add(node, argument.literal.text, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire) add(node, node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // side-effect import
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

// ---------------------------------------------------------------- resolution

interface Alias {
  prefix: string;
  /** Absolute directory or file the prefix maps to. */
  target: string;
}

/** `paths` of the root and renderer tsconfigs (e.g. `$lib/*`), so aliased imports are checked like relative ones. */
function readAliases(root: string): Alias[] {
  const aliases: Alias[] = [];
  for (const config of ['tsconfig.json', 'src-renderer/tsconfig.json']) {
    const file = path.join(root, config);
    if (!existsSync(file)) continue;
    const parsed = ts.parseConfigFileTextToJson(file, readFileSync(file, 'utf8'));
    const options = (parsed.config as { compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } } | undefined)?.compilerOptions;
    if (!options?.paths) continue;
    const base = path.resolve(path.dirname(file), options.baseUrl ?? '.');
    for (const [pattern, targets] of Object.entries(options.paths)) {
      if (targets.length === 0) continue;
      aliases.push({ prefix: pattern.replace(/\*$/, ''), target: path.resolve(base, targets[0].replace(/\*$/, '')) });
    }
  }
  // Longest prefix first, so `$lib/x/*` wins over `$lib/*`.
  return aliases.sort((a, b) => b.prefix.length - a.prefix.length);
}

export function resolveImport(ref: ImportRef, root: string, aliases: Alias[] = readAliases(root)): ImportTarget {
  const specifier = ref.specifier.replace(/[?#].*$/, ''); // vite queries: './x.svg?url'
  if (specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0])) return { kind: 'builtin' };
  if (specifier === 'electron' || specifier.startsWith('electron/')) return { kind: 'electron' };

  let base: string | null = null;
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    base = path.resolve(path.dirname(ref.from), specifier);
  } else if (specifier.startsWith('/')) {
    base = path.join(root, specifier);
  } else {
    const alias = aliases.find((a) => specifier.startsWith(a.prefix));
    if (alias) base = path.join(alias.target, specifier.slice(alias.prefix.length));
  }
  if (base === null) return { kind: 'package' };
  const file = resolveFile(base);
  return file ? { kind: 'file', path: file } : { kind: 'unresolved' };
}

/** NodeNext writes `./x.js` for `./x.ts`; the bundler (renderer) also allows extensionless and index imports. */
function resolveFile(base: string): string | null {
  const candidates = [base];
  const swapped: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };
  const ext = path.extname(base);
  for (const replacement of swapped[ext] ?? []) candidates.push(base.slice(0, -ext.length) + replacement);
  for (const extension of sourceExtensions) candidates.push(base + extension);
  for (const extension of sourceExtensions) candidates.push(path.join(base, 'index' + extension));
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? null;
}

// ---------------------------------------------------------------- electron reach

/**
 * Every file that loads electron at run time, directly or through other files, mapped to the next file on
 * its way there (absent for the ones that import electron themselves).
 */
function electronPaths(edges: Map<string, { to: string; line: number }[]>, direct: Set<string>): Map<string, string | undefined> {
  const importers = new Map<string, string[]>();
  for (const [from, out] of edges) for (const { to } of out) importers.set(to, [...(importers.get(to) ?? []), from]);
  const next = new Map<string, string | undefined>([...direct].map((file) => [file, undefined]));
  const queue = [...direct];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const importer of importers.get(file) ?? []) {
      if (next.has(importer)) continue;
      next.set(importer, file);
      queue.push(importer);
    }
  }
  return next;
}

// ---------------------------------------------------------------- cycles

/** One cycle per strongly connected component (Tarjan), each as the files along it. */
function findCycles(edges: Map<string, { to: string; line: number }[]>): { file: string; line: number }[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  // Iterative Tarjan: a deep import chain must not overflow the stack.
  for (const start of edges.keys()) {
    if (indices.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    indices.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const out = edges.get(frame.node) ?? [];
      if (frame.next < out.length) {
        const to = out[frame.next++].to;
        if (!indices.has(to)) {
          indices.set(to, index);
          low.set(to, index++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, indices.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === indices.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (edges.get(frame.node) ?? []).some((e) => e.to === frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }

  return components.map((component) => cycleWithin(new Set(component), edges));
}

/** A concrete cycle inside a strongly connected component: breadth-first from its first file back to itself. */
function cycleWithin(component: Set<string>, edges: Map<string, { to: string; line: number }[]>): { file: string; line: number }[] {
  const start = [...component].sort()[0];
  const previous = new Map<string, { file: string; line: number }>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of edges.get(node) ?? []) {
      if (!component.has(edge.to) || previous.has(edge.to)) continue;
      previous.set(edge.to, { file: node, line: edge.line });
      if (edge.to === start) queue.length = 0;
      else queue.push(edge.to);
    }
  }
  // Walk back from start to start; each step records the importing file and the line of its import.
  const steps: { file: string; line: number }[] = [];
  let node = start;
  do {
    const step = previous.get(node)!;
    steps.unshift(step);
    node = step.file;
  } while (node !== start);
  return steps;
}

// ---------------------------------------------------------------- files

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(full));
    else if (entry.isFile() && sourceExtensions.some((ext) => entry.name.endsWith(ext))) found.push(full);
  }
  return found.sort();
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

function within(relativePath: string, dir: string): boolean {
  return relativePath === dir || relativePath.startsWith(dir + '/');
}

function main(): void {
  const root = process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const report = checkLayers(root);
  for (const violation of report.violations) console.error(`${violation.file}:${violation.line}: ${violation.message}`);
  if (report.violations.length > 0) {
    console.error(`check-layers: ${report.violations.length} violation(s) in ${report.files} files.`);
    process.exitCode = 1;
  } else {
    console.log(`check-layers: ok (${report.files} files, ${report.imports} imports).`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
