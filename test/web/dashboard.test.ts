// The dashboard in a real browser (Debian's chromium through playwright-core) against the whole
// service with real training jobs: the jobs list, live curves fed by the one event stream, the
// confusion matrix down to a cell's images, compare, predict, feature maps, datasets; also at a
// phone's viewport, by keyboard, and through axe-core. Screenshots go to test-output/dashboard/.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/runtime.js';
import { FASHION_CLASSES, fashionSubset, makeIdxPair } from '../helpers/fixtures.js';
import { fileBlob, KEY_A, startTestService, waitForJob, type TestService } from '../helpers/service.js';
import * as web from './helpers.js';
import { ANKLE_BOOT, idx, launchBrowser, MNIST_CNN, PageWatch, shot } from './helpers.js';

const require = createRequire(import.meta.url);

let svc: TestService;
let browser: Browser;
let tmp: string;
let dsId: string;
let jobA: Record<string, any>;
let jobB: Record<string, any>;
const pw = new PageWatch();
const consoleErrors = pw.consoleErrors;
/** Requests each page made to the tab's event stream. */
const streams = pw.streams;

const uploadIdx = (train: { images: Buffer; labels: Buffer }, test: { images: Buffer; labels: Buffer }, classNames: string[]) => web.uploadIdx(svc, train, test, classNames);
const submit = (datasetId: string, training: Record<string, unknown>, spec: unknown = MNIST_CNN) => web.submitTrain(svc, datasetId, training, spec);
const signedIn = (ctx: BrowserContext): Promise<Page> => pw.signedIn(svc, ctx);

async function axe(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const r = await page.evaluate(async () => (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }));
  return (r.violations as any[]).filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target }));
}

