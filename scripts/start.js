#!/usr/bin/env node
// `npm start`. Where Electron can run, builds the desktop app (electron-vite) and launches it. Where its binary
// cannot be fetched (as on machines that reach only a package registry), builds the web renderer and starts the web host instead,
// with the studio home in ~/.valle-studio; `valle serve` prints the address to open. Arguments after `--` go to
// Electron or to `valle serve` (e.g. `npm start -- --port 0`). VALLE_STUDIO_WEB=1 forces the web host.
// Plain JS on purpose: it must run before anything is built, without a TypeScript loader.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isWindows = process.platform === 'win32';
const passThrough = process.argv.slice(2);

/** The Electron executable, found the way the electron package finds it; null when it was never downloaded. */
function electronBinary() {
  const electronDir = join(root, 'node_modules', 'electron');
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(electronDir, 'dist');
  const binary = join(distDir, readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/** Runs a step to completion; a failing step ends `npm start` with its exit code. */
function step(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) {
    console.error(`start: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs the long-lived process, passes Ctrl+C and termination on to it, and exits with its code. */
function serve(command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`start: could not run ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * electron's own install script is not run at `npm ci` (package.json allowScripts), so the binary arrives the
 * first time the app starts. Where nothing can be downloaded this fails at once and the web host takes over.
 */
function fetchElectron() {
  if (process.env.VALLE_STUDIO_WEB === '1') return null;
  console.log('start: fetching the Electron binary (first start only)…');
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: 10 * 60 * 1000,
  });
  if (result.status !== 0) {
    const reason = String(result.stderr ?? '').trim().split('\n')[0] || result.error?.message || 'unknown error';
    console.log(`start: could not fetch Electron (${reason}).`);
    return null;
  }
  return electronBinary();
}

const electron = electronBinary() ?? fetchElectron();
if (electron) {
  step(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
  // ELECTRON_RUN_AS_NODE from a parent shell would start plain Node instead of the app.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  serve(electron, ['.', ...passThrough], { env });
} else {
  console.log('start: the Electron binary is not installed here; starting the web host instead.');
  // npm is a .cmd on Windows, which Node only runs through a shell.
  step(isWindows ? 'npm.cmd' : 'npm', ['run', 'build:web'], { shell: isWindows });
  const home = process.env.VALLE_STUDIO_HOME || join(homedir(), '.valle-studio');
  serve(process.execPath, [join(root, 'bin', 'valle.js'), 'serve', '--home', home, ...passThrough]);
}
