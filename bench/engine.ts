// npm run bench:engine [-- --models mnist-cnn,resnet18 --precisions fp32,bf16 --memory-format auto|nchw|nhwc --batch 64 --threads 2 --device cpu --json]
//
// Training images/s of our engine against PyTorch (Debian's python3-torch)
// on the same models, data, batch, optimizer (Adam) and thread count, all
// measured in one run. Rows: each model at fp32, and at bf16 where the CPU
// has it. References per row:
//   same    PyTorch with our row's precision (bf16: torch.autocast) and memory
//           format, and our allocator settings;
//   default PyTorch as people run it: fp32, NCHW, glibc's allocator defaults.
// Every figure is the median of several timed windows after warm-up; the
// windows of ours and of both references take turns, so a load that comes
// and goes on the machine hits all three alike.
// --memory-format nchw|nhwc sets the layout of both instead of the engine's
// choice, which is how that choice's thresholds are measured.
// GFLOP/s is what our rate means in training arithmetic: 3 x 2 x MACs per
// image (forward, and a backward pass of twice the forward's work).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createEngineModel, engineRuntimeInfo, setEngineThreads, type EngineDevice, type EnginePrecision } from '../src/engine/index.js';
import { compileSpec } from '../src/architecture/index.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'mnist-cnn,design-guide-cnn,resnet18,mobilenet_v2' },
    precisions: { type: 'string', default: 'fp32,bf16' },
    'memory-format': { type: 'string', default: 'auto' },
    windows: { type: 'string', default: '3' },
    'window-seconds': { type: 'string', default: '1.5' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    device: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
  },
});
const WINDOWS = Number(args.windows);
const WINDOW_SECONDS = Number(args['window-seconds']);
const WARMUP = Number(args.warmup);
const BATCH = Number(args.batch);
const THREADS = Number(args.threads);
const FASHION = '/usr/share/datasets/fashion-mnist';
const SAMPLES = BATCH * 50; // as the reference
const FORMATS: Record<string, boolean | undefined> = { auto: undefined, nchw: false, nhwc: true };
if (!(args['memory-format']! in FORMATS)) throw new Error(`--memory-format: '${args['memory-format']}' is not one of auto, nchw, nhwc`);
const CHANNELS_LAST = FORMATS[args['memory-format']!];

interface Bench {
  spec: () => unknown;
  /** Input side and channels: Fashion-MNIST resized and its grey repeated as needed. */
  size: number;
  channels: number;
}
const example = (name: string) => () => JSON.parse(readFileSync(new URL(`../examples/${name}.json`, import.meta.url), 'utf8'));
const MODELS: Record<string, Bench> = {
  'mnist-cnn': { spec: example('mnist-cnn'), size: 28, channels: 1 },
  'design-guide-cnn': { spec: example('design-guide-cnn'), size: 28, channels: 1 },
  resnet18: { spec: () => ({ zoo: 'resnet18', numClasses: 10, inputShape: [32, 32, 3] }), size: 32, channels: 3 },
  mobilenet_v2: { spec: () => ({ zoo: 'mobilenet_v2', numClasses: 10, inputShape: [32, 32, 3] }), size: 32, channels: 3 },
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

/** N x H x W x 1 grey to N x H x W x c by repeating the channel. */
function repeatChannels(images: Uint8Array, c: number): Uint8Array {
  if (c === 1) return images;
  const out = new Uint8Array(images.length * c);
  for (let i = 0; i < images.length; i++) out.fill(images[i]!, i * c, i * c + c);
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const lags: number[] = [];

/** A model after warm-up that times one window per call. */
interface Runner {
  window(): Promise<number>;
  close(): void;
}

interface Ours extends Runner {
  channelsLast: boolean;
  stepsPerWindow: number;
  macs: number;
}

async function ours(name: string, precision: EnginePrecision, data: { images: Uint8Array; labels: Int32Array }): Promise<Ours> {
  const bench = MODELS[name]!;
  const { graph, summary } = compileSpec(bench.spec());
  const images = repeatChannels(resize(data.images, SAMPLES, bench.size), bench.channels);
  const model = await createEngineModel(graph, { device: args.device as EngineDevice, seed: 0, precision, ...(CHANNELS_LAST === undefined ? {} : { channelsLast: CHANNELS_LAST }) });
  const ds = await model.dataset(images, data.labels, { n: SAMPLES, h: bench.size, w: bench.size, c: bench.channels }, 10);
  model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
  const warm = await model.trainEpoch(ds, { batchSize: BATCH, maxSteps: WARMUP, seed: 1 });
  const stepsPerWindow = Math.max(2, Math.round((WINDOW_SECONDS * warm.steps) / warm.seconds));
  let seed = 2;
  return {
    channelsLast: model.channelsLast,
    stepsPerWindow,
    macs: summary.totals.macs,
    async window() {
      // The timer measures how late the event loop runs it while the native call works.
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        lags.push(now - last - 10);
        last = now;
      }, 10);
      const t0 = performance.now();
      const r = await model.trainEpoch(ds, { batchSize: BATCH, maxSteps: stepsPerWindow, seed: seed++ });
      const rate = r.images / ((performance.now() - t0) / 1000);
      clearInterval(timer);
      return rate;
    },
    close() {
      model.dispose();
      ds.dispose();
    },
  };
}

