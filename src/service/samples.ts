/**
 * Images for the dashboard: the evaluated images of a job filtered by true and
 * predicted class (the cells of its confusion matrix) with their top-5, the
 * calibration of its predictions, and thumbnails of a dataset's images per
 * class and split. Images come back as PNG data URLs, decoded from the packed
 * cache the job was evaluated on, the IDX rows or the original files.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  OriginalsReader,
  RAW_IMAGES_FILE,
  RAW_LABELS_FILE,
  ensurePackedCache,
  readItems,
  readManifest,
  rowBytes,
  type DatasetItem,
  type ResizePolicy,
} from '../data/index.js';
import { CnnError } from '../errors.js';
import { readPredictions, type SamplePrediction } from '../store/predictions.js';
import type { ServiceContext } from './context.js';
import { getDataset } from './datasets.js';
import { getJob } from './jobs.js';
import { getModel } from './models.js';

export const MAX_SAMPLES_PAGE = 100;
const THUMB_PX = 64;

export interface JobSample {
  index: number;
  trueClass: number;
  predicted: number;
  image: string;
  top: { classIndex: number; className: string; probability: number }[];
}

function intParam(raw: string | undefined, at: string, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new CnnError('VALIDATION_FAILED', `${at} must be an integer from 0 to ${max}`, at);
  return n;
}

function limitParam(raw: string | undefined): number {
  const n = raw === undefined ? 24 : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLES_PAGE) throw new CnnError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_SAMPLES_PAGE}`, 'limit');
  return n;
}

function cursorParam(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new CnnError('VALIDATION_FAILED', 'cursor must be a cursor from an earlier page', 'cursor');
  return n;
}

/** uint8 H×W×C pixels as a PNG data URL. */
async function pngDataUrl(pixels: Buffer, h: number, w: number, c: number, size?: number): Promise<string> {
  let img = sharp(pixels, { raw: { width: w, height: h, channels: c as 1 | 3 } });
  if (size && (h > size || w > size)) img = img.resize(size, size, { fit: 'inside' });
  const png = await img.png({ compressionLevel: 6 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

async function readRows(path: string, rows: number[], rb: number, offsetBytes = 0): Promise<Buffer[]> {
  const fh = await open(path, 'r');
  try {
    const out: Buffer[] = [];
    for (const r of rows) {
      const b = Buffer.alloc(rb);
      await fh.read(b, 0, rb, offsetBytes + r * rb);
      out.push(b);
    }
    return out;
  } finally {
    await fh.close();
  }
}

interface JobEvaluation {
  rows: SamplePrediction[];
  classes: string[];
  datasetId: string;
  modelId: string;
}

async function jobEvaluation(ctx: ServiceContext, tenant: string, jobId: string): Promise<JobEvaluation & { model: Awaited<ReturnType<typeof getModel>> }> {
  const job = await getJob(ctx, tenant, jobId);
  const result = job.result as { modelId?: string } | undefined;
  const modelId = job.type === 'evaluate' ? (job.request as { modelId: string }).modelId : result?.modelId;
  const rows = job.state === 'completed' && modelId ? await readPredictions(ctx.blobs, job.id) : null;
  if (!rows || !modelId) throw new CnnError('SAMPLES_UNAVAILABLE', `job ${job.id} has no stored per-sample predictions (it is ${job.state}; they are written by its final evaluation)`, 'id');
  const model = await getModel(ctx, tenant, modelId);
  return { rows, classes: model.classes, datasetId: (job.request as { datasetId: string }).datasetId, modelId, model };
}

/**
 * The evaluated images of a job, filtered by true and/or predicted class, in
 * evaluation order; `cursor` is the position to continue from.
 */
export async function jobSamples(
  ctx: ServiceContext,
  tenant: string,
  jobId: string,
  q: { true?: string; predicted?: string; limit?: string; cursor?: string },
): Promise<{ items: JobSample[]; total: number; nextCursor?: string; classes: string[] }> {
  const ev = await jobEvaluation(ctx, tenant, jobId);
  const K = ev.classes.length;
  const t = intParam(q.true, 'true', K - 1);
  const p = intParam(q.predicted, 'predicted', K - 1);
  const limit = limitParam(q.limit);
  const from = cursorParam(q.cursor);
  const matching = ev.rows.filter((r) => (t === undefined || r.trueClass === t) && (p === undefined || r.predicted === p));
  const page = matching.slice(from, from + limit);
  const pre = ev.model.preprocessing;
  const [h, w, c] = pre.inputShape;
  const dataset = await getDataset(ctx, tenant, ev.datasetId);
  const cache = await ensurePackedCache(ctx.blobs.datasetDir(dataset.id), { height: h, width: w, channels: c as 1 | 3, resize: pre.resize as ResizePolicy });
  const rb = rowBytes({ height: h, width: w, channels: c as 1 | 3 });
  const pixels = await readRows(cache.imagesPath, page.map((r) => r.index), rb);
  const items = await Promise.all(
    page.map(async (r, i) => ({
      index: r.index,
      trueClass: r.trueClass,
      predicted: r.predicted,
      image: await pngDataUrl(pixels[i]!, h, w, c),
      top: r.top.map((x) => ({ classIndex: x.classIndex, className: ev.classes[x.classIndex] ?? String(x.classIndex), probability: x.probability })),
    })),
  );
  return { items, total: matching.length, classes: ev.classes, ...(from + limit < matching.length ? { nextCursor: String(from + limit) } : {}) };
}

export interface CalibrationBin {
  from: number;
  to: number;
  count: number;
  confidence: number;
  accuracy: number;
}

/** Reliability diagram (10 equal-width confidence bins of the top-1 probability) and the expected calibration error. */
export async function jobCalibration(ctx: ServiceContext, tenant: string, jobId: string): Promise<{ bins: CalibrationBin[]; ece: number; count: number }> {
  const { rows } = await jobEvaluation(ctx, tenant, jobId);
  const B = 10;
  const bins = Array.from({ length: B }, (_, i) => ({ from: i / B, to: (i + 1) / B, count: 0, conf: 0, hits: 0 }));
  for (const r of rows) {
    const p = r.top[0]?.probability ?? 0;
    const b = bins[Math.min(B - 1, Math.floor(p * B))]!;
    b.count++;
    b.conf += p;
    if (r.predicted === r.trueClass) b.hits++;
  }
  const n = rows.length;
  let ece = 0;
  const out = bins.map((b) => {
    const confidence = b.count ? b.conf / b.count : 0;
    const accuracy = b.count ? b.hits / b.count : 0;
    if (n) ece += (b.count / n) * Math.abs(accuracy - confidence);
    return { from: b.from, to: b.to, count: b.count, confidence, accuracy };
  });
  return { bins: out, ece, count: n };
}

/** Thumbnails of a dataset's images of one class (or all) and split, in stored order. */
export async function datasetSamples(
  ctx: ServiceContext,
  tenant: string,
  datasetId: string,
  q: { class?: string; split?: string; limit?: string; cursor?: string },
): Promise<{ items: { index: number; label: number; className: string; split: string; image: string }[]; total: number; nextCursor?: string }> {
  const ds = await getDataset(ctx, tenant, datasetId);
  const split = q.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new CnnError('VALIDATION_FAILED', "split must be 'train' or 'test'", 'split');
  const cls = intParam(q.class, 'class', ds.classes.length - 1);
  const limit = limitParam(q.limit);
  const from = cursorParam(q.cursor);
  const dir = ctx.blobs.datasetDir(ds.id);
  const manifest = await readManifest(dir);
  const trainCount = manifest.counts.train.reduce((a, b) => a + b, 0);
  if (manifest.format === 'idx' && manifest.raw) {
    const { height: h, width: w, channels: c } = manifest.raw;
    const fh = await open(join(dir, RAW_LABELS_FILE), 'r');
    let labels: Int32Array;
    try {
      const buf = await fh.readFile();
      labels = new Int32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    } finally {
      await fh.close();
    }
    const lo = split === 'train' ? 0 : trainCount;
    const hi = split === 'train' ? trainCount : labels.length;
    const matching: number[] = [];
    for (let i = lo; i < hi; i++) if (cls === undefined || labels[i] === cls) matching.push(i);
    const page = matching.slice(from, from + limit);
    const rb = h * w * c;
    const pixels = await readRows(join(dir, RAW_IMAGES_FILE), page, rb);
    const items = await Promise.all(
      page.map(async (i, j) => ({ index: i, label: labels[i]!, className: ds.classes[labels[i]!]!, split, image: await pngDataUrl(pixels[j]!, h, w, c) })),
    );
    return { items, total: matching.length, ...(from + limit < matching.length ? { nextCursor: String(from + limit) } : {}) };
  }
  const all = await readItems(dir);
  const matching: { item: DatasetItem; index: number }[] = [];
  all.forEach((item, index) => {
    if (item.split === split && (cls === undefined || item.label === cls)) matching.push({ item, index });
  });
  const page = matching.slice(from, from + limit);
  const reader = new OriginalsReader(dir);
  try {
    const items = await Promise.all(
      page.map(async ({ item, index }) => {
        const bytes = await reader.read(item);
        const png = await sharp(bytes, { limitInputPixels: ctx.config.limits.maxImagePixels }).resize(THUMB_PX, THUMB_PX, { fit: 'inside' }).png().toBuffer();
        return { index, label: item.label, className: ds.classes[item.label]!, split, image: `data:image/png;base64,${png.toString('base64')}` };
      }),
    );
    return { items, total: matching.length, ...(from + limit < matching.length ? { nextCursor: String(from + limit) } : {}) };
  } finally {
    await reader.close();
  }
}
