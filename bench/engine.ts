// npm run bench:engine [-- --steps 200 --batch 64 --threads 2 --model mnist-cnn]
//
// Training images/s of our engine against PyTorch (Debian's python3-torch) on
// the same model, data and batch, measured in the same run, and the ratio.
// Also the event-loop lag while our training runs (a 10 ms timer's delay).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createEngineModel, engineInfo, setEngineThreads } from '../src/engine/index.js';
import { compileSpec } from '../src/architecture/index.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    model: { type: 'string', default: 'mnist-cnn' },
    input: { type: 'string', default: '28' },
    device: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const STEPS = Number(args.steps);
const WARMUP = Number(args.warmup);
const BATCH = Number(args.batch);
const THREADS = Number(args.threads);
const FASHION = '/usr/share/datasets/fashion-mnist';
const INPUT = Number(args.input);
const SPECS: Record<string, () => unknown> = {
  'mnist-cnn': () => JSON.parse(readFileSync(new URL('../examples/mnist-cnn.json', import.meta.url), 'utf8')),
  resnet18: () => ({ zoo: 'resnet18', numClasses: 10, inputShape: [INPUT, INPUT, 1] }),
};

/** Bilinear resize of 28x28 grey images to size x size (half-pixel centres, as F.interpolate with align_corners=False). */
function resize(images: Uint8Array, n: number, size: number): Uint8Array {
  if (size === 28) return images;
  const out = new Uint8Array(n * size * size);
  const scale = 28 / size;
  for (let k = 0; k < n; k++) {
    const src = k * 784;
    for (let y = 0; y < size; y++) {
      const sy = Math.min(27, Math.max(0, (y + 0.5) * scale - 0.5));
      const y0 = Math.floor(sy), y1 = Math.min(27, y0 + 1), fy = sy - y0;
      for (let x = 0; x < size; x++) {
        const sx = Math.min(27, Math.max(0, (x + 0.5) * scale - 0.5));
        const x0 = Math.floor(sx), x1 = Math.min(27, x0 + 1), fx = sx - x0;
        const v = (images[src + y0 * 28 + x0]! * (1 - fx) + images[src + y0 * 28 + x1]! * fx) * (1 - fy) + (images[src + y1 * 28 + x0]! * (1 - fx) + images[src + y1 * 28 + x1]! * fx) * fy;
        out[k * size * size + y * size + x] = Math.round(v);
      }
    }
  }
  return out;
}

function loadData(n: number): { images: Uint8Array; labels: Int32Array; source: string } {
  const path = `${FASHION}/train-images-idx3-ubyte.gz`;
  if (!existsSync(path)) {
    // Synthetic stand-in when the data set package is absent: same shapes, same work.
    const images = new Uint8Array(n * 784).map((_, i) => (i * 2654435761) % 251);
    return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 10), source: 'synthetic' };
  }
  const images = gunzipSync(readFileSync(path)).subarray(16, 16 + n * 784);
  const labels = Int32Array.from(gunzipSync(readFileSync(`${FASHION}/train-labels-idx1-ubyte.gz`)).subarray(8, 8 + n));
  return { images, labels, source: 'fashion-mnist' };
}

async function ours(): Promise<{ imagesPerSec: number; lagMs: { p50: number; p99: number; max: number } }> {
  const spec = SPECS[args.model!];
  if (!spec) throw new Error(`--model must be one of ${Object.keys(SPECS).join(', ')}`);
  const { graph, summary } = compileSpec(spec());
  setEngineThreads(THREADS);
  const n = BATCH * 50; // as the reference
  const data = loadData(n);
  const model = await createEngineModel(graph, { device: args.device as 'cpu', seed: 0 });
  const ds = await model.dataset(resize(data.images, n, INPUT), data.labels, { n, h: INPUT, w: INPUT, c: 1 }, 10);
  model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
  console.log(`device ${model.device} (${model.precision}); model ${args.model} at ${INPUT}x${INPUT}x1: ${summary.totals.totalParams.toLocaleString('en')} parameters; data ${data.source}; batch ${BATCH}; ${THREADS} threads; libtorch ${engineInfo().torchVersion}`);

  await model.trainEpoch(ds, { batchSize: BATCH, maxSteps: WARMUP, seed: 1 });
  // The timer measures how late the event loop runs it while the native call works.
  const lags: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 10);
    last = now;
  }, 10);
  let images = 0;
  const t0 = performance.now();
  let seed = 2;
  while (images < STEPS * BATCH) {
    const r = await model.trainEpoch(ds, { batchSize: BATCH, maxSteps: Math.min(50, STEPS - images / BATCH), seed: seed++ });
    images += r.images;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  model.dispose();
  lags.sort((a, b) => a - b);
  const q = (p: number) => Math.max(0, lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? 0);
  return { imagesPerSec: images / seconds, lagMs: { p50: q(0.5), p99: q(0.99), max: q(1) } };
}

/**
 * The addon raises glibc's mmap/trim thresholds (CNN_MALLOC_TUNING); the reference runs once as people
 * run it and once with the same allocator settings, so the ratio shows how much of the gap is the allocator.
 */
const SAME_MALLOC = { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(512 << 20) };

function reference(env: Record<string, string> = {}): { imagesPerSec: number; engine: string } | undefined {
  try {
    const out = execFileSync(args.python!, ['bench/reference_torch.py', '--model', args.model!, '--input', String(INPUT), '--steps', String(STEPS), '--warmup', String(WARMUP), '--batch', String(BATCH), '--threads', String(THREADS), '--device', args.device!], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as { imagesPerSec: number; engine: string };
  } catch (e) {
    console.log(`PyTorch reference unavailable (${(e as Error).message.split('\n')[0]}); install python3-torch`);
    return undefined;
  }
}

const a = await ours();
const b = reference();
const c = args.device === 'cpu' ? reference(SAME_MALLOC) : undefined;
const f = (x: number) => x.toFixed(0).padStart(6);
console.log(`ours (libtorch via N-API)   ${f(a.imagesPerSec)} images/s`);
if (b) {
  console.log(`reference (${b.engine}) ${f(b.imagesPerSec)} images/s`);
  console.log(`ratio ours/PyTorch: ${(a.imagesPerSec / b.imagesPerSec).toFixed(2)}`);
}
if (c) {
  console.log(`reference with our allocator settings ${f(c.imagesPerSec)} images/s; ratio ${(a.imagesPerSec / c.imagesPerSec).toFixed(2)}`);
}
console.log(`event-loop lag while training: p50 ${a.lagMs.p50.toFixed(1)} ms, p99 ${a.lagMs.p99.toFixed(1)} ms, max ${a.lagMs.max.toFixed(1)} ms`);
