// npm run bench:ingest [-- --per-class 500]
//
// Images/s to ingest a zip of Fashion-MNIST PNG class folders (validate,
// decode, store) and build its packed 28x28x1 cache, against a reference in
// the same run: Python's zipfile + PIL decoding the same zip into one array.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ensurePackedCache, ingestDataset } from '../src/data/index.js';
import { makePngZip } from '../test/helpers/fixtures.js';

const { values: args } = parseArgs({ options: { 'per-class': { type: 'string', default: '500' }, python: { type: 'string', default: '/usr/bin/python3' } } });
const PER_CLASS = Number(args['per-class']);

const tmp = mkdtempSync(join(tmpdir(), 'cnn-bench-ingest-'));
try {
  const zip = join(tmp, 'fashion.zip');
  const archive = await makePngZip(zip, { perClass: PER_CLASS, testPerClass: Math.ceil(PER_CLASS / 6) });
  const n = archive.entries.length;

  const t0 = performance.now();
  const manifest = await ingestDataset({ kind: 'archive', file: zip }, { datasetDir: join(tmp, 'ds') });
  const t1 = performance.now();
  await ensurePackedCache(join(tmp, 'ds'), { height: 28, width: 28, channels: 1, resize: 'stretch' });
  const t2 = performance.now();
  const ingestS = (t1 - t0) / 1000;
  const cacheS = (t2 - t1) / 1000;

  console.log(`zip of ${n} PNGs (${manifest.classes.length} classes)`);
  console.log(`ours: ingest ${(n / ingestS).toFixed(0)} images/s (${ingestS.toFixed(2)} s: validate, decode, store), packed cache ${(n / cacheS).toFixed(0)} images/s (${cacheS.toFixed(2)} s); end to end ${(n / (ingestS + cacheS)).toFixed(0)} images/s`);
  try {
    const out = execFileSync(args.python!, ['bench/reference_ingest.py', zip], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const ref = JSON.parse(out.trim().split('\n').at(-1)!) as { imagesPerSec: number; engine: string; seconds: number };
    console.log(`reference (${ref.engine}): ${ref.imagesPerSec.toFixed(0)} images/s (${ref.seconds.toFixed(2)} s, decode only)`);
    console.log(`ratio ours end to end / reference: ${(n / (ingestS + cacheS) / ref.imagesPerSec).toFixed(2)}`);
  } catch (e) {
    console.log(`reference unavailable (${(e as Error).message.split('\n')[0]}); install python3-pil and python3-numpy`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
