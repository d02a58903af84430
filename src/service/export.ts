/**
 * ONNX export of a stored model, verified before it is handed out: the file
 * is run in ONNX Runtime on up to 256 images of the model's dataset (its test
 * split, else its first training images; seeded synthetic pixels for an
 * imported model without one) and compared with the engine in fp32. A file
 * whose logits differ by more than 1e-4, or that picks another class for any
 * image, fails with EXPORT_PARITY_FAILED. Files are cached per model and input
 * layout, with their check stored on the model record.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compileSpec } from '../architecture/index.js';
import { ensurePackedCache, loadPackedCache } from '../data/index.js';
import { createEngineModel } from '../engine/index.js';
import { CnnError } from '../errors.js';
import { normalizeToNchw } from '../export/normalize.js';
import { exportOnnx, type InputLayout } from '../export/onnx.js';
import { readSafetensorsF32 } from '../export/safetensors.js';
import { seededRandom } from '../seeded-random.js';
import { writeFileAtomic } from '../store/blobs.js';
import { getModel, recordExportCheck, type ExportCheck, type ModelRecord } from '../store/models.js';
import type { ServiceContext } from './context.js';

/** The largest logit difference an export may show against the engine in fp32. */
export const EXPORT_MAX_LOGIT_DIFF = 1e-4;
const CHECK_IMAGES = 256;
const CHECK_BATCH = 32;
const VERSION = '0.1.0';

const LAYOUTS: Record<string, InputLayout> = { nhwc: 'nhwc-raw', 'nhwc-raw': 'nhwc-raw', nchw: 'nchw-normalized', 'nchw-normalized': 'nchw-normalized' };

export function parseLayout(raw: string | undefined): InputLayout {
  if (raw === undefined || raw === '') return 'nhwc-raw';
  const layout = LAYOUTS[raw];
  if (!layout) throw new CnnError('VALIDATION_FAILED', "input must be 'nhwc' (raw 0-255 pixels, the default) or 'nchw' (normalized, torchvision style)", 'input');
  return layout;
}

export interface OnnxExport {
  path: string;
  filename: string;
  check: ExportCheck;
}

const inFlight = new Map<string, Promise<OnnxExport>>();

export async function exportModelOnnx(ctx: ServiceContext, tenant: string, id: string, layoutRaw?: string, at = 'id'): Promise<OnnxExport> {
  const layout = parseLayout(layoutRaw);
  const rec = await getModel(ctx, tenant, id, at);
  const path = join(ctx.blobs.modelDir(rec.id), 'exports', `${layout}.onnx`);
  const filename = `${rec.id}${layout === 'nhwc-raw' ? '' : '.nchw'}.onnx`;
  const cached = rec.exports?.[layout];
  if (cached && existsSync(path)) return { path, filename, check: cached };
  const key = `${rec.id}:${layout}`;
  let running = inFlight.get(key);
  if (!running) {
    running = buildAndCheck(ctx, rec, layout, path).then((check) => ({ path, filename, check }));
    inFlight.set(key, running);
    void running.finally(() => inFlight.delete(key)).catch(() => undefined);
  }
  return running;
}

/** Up to CHECK_IMAGES images at the model's input size, as uint8 NHWC. */
async function checkImages(ctx: ServiceContext, rec: ModelRecord): Promise<{ raw: Uint8Array; n: number; source: ExportCheck['source'] }> {
  const [h, w, c] = rec.preprocessing.inputShape;
  const dataset = rec.datasetId ? await ctx.catalog.get('dataset', rec.datasetId, rec.tenant) : undefined;
  if (dataset) {
    const cache = await ensurePackedCache(ctx.blobs.datasetDir(dataset.id), { height: h, width: w, channels: c as 1 | 3, resize: rec.preprocessing.resize });
    const { images, meta } = await loadPackedCache(cache);
    const split = meta.splits.test.count > 0 ? { ...meta.splits.test, source: 'test' as const } : { ...meta.splits.train, source: 'train' as const };
    const n = Math.min(CHECK_IMAGES, split.count);
    const size = h * w * c;
    return { raw: new Uint8Array(images.subarray(split.offset * size, (split.offset + n) * size)), n, source: split.source };
  }
  // Seeded pixels: the same images on every run.
  const next = seededRandom(0x5eed);
  const n = 64;
  return { raw: Uint8Array.from({ length: n * h * w * c }, () => Math.floor(next() * 256)), n, source: 'synthetic' };
}