/**
 * The addon raises glibc's mmap/trim thresholds (CNN_MALLOC_TUNING); the same-settings reference runs
 * with them too, so the ratio is not the allocator's.
 */
// The same allocator settings as the addon's, and its one BLAS thread per call (libtorch's threads split the work).
const SAME_MALLOC = { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(512 << 20), OPENBLAS_NUM_THREADS: '1' };

interface Reference extends Runner {
  setup: string;
}

/** A PyTorch process that warms up, then times one window per request, so its windows interleave with ours. */
async function reference(name: string, steps: number, opts: { precision: EnginePrecision; channelsLast: boolean; env?: Record<string, string> }): Promise<Reference | undefined> {
  const bench = MODELS[name]!;
  const argv = ['bench/reference_torch.py', '--serve', '--model', name, '--input', String(bench.size), '--channels', String(bench.channels), '--steps', String(steps), '--warmup', String(WARMUP), '--batch', String(BATCH), '--threads', String(THREADS), '--precision', opts.precision, '--device', args.device!];
  if (opts.channelsLast) argv.push('--channels-last');
  const child = spawn(args.python!, argv, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...(opts.env ?? {}) } });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown> | undefined> => {
    const r = await lines.next();
    return r.done ? undefined : (JSON.parse(r.value) as Record<string, unknown>);
  };
  const ready = await next().catch(() => undefined);
  if (!ready?.ready) {
    child.kill();
    process.stderr.write(`PyTorch reference unavailable for ${name} ${opts.precision}; is python3-torch (and python3-torchvision) installed?\n`);
    return undefined;
  }
  return {
    setup: `pytorch ${String(ready.setup)}`,
    async window() {
      child.stdin!.write('window\n');
      const r = await next();
      if (!r) throw new Error(`the PyTorch reference for ${name} exited`);
      return r.imagesPerSec as number;
    },
    close() {
      child.stdin!.end('quit\n');
    },
  };
}

interface Row {
  model: string;
  precision: EnginePrecision;
  channelsLast: boolean;
  oursImagesPerSec: number;
  refImagesPerSec: number | null;
  refSetup: string;
  ratio: number | null;
  defaultRefImagesPerSec: number | null;
  defaultRatio: number | null;
  gflops: number;
}

