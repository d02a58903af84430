// End to end over REST: real Redis, real BullMQ worker, the real addon, real
// Fashion-MNIST files. Upload (zip of PNG class folders, and IDX), train the
// tutorial's CNN, follow events, evaluate, predict.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdxPair, makePngZip, type PngArchive } from '../helpers/fixtures.js';
import { fileBlob, KEY_B, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
const TRAINING = { epochs: 3, batchSize: 64, seed: 7, optimizer: { type: 'adam', learningRate: 0.001 } };

let svc: TestService;
let tmp: string;
let archive: PngArchive;
let zipDatasetId: string;
let trainJob: Record<string, any>;

async function readSse(res: Response): Promise<{ event: string; data: any }[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!);
      return { event, data };
    });
}

beforeAll(async () => {
  svc = await startTestService();
  tmp = mkdtempSync(join(tmpdir(), 'cnn-e2e-'));
  archive = await makePngZip(join(tmp, 'fashion.zip'), { perClass: 500, testPerClass: 100, seed: 1 });
}, 180_000);

afterAll(async () => svc?.close());

describe('REST end to end: zip of PNG class folders', () => {
  it('uploads the archive and reports classes, counts and stats', async () => {
    const form = new FormData();
    form.set('archive', fileBlob(readFileSync(join(tmp, 'fashion.zip'))), 'fashion.zip');
    form.set('name', 'fashion subset');
    const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.classes).toEqual(archive.classes);
    expect(body.counts.train).toEqual(new Array(10).fill(500));
    expect(body.counts.test).toEqual(new Array(10).fill(100));
    expect(body.imageStats.maxWidth).toBe(28);
    expect(body.skipped).toEqual([]);
    zipDatasetId = body.id;

    const other = await svc.call(`/v1/datasets/${zipDatasetId}`, { key: KEY_B });
    expect(other.status).toBe(404);
    expect(((await other.json()) as any).error.code).toBe('NOT_FOUND');
  });

  it('trains the tutorial CNN to ≥ 0.80 with 421,642 parameters, streaming events', async () => {
    const body = { type: 'train', datasetId: zipDatasetId, model: { spec: MNIST_CNN }, training: TRAINING };
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'e2e-train-1' };
    const res = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as any;
    const again = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers });
    expect(((await again.json()) as any).id).toBe(id);

    const events = await readSse(await svc.call(`/v1/jobs/${id}/events`));
    expect(events[0]!.event).toBe('state'); // the current state first
    expect(events.some((e) => e.event === 'progress' && e.data.progress?.stage === 'epoch done')).toBe(true);
    const last = events.filter((e) => e.event !== 'end').at(-1)!;
    expect(last.data.state).toBe('completed');
    expect(events.at(-1)!.event).toBe('end');

    trainJob = await waitForJob(svc, id);
    expect(trainJob.state).toBe('completed');
    const r = trainJob.result;
    expect(r.params).toEqual({ total: 421_642, trainable: 421_642, frozen: 0, bnRunningStats: 0 });
    expect(r.metrics.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(r.evaluatedOn).toBe('test');
    expect(r.metrics.count).toBe(1000);
    const sum = r.metrics.confusionMatrix.matrix.flat().reduce((a: number, b: number) => a + b, 0);
    expect(sum).toBe(r.metrics.count);
    expect(r.metrics.confusionMatrix.classes).toEqual(archive.classes);
    expect(r.metrics.perClass).toHaveLength(10);
    expect(r.metrics.top5).toBeGreaterThan(r.metrics.accuracy);
    expect(trainJob.history).toHaveLength(3);
    for (const h of trainJob.history) {
      expect(h.valAccuracy).toBeGreaterThan(0.5);
      expect(h.imagesPerSec).toBeGreaterThan(0);
      expect(h.lr).toBe(0.001);
    }
  });

  it('predicts held-out images in agreement with the evaluation', async () => {
    const modelId = trainJob.result.modelId;
    const model = (await (await svc.call(`/v1/models/${modelId}`)).json()) as any;
    expect(model.classes).toEqual(archive.classes);
    expect(model.preprocessing.inputShape).toEqual([28, 28, 1]);

    const test = archive.entries.filter((e) => e.split === 'test');
    let correct = 0;
    for (let i = 0; i < test.length; i += 250) {
      const form = new FormData();
      for (const e of test.slice(i, i + 250)) form.append('image', fileBlob(e.png, 'image/png'), e.name);
      form.set('topK', '3');
      const res = await svc.call(`/v1/models/${modelId}/predict`, { method: 'POST', body: form });
      const body = (await res.json()) as any;
      expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
      body.predictions.forEach((p: any, j: number) => {
        expect(p.top).toHaveLength(3);
        if (p.top[0].className === test[i + j]!.className) correct++;
      });
    }
    // Same preprocessing, same weights: the predicted labels give exactly the evaluated accuracy.
    expect(correct / test.length).toBeCloseTo(trainJob.result.metrics.accuracy, 10);
  });

  it('an evaluate job reproduces the training metrics', async () => {
    const body = { type: 'evaluate', modelId: trainJob.result.modelId, datasetId: zipDatasetId, split: 'test' };
    const res = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    const job = await waitForJob(svc, ((await res.json()) as any).id);
    expect(job.state).toBe('completed');
    expect(job.result.metrics.accuracy).toBe(trainJob.result.metrics.accuracy);
    expect(job.result.metrics.confusionMatrix).toEqual(trainJob.result.metrics.confusionMatrix);
    expect(job.result.metrics.loss).toBeCloseTo(trainJob.result.metrics.loss, 5);
  });

  it('serves the artifact as a tar of spec, weights and meta', async () => {
    const res = await svc.call(`/v1/models/${trainJob.result.modelId}/artifact`);
    expect(res.status).toBe(200);
    const tar = Buffer.from(await res.arrayBuffer());
    for (const f of ['spec.json', 'weights.safetensors', 'meta.json']) expect(tar.includes(Buffer.from(f))).toBe(true);
  });
});

describe('REST end to end: IDX pair', () => {
  it('uploads IDX train and test pairs and trains to ≥ 0.80', async () => {
    const train = await makeIdxPair(join(tmp, 'idx'), 5000, { split: 'train' });
    const test = await makeIdxPair(join(tmp, 'idx'), 1000, { split: 'test', prefix: 't10k-' });
    const form = new FormData();
    form.set('images', fileBlob(readFileSync(train.images)), 'train-images.gz');
    form.set('labels', fileBlob(readFileSync(train.labels)), 'train-labels.gz');
    form.set('testImages', fileBlob(readFileSync(test.images)), 'test-images.gz');
    form.set('testLabels', fileBlob(readFileSync(test.labels)), 'test-labels.gz');
    form.set('classNames', JSON.stringify(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']));
    const up = await svc.call('/v1/datasets', { method: 'POST', body: form });
    const ds = (await up.json()) as any;
    expect(up.status, JSON.stringify(ds)).toBe(201);
    expect(ds.format).toBe('idx');
    expect(ds.counts.train.reduce((a: number, b: number) => a + b, 0)).toBe(5000);
    expect(ds.counts.test.reduce((a: number, b: number) => a + b, 0)).toBe(1000);

    const res = await svc.call('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ type: 'train', datasetId: ds.id, model: { spec: MNIST_CNN }, training: TRAINING }),
      headers: { 'content-type': 'application/json' },
    });
    const job = await waitForJob(svc, ((await res.json()) as any).id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.result.params.total).toBe(421_642);
    expect(job.result.metrics.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(job.result.metrics.confusionMatrix.classes[9]).toBe('Ankle boot');
  });
});
