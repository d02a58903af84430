// More of the dashboard in a real browser (Debian's chromium), under the service's own CSP (no
// bypass here, so a violation would be a console error): Compare with 10 runs × 500 epochs, a
// dataset uploaded by drag and drop with its progress bar and pre-flight findings, the ONNX
// download from the Model view (run in onnxruntime-node), and an evaluate job's results down to
// a cell's images. Prints the Compare view's timings (measured, not asserted).
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/store/job-schemas.js';
import { newId } from '../../src/store/blobs.js';
import { FASHION_CLASSES, fashionSubset, greyPng, makeIdxPair, makePngZip } from '../helpers/fixtures.js';
import { startTestService, waitForJob, type TestService } from '../helpers/service.js';
import { ANKLE_BOOT, launchBrowser, MNIST_CNN, PageWatch, shot, submitJob, submitTrain, uploadIdx } from './helpers.js';

const SERIES_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

let svc: TestService;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let tmp: string;
let dsId: string;
let trained: Record<string, any>;
const pw = new PageWatch();

beforeAll(async () => {
  svc = await startTestService({ workers: 1 });
  tmp = await mkdtemp(join(tmpdir(), 'cnn-web-more-'));
  const train = await makeIdxPair(join(tmp, 'idx'), 400, { split: 'train' });
  const test = await makeIdxPair(join(tmp, 'idx'), 200, { split: 'test', prefix: 't10k-' });
  dsId = await uploadIdx(svc, { images: readFileSync(train.images), labels: readFileSync(train.labels) }, { images: readFileSync(test.images), labels: readFileSync(test.labels) }, [...FASHION_CLASSES]);
  // The model for the ONNX download and the evaluate job trains while the browser starts.
  const trainId = await submitTrain(svc, dsId, { epochs: 1 });
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await pw.signedIn(svc, ctx);
  trained = await waitForJob(svc, trainId);
  expect(trained.state).toBe('completed');
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await svc?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A completed 500-epoch train record, stored as the service stores one. */
function longRun(i: number, epochs: number): JobRecord {
  const t0 = Date.parse('2024-05-01T10:00:00Z') + i * 60_000;
  const history = Array.from({ length: epochs }, (_, k) => {
    const e = k + 1;
    const rise = 1 - Math.exp(-e / (40 + 8 * i));
    return {
      epoch: e,
      loss: 2.3 * (1 - rise) + 0.1 + 0.01 * Math.sin(e / 7 + i),
      accuracy: 0.1 + (0.5 + 0.04 * i) * rise,
      valLoss: 2.3 * (1 - rise) + 0.2 + 0.02 * Math.sin(e / 5 + i),
      valAccuracy: 0.1 + (0.45 + 0.045 * i) * rise + 0.004 * Math.sin(e / 3 + i),
      lr: 0.001 * (i + 1) * Math.pow(0.99, k),
      seconds: 1.5,
      imagesPerSec: 4000,
    };
  });
  const last = history.at(-1)!;
  return {
    id: newId('job'),
    tenant: 'a',
    type: 'train',
    state: 'completed',
    request: {
      type: 'train',
      name: `sweep-${String(i).padStart(2, '0')}`,
      datasetId: dsId,
      model: { spec: MNIST_CNN },
      training: { epochs, batchSize: 32, seed: i < 5 ? 1 : 2, optimizer: { type: 'adam', learningRate: Number((0.001 * (i + 1)).toFixed(3)) } },
    } as any,
    createdAt: new Date(t0).toISOString(),
    startedAt: new Date(t0 + 1000).toISOString(),
    finishedAt: new Date(t0 + 1000 + epochs * 1500).toISOString(),
    attempts: 1,
    history,
    result: { modelId: trained.result.modelId, metrics: { accuracy: last.valAccuracy!, loss: last.valLoss! } },
  } as JobRecord;
}

/** Counts the canvas pixels of each colour, exactly. */
function countColours(page: Page, testid: string, colours: string[]): Promise<number[]> {
  return page.getByTestId(testid).locator('canvas').evaluate((c: any, cols: string[]) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const want = cols.map((h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]);
    const n = cols.map(() => 0);
    for (let p = 0; p < d.length; p += 4) {
      for (let k = 0; k < want.length; k++) if (d[p] === want[k]![0] && d[p + 1] === want[k]![1] && d[p + 2] === want[k]![2] && d[p + 3] === 255) n[k]!++;
    }
    return n;
  }, colours);
}

/** Frame intervals (ms) in the page while `act` runs. */
async function frames(page: Page, act: () => Promise<void>): Promise<{ frames: number; median: number; p95: number; max: number; longTasks: number; longTaskMs: number }> {
  await page.evaluate(() => {
    const g = globalThis as any;
    g.__frames = [];
    // Main-thread tasks over 50 ms, to tell the page's own work from a busy machine.
    g.__long = [];
    g.__longObs = new g.PerformanceObserver((l: any) => g.__long.push(...l.getEntries().map((e: any) => e.duration)));
    g.__longObs.observe({ type: 'longtask' });
    g.__frameOn = true;
    let last = performance.now();
    const tick = (t: number) => {
      g.__frames.push(t - last);
      last = t;
      if (g.__frameOn) g.requestAnimationFrame(tick);
    };
    g.requestAnimationFrame((t: number) => {
      last = t;
      g.requestAnimationFrame(tick);
    });
  });
  await act();
  const [f, long]: [number[], number[]] = await page.evaluate(() => {
    const g = globalThis as any;
    g.__frameOn = false;
    g.__longObs.disconnect();
    return [g.__frames, g.__long];
  });
  const s = [...f].sort((a, b) => a - b);
  const q = (x: number) => Math.round(10 * (s[Math.min(s.length - 1, Math.floor(x * s.length))] ?? NaN)) / 10;
  return { frames: f.length, median: q(0.5), p95: q(0.95), max: q(1), longTasks: long.length, longTaskMs: Math.round(long.reduce((a, b) => a + b, 0)) };
}

describe('compare at 10 runs × 500 epochs', () => {
  it('draws 10 series of 500 points with the table of 10 runs and the differing hyperparameters marked, and prints its timings', async () => {
    const runs = Array.from({ length: 10 }, (_, i) => longRun(i, 500));
    for (const r of runs) await svc.rt.ctx.jobs.create(r);
    const ids = runs.map((r) => r.id);
    // A fresh document, so nothing of these runs is in the page's store yet.
    await page.goto(`${svc.url}/#/jobs`);
    await page.reload();
    await page.locator(`tr[data-job="${ids[9]}"]`).waitFor();
    // Time from the route change to the chart holding all 10 runs × 500 epochs.
    const firstDraw = await page.evaluate(async (hash: string) => {
      const g = globalThis as any;
      const doc = g.document;
      const t0 = performance.now();
      const done = new Promise<number>((resolve) => {
        const check = () => {
          const el = doc.querySelector('[data-testid="compare-chart"]');
          if (el?.dataset.series === '10' && el.dataset.points === '500') {
            mo.disconnect();
            resolve(performance.now() - t0);
          }
        };
        const mo = new g.MutationObserver(check);
        mo.observe(doc.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points', 'data-series'] });
      });
      (globalThis as any).location.hash = hash;
      return done;
    }, `#/compare?ids=${ids.join(',')}`);
    const chart = page.getByTestId('compare-chart');
    expect(await chart.getAttribute('data-series')).toBe('10');
    expect(await chart.getAttribute('data-points')).toBe('500');
    expect(JSON.parse((await chart.getAttribute('data-defined'))!)).toEqual(Array(10).fill(500));
    // Each run's line is on the canvas in its colour.
    const px = await countColours(page, 'compare-chart', SERIES_COLORS);
    for (const [i, n] of px.entries()) expect(n, `series ${i} (${SERIES_COLORS[i]})`).toBeGreaterThan(100);

    // The table: one column per run, 500 epochs each, learning rate and seed marked as differing.
    const table = page.getByTestId('compare-table');
    expect(await table.locator('thead th').count()).toBe(11);
    expect(await table.locator('thead th a').allTextContents()).toEqual(runs.map((r) => (r.request as any).name));
    const epochsRow = table.locator('tbody tr', { has: page.locator('th', { hasText: /^epochs run$/ }) });
    expect(await epochsRow.locator('td').allTextContents()).toEqual(Array(10).fill('500'));
    const differs = (await table.locator('tr.differs th').allTextContents()).map((s) => s.replace(' (differs)', ''));
    expect(differs.sort()).toEqual(['name', 'training.optimizer.learningRate', 'training.seed']);
    const lrRow = table.locator('tr.differs', { has: page.locator('th', { hasText: 'training.optimizer.learningRate' }) });
    expect(await lrRow.locator('td').allTextContents()).toEqual(runs.map((_, i) => String(Number((0.001 * (i + 1)).toFixed(3)))));
    expect(await table.locator('tr:not(.differs) th', { hasText: 'training.batchSize' }).count()).toBe(1);
    await shot(page, 'compare-10x500');

    // Hovering across the plot and zooming by a drag, then back out by a double-click.
    const over = page.getByTestId('compare-chart').locator('.u-over');
    const b = (await over.boundingBox())!;
    const hover = await frames(page, async () => {
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 0; k <= 100; k++) await page.mouse.move(b.x + (b.width * (pass ? 100 - k : k)) / 100, b.y + b.height / 2);
      }
    });
    const drawsBefore = await chart.evaluate((el) => Number((el as any).dataset.uplotDraws ?? 0));
    const zoom = await frames(page, async () => {
      await page.mouse.move(b.x + b.width * 0.2, b.y + b.height / 2);
      await page.mouse.down();
      for (let k = 0; k <= 40; k++) await page.mouse.move(b.x + b.width * (0.2 + (0.4 * k) / 40), b.y + b.height / 2);
      await page.mouse.up();
      await page.mouse.dblclick(b.x + b.width / 2, b.y + b.height / 2);
    });
    const drawsAfter = await chart.evaluate((el) => Number((el as any).dataset.uplotDraws ?? 0));
    expect(drawsAfter).toBeGreaterThan(drawsBefore); // the zoom redrew the plot
    // The zoom and hover redraw the plot only: the data given to it was set once.
    expect(await chart.getAttribute('data-draws')).toBe('1');
    console.log(
      `compare 10 runs × 500 epochs: first full draw ${firstDraw.toFixed(0)} ms after the route change; ` +
        `hover (202 moves) frames median ${hover.median} ms, p95 ${hover.p95} ms, max ${hover.max} ms over ${hover.frames} frames, ${hover.longTasks} long tasks (${hover.longTaskMs} ms); ` +
        `zoom drag and reset frames median ${zoom.median} ms, p95 ${zoom.p95} ms, max ${zoom.max} ms over ${zoom.frames} frames, ${zoom.longTasks} long tasks (${zoom.longTaskMs} ms)`,
    );
  });
});

