import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appEntryUrl, contentSecurityPolicy, createAppHandler } from './app-request.js';

let base: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'app-protocol-'));
  const renderer = path.join(base, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(path.join(renderer, 'assets', 'main-abc.js'), 'console.log(1)');
  writeFileSync(path.join(base, 'secret.txt'), 'outside');
  symlinkSync(path.join(base, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
  handler = createAppHandler(renderer);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('app:// handler', () => {
  it('serves index.html with the strict CSP', async () => {
    for (const url of [appEntryUrl, 'app://studio/']) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('Content-Security-Policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' studio-media: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      );
      expect(await response.text()).toContain('<title>studio</title>');
    }
  });

  it('serves assets with their content type', async () => {
    const response = await handler(new Request('app://studio/assets/main-abc.js'));
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('never serves a file outside the renderer folder', async () => {
    const attempts = [
      'app://studio/../secret.txt',
      'app://studio/%2e%2e/secret.txt',
      'app://studio/assets/%2e%2e/%2e%2e/secret.txt',
      'app://studio/assets/..%2f..%2fsecret.txt',
      'app://studio/assets/..%5c..%5csecret.txt',
      'app://studio/assets/link.txt',
      'app://studio/assets/main-abc.js%00.html',
    ];
    for (const url of attempts) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('outside');
    }
  });

  it('answers 404 for another host and for missing files', async () => {
    expect((await handler(new Request('app://other/index.html'))).status).toBe(404);
    expect((await handler(new Request('app://studio/nope.js'))).status).toBe(404);
  });

  it('lets the dev server page open its HMR socket, and nothing more', () => {
    expect(contentSecurityPolicy({ devServer: true })).toContain("connect-src 'self' ws://localhost:* ws://127.0.0.1:*");
    expect(contentSecurityPolicy({ devServer: true })).toContain("script-src 'self';");
  });
});
