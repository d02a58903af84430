// Redis goes away under a running service and comes back: a real
// redis-server (AOF on) is killed with SIGKILL and restarted on the same port
// and data dir. The API answers 503 QUEUE_UNAVAILABLE within 2 s (gRPC:
// UNAVAILABLE), /healthz stays 200, nothing answered 503 turns into a job
// later, the worker carries on with its job, and no ioredis error event goes
// unhandled.
import { status as Status } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdxPair } from '../helpers/fixtures.js';
import { auth, expectStatus, grpcClients, unary, type GrpcClients } from '../helpers/grpc-client.js';
import { fileBlob, KEY_A, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const MNIST_CNN = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8'));
/** The bound on how long a request may take to be answered while Redis is away. */
const ANSWER_WITHIN_MS = 2_000;

let svc: TestService;
let grpc: GrpcClients;
let datasetId: string;
const unhandled: string[] = [];
const consoleError = console.error;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The response and how long it took to arrive. */
async function timed(path: string, init?: RequestInit & { key?: string | null }): Promise<{ res: Response; ms: number; body: any }> {
  const t0 = Date.now();
  const res = await svc.call(path, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await res.json();
  return { res, ms: Date.now() - t0, body };
}

const trainBody = (epochs: number) => ({ type: 'train', datasetId, model: { spec: MNIST_CNN }, training: { epochs, batchSize: 32, seed: 5 } });
const post = (body: unknown, idem?: string) =>
  timed('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(idem ? { 'idempotency-key': idem } : {}) } });

beforeAll(async () => {
  // ioredis reports an error event nobody listens to through console.error.
  console.error = (...args: unknown[]) => {
    if (String(args[0]).includes('Unhandled error event')) unhandled.push(String(args[0]));
    consoleError(...args);
  };
  svc = await startTestService({ workers: 1, grpc: true, persistRedis: true });
  grpc = grpcClients(svc.grpcTarget!);
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-outage-'));
  const train = await makeIdxPair(join(tmp, 'idx'), 1200, { split: 'train' });
  const form = new FormData();
  form.set('images', fileBlob(readFileSync(train.images)));
  form.set('labels', fileBlob(readFileSync(train.labels)));
  const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
  expect(res.status).toBe(201);
  datasetId = ((await res.json()) as any).id;
}, 120_000);

afterAll(async () => {
  console.error = consoleError;
  await svc?.close();
});

describe('Redis outage under a running service', () => {
  it('answers 503 fast while Redis is away, recovers by itself, creates no ghost job, and the running job completes', async () => {
    const EPOCHS = 12;
    const first = await post(trainBody(EPOCHS));
    expect(first.res.status).toBe(202);
    const id = first.body.id as string;
    // Running, with epochs still ahead: an epoch of these 1,200 images can end before a mid-epoch progress write.
    await until('training progress', async () => {
      const j = (await (await svc.call(`/v1/jobs/${id}`)).json()) as any;
      return (j.state === 'running' && j.progress && (j.progress.epoch ?? 0) < EPOCHS - 4) || undefined;
    });

    await svc.redis.kill();

    const submit = await post(trainBody(1), 'during-outage');
    expect(submit.res.status).toBe(503);
    expect(submit.body.error.code).toBe('QUEUE_UNAVAILABLE');
    expect(submit.ms).toBeLessThan(ANSWER_WITHIN_MS);

    const read = await timed(`/v1/jobs/${id}`);
    expect(read.res.status).toBe(503);
    expect(read.body.error.code).toBe('QUEUE_UNAVAILABLE');
    expect(read.ms).toBeLessThan(ANSWER_WITHIN_MS);

    const list = await timed('/v1/jobs');
    expect(list.res.status).toBe(503);

    const ready = await timed('/readyz', { key: null });
    expect(ready.res.status).toBe(503);
    expect(ready.body.redis).toBe(false);
    expect(ready.ms).toBeLessThan(ANSWER_WITHIN_MS);

    const health = await timed('/healthz', { key: null });
    expect(health.res.status).toBe(200);

    const t0 = Date.now();
    await expectStatus(unary((cb) => grpc.jobs.GetJob({ id }, auth(KEY_A), cb)), Status.UNAVAILABLE, { code: 'QUEUE_UNAVAILABLE' });
    expect(Date.now() - t0).toBeLessThan(ANSWER_WITHIN_MS);

    // Stay down for a few seconds: several reconnect attempts, each one refused.
    await new Promise((r) => setTimeout(r, 3_000));
    await svc.redis.restart();

    // Back without a restart of the service.
    await until('the API to reach Redis again', async () => ((await svc.call(`/v1/jobs/${id}`)).status === 200 ? true : undefined), 15_000);
    await until('/readyz', async () => ((await svc.call('/readyz', { key: null })).status === 200 ? true : undefined), 15_000);

    const job = await waitForJob(svc, id, 180_000);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.history.map((h: any) => h.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));

    // The POST answered 503 left nothing behind: one job in the list, and its idempotency key is free.
    const jobs = (await (await svc.call('/v1/jobs')).json()) as any;
    expect(jobs.items.map((j: any) => j.id)).toEqual([id]);
    expect(await svc.redis.client().get('cnntest:idem:a:during-outage')).toBeNull();

    // A submission now works again.
    const again = await post({ type: 'evaluate', datasetId, modelId: job.result.modelId, split: 'train' });
    expect(again.res.status, JSON.stringify(again.body)).toBe(202);

    expect(unhandled).toEqual([]);
  });
});