describe('datasets: drag and drop upload with its progress, and the pre-flight findings', () => {
  it('uploads a dropped zip with a progress bar, then lists the planted PREFLIGHT_CLASS_TOO_SMALL with its files', async () => {
    // Two classes of 12 training images and one of 3 (Bag), with a test split of each.
    const sub = await fashionSubset(3, 'train', 7);
    const extra: { name: string; data: Buffer }[] = [];
    for (let i = 0; i < sub.n; i++) {
      if (FASHION_CLASSES[sub.labels[i]!] !== 'Bag') continue;
      extra.push({ name: `train/Bag/bag-${extra.length}.png`, data: await greyPng(Buffer.from(sub.images.subarray(i * 784, (i + 1) * 784))) });
    }
    const testSub = await fashionSubset(3, 'test', 7);
    for (let i = 0; i < testSub.n; i++) {
      if (FASHION_CLASSES[testSub.labels[i]!] !== 'Bag') continue;
      extra.push({ name: `test/Bag/bag-t${i}.png`, data: await greyPng(Buffer.from(testSub.images.subarray(i * 784, (i + 1) * 784))) });
    }
    const zipPath = join(tmp, 'planted.zip');
    await makePngZip(zipPath, { perClass: 12, testPerClass: 3, classes: ['Coat', 'Sandal'], extra });
    const bagTrain = extra.filter((e) => e.name.startsWith('train/')).map((e) => e.name);
    expect(bagTrain).toHaveLength(3);
    const zip = await readFile(zipPath);

    await page.goto(`${svc.url}/#/datasets`);
    await page.locator('main h1', { hasText: 'Datasets' }).waitFor();
    await page.getByLabel('Name (optional)').fill('planted-small-class');
    // Record what the progress bar shows at every change of the page, from before the drop.
    await page.evaluate(() => {
      const g = globalThis as any;
      g.__progress = [];
      const mo = new g.MutationObserver(() => {
        const el = g.document.querySelector('[data-testid="upload-progress"]');
        const seen = el && { value: el.value, text: el.parentElement.textContent.trim() };
        const last = g.__progress.at(-1);
        if (seen && (!last || last.value !== seen.value || last.text !== seen.text)) g.__progress.push(seen);
        if (g.location.hash.startsWith('#/datasets/')) mo.disconnect();
      });
      mo.observe(g.document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    // A DataTransfer made in the page, holding a File of the zip's bytes, dropped on the zone.
    const dt = await page.evaluateHandle((b64: string) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const g = globalThis as any;
      const t = new g.DataTransfer();
      t.items.add(new g.File([bytes], 'planted.zip', { type: 'application/zip' }));
      return t;
    }, zip.toString('base64'));
    // A slow uplink (about 1.5 s for the zip), so the bar has steps to show.
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: Math.ceil(zip.length / 1.5) });
    const zone = page.locator('.dropzone');
    await zone.dispatchEvent('dragover', { dataTransfer: dt });
    await expect.poll(() => zone.getAttribute('class')).toContain('over');
    await zone.dispatchEvent('drop', { dataTransfer: dt });
    await page.waitForURL(/#\/datasets\/ds_/);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    const progress: { value: number; text: string }[] = await page.evaluate(() => (globalThis as any).__progress);
    console.log(`upload progress as shown: ${progress.map((p) => p.text).join(' → ')}`);
    expect(progress[0]).toEqual({ value: 0, text: '0% sent' });
    expect(progress.filter((p) => p.value > 0 && p.value < 1).length).toBeGreaterThan(0); // steps between
    expect(progress.at(-1)!.value).toBe(1);
    expect(progress.at(-1)!.text).toBe('ingesting…');
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.value).toBeGreaterThanOrEqual(progress[i - 1]!.value);

    const id = new URL(page.url()).hash.split('/')[2]!;
    const rec = (await (await svc.call(`/v1/datasets/${id}`)).json()) as any;
    expect(rec.name).toBe('planted-small-class');
    expect(rec.classes).toEqual(['Bag', 'Coat', 'Sandal']);
    expect(rec.counts.train).toEqual([3, 12, 12]);
    const small = rec.preflight.findings.find((f: any) => f.code === 'PREFLIGHT_CLASS_TOO_SMALL');
    expect(small.files.sort()).toEqual([...bagTrain].sort());

    const findings = page.getByTestId('findings');
    await findings.waitFor();
    expect(await findings.locator('li > code').allTextContents()).toEqual(rec.preflight.findings.map((f: any) => f.code));
    const item = findings.locator('> li', { has: page.locator('code', { hasText: 'PREFLIGHT_CLASS_TOO_SMALL' }) });
    expect(await item.locator('> strong').textContent()).toBe('error');
    expect(await item.textContent()).toContain('Bag (3)');
    await item.locator('summary').click();
    const files = item.locator('details li');
    await expect.poll(() => files.first().isVisible()).toBe(true);
    expect((await files.allTextContents()).sort()).toEqual([...bagTrain].sort());
    expect(await page.getByTestId('class-counts').locator('tbody tr').count()).toBe(3);
    // The bars are sized by script (CSSOM), which the CSP allows without 'unsafe-inline': Bag's is a quarter of Coat's.
    const bar = (row: number) => page.getByTestId('class-counts').locator('tbody tr').nth(row).locator('.hbar.p > span').evaluate((e: any) => e.getBoundingClientRect().width);
    const [bagW, coatW] = [await bar(0), await bar(1)];
    expect(coatW).toBeGreaterThan(0);
    expect(bagW / coatW).toBeCloseTo(3 / 12, 1);
    await shot(page, 'dataset-findings');
  });
});

