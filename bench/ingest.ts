// npm run bench:ingest [-- --per-class 500 --jpegs 2000 --runs 5 --warmup 1 --json]
//
// Images/s of end-to-end ingest (validate, decode, store, then build the
// packed cache a training job reads) on two corpora, each against a reference
// in the same run: Python's zipfile + PIL decoding the same zip into one array.
// - png: Fashion-MNIST PNG class folders (28×28 grey), cache 28×28×1;
// - jpeg: photo-sized JPEGs (400×300, noise and shapes so they compress like
//   photos), cache 224×224×3; the reference also resizes (Lanczos) to 224×224.
// Each corpus runs --runs times, ours then the reference, and each ratio is the
// median of the runs' ratios (the machine may be shared: the load average and
// both sides' CPU seconds are printed with it). Before them, --warmup untimed
// ingests of the same corpus: the service is a long-running process, and its
// first ingest also pays for compiling the JavaScript it runs.
// Prints each ratio (ours / reference; above 1 is faster); --json prints them as JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { PackedCacheOptions } from '../src/data/index.js';
import { makePngZip, writeZip, type ArchiveFile } from '../test/helpers/fixtures.js';
import { seededRandom } from '../src/seeded-random.js';

// Ours is the code the service runs: the compiled dist/ (npm run build; the bootstrap builds it), not
// the TypeScript sources through tsx, whose helpers cost time of their own in tight per-image loops.
// npm run bench:ingest gives node the young-generation size npm start and the image give the service.
const DIST_DATA = new URL('../dist/data/index.js', import.meta.url).href;
const { ensurePackedCache, ingestDataset } = (await import(DIST_DATA)) as typeof import('../src/data/index.js');

const { values: args } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '500' },
    jpegs: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
  },
});
const PER_CLASS = Number(args['per-class']);
const JPEGS = Number(args.jpegs);
const RUNS = Math.max(1, Number(args.runs));
const WARMUP = Math.max(0, Number(args.warmup));
const JPEG_CLASSES = 10;
const log = (s: string): void => {
  if (!args.json) console.log(s);
};


/** A 400×300 RGB "photo": a colour gradient, a few filled shapes, and per-pixel noise; JPEG quality 85. */
async function photoJpeg(seed: number): Promise<Buffer> {
  const w = 400;
  const h = 300;
  const next = seededRandom(seed);
  const px = Buffer.alloc(w * h * 3);
  const base = [next() * 255, next() * 255, next() * 255];
  const grad = [next() - 0.5, next() - 0.5, next() - 0.5];
  const shapes = Array.from({ length: 6 }, () => ({ x: next() * w, y: next() * h, r: 20 + next() * 80, c: [next() * 255, next() * 255, next() * 255], box: next() < 0.5 }));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let c = [base[0]! + grad[0]! * x, base[1]! + grad[1]! * y, base[2]! + grad[2]! * (x + y) * 0.5];
      for (const s of shapes) {
        const inside = s.box ? Math.abs(x - s.x) < s.r && Math.abs(y - s.y) < s.r * 0.6 : (x - s.x) ** 2 + (y - s.y) ** 2 < s.r ** 2;
        if (inside) c = s.c;
      }
      const o = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, c[k]! + (next() - 0.5) * 24));
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

async function makeJpegZip(path: string, n: number): Promise<number> {
  const files: ArchiveFile[] = [];
  for (let i = 0; i < n; i++) {
    const split = i % 6 === 5 ? 'test' : 'train';
    files.push({ name: `${split}/class${i % JPEG_CLASSES}/${i}.jpg`, data: await photoJpeg(i + 1) });
  }
  await writeZip(path, files);
  return n;
}

interface Run {
  ingestSeconds: number;
  cacheSeconds: number;
  /** User + system CPU of this process (all its threads) over ingest and cache. */
  cpuSeconds: number;
  oursPerSec: number;
  reference: { engine: string; imagesPerSec: number; seconds: number; cpuSeconds: number } | null;
  ratio: number | null;
  /** 1-minute load average when the run started. */
  load: number;
}

