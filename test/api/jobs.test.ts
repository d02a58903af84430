// Job life cycle against real processes: cancel, a native failure that leaves
// the worker alive, a worker killed with SIGKILL whose job another worker
// resumes from its checkpoint, and SIGTERM handing a job back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdxPair } from '../helpers/fixtures.js';
import { fileBlob, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const MNIST_CNN = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8'));

let svc: TestService;
let datasetId: string;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...svc.env, CNN_LOCK_DURATION_MS: '2000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d) => process.stderr.write(`[worker ${child.pid}] ${d}`));
  children.push(child);
  return child;
}

async function submit(body: unknown): Promise<string> {
  const res = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const json = (await res.json()) as any;
  expect(res.status, JSON.stringify(json)).toBe(202);
  return json.id;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const getJob = async (id: string) => (await (await svc.call(`/v1/jobs/${id}`)).json()) as any;

function trainBody(epochs: number) {
  return { type: 'train', datasetId, model: { spec: MNIST_CNN }, training: { epochs, batchSize: 32, seed: 3 } };
}

beforeAll(async () => {
  svc = await startTestService({ workers: 0 });
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-jobs-'));
  const train = await makeIdxPair(join(tmp, 'idx'), 3000, { split: 'train' });
  const form = new FormData();
  form.set('images', fileBlob(readFileSync(train.images)));
  form.set('labels', fileBlob(readFileSync(train.labels)));
  const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
  datasetId = ((await res.json()) as any).id;
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await svc?.close();
});

describe('job life cycle with worker processes', () => {
  it('resumes a job from its checkpoint after its worker is killed with SIGKILL', async () => {
    const first = startWorkerProcess();
    const id = await submit(trainBody(5));
    // Kill it once two epochs are checkpointed and the third is under way.
    await until('two epochs', async () => ((await getJob(id)).history?.length >= 2 ? true : undefined));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect((await getJob(id)).state).toBe('running'); // nobody told the record: the lock just expires

    startWorkerProcess();
    const job = await waitForJob(svc, id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.attempts).toBe(2);
    expect(job.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    expect(job.history.map((h: any) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    const resumed = job.history.filter((h: any) => h.resumed);
    expect(resumed).toHaveLength(1);
    expect(resumed[0].epoch).toBe(job.resumedFromEpoch + 1);
    expect(job.result.resumedFromEpoch).toBe(job.resumedFromEpoch);
    expect(job.result.metrics.accuracy).toBeGreaterThan(0.7);
  });

  it('cancels a running job within a step, and the worker lives on', async () => {
    const id = await submit(trainBody(50));
    // Running with progress reported; a fast epoch may end before any mid-epoch progress write.
    await until('training progress', async () => {
      const j = await getJob(id);
      return j.state === 'running' && j.progress && ['training', 'epoch done'].includes(j.progress.stage) ? true : undefined;
    });
    const res = await svc.call(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    const job = await waitForJob(svc, id, 30_000);
    expect(job.state).toBe('cancelled');
    expect(job.history.length).toBeLessThan(50);

    const again = await svc.call(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as any).error.code).toBe('JOB_FINISHED');

    const next = await waitForJob(svc, await submit(trainBody(1)));
    expect(next.state).toBe('completed');
  });

  it('fails a job whose weights are corrupt with an engine code, and the worker lives on', async () => {
    const done = await waitForJob(svc, await submit(trainBody(1)));
    const modelId = done.result.modelId;
    writeFileSync(join(svc.dataDir, 'models', modelId, 'weights.safetensors'), Buffer.from('not a safetensors file at all'));
    const bad = await waitForJob(svc, await submit({ type: 'evaluate', modelId, datasetId, split: 'train' }));
    expect(bad.state).toBe('failed');
    expect(bad.error.code).toMatch(/^ENGINE_/);

    const next = await waitForJob(svc, await submit(trainBody(1)));
    expect(next.state).toBe('completed');
  });

  it('a SIGTERM hands the running job back with a checkpoint; the next worker finishes it', async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    const worker = startWorkerProcess();
    const id = await submit(trainBody(4));
    await until('one epoch', async () => ((await getJob(id)).history?.length >= 1 ? true : undefined));
    worker.kill('SIGTERM');
    const code = await new Promise((r) => worker.once('exit', r));
    expect(code).toBe(0);
    const handedBack = await getJob(id);
    expect(handedBack.state).toBe('queued');
    expect(handedBack.progress.stage).toBe('requeued');

    startWorkerProcess();
    const job = await waitForJob(svc, id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(job.history.map((h: any) => h.epoch)).toEqual([1, 2, 3, 4]);
  });
});