setEngineThreads(THREADS);
const runtime = engineRuntimeInfo();
const log = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
log(`libtorch ${runtime.torchVersion}; BLAS ${runtime.blas || 'none loaded'}${runtime.blasConfig ? ` (${runtime.blasConfig})` : ''}; oneDNN ${runtime.onednnVersion || '?'} ISA ${runtime.onednnIsa}; CPU ${runtime.cpuIsa}${runtime.cpuBf16 ? ' with bf16' : ''}; ${runtime.threads} threads (BLAS ${runtime.blasThreads || '?'}); batch ${BATCH}`);

const precisions = (args.precisions!.split(',') as EnginePrecision[]).filter((p) => p === 'fp32' || runtime.cpuBf16 || args.device !== 'cpu');
const data = loadData(SAMPLES);
const rows: Row[] = [];
for (const name of args.models!.split(',')) {
  if (!MODELS[name]) throw new Error(`--models: '${name}' is not one of ${Object.keys(MODELS).join(', ')}`);
  let byDefault: Reference | undefined;
  for (const precision of precisions) {
    const a = await ours(name, precision, data);
    const same = await reference(name, a.stepsPerWindow, { precision, channelsLast: a.channelsLast, env: SAME_MALLOC });
    byDefault ??= await reference(name, a.stepsPerWindow, { precision: 'fp32', channelsLast: false });
    // Interleaved windows: a load that comes and goes hits all three alike.
    const rates = { ours: [] as number[], same: [] as number[], byDefault: [] as number[] };
    for (let w = 0; w < WINDOWS; w++) {
      rates.ours.push(await a.window());
      if (same) rates.same.push(await same.window());
      if (byDefault) rates.byDefault.push(await byDefault.window());
    }
    a.close();
    same?.close();
    const oursRate = median(rates.ours);
    const sameRate = same ? median(rates.same) : undefined;
    const defaultRate = byDefault ? median(rates.byDefault) : undefined;
    const row: Row = {
      model: name,
      precision,
      channelsLast: a.channelsLast,
      oursImagesPerSec: Math.round(oursRate),
      refImagesPerSec: sameRate ? Math.round(sameRate) : null,
      refSetup: same ? same.setup : 'unavailable',
      ratio: sameRate ? Number((oursRate / sameRate).toFixed(2)) : null,
      defaultRefImagesPerSec: defaultRate ? Math.round(defaultRate) : null,
      defaultRatio: defaultRate ? Number((oursRate / defaultRate).toFixed(2)) : null,
      gflops: Number(((oursRate * 3 * 2 * a.macs) / 1e9).toFixed(1)),
    };
    rows.push(row);
    if (!args.json) {
      const f = (x: number | null, w = 7) => (x === null ? '-' : String(x)).padStart(w);
      if (rows.length === 1) log(`${'model'.padEnd(17)} ${'prec'.padEnd(4)} ${'NHWC'.padEnd(4)} ${'ours'.padStart(7)} ${'same'.padStart(7)} ${'ratio'.padStart(6)} ${'default'.padStart(7)} ${'ratio'.padStart(6)} ${'GFLOP/s'.padStart(8)}  same-settings reference`);
      log(`${name.padEnd(17)} ${precision.padEnd(4)} ${(a.channelsLast ? 'yes' : 'no').padEnd(4)} ${f(row.oursImagesPerSec)} ${f(row.refImagesPerSec)} ${f(row.ratio, 6)} ${f(row.defaultRefImagesPerSec)} ${f(row.defaultRatio, 6)} ${f(row.gflops, 8)}  ${row.refSetup}`);
    }
  }
  byDefault?.close();
}

if (args.json) {
  console.log(JSON.stringify(rows));
} else {
  log('images/s: median of timed windows after warm-up. same: PyTorch with our precision (bf16: autocast), memory format, optimizer, batch, threads, one BLAS thread and allocator settings; default: PyTorch fp32 NCHW.');
  const s = [...lags].sort((a, b) => a - b);
  const q = (p: number) => Math.max(0, s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0);
  log(`event-loop lag while training: p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${q(1).toFixed(1)} ms`);
}
