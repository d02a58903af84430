// A worker process of its own (`npm run worker`, as compose runs one per GPU)
// serves /metrics on CNN_WORKER_METRICS_PORT, and its training series move
// when it runs a real job.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdxPair } from '../helpers/fixtures.js';
import { fileBlob, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let svc: TestService;
let worker: ChildProcess | undefined;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  svc = await startTestService({ workers: 0 });
  port = await freePort();
  worker = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...svc.env, HOST: '127.0.0.1', CNN_WORKER_METRICS_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
  }
  await svc?.close();
});

async function scrape(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (res.ok) return await res.text();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the worker never served /metrics');
}

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' ') || l.startsWith(series + '{'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('a worker process', () => {
  it('serves its own metrics, and they move with a real job', async () => {
    const before = await scrape();
    expect(before).toMatch(/^cnn_worker_device\{device="(cpu|auto|cuda)"\} 1$/m);
    expect(before).toContain('# TYPE process_cpu_seconds_total counter');

    const tmp = mkdtempSync(join(tmpdir(), 'cnn-wm-'));
    const train = await makeIdxPair(join(tmp, 'idx'), 600, { split: 'train' });
    const form = new FormData();
    form.set('images', fileBlob(readFileSync(train.images)), 'i.gz');
    form.set('labels', fileBlob(readFileSync(train.labels)), 'l.gz');
    const ds = (await (await svc.call('/v1/datasets', { method: 'POST', body: form })).json()) as { id: string };
    const spec = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8')) as unknown;
    const res = await svc.call('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'train', datasetId: ds.id, model: { spec }, training: { epochs: 2, batchSize: 64, validationSplit: 0.2 } }),
    });
    const submitted = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(submitted)).toBe(202);
    const job = await waitForJob(svc, submitted.id, 150_000);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');

    const after = await scrape();
    expect(value(after, 'cnn_train_epoch')).toBe(2);
    expect(value(after, 'cnn_train_images_per_second')).toBeGreaterThan(0);
    expect(value(after, 'cnn_train_loss')).toBeGreaterThan(0);
    expect(after).toMatch(/^cnn_jobs_total\{[^}]*state="completed"[^}]*\} 1$/m);
    expect(after).not.toContain(job.id);
  }, 180_000);
});