describe('model: the ONNX download', () => {
  it('downloads the model as ONNX from its page, a file onnxruntime runs to the same top-1 as predict', async () => {
    const modelId = trained.result.modelId;
    await page.goto(`${svc.url}/#/models/${modelId}`);
    const button = page.getByRole('button', { name: 'Download ONNX' });
    await button.waitFor();
    const download = page.waitForEvent('download', { timeout: 90_000 });
    await button.click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(/\.onnx$/);
    const bytes = await readFile((await d.path())!);
    // A ModelProto starts with field 1 (ir_version), a varint: tag 0x08.
    expect(bytes[0]).toBe(0x08);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['logits', 'probabilities']);
    // The same image through predict and through the downloaded file.
    const form = new FormData();
    form.set('image', new Blob([readFileSync(ANKLE_BOOT)], { type: 'image/png' }), 'ankle-boot.png');
    const pred = ((await (await svc.call(`/v1/models/${modelId}/predict`, { method: 'POST', body: form })).json()) as any).predictions[0];
    // The default export takes raw 0–255 pixels, NHWC.
    const raw = await sharp(readFileSync(ANKLE_BOOT)).greyscale().resize(28, 28, { fit: 'fill' }).raw().toBuffer();
    const out = await session.run({ image: new ort.Tensor('float32', Float32Array.from(raw), [1, 28, 28, 1]) });
    const probs = [...(out.probabilities!.data as Float32Array)];
    expect(probs).toHaveLength(10);
    const top1 = probs.indexOf(Math.max(...probs));
    expect(top1).toBe(pred.top[0].classIndex);
    expect(probs[top1]).toBeCloseTo(pred.top[0].probability, 4);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});

describe('an evaluate job’s results', () => {
  it('shows the evaluate job’s own confusion matrix and a cell’s misclassified images, equal to its stored per-sample result', async () => {
    const modelId = trained.result.modelId;
    const job = await waitForJob(svc, await submitJob(svc, { type: 'evaluate', modelId, datasetId: dsId }));
    expect(job.state).toBe('completed');
    expect(job.type).toBe('evaluate');
    await page.goto(`${svc.url}/#/jobs/${job.id}/results`);
    const canvas = page.getByTestId('heatmap');
    await canvas.waitFor();
    const matrix: number[][] = job.result.metrics.confusionMatrix.matrix;
    expect(JSON.parse((await canvas.getAttribute('data-cells'))!)).toEqual(matrix);
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect(await page.getByTestId('accuracy').textContent()).toBe(`${(job.result.metrics.accuracy * 100).toFixed(2)}%`);
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
    expect([await panel.getAttribute('data-true'), await panel.getAttribute('data-predicted')]).toEqual([String(t), String(p)]);
    await expect.poll(() => panel.locator('li[data-index]').count()).toBe(Math.min(48, matrix[t]![p]!));
    const shown = await panel.locator('li[data-index]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    const api = (await (await svc.call(`/v1/jobs/${job.id}/samples?true=${t}&predicted=${p}&limit=100`)).json()) as any;
    expect(api.total).toBe(matrix[t]![p]);
    expect(shown).toEqual(api.items.slice(0, 48).map((s: any) => s.index));
    for (const s of api.items) expect([s.trueClass, s.predicted, s.top[0].classIndex]).toEqual([t, p, p]);
    // Every cell of the stored per-sample predictions adds up to the job's matrix.
    for (let i = 0; i < matrix.length; i++) {
      const row = await Promise.all(matrix[i]!.map(async (_, j) => ((await (await svc.call(`/v1/jobs/${job.id}/samples?true=${i}&predicted=${j}&limit=1`)).json()) as any).total));
      expect(row, `row ${i}`).toEqual(matrix[i]);
    }
    expect(await panel.locator('img').first().isVisible()).toBe(true);
    await shot(page, 'evaluate-results');
  });

  it('logged no console errors (CSP violations included) in any view', async () => {
    // The views not visited above, under the same CSP: the job's curves, inside the CNN, the lists.
    await page.goto(`${svc.url}/#/jobs/${trained.id}`);
    await expect.poll(() => page.getByTestId('loss-chart').getAttribute('data-points')).toBe('2');
    await page.goto(`${svc.url}/#/models/${trained.result.modelId}/inside`);
    await page.getByTestId('inside-input').setInputFiles(ANKLE_BOOT);
    await page.getByTestId('fmap-maxPool2d_2').waitFor();
    for (const v of ['#/models', '#/datasets', `#/datasets/${dsId}`]) {
      await page.goto(`${svc.url}/${v}`);
      await page.locator('main h1').waitFor();
    }
    expect(await page.evaluate(() => (globalThis as any).document.styleSheets.length)).toBeGreaterThan(0);
    expect(pw.consoleErrors).toEqual([]);
  });
});