interface Result extends Run {
  images: number;
  runs: Run[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function runOnce(name: string, zip: string, n: number, cache: PackedCacheOptions, refArgs: string[], dir: string): Promise<Run> {
  const load = loadavg()[0]!;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await ingestDataset({ kind: 'archive', file: zip }, { datasetDir: dir });
  const t1 = performance.now();
  await ensurePackedCache(dir, cache);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  rmSync(dir, { recursive: true, force: true });
  const ingestSeconds = (t1 - t0) / 1000;
  const cacheSeconds = (t2 - t1) / 1000;
  const oursPerSec = n / (ingestSeconds + cacheSeconds);
  let reference: Run['reference'] = null;
  try {
    const out = execFileSync(args.python!, ['bench/reference_ingest.py', zip, ...refArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    reference = JSON.parse(out.trim().split('\n').at(-1)!);
  } catch (e) {
    log(`reference unavailable (${(e as Error).message.split('\n')[0]}); install python3-pil and python3-numpy`);
  }
  const ratio = reference ? oursPerSec / reference.imagesPerSec : null;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  log(
    `${name}: load ${load.toFixed(2)}; ours: ingest ${ingestSeconds.toFixed(2)} s + packed cache ${cache.height}x${cache.width}x${cache.channels} ${cacheSeconds.toFixed(2)} s = ${oursPerSec.toFixed(0)} images/s (${cpuSeconds.toFixed(2)} CPU s)` +
      (reference ? `; reference ${reference.imagesPerSec.toFixed(0)} images/s (${reference.seconds.toFixed(2)} s, ${reference.cpuSeconds.toFixed(2)} CPU s); ratio ${ratio!.toFixed(2)}` : ''),
  );
  return { ingestSeconds, cacheSeconds, cpuSeconds, oursPerSec, reference, ratio, load };
}

async function run(name: string, zip: string, n: number, cache: PackedCacheOptions, refArgs: string[], tmp: string): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) {
    const dir = join(tmp, `warmup-${name}-${i}`);
    await ingestDataset({ kind: 'archive', file: zip }, { datasetDir: dir });
    await ensurePackedCache(dir, cache);
    rmSync(dir, { recursive: true, force: true });
  }
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(name, zip, n, cache, refArgs, join(tmp, `ds-${name}-${i}`)));
  // The run whose ratio is the median (the lower middle one for an even count).
  const byRatio = [...runs].sort((a, b) => (a.ratio ?? a.oursPerSec) - (b.ratio ?? b.oursPerSec));
  const mid = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
  const ratios = runs.map((r) => r.ratio).filter((r): r is number => r !== null);
  const ratio = ratios.length === runs.length ? median(ratios) : null;
  log(`${name}: ${n} images; median of ${RUNS} runs: ours ${median(runs.map((r) => r.oursPerSec)).toFixed(0)} images/s, ratio ${ratio?.toFixed(2) ?? '—'}`);
  if (mid.reference) log(`${name}: reference engine: ${mid.reference.engine}`);
  return { images: n, ...mid, ratio, runs };
}

const tmp = mkdtempSync(join(tmpdir(), 'cnn-bench-ingest-'));
try {
  log(`${availableParallelism()} cores; ${WARMUP} untimed warm-up ingest(s) per corpus; node ${process.execArgv.filter((a) => a.startsWith('--max-')).join(' ') || '(default heap flags)'}`);
  const pngZip = join(tmp, 'fashion.zip');
  const archive = await makePngZip(pngZip, { perClass: PER_CLASS, testPerClass: Math.ceil(PER_CLASS / 6) });
  const png = await run('png', pngZip, archive.entries.length, { height: 28, width: 28, channels: 1, resize: 'stretch' }, [], tmp);
  const jpegZip = join(tmp, 'photos.zip');
  const n = await makeJpegZip(jpegZip, JPEGS);
  const jpeg = await run('jpeg', jpegZip, n, { height: 224, width: 224, channels: 3, resize: 'stretch' }, ['--size', '224', '224', '--mode', 'RGB'], tmp);
  if (args.json) console.log(JSON.stringify({ cores: availableParallelism(), warmup: WARMUP, load: loadavg(), png, jpeg }));
  else log(`ratios: png ${png.ratio?.toFixed(2) ?? '—'}, jpeg ${jpeg.ratio?.toFixed(2) ?? '—'} (goal ≥ 1.0 on both)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