async function buildAndCheck(ctx: ServiceContext, rec: ModelRecord, layout: InputLayout, path: string): Promise<ExportCheck> {
  const { graph } = compileSpec(rec.spec, { maxParams: ctx.config.limits.maxParams });
  const weightsPath = join(ctx.blobs.modelDir(rec.id), 'weights.safetensors');
  const bytes = exportOnnx({
    graph,
    weights: await readSafetensorsF32(weightsPath),
    classes: rec.classes,
    preprocessing: rec.preprocessing,
    layout,
    modelId: rec.id,
    specSha256: createHash('sha256').update(JSON.stringify(rec.spec)).digest('hex'),
    producerVersion: VERSION,
  });

  const { raw, n, source } = await checkImages(ctx, rec);
  const [h, w, c] = rec.preprocessing.inputShape;
  const K = rec.classes.length;
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const model = await createEngineModel(graph, { device: 'cpu', precision: 'fp32', seed: 0 });
  let maxAbsLogitDiff = 0;
  let agree = 0;
  try {
    await model.loadWeights(weightsPath);
    for (let from = 0; from < n; from += CHECK_BATCH) {
      const m = Math.min(CHECK_BATCH, n - from);
      const batch = raw.subarray(from * h * w * c, (from + m) * h * w * c);
      const nchw = normalizeToNchw(batch, { n: m, h, w, c }, rec.preprocessing);
      const want = await model.forward(nchw, m);
      const feed = layout === 'nhwc-raw' ? new ort.Tensor('float32', Float32Array.from(batch), [m, h, w, c]) : new ort.Tensor('float32', nchw, [m, c, h, w]);
      const got = (await session.run({ image: feed })).logits!.data as Float32Array;
      for (let i = 0; i < m; i++) {
        let bw = 0;
        let bg = 0;
        for (let j = 0; j < K; j++) {
          const k = i * K + j;
          maxAbsLogitDiff = Math.max(maxAbsLogitDiff, Math.abs(got[k]! - want[k]!));
          if (want[k]! > want[i * K + bw]!) bw = j;
          if (got[k]! > got[i * K + bg]!) bg = j;
        }
        if (bw === bg) agree++;
      }
    }
  } finally {
    model.dispose();
    await session.release();
  }
  const check: ExportCheck = {
    layout,
    n,
    source,
    maxAbsLogitDiff,
    top1Agreement: n > 0 ? agree / n : 1,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    checkedAt: new Date().toISOString(),
  };
  if (!(maxAbsLogitDiff <= EXPORT_MAX_LOGIT_DIFF) || agree !== n) {
    throw new CnnError(
      'EXPORT_PARITY_FAILED',
      `the ONNX file disagrees with the engine on ${n} ${source} images: max |logit difference| ${maxAbsLogitDiff.toExponential(2)} (limit ${EXPORT_MAX_LOGIT_DIFF}), top-1 agreement ${(check.top1Agreement * 100).toFixed(2)}%`,
      'id',
      check as unknown as Record<string, unknown>,
    );
  }
  await writeFileAtomic(path, bytes);
  await recordExportCheck(ctx, rec.id, check);
  return check;
}

/** The verified file's bytes (small models) — for adapters that send it in chunks. */
export async function readExport(e: OnnxExport): Promise<Buffer> {
  return readFile(e.path);
}