beforeAll(async () => {
  // No worker yet: the first job waits in the queue until the page is watching it.
  svc = await startTestService({ workers: 0 });
  tmp = await mkdtemp(join(tmpdir(), 'cnn-web-'));
  const train = await makeIdxPair(join(tmp, 'idx'), 400, { split: 'train' });
  const test = await makeIdxPair(join(tmp, 'idx'), 200, { split: 'test', prefix: 't10k-' });
  dsId = await uploadIdx(
    { images: readFileSync(train.images), labels: readFileSync(train.labels) },
    { images: readFileSync(test.images), labels: readFileSync(test.labels) },
    [...FASHION_CLASSES],
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await svc?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('dashboard', () => {
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // bypassCSP only so the test can inject axe-core; the app itself runs under the service's CSP.
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  });
  afterAll(async () => ctx?.close());

  it('serves the built app with the cache policy and the CSP, and keeps the key out of URLs', async () => {
    const index = await fetch(svc.url + '/');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(svc.url + asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Nothing is loaded from another origin.
    expect(html).not.toMatch(/https?:\/\//);
    expect(await js.text()).not.toMatch(/https:\/\/(fonts|cdn|unpkg)/);
  });

  it('lists the job and draws its curves live from the event stream while it trains', async () => {
    const id = await submit(dsId, { epochs: 2 });
    page = await signedIn(ctx);
    const row = page.locator(`tr[data-job="${id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('queued');
    expect(await row.locator('td').nth(3).textContent()).toBe('train');
    await shot(page, 'jobs');
    // The key is in sessionStorage, never in a URL.
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('cnn.apiKey'))).toBe(KEY_A);
    expect(page.url()).not.toContain(KEY_A);

    await row.getByRole('link', { name: id }).click();
    const chart = page.getByTestId('loss-chart');
    await chart.waitFor();
    await expect.poll(() => chart.getAttribute('data-draws')).not.toBeNull();
    const drawsBefore = Number(await chart.getAttribute('data-draws'));
    expect(Number(await chart.getAttribute('data-points'))).toBe(1); // only x = 0: nothing trained yet

    svc.workers.push(...(await startWorkers(svc.rt, 1)));
    await expect.poll(() => page.getByTestId('job-state').textContent(), { timeout: 120_000 }).toBe('completed');
    jobA = await waitForJob(svc, id);
    expect(jobA.state).toBe('completed');
    // Every SSE update drew: the queued → running transition, progress, both epochs, the final state.
    const drawsAfter = Number(await chart.getAttribute('data-draws'));
    expect(drawsAfter - drawsBefore).toBeGreaterThanOrEqual(3);
    expect(Number(await chart.getAttribute('data-points'))).toBe(3); // x = 0, 1, 2
    expect(Number(await page.getByTestId('acc-chart').getAttribute('data-points'))).toBe(3);
    const best = jobA.history.reduce((a: any, b: any) => (b.valLoss < a.valLoss ? b : a)).epoch;
    expect(await page.getByTestId('best-epoch').textContent()).toBe(String(best));
    // The request reads as a summary, not JSON.
    await expect.poll(() => page.locator('dl.summary').textContent()).toContain('training.epochs');
    await shot(page, 'job');
  });

  it('shows the confusion matrix as the job computed it, and an off-diagonal cell opens exactly its images', async () => {
    await page.goto(`${svc.url}/#/jobs/${jobA.id}/results`);
    const canvas = page.getByTestId('heatmap');
    await canvas.waitFor();
    const matrix: number[][] = jobA.result.metrics.confusionMatrix.matrix;
    expect(JSON.parse((await canvas.getAttribute('data-cells'))!)).toEqual(matrix);
    expect(await page.getByTestId('top5').textContent()).toBe(`${(jobA.result.metrics.top5 * 100).toFixed(2)}%`);

    // The largest off-diagonal cell.
    let t = 0;
    let p = 1;
    matrix.forEach((row, i) => row.forEach((v, j) => i !== j && v > matrix[t]![p]! && ((t = i), (p = j))));
    expect(matrix[t]![p]).toBeGreaterThan(0);
    const cell = Number(await canvas.getAttribute('data-cell'));
    const left = Number(await canvas.getAttribute('data-left'));
    const top = Number(await canvas.getAttribute('data-top'));
    await canvas.click({ position: { x: left + p * cell + cell / 2, y: top + t * cell + cell / 2 } });
    const panel = page.getByTestId('cell-samples');
    await expect.poll(() => panel.getAttribute('data-total')).toBe(String(matrix[t]![p]));
    expect(await panel.getAttribute('data-true')).toBe(String(t));
    expect(await panel.getAttribute('data-predicted')).toBe(String(p));
    await expect.poll(() => panel.locator('li[data-index]').count()).toBe(Math.min(48, matrix[t]![p]!));
    const shown = await panel.locator('li[data-index]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    const api = (await (await svc.call(`/v1/jobs/${jobA.id}/samples?true=${t}&predicted=${p}&limit=100`)).json()) as any;
    expect(api.total).toBe(matrix[t]![p]);
    expect(shown).toEqual(api.items.slice(0, 48).map((s: any) => s.index));
    for (const s of api.items) {
      expect(s.trueClass).toBe(t);
      expect(s.predicted).toBe(p);
      expect(s.top[0].classIndex).toBe(p);
      expect(s.image).toMatch(/^data:image\/png;base64,/);
    }
    expect(await panel.locator('img').first().isVisible()).toBe(true);
    // Per-class bars sort; calibration draws with its ECE.
    await page.getByTestId('perclass').getByRole('button', { name: 'F1' }).click();
    await page.getByTestId('ece').waitFor();
    expect(Number(await page.getByTestId('reliability').getAttribute('data-series'))).toBe(2);
    await shot(page, 'results');

    // By keyboard: focus the matrix, go to the first cell, move right and press Enter.
    await canvas.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.getAttribute('data-predicted')).toBe('1');
    expect(await panel.getAttribute('data-true')).toBe('0');
    await expect.poll(() => panel.getAttribute('data-total')).toBe(String(matrix[0]![1]));
    // Sort by error and row-normalize: the same counts, permuted.
    const draws = Number(await canvas.getAttribute('data-draws'));
    await page.getByTestId('sort').selectOption('error');
    await expect.poll(async () => Number(await canvas.getAttribute('data-draws'))).toBeGreaterThan(draws);
    const [orderAttr, cellsAttr] = await canvas.evaluate((c) => [c.dataset.order!, c.dataset.cells!]);
    const order: number[] = JSON.parse(orderAttr);
    expect([...order].sort((a, b) => a - b)).toEqual(matrix.map((_, i) => i));
    // Rows by error rate, highest first.
    const err = (i: number) => 1 - matrix[i]![i]! / matrix[i]!.reduce((a, b) => a + b, 0);
    for (let i = 1; i < order.length; i++) expect(err(order[i - 1]!)).toBeGreaterThanOrEqual(err(order[i]!));
    expect(JSON.parse(cellsAttr)).toEqual(order.map((r) => order.map((q) => matrix[r]![q])));
  });

  it('compares two runs of different lengths, with the differing hyperparameters marked', async () => {
    const id = await submit(dsId, { epochs: 3, optimizer: { type: 'adam', learningRate: 0.003 } });
    jobB = await waitForJob(svc, id);
    expect(jobB.state).toBe('completed');
    await page.goto(`${svc.url}/#/compare?ids=${jobA.id},${jobB.id}`);
    const chart = page.getByTestId('compare-chart');
    await expect.poll(() => chart.getAttribute('data-series')).toBe('2');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('3'); // epochs 1..3; the 2-epoch run ends early
    const differs = await page.locator('tr.differs th').allTextContents();
    expect(differs.map((s) => s.replace(' (differs)', ''))).toEqual(expect.arrayContaining(['training.epochs', 'training.optimizer.learningRate']));
    expect(differs.some((s) => s.startsWith('training.batchSize'))).toBe(false);
    await shot(page, 'compare');
  });

  it('shows the model summary, predicts an image chosen by file input, and offers the downloads', async () => {
    const modelId = jobA.result.modelId;
    await page.goto(`${svc.url}/#/models/${modelId}`);
    await page.getByTestId('summary-table').waitFor();
    expect(await page.getByTestId('summary-table').locator('tbody tr').count()).toBe(7);
    expect(await page.getByRole('button', { name: 'Download artifact (.tar)' }).isVisible()).toBe(true);
    const form = new FormData();
    form.set('image', fileBlob(readFileSync(ANKLE_BOOT), 'image/png'), 'ankle-boot.png');
    const expected = ((await (await svc.call(`/v1/models/${modelId}/predict`, { method: 'POST', body: form })).json()) as any).predictions[0].top[0].className;
    await page.getByTestId('predict-input').setInputFiles(ANKLE_BOOT);
    const li = page.getByTestId('predictions').locator('li');
    await expect.poll(() => li.first().getAttribute('data-top1')).toBe(expected);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download artifact (.tar)' }).click();
    expect((await download).suggestedFilename()).toMatch(/\.tar$/);
    await shot(page, 'model');
  });

  it('draws the filters and every conv and pooling layer’s feature maps with their shapes', async () => {
    const modelId = jobA.result.modelId;
    await page.goto(`${svc.url}/#/models/${modelId}/inside`);
    await expect.poll(() => page.getByTestId('filters').getAttribute('data-shape')).toBe('32x1x3x3');
    // The canvas is drawn by an effect after the render that sets its shape.
    await expect.poll(() => page.getByTestId('filters').getAttribute('data-drawn')).toBe('32');
    await page.getByTestId('inside-input').setInputFiles(ANKLE_BOOT);
    await page.getByTestId('fmap-maxPool2d_2').waitFor();
    const shapes = { conv2d_1: '28x28x32', maxPool2d_1: '14x14x32', conv2d_2: '14x14x64', maxPool2d_2: '7x7x64' };
    for (const [layer, shape] of Object.entries(shapes)) {
      expect(await page.getByTestId(`fmap-${layer}`).getAttribute('data-shape')).toBe(shape);
      await expect.poll(() => page.getByTestId(`fmap-${layer}`).getAttribute('data-drawn')).toBe('32');
    }
    expect(await page.getByTestId('shape-chain').textContent()).toBe('28×28×1 → 28×28×32 → 14×14×32 → 14×14×64 → 7×7×64');
    expect(await page.getByTestId('classic').locator('canvas').count()).toBe(5);
    expect(await page.getByTestId('learned').locator('canvas').count()).toBe(4);
    expect(await page.getByTestId('pooling').locator('canvas').count()).toBe(2);
    // Feature-map tiles are what the API computes: the first map of conv2d_1, pixel for pixel.
    const form = new FormData();
    form.set('image', fileBlob(readFileSync(ANKLE_BOOT), 'image/png'), 'ankle-boot.png');
    const act = (await (await svc.call(`/v1/models/${modelId}/activations`, { method: 'POST', body: form })).json()) as any;
    expect(act.layers.map((l: any) => l.shape)).toEqual([[28, 28, 32], [14, 14, 32], [14, 14, 64], [7, 7, 64]]);
    const drawn = await page.getByTestId('fmap-conv2d_1').evaluate((c: any, s: number) => {
      const g = c.getContext('2d')!;
      const d = g.getImageData(0, 0, 28 * s, 28 * s).data;
      return Array.from({ length: 28 * 28 }, (_, k) => d[4 * ((Math.floor(k / 28) * s) * 28 * s + (k % 28) * s)]);
    }, 2);
    const tiles = Buffer.from(act.layers[0].tiles, 'base64');
    expect(drawn).toEqual([...tiles.subarray(0, 28 * 28)]);
    await shot(page, 'inside');
  });

  it('shows a dataset’s class counts and loads its sample grid lazily', async () => {
    await page.goto(`${svc.url}/#/datasets/${dsId}`);
    const counts = page.getByTestId('class-counts');
    await counts.waitFor();
    expect(await counts.locator('tbody tr').count()).toBe(10);
    const first = page.locator('.class-samples[data-class="0"]');
    await expect.poll(() => first.getAttribute('data-loaded')).toBe('8');
    await shot(page, 'dataset');
  });

  it('has no serious or critical axe violations on each view, and works by keyboard', async () => {
    const views = ['#/jobs', `#/jobs/${jobA.id}`, `#/jobs/${jobA.id}/results`, `#/compare?ids=${jobA.id},${jobB.id}`, `#/models/${jobA.result.modelId}`, `#/models/${jobA.result.modelId}/inside`, `#/datasets/${dsId}`, '#/datasets'];
    for (const v of views) {
      await page.goto(`${svc.url}/${v}`);
      await page.locator('main h1').waitFor();
      await page.waitForTimeout(300);
      expect(await axe(page), v).toEqual([]);
    }
    // Tab from the top: skip link, then the main navigation; Enter follows a link.
    await page.goto(`${svc.url}/#/jobs`);
    await page.reload();
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Skip to content');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Datasets');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Datasets');
    // One event stream per tab, through every view (the reload above opened the second tab's worth: a new document).
    expect(streams.get(page)).toBe(2);
  });
});

describe('dashboard with 100 classes, at a phone’s size', () => {
  let ctx: BrowserContext;
  afterAll(async () => ctx?.close());

  it('draws a 100-class confusion matrix that zooms and scrolls, and the views fit 390×844', async () => {
    // 100 classes of 10 training images each (Fashion-MNIST pixels, labels i % 100); the test split is other images.
    const K = 100;
    const n = 1000;
    const train = await fashionSubset(100, 'train');
    const test = await fashionSubset(20, 'test');
    const labels = Uint8Array.from({ length: n }, (_, i) => i % K);
    const names = Array.from({ length: K }, (_, i) => `class-${String(i).padStart(2, '0')}`);
    const ds100 = await uploadIdx(
      { images: idx(0x803, [n, 28, 28], train.images.subarray(0, n * 784)), labels: idx(0x801, [n], labels) },
      { images: idx(0x803, [200, 28, 28], test.images.subarray(0, 200 * 784)), labels: idx(0x801, [200], labels.subarray(0, 200)) },
      names,
    );
    const spec = structuredClone(MNIST_CNN);
    spec.layers.at(-1).units = K;
    if (svc.workers.length === 0) svc.workers.push(...(await startWorkers(svc.rt, 1)));
    const job = await waitForJob(svc, await submit(ds100, { epochs: 1 }, spec));
    expect(job.state).toBe('completed');
    ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
    const page = await signedIn(ctx);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'mobile-jobs');
    await page.goto(`${svc.url}/#/jobs/${job.id}/results`);
    const canvas = page.getByTestId('heatmap');
    await canvas.waitFor();
    expect(JSON.parse((await canvas.getAttribute('data-cells'))!)).toEqual(job.result.metrics.confusionMatrix.matrix);
    // Wider than the phone: the box scrolls, the page does not.
    const box = page.getByTestId('heatmap-box');
    const [scrollW, clientW] = await box.evaluate((b) => [b.scrollWidth, b.clientWidth]);
    expect(scrollW).toBeGreaterThan(clientW);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByTestId('zoom').fill('30');
    await expect.poll(() => canvas.getAttribute('data-cell')).toBe('30');
    const w = Number((await canvas.evaluate((c) => c.style.width)).replace('px', ''));
    expect(w).toBe(Number(await canvas.getAttribute('data-left')) + 100 * 30 + 8);
    await shot(page, 'mobile-results-100');
    await page.goto(`${svc.url}/#/jobs/${job.id}`);
    await page.getByTestId('loss-chart').waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'mobile-job');
    expect(await axe(page)).toEqual([]);
  });

  it('logged no console errors in any view', () => {
    expect(consoleErrors).toEqual([]);
  });
});


