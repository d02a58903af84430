// npm run bench:predict [-- --model mnist-cnn --singles 200 --threads 2 --json]
//
// Prediction through the real service: POST /v1/models/:id/predict with one
// PNG (latency p50 / p99, end to end: multipart upload, decode, preprocess,
// forward, top-k, JSON) and with a batch of 64 (images/s). The engine's own
// part (EngineModel.predict on the decoded pixels, fp32 as the service
// serves) and PyTorch eval on the same model (Debian's python3-torch, under
// torch.inference_mode) are measured in the same run on the same machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { compileSpec } from '../src/architecture/index.js';
import { createEngineModel, setEngineThreads } from '../src/engine/index.js';
import { startTestService } from '../test/helpers/service.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mnist-cnn' },
    singles: { type: 'string', default: '200' },
    batch: { type: 'string', default: '64' },
    windows: { type: 'string', default: '5' },
    'batches-per-window': { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
  },
});
const SINGLES = Number(args.singles);
const BATCH = Number(args.batch);
const WINDOWS = Number(args.windows);
const BATCHES_PER_WINDOW = Number(args['batches-per-window']);
const THREADS = Number(args.threads);
const FASHION = '/usr/share/datasets/fashion-mnist';
const EXAMPLES: Record<string, string> = { 'mnist-cnn': 'mnist-cnn', 'design-guide-cnn': 'design-guide-cnn' };
if (!EXAMPLES[args.model!]) throw new Error(`--model must be one of ${Object.keys(EXAMPLES).join(', ')}`);
const spec = JSON.parse(readFileSync(new URL(`../examples/${EXAMPLES[args.model!]}.json`, import.meta.url), 'utf8'));

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

function testImages(n: number): Uint8Array {
  try {
    return gunzipSync(readFileSync(`${FASHION}/t10k-images-idx3-ubyte.gz`)).subarray(16, 16 + n * 784);
  } catch {
    return new Uint8Array(n * 784).map((_, i) => (i * 2654435761) % 251);
  }
}

