// Shared setup of the browser tests: the built app, Debian's chromium, uploads and submits through
// the API, and pages that record their console errors and event-stream requests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { fileBlob, KEY_A, type TestService } from '../helpers/service.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const OUT = join(ROOT, 'test-output', 'dashboard');
export const MNIST_CNN = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8'));
export const ANKLE_BOOT = join(ROOT, 'examples/ankle-boot.png');

/** Builds web/dist when missing, and launches Debian's chromium. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A gzipped IDX file. */
export function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([h, Buffer.from(data)]));
}

export async function uploadIdx(svc: TestService, train: { images: Buffer; labels: Buffer }, test: { images: Buffer; labels: Buffer }, classNames: string[]): Promise<string> {
  const form = new FormData();
  form.set('images', fileBlob(train.images), 'train-images.gz');
  form.set('labels', fileBlob(train.labels), 'train-labels.gz');
  form.set('testImages', fileBlob(test.images), 'test-images.gz');
  form.set('testLabels', fileBlob(test.labels), 'test-labels.gz');
  form.set('classNames', JSON.stringify(classNames));
  const r = await svc.call('/v1/datasets', { method: 'POST', body: form });
  const body = (await r.json()) as any;
  expect(r.status, JSON.stringify(body)).toBe(201);
  return body.id;
}

export async function submitJob(svc: TestService, body: Record<string, unknown>): Promise<string> {
  const r = await svc.call('/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const res = (await r.json()) as any;
  expect(r.status, JSON.stringify(res)).toBe(202);
  return res.id;
}

/** A train job of the MNIST example (or `spec`) on `datasetId`. */
export function submitTrain(svc: TestService, datasetId: string, training: Record<string, unknown>, spec: unknown = MNIST_CNN): Promise<string> {
  return submitJob(svc, { type: 'train', datasetId, model: { spec }, training: { batchSize: 32, seed: 3, optimizer: { type: 'adam', learningRate: 0.001 }, ...training } });
}

/** Records a page's console errors (CSP violations among them) and its requests to the event stream. */
export class PageWatch {
  readonly consoleErrors: string[] = [];
  readonly streams = new Map<Page, number>();

  watch(page: Page): Page {
    page.on('request', (r) => new URL(r.url()).pathname === '/v1/events' && this.streams.set(page, (this.streams.get(page) ?? 0) + 1));
    page.on('console', (m) => m.type() === 'error' && this.consoleErrors.push(`${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => this.consoleErrors.push(`${page.url()}: ${e.message}`));
    return page;
  }

  /** A new tab, signed in with tenant A's key, on the jobs list. */
  async signedIn(svc: TestService, ctx: BrowserContext, key = KEY_A): Promise<Page> {
    const page = this.watch(await ctx.newPage());
    await page.goto(svc.url + '/');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    return page;
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}
