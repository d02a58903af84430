// Transfer learning on real data, through the service: a small CNN trained on
// Fashion-MNIST classes 0-4, then fine-tuned on classes 5-9 with 100 images
// per class. Both strategies must beat the same architecture trained from
// scratch on those 500 images (seeded, same epochs). Also: importing weights.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionSubset } from '../helpers/fixtures.js';
import { fileBlob, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
const CNN5 = { ...MNIST_CNN, layers: MNIST_CNN.layers.map((l: any, i: number) => (i === MNIST_CNN.layers.length - 1 ? { ...l, units: 5 } : l)) };
/** The tutorial's transfer design: conv blocks with batch norm, global average pooling, one dense head. */
const TRANSFER_CNN = {
  input: { shape: [28, 28, 1] },
  layers: [
    { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', useBias: false },
    { type: 'batchNorm', momentum: 0.9, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', useBias: false },
    { type: 'batchNorm', momentum: 0.9, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'globalAvgPool2d' },
    { type: 'dense', units: 5, activation: 'softmax' },
  ],
};
// conv 288 + bn 64 + conv 18,432 + bn 128 + conv 73,856 + head 645
const TRANSFER_PARAMS = 288 + 64 + 18_432 + 128 + 73_856 + 645;
const EPOCHS = 4;
const TRAINING = { epochs: EPOCHS, batchSize: 32, seed: 11, optimizer: { type: 'adam', learningRate: 0.01 } };

let svc: TestService;
let tmp: string;

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}

/** An IDX dataset of the given Fashion-MNIST classes, relabelled 0..k-1. */
async function uploadClasses(classes: number[], perClassTrain: number, perClassTest: number): Promise<string> {
  const form = new FormData();
  for (const [split, per, imgField, labField] of [
    ['train', perClassTrain, 'images', 'labels'],
    ['test', perClassTest, 'testImages', 'testLabels'],
  ] as const) {
    const sub = await fashionSubset(per, split, 5);
    const rows: number[] = [];
    for (let i = 0; i < sub.n; i++) if (classes.includes(sub.labels[i]!)) rows.push(i);
    const images = Buffer.concat(rows.map((i) => sub.images.subarray(i * 784, (i + 1) * 784)));
    const labels = Uint8Array.from(rows.map((i) => classes.indexOf(sub.labels[i]!)));
    form.set(imgField, fileBlob(idx(0x803, [rows.length, 28, 28], images)));
    form.set(labField, fileBlob(idx(0x801, [rows.length], labels)));
  }
  const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.id;
}

async function run(body: unknown): Promise<any> {
  const res = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const json = (await res.json()) as any;
  expect(res.status, JSON.stringify(json)).toBe(202);
  const job = await waitForJob(svc, json.id, 400_000);
  expect(job.state, JSON.stringify(job.error)).toBe('completed');
  return job;
}

beforeAll(async () => {
  svc = await startTestService();
  tmp = mkdtempSync(join(tmpdir(), 'cnn-ft-'));
}, 60_000);

afterAll(async () => svc?.close());

describe('transfer learning on Fashion-MNIST', () => {
  it('feature extraction and fine-tuning from classes 0-4 both beat training from scratch on 500 images of classes 5-9', async () => {
    const dsA = await uploadClasses([0, 1, 2, 3, 4], 1200, 100);
    const dsB = await uploadClasses([5, 6, 7, 8, 9], 100, 200);
    const base = await run({ type: 'train', datasetId: dsA, model: { spec: TRANSFER_CNN }, training: { ...TRAINING, epochs: 3, optimizer: { type: 'adam', learningRate: 0.003 } } });
    const baseModelId = base.result.modelId;

    const scratch = await run({ type: 'train', datasetId: dsB, model: { spec: TRANSFER_CNN }, training: TRAINING });
    const fe = await run({ type: 'finetune', baseModelId, datasetId: dsB, strategy: { type: 'featureExtraction' }, training: TRAINING });
    const ft = await run({
      type: 'finetune',
      baseModelId,
      datasetId: dsB,
      strategy: { type: 'fineTune', unfreeze: { topBlocks: 2 }, baseLearningRateFactor: 0.1 },
      training: TRAINING,
    });
    const two = await run({
      type: 'finetune',
      baseModelId,
      datasetId: dsB,
      strategy: { type: 'twoStage', featureExtractionEpochs: 2, fineTuneEpochs: 2 },
      training: TRAINING,
    });
    const acc = (j: any) => j.result.metrics.accuracy as number;
    console.log(`classes 5-9, 500 training images, ${EPOCHS} epochs: scratch ${acc(scratch)}, feature extraction ${acc(fe)}, fine-tune ${acc(ft)}, two-stage ${acc(two)}`);
    expect(acc(fe)).toBeGreaterThan(acc(scratch));
    expect(acc(ft)).toBeGreaterThan(acc(scratch));
    // Two-stage runs 2 + 2 epochs, the second at a tenth of the rate: it is checked for its stages, not its accuracy.
    expect(acc(two)).toBeGreaterThan(0.5);

    // Trainable and frozen counts per stage: the head is 128×5+5 = 645 parameters; BN keeps 2×(32+64) running statistics.
    expect(fe.result.stages).toEqual([
      { stage: 'featureExtraction', epochs: EPOCHS, params: { total: TRANSFER_PARAMS, trainable: 645, frozen: TRANSFER_PARAMS - 645, bnRunningStats: 192 } },
    ]);
    // Top 2 blocks of this plain CNN: the last conv and the batch norm before it.
    expect(ft.result.stages[0].params.trainable).toBe(645 + 73_856 + 128);
    expect(two.result.stages.map((s: any) => [s.stage, s.params.trainable])).toEqual([
      ['featureExtraction', 645],
      ['fineTune', 645 + 73_856 + 128],
    ]);
    expect(two.history.map((h: any) => h.stage)).toEqual(['featureExtraction', 'featureExtraction', 'fineTune', 'fineTune']);
    expect(fe.result.headReplaced).toBe(false);
    expect(fe.result.baseModelId).toBe(baseModelId);
  });

  it('imports weights with a spec, lists bad tensors by name, and fine-tunes with a replaced head', async () => {
    // Weights of a trained model, exported through the artifact route's files.
    const ds = await uploadClasses([0, 1, 2, 3, 4], 60, 20);
    const src = await run({ type: 'train', datasetId: ds, model: { spec: CNN5 }, training: { ...TRAINING, epochs: 1 } });
    const weights = readFileSync(join(svc.dataDir, 'models', src.result.modelId, 'weights.safetensors'));

    const form = new FormData();
    form.set('weights', fileBlob(weights), 'w.safetensors');
    form.set('spec', JSON.stringify(CNN5));
    form.set('classNames', 'a,b,c,d,e');
    const res = await svc.call('/v1/models/import', { method: 'POST', body: form });
    const model = (await res.json()) as any;
    expect(res.status, JSON.stringify(model)).toBe(201);
    expect(model.source).toBe('import');
    expect(model.params.total).toBe(421_642 - 1_290 + 645);
    expect(model.classes).toEqual(['a', 'b', 'c', 'd', 'e']);

    // The same weights against the 10-class spec: the head's tensors are named as mis-shaped.
    const bad = new FormData();
    bad.set('weights', fileBlob(weights), 'w.safetensors');
    bad.set('spec', JSON.stringify(MNIST_CNN));
    const r2 = await svc.call('/v1/models/import', { method: 'POST', body: bad });
    const err = (await r2.json()) as any;
    expect(r2.status, JSON.stringify(err)).toBe(400);
    expect(err.error.code).toBe('ENGINE_WEIGHTS_MISMATCH');
    expect(err.error.message).toContain('dense_2.weight');

    const garbage = join(tmp, 'garbage.safetensors');
    writeFileSync(garbage, Buffer.from('definitely not safetensors'));
    const g = new FormData();
    g.set('weights', fileBlob(readFileSync(garbage)), 'g.safetensors');
    g.set('zoo', 'lenet5');
    const r3 = await svc.call('/v1/models/import', { method: 'POST', body: g });
    const e3 = (await r3.json()) as any;
    expect(r3.status, JSON.stringify(e3)).toBe(400);
    expect(e3.error.code).toBe('WEIGHTS_INVALID');
    expect(e3.error.message).not.toContain('/tmp');

    // Fine-tune the imported 5-class model on a 10-class dataset: the head is replaced.
    const ds10 = await uploadClasses([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 30, 10);
    const ft = await run({ type: 'finetune', baseModelId: model.id, datasetId: ds10, strategy: { type: 'featureExtraction' }, training: { ...TRAINING, epochs: 1 } });
    expect(ft.result.headReplaced).toBe(true);
    expect(ft.result.params.total).toBe(421_642);
    expect(ft.result.stages[0].params.trainable).toBe(1_290);
  });
});