setEngineThreads(THREADS);
const pixels = testImages(BATCH);
const pngs = await Promise.all(
  Array.from({ length: BATCH }, (_, i) => sharp(Buffer.from(pixels.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer()),
);

// A model with known weights, imported through the API as a client would.
const tmp = mkdtempSync(join(tmpdir(), 'cnn-bench-predict-'));
const { graph } = compileSpec(spec);
const source = await createEngineModel(graph, { seed: 1, precision: 'fp32' });
await source.saveWeights(join(tmp, 'w.safetensors'), { source: 'bench:predict' });

const svc = await startTestService({ workers: 0, env: { CNN_THREADS: String(THREADS) } });
let result: Record<string, unknown>;
try {
  const form = new FormData();
  form.set('weights', new Blob([readFileSync(join(tmp, 'w.safetensors'))]), 'w.safetensors');
  form.set('spec', JSON.stringify(spec));
  const imported = (await (await svc.call('/v1/models/import', { method: 'POST', body: form })).json()) as { id?: string; error?: unknown };
  if (!imported.id) throw new Error(`import failed: ${JSON.stringify(imported)}`);
  const predictPath = `/v1/models/${imported.id}/predict`;
  const post = async (images: Buffer[]) => {
    const f = new FormData();
    images.forEach((png, i) => f.append('image', new Blob([png], { type: 'image/png' }), `${i}.png`));
    f.set('topK', '3');
    const res = await svc.call(predictPath, { method: 'POST', body: f });
    if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${await res.text()}`);
    await res.json();
  };

  // Warm-up: loads the model into the API's cache and the kernels into memory.
  for (let i = 0; i < 10; i++) await post([pngs[i % BATCH]!]);
  await post(pngs);
  const single: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    const t0 = performance.now();
    await post([pngs[i % BATCH]!]);
    single.push(performance.now() - t0);
  }
  single.sort((a, b) => a - b);
  const batchRates: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = performance.now();
    for (let b = 0; b < BATCHES_PER_WINDOW; b++) await post(pngs);
    batchRates.push((BATCHES_PER_WINDOW * BATCH) / ((performance.now() - t0) / 1000));
  }

  // The engine's part alone: the same decoded pixels, the same fp32 model, no HTTP.
  const engine = await createEngineModel(graph, { seed: 1, precision: 'fp32' });
  const shape = { h: 28, w: 28, c: 1 };
  for (let i = 0; i < 10; i++) await engine.predict(pixels.subarray(0, 784), { n: 1, ...shape });
  const engineSingle: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    const k = i % BATCH;
    const t0 = performance.now();
    await engine.predict(pixels.subarray(k * 784, (k + 1) * 784), { n: 1, ...shape });
    engineSingle.push(performance.now() - t0);
  }
  engineSingle.sort((a, b) => a - b);
  const engineRates: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = performance.now();
    for (let b = 0; b < BATCHES_PER_WINDOW; b++) await engine.predict(pixels, { n: BATCH, ...shape });
    engineRates.push((BATCHES_PER_WINDOW * BATCH) / ((performance.now() - t0) / 1000));
  }
  engine.dispose();

  let reference: { engine: string; p50Ms: number; p99Ms: number; batchImagesPerSec: number } | undefined;
  try {
    const out = execFileSync(args.python!, ['bench/reference_predict.py', '--model', args.model!, '--threads', String(THREADS), '--singles', String(SINGLES), '--batch', String(BATCH), '--windows', String(WINDOWS), '--batches-per-window', String(BATCHES_PER_WINDOW)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    reference = JSON.parse(out.trim().split('\n').at(-1)!);
  } catch (e) {
    process.stderr.write(`PyTorch reference unavailable (${(e as Error).message.split('\n')[0]}); install python3-torch\n`);
  }

  const round = (x: number, d = 2) => Number(x.toFixed(d));
  result = {
    model: args.model,
    threads: THREADS,
    service: { singleP50Ms: round(quantile(single, 0.5)), singleP99Ms: round(quantile(single, 0.99)), batch: BATCH, batchImagesPerSec: Math.round(median(batchRates)) },
    engine: { singleP50Ms: round(quantile(engineSingle, 0.5), 3), singleP99Ms: round(quantile(engineSingle, 0.99), 3), batchImagesPerSec: Math.round(median(engineRates)) },
    pytorch: reference ? { singleP50Ms: round(reference.p50Ms, 3), singleP99Ms: round(reference.p99Ms, 3), batchImagesPerSec: Math.round(reference.batchImagesPerSec) } : null,
    ratios: reference
      ? { singleP50PytorchOverEngine: round(reference.p50Ms / quantile(engineSingle, 0.5)), batchEngineOverPytorch: round(median(engineRates) / reference.batchImagesPerSec) }
      : null,
  };
} finally {
  await svc.close();
  source.dispose();
  rmSync(tmp, { recursive: true, force: true });
}

if (args.json) {
  console.log(JSON.stringify(result));
} else {
  const r = result as any;
  console.log(`model ${r.model}, ${THREADS} threads, fp32`);
  console.log(`service  POST predict, 1 image:  p50 ${r.service.singleP50Ms} ms, p99 ${r.service.singleP99Ms} ms;  ${BATCH} images/request: ${r.service.batchImagesPerSec} images/s`);
  console.log(`engine   predict, 1 image:       p50 ${r.engine.singleP50Ms} ms, p99 ${r.engine.singleP99Ms} ms;  batch of ${BATCH}: ${r.engine.batchImagesPerSec} images/s`);
  if (r.pytorch) {
    console.log(`pytorch  eval, 1 image:          p50 ${r.pytorch.singleP50Ms} ms, p99 ${r.pytorch.singleP99Ms} ms;  batch of ${BATCH}: ${r.pytorch.batchImagesPerSec} images/s`);
    console.log(`engine vs pytorch: 1-image p50 ${r.ratios.singleP50PytorchOverEngine}x faster, batch ${r.ratios.batchEngineOverPytorch}x the images/s`);
  }
}
