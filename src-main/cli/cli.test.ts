import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { toneWav } from '../engine/media/testing/reference-wav.js';
import type { LibraryListing } from './library-list-command.js';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'valle-cli-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('valle (in-process)', () => {
  it.each([
    [['--help'], 'Usage: valle <command>'],
    [['serve', '--help'], 'Usage: valle serve'],
    [['library', '--help'], 'Usage: valle library <import|list>'],
    [['library', 'import', '--help'], 'Usage: valle library import <dir>'],
    [['library', 'list', '-h'], 'Usage: valle library list'],
  ])('%j prints its help', async (argv, heading) => {
    const { io, out } = captureIo(process.cwd());
    expect(await runCli(argv, io)).toBe(0);
    expect(out().startsWith(heading)).toBe(true);
  });

  it('reports usage errors with exit status 2', async () => {
    const unknownCommand = captureIo(process.cwd());
    expect(await runCli(['frobnicate'], unknownCommand.io)).toBe(2);
    expect(unknownCommand.err()).toContain('unknown command "frobnicate"');

    const unknownOption = captureIo(process.cwd());
    expect(await runCli(['library', 'list', '--colour'], unknownOption.io)).toBe(2);
    expect(unknownOption.err()).toContain('Run "valle library list --help" for usage.');

    const missingDir = captureIo(process.cwd());
    expect(await runCli(['library', 'import'], missingDir.io)).toBe(2);
    expect(missingDir.err()).toContain('exactly one folder');

    const badPort = captureIo(process.cwd());
    expect(await runCli(['serve', '--port', 'eighty'], badPort.io)).toBe(2);
    expect(badPort.err()).toContain('--port');
  });

  it('prints the version from package.json', async () => {
    const { io, out } = captureIo(process.cwd());
    expect(await runCli(['--version'], io)).toBe(0);
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect(out()).toBe(`${pkg.version}\n`);
  });

  it('imports a voices folder and lists it, as text and as JSON', async () => {
    const dir = await tempDir();
    const voices = join(dir, 'voices');
    await mkdir(join(voices, 'narrators', 'ada'), { recursive: true });
    await mkdir(join(voices, 'narrators', 'bob'), { recursive: true });
    await writeFile(join(voices, 'narrators', 'ada', 'one.wav'), toneWav({ seconds: 0.5 }));
    await writeFile(join(voices, 'narrators', 'ada', 'two.wav'), toneWav({ seconds: 0.25 }));
    await writeFile(join(voices, 'narrators', 'bob', 'hello.wav'), toneWav({ seconds: 1 }));
    await writeFile(join(voices, 'narrators', 'bob', 'notes.wav'), 'not audio at all, just text\n'.repeat(10));
    const home = join(dir, 'home');

    const imported = captureIo(dir, { env: { VALLE_STUDIO_HOME: home } });
    // One file is not audio: the import reports it and exits 1.
    expect(await runCli(['library', 'import', 'voices'], imported.io)).toBe(1);
    expect(imported.out()).toContain(`Imported 3 of 4 file(s) from ${voices}.`);
    expect(imported.out()).toMatch(/skipped .*notes\.wav: .*\(not_audio\)/);
    expect(imported.err()).toMatch(/\[\s*\d+%\]/);

    const listedJson = captureIo(dir);
    expect(await runCli(['library', 'list', '--json', '--home', home], listedJson.io)).toBe(0);
    const listing = JSON.parse(listedJson.out()) as LibraryListing;
    expect(listing.format).toBe('valle-library-list/1');
    expect(listing.groups.map((g) => g.name)).toEqual(['narrators']);
    const speakers = listing.groups[0].speakers;
    expect(speakers.map((s) => s.name).sort()).toEqual(['ada', 'bob']);
    const ada = speakers.find((s) => s.name === 'ada')!;
    expect(ada.clips.map((c) => c.durationSec).sort()).toEqual([0.25, 0.5]);
    expect(ada.clips.every((c) => /^[0-9a-f]{64}$/.test(c.mediaId) && c.sampleRate === 16000 && c.channels === 1)).toBe(true);
    expect(speakers.find((s) => s.name === 'bob')!.clips.map((c) => c.durationSec)).toEqual([1]);
    expect(listing.ungrouped).toEqual([]);

    const listedText = captureIo(dir);
    expect(await runCli(['library', 'list', '--home', home], listedText.io)).toBe(0);
    expect(listedText.out()).toContain('narrators/');
    expect(listedText.out()).toMatch(/ada {2}\(2 clip\(s\), 0\.8 s\)/);
  });

  it('serves until interrupted, printing the URL first', async () => {
    const dir = await tempDir();
    const staticDir = join(dir, 'renderer');
    await mkdir(staticDir);
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Served</title>');
    const controller = new AbortController();
    let served: { url: string } | null = null;
    const { io, out } = captureIo(process.cwd(), { signal: controller.signal, onServing: (info) => (served = info) });
    const running = runCli(['serve', '--home', join(dir, 'home'), '--port', '0', '--static', staticDir], io);
    while (served === null) await new Promise((r) => setTimeout(r, 10));
    const url = (served as { url: string }).url;
    expect(out().split('\n')[0]).toBe(`VALL-E Studio web host: ${url}`);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(await page.text()).toContain('Served');

    const clash = captureIo(process.cwd());
    const port = new URL(url).port;
    expect(await runCli(['serve', '--home', join(dir, 'home2'), '--port', port], clash.io)).toBe(1);
    expect(clash.err()).toContain(`port ${port} on 127.0.0.1 is already in use`);

    controller.abort();
    expect(await running).toBe(0);
  });
});

describe('bin/valle.js (a real process)', () => {
  const bin = fileURLToPath(new URL('../../bin/valle.js', import.meta.url));

  it('prints the help', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: valle <command>');
    expect(stdout).toContain('library import <dir>');
  });

  it('serves, printing the URL as the first line of stdout, and stops on SIGTERM', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'renderer'));
    await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Real process</title>');
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--home', join(dir, 'home'), '--static', join(dir, 'renderer')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let stdout = '';
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
      });
      child.on('close', (code) => reject(new Error(`valle serve exited early with ${code}`)));
    });
    const match = /^VALL-E Studio web host: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(firstLine);
    expect(match).not.toBeNull();
    expect(await (await fetch(match![1])).text()).toContain('Real process');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
