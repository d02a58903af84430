// Prometheus metrics against a real job: the API's /metrics (shared with the
// in-process worker) moves its HTTP, job, queue and training series when a
// train job runs; labels carry route patterns, never ids; CNN_METRICS=off
// leaves no /metrics route.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/http/app.js';
import { makeIdxPair } from '../helpers/fixtures.js';
import { fileBlob, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const MNIST_CNN = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8'));

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ workers: 1 });
}, 60_000);

afterAll(async () => {
  await svc?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${svc.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one series, e.g. value(text, 'cnn_jobs_total', { type: 'train', state: 'completed' }); 0 when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('GET /metrics', () => {
  it('moves the HTTP, job, queue and training series when a real job runs', async () => {
    const before = await scrape();
    const tmp = mkdtempSync(join(tmpdir(), 'cnn-metrics-'));
    const f = await makeIdxPair(join(tmp, 'idx'), 600, { split: 'train' });
    const form = new FormData();
    form.set('images', fileBlob(readFileSync(f.images)));
    form.set('labels', fileBlob(readFileSync(f.labels)));
    const ds = (await (await svc.call('/v1/datasets', { method: 'POST', body: form })).json()) as any;
    const sub = await svc.call('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'train', datasetId: ds.id, model: { spec: MNIST_CNN }, training: { epochs: 2, batchSize: 32 } }),
    });
    const id = ((await sub.json()) as any).id;
    const job = await waitForJob(svc, id, 120_000);
    expect(job.state).toBe('completed');

    const after = await scrape();
    expect(value(after, 'cnn_jobs_total', { type: 'train', state: 'completed' }) - value(before, 'cnn_jobs_total', { type: 'train', state: 'completed' })).toBe(1);
    expect(value(after, 'cnn_job_duration_seconds_count', { type: 'train' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'cnn_http_requests_total', { method: 'GET', route: '/v1/jobs/:id', status: '200' })).toBeGreaterThan(0);
    expect(value(after, 'cnn_http_requests_total', { method: 'POST', route: '/v1/jobs', status: '202' })).toBe(1);
    expect(value(after, 'cnn_http_request_duration_seconds_count', { method: 'POST', route: '/v1/datasets' })).toBe(1);
    expect(value(after, 'cnn_train_epoch', { worker: '0' })).toBe(2);
    expect(value(after, 'cnn_train_images_per_second', { worker: '0' })).toBeGreaterThan(0);
    expect(value(after, 'cnn_train_loss', { worker: '0' })).toBeGreaterThan(0);
    expect(value(after, 'cnn_worker_device', { device: 'cpu' })).toBe(1);
    expect(after).toMatch(/^cnn_queue_jobs\{state="waiting"\} 0$/m);
    expect(after).toMatch(/^cnn_queue_jobs\{state="active"\} \d+$/m);
    expect(after).toMatch(/^cnn_event_loop_lag_seconds \d/m);
    expect(after).toMatch(/^process_cpu_seconds_total /m);
    // No id ever becomes a label value.
    expect(after).not.toMatch(/\b(job|ds|mdl|wrk)_[a-z0-9]{16,}/);
  });

  it('is absent with CNN_METRICS=off', async () => {
    const app = await buildHttpApp({ ...svc.rt.ctx, config: { ...svc.rt.ctx.config, metrics: false } });
    try {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
