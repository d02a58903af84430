// Stop early and keep the model, and the time budget: a running or queued
// train job, and a finetune job, end at the next epoch boundary and complete
// with a model; training.maxDurationSeconds ends a job the same way; cancel
// still ends without one. Over REST (checked against openapi.yaml) and gRPC.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job__Output } from '../../src/api/grpc/generated/cnn/v1/Job.js';
import { Contract } from '../helpers/contract.js';
import { makeIdxPair } from '../helpers/fixtures.js';
import { auth, expectStatus, grpcClients, unary, type GrpcClients } from '../helpers/grpc-client.js';
import { fileBlob, KEY_A, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
/** Far more epochs than any test waits for: a job that ends did so because it was stopped. */
const MANY_EPOCHS = 500;
const json = { 'content-type': 'application/json' };

let svc: TestService;
let c: GrpcClients;
let datasetId: string;
/** Train split only: with validationSplit 0 a job has no validation. */
let trainOnlyId: string;
const contract = new Contract();

async function call(method: string, template: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await svc.call(path, { method, ...init });
  return { status: res.status, body: await contract.check(method, template, res) };
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const r = await call('POST', '/v1/jobs', '/v1/jobs', { body: JSON.stringify(body), headers: json });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body.id;
}

const train = (training: Record<string, unknown>) => ({ type: 'train', datasetId, model: { spec: MNIST_CNN }, training: { epochs: MANY_EPOCHS, batchSize: 64, ...training } });

/** Polls until the job has at least `epochs` epochs in its history. */
async function untilEpochs(id: string, epochs: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await (await svc.call(`/v1/jobs/${id}`)).json()) as any;
    if ((job.history?.length ?? 0) >= epochs) return;
    if (['completed', 'failed', 'cancelled'].includes(job.state)) throw new Error(`job ${id} ended ${job.state} before epoch ${epochs}`);
    if (Date.now() > deadline) throw new Error(`job ${id} has not finished epoch ${epochs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The epoch whose weights the model should have: the lowest validation loss so far. */
const bestByValLoss = (history: { epoch: number; valLoss: number }[]) => history.reduce((a, b) => (b.valLoss < a.valLoss ? b : a)).epoch;

beforeAll(async () => {
  svc = await startTestService({ grpc: true });
  c = grpcClients(svc.grpcTarget!);
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-stop-'));
  const tr = await makeIdxPair(join(tmp, 'idx'), 400, { split: 'train' });
  const te = await makeIdxPair(join(tmp, 'idx'), 100, { split: 'test', prefix: 't10k-' });
  const form = new FormData();
  form.set('images', fileBlob(readFileSync(tr.images)), 'i.gz');
  form.set('labels', fileBlob(readFileSync(tr.labels)), 'l.gz');
  form.set('testImages', fileBlob(readFileSync(te.images)), 'ti.gz');
  form.set('testLabels', fileBlob(readFileSync(te.labels)), 'tl.gz');
  const up = (await (await svc.call('/v1/datasets', { method: 'POST', body: form })).json()) as any;
  datasetId = up.id;
  const trainOnly = new FormData();
  trainOnly.set('images', fileBlob(readFileSync(tr.images)), 'i.gz');
  trainOnly.set('labels', fileBlob(readFileSync(tr.labels)), 'l.gz');
  trainOnlyId = ((await (await svc.call('/v1/datasets', { method: 'POST', body: trainOnly })).json()) as any).id;
}, 120_000);

afterAll(async () => {
  c?.close();
  await svc?.close();
});

describe('stop early and keep the model', () => {
  let stoppedModelId: string;

  it('a running train job stops at the next epoch boundary, completes, and keeps the best epoch so far', async () => {
    const id = await submit(train({ validationSplit: 0.2 }));
    await untilEpochs(id, 2);
    const stop = await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${id}/stop`);
    expect(stop.status).toBe(200);
    expect(stop.body.stopRequested).toBe(true);
    const job = await waitForJob(svc, id, 60_000);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ stoppedEarly: true, stopReason: 'stopRequested' });
    expect(job.result.epochsRun).toBeLessThan(MANY_EPOCHS);
    expect(job.result.epochsRun).toBe(job.history.length);
    expect(job.result.restoredBestEpoch ?? job.result.epochsRun).toBe(bestByValLoss(job.history));
    const model = await call('GET', '/v1/models/{id}', `/v1/models/${job.result.modelId}`);
    expect(model.status).toBe(200);
    expect(model.body.metrics.count).toBe(100);
    stoppedModelId = job.result.modelId;
    // Its own record validates too, and a second stop is refused.
    await call('GET', '/v1/jobs/{id}', `/v1/jobs/${id}`);
    expect((await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${id}/stop`)).body.error.code).toBe('JOB_FINISHED');
  });

  it('a queued job that is asked to stop runs one epoch; without validation the model is the last epoch', async () => {
    const blocker = await submit({ ...train({ validationSplit: 0 }), datasetId: trainOnlyId });
    const queued = await submit(train({}));
    const stop = await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${queued}/stop`);
    expect(stop.body).toMatchObject({ state: 'queued', stopRequested: true });
    await untilEpochs(blocker, 3);
    await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${blocker}/stop`);
    const noVal = await waitForJob(svc, blocker, 60_000);
    expect(noVal.state).toBe('completed');
    expect(noVal.result).toMatchObject({ stoppedEarly: true, stopReason: 'stopRequested', evaluatedOn: 'train' });
    expect(noVal.result.epochsRun).toBeGreaterThanOrEqual(3);
    expect(noVal.history.every((h: any) => h.valLoss === undefined)).toBe(true);
    expect(noVal.result.restoredBestEpoch).toBeUndefined();

    const job = await waitForJob(svc, queued, 60_000);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ stoppedEarly: true, stopReason: 'stopRequested', epochsRun: 1, evaluatedOn: 'test' });
  });

  it('a finetune job stops the same way', async () => {
    const id = await submit({ type: 'finetune', baseModelId: stoppedModelId, datasetId, strategy: { type: 'featureExtraction' }, training: { epochs: MANY_EPOCHS, batchSize: 64 } });
    await untilEpochs(id, 1);
    await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${id}/stop`);
    const job = await waitForJob(svc, id, 60_000);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ stoppedEarly: true, stopReason: 'stopRequested', strategy: 'featureExtraction' });
    expect((await call('GET', '/v1/models/{id}', `/v1/models/${job.result.modelId}`)).body.source).toBe('finetune');
  });

  it('training.maxDurationSeconds ends training when the budget is spent, and says so', async () => {
    const budget = 1.5;
    const id = await submit(train({ maxDurationSeconds: budget }));
    const job = await waitForJob(svc, id, 60_000);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ stoppedEarly: true, stopReason: 'maxDuration' });
    expect(job.result.epochsRun).toBeLessThan(MANY_EPOCHS);
    // Every epoch but the last started inside the budget; no epoch started after it was spent.
    const seconds = job.history.map((h: any) => h.seconds);
    expect(seconds.slice(0, -1).reduce((a: number, b: number) => a + b, 0)).toBeLessThan(budget);
    expect((await call('GET', '/v1/models/{id}', `/v1/models/${job.result.modelId}`)).status).toBe(200);
  });

  it('cancel stays as it is: the job ends cancelled, without a model', async () => {
    const id = await submit(train({}));
    await untilEpochs(id, 1);
    expect((await call('POST', '/v1/jobs/{id}/cancel', `/v1/jobs/${id}/cancel`)).status).toBe(200);
    const job = await waitForJob(svc, id, 60_000);
    expect(job.state).toBe('cancelled');
    expect(job.result).toBeUndefined();
    expect((await call('GET', '/v1/models/{id}', `/v1/models/mdl_${id.replace(/^job_/, '')}`)).status).toBe(404);
  });

  it('a cancel or stop whose message never reached the worker is read from the job record', async () => {
    // Pub/sub delivers at most once: a worker that was reconnecting misses the message. Only the record is written here.
    const redis = new Redis(svc.redis.url);
    try {
      const cancelled = await submit(train({}));
      await untilEpochs(cancelled, 1);
      await redis.hset(`cnntest:job:${cancelled}`, 'cancelRequested', 'true');
      const c1 = await waitForJob(svc, cancelled, 60_000);
      expect(c1.state).toBe('cancelled');
      expect(c1.result).toBeUndefined();

      const stopped = await submit(train({}));
      await untilEpochs(stopped, 1);
      await redis.hset(`cnntest:job:${stopped}`, 'stopRequested', 'true');
      const s1 = await waitForJob(svc, stopped, 60_000);
      expect(s1.state).toBe('completed');
      expect(s1.result.stopReason).toBe('stopRequested');
      expect(s1.history.length).toBeLessThan(MANY_EPOCHS);
    } finally {
      redis.disconnect();
    }
  });

  it('evaluate jobs, finished jobs and unknown ids are refused', async () => {
    const ev = await submit({ type: 'evaluate', modelId: stoppedModelId, datasetId });
    const r = await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${ev}/stop`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('JOB_NOT_STOPPABLE');
    expect((await call('POST', '/v1/jobs/{id}/stop', '/v1/jobs/job_nope/stop')).status).toBe(404);
    await waitForJob(svc, ev, 60_000);
  });

  it('gRPC StopJob does the same, with the same errors', async () => {
    const A = auth(KEY_A);
    const id = await submit(train({}));
    await untilEpochs(id, 1);
    const stopped = await unary<Job__Output>((cb) => c.jobs.StopJob({ id }, A, cb));
    expect(stopped.stopRequested).toBe(true);
    const job = await waitForJob(svc, id, 60_000);
    expect(job.result.stopReason).toBe('stopRequested');
    await expectStatus(unary((cb) => c.jobs.StopJob({ id }, A, cb)), Status.FAILED_PRECONDITION, { code: 'JOB_FINISHED', path: 'id' });
    await expectStatus(unary((cb) => c.jobs.StopJob({ id: 'job_nope' }, A, cb)), Status.NOT_FOUND, { code: 'NOT_FOUND' });
  });
});
