// ONNX export through the REST API: a model trained by a real worker is
// exported, checked by the service against the engine, and the file, run in
// ONNX Runtime on raw pixels, predicts what POST /v1/models/:id/predict does.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as Status } from '@grpc/grpc-js';
import type { ExportChunk__Output } from '../../src/api/grpc/generated/cnn/v1/ExportChunk.js';
import { main } from '../../src/cli/main.js';
import { auth, collect, expectStatus, grpcClients } from '../helpers/grpc-client.js';
import { makeIdxPair, type IdxPairFiles } from '../helpers/fixtures.js';
import { fileBlob, KEY_A, KEY_B, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync('examples/mnist-cnn.json', 'utf8')) as unknown;
let svc: TestService;
let modelId: string;
let test: IdxPairFiles;
let trainResult: Record<string, any>;
let datasetId: string;

beforeAll(async () => {
  svc = await startTestService({ grpc: true });
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-export-'));
  const train = await makeIdxPair(join(tmp, 'idx'), 1500, { split: 'train' });
  test = await makeIdxPair(join(tmp, 'idx'), 300, { split: 'test', prefix: 't10k-' });
  const form = new FormData();
  form.set('images', fileBlob(readFileSync(train.images)), 'train-images.gz');
  form.set('labels', fileBlob(readFileSync(train.labels)), 'train-labels.gz');
  form.set('testImages', fileBlob(readFileSync(test.images)), 'test-images.gz');
  form.set('testLabels', fileBlob(readFileSync(test.labels)), 'test-labels.gz');
  const ds = (await (await svc.call('/v1/datasets', { method: 'POST', body: form })).json()) as { id: string };
  datasetId = ds.id;
  const res = await svc.call('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'train', datasetId: ds.id, model: { spec: MNIST_CNN }, training: { epochs: 1, batchSize: 64, seed: 3 } }),
  });
  const job = await waitForJob(svc, ((await res.json()) as { id: string }).id);
  expect(job.state, JSON.stringify(job.error)).toBe('completed');
  modelId = job.result.modelId as string;
  trainResult = job.result;
}, 240_000);

afterAll(async () => {
  await svc?.close();
});

describe('GET /v1/models/:id/onnx', () => {
  it('sends a checked file that predicts what the service predicts, from raw pixels', async () => {
    const res = await svc.call(`/v1/models/${modelId}/onnx`);
    expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${modelId}.onnx"`);
    const parity = JSON.parse(res.headers.get('x-cnn-parity')!) as { n: number; source: string; maxAbsLogitDiff: number; top1Agreement: number };
    expect(parity).toMatchObject({ n: 256, source: 'test', top1Agreement: 1 });
    expect(parity.maxAbsLogitDiff).toBeLessThanOrEqual(1e-4);
    const bytes = new Uint8Array(await res.arrayBuffer());

    // The check is stored with the model.
    const model = (await (await svc.call(`/v1/models/${modelId}`)).json()) as { exports: Record<string, { maxAbsLogitDiff: number; bytes: number }> };
    expect(model.exports['nhwc-raw']).toMatchObject({ maxAbsLogitDiff: parity.maxAbsLogitDiff, bytes: bytes.length });

    // Ten test images: the file's classes and probabilities against the predict endpoint's.
    const session = await ort.InferenceSession.create(bytes);
    const n = 10;
    const pixels = test.subset.images.subarray(0, n * 28 * 28);
    const out = await session.run({ image: new ort.Tensor('float32', Float32Array.from(pixels), [n, 28, 28, 1]) });
    const probs = out.probabilities!.data as Float32Array;
    const form = new FormData();
    for (let i = 0; i < n; i++) {
      const png = await sharp(Buffer.from(pixels.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      form.append('image', fileBlob(png, 'image/png'), `img${i}.png`);
    }
    form.set('topK', '1');
    const pred = (await (await svc.call(`/v1/models/${modelId}/predict`, { method: 'POST', body: form })).json()) as {
      predictions: { top: { classIndex: number; probability: number }[] }[];
    };
    for (let i = 0; i < n; i++) {
      const row = Array.from(probs.subarray(i * 10, (i + 1) * 10));
      const best = row.indexOf(Math.max(...row));
      expect(best, `image ${i}`).toBe(pred.predictions[i]!.top[0]!.classIndex);
      expect(row[best]).toBeCloseTo(pred.predictions[i]!.top[0]!.probability, 4);
    }
    await session.release();
  }, 120_000);

  it('exports for normalized NCHW input on ?input=nchw, and caches each layout', async () => {
    const res = await svc.call(`/v1/models/${modelId}/onnx?input=nchw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${modelId}.nchw.onnx"`);
    const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()));
    const out = await session.run({ image: new ort.Tensor('float32', new Float32Array(2 * 28 * 28), [2, 1, 28, 28]) });
    expect(out.logits!.dims).toEqual([2, 10]);
    await session.release();
    const model = (await (await svc.call(`/v1/models/${modelId}`)).json()) as { exports: Record<string, { checkedAt: string }> };
    expect(Object.keys(model.exports).sort()).toEqual(['nchw-normalized', 'nhwc-raw']);
    // A second download is the cached file and check.
    const again = await svc.call(`/v1/models/${modelId}/onnx?input=nchw`);
    await again.arrayBuffer();
    const after = (await (await svc.call(`/v1/models/${modelId}`)).json()) as { exports: Record<string, { checkedAt: string }> };
    expect(after.exports['nchw-normalized']!.checkedAt).toBe(model.exports['nchw-normalized']!.checkedAt);
  }, 60_000);

  it('answers bad input with codes that name the field', async () => {
    const bad = await svc.call(`/v1/models/${modelId}/onnx?input=nwhc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; path: string } }).error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'input' });
    expect((await svc.call('/v1/models/mdl_nope/onnx')).status).toBe(404);
    expect((await svc.call(`/v1/models/${modelId}/onnx`, { key: KEY_B })).status).toBe(404);
    expect((await svc.call(`/v1/models/${modelId}/onnx`, { key: null })).status).toBe(401);
  });
});

describe('cnn export', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false });
    return { code, out, err };
  };

  it('writes the checked file and says what the check measured', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cnn-export-cli-')), 'model.onnx');
    const r = await run(['export', modelId, '-o', file, '--server', svc.url, '--key', KEY_A]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/checked against the engine on 256 test images: max \|logit difference\| [0-9.e+-]+, top-1 agreement 100\.0%/);
    const session = await ort.InferenceSession.create(readFileSync(file));
    expect(session.outputNames).toEqual(['logits', 'probabilities']);
    await session.release();
  });

  it('exits 1 with the service error code, and 2 on bad usage', async () => {
    const wrongKey = await run(['export', modelId, '--server', svc.url, '--key', 'not-a-key-123456']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/UNAUTHENTICATED/);
    const missing = await run(['export', 'mdl_missing', '--server', svc.url, '--key', KEY_A]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/NOT_FOUND/);
    expect((await run(['export'])).code).toBe(2);
    expect((await run(['export', modelId, '--input', 'hwc'])).code).toBe(2);
  });
});

describe('gRPC ExportModel', () => {
  it('streams the same checked file in chunks, with the check on the first', async () => {
    const c = grpcClients(svc.grpcTarget!);
    try {
      const { messages, error } = await collect<ExportChunk__Output>(c.models.ExportModel({ modelId }, auth(KEY_A)));
      expect(error).toBeUndefined();
      expect(messages[0]!.filename).toBe(`${modelId}.onnx`);
      expect(messages[0]!.check).toMatchObject({ n: 256, source: 'test', top1Agreement: 1 });
      const bytes = Buffer.concat(messages.map((m) => m.data));
      const rest = Buffer.from(await (await svc.call(`/v1/models/${modelId}/onnx`)).arrayBuffer());
      expect(bytes.equals(rest)).toBe(true);
      expect(Number(messages[0]!.check!.bytes)).toBe(bytes.length);
      await expectStatus(collect(c.models.ExportModel({ modelId: 'mdl_missing' }, auth(KEY_A))).then((r) => { if (r.error) throw r.error; }), Status.NOT_FOUND, { code: 'NOT_FOUND', path: 'model_id' });
      await expectStatus(collect(c.models.ExportModel({ modelId, input: 'hwc' }, auth(KEY_A))).then((r) => { if (r.error) throw r.error; }), Status.INVALID_ARGUMENT, { code: 'VALIDATION_FAILED', path: 'input' });
    } finally {
      c.close();
    }
  });
});

describe('a fine-tuned model', () => {
  it('exports and passes the check, with its replaced head', async () => {
    const res = await svc.call('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'finetune', baseModelId: modelId, datasetId, strategy: { type: 'fineTune', unfreeze: { topBlocks: 1 } }, training: { epochs: 1, batchSize: 64, seed: 4 } }),
    });
    const job = await waitForJob(svc, ((await res.json()) as { id: string }).id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.result.parity.accuracyReloaded).toBe(job.result.parity.accuracyTrained);
    const onnx = await svc.call(`/v1/models/${job.result.modelId}/onnx`);
    expect(onnx.status, onnx.status === 200 ? '' : await onnx.clone().text()).toBe(200);
    const parity = JSON.parse(onnx.headers.get('x-cnn-parity')!) as { maxAbsLogitDiff: number; top1Agreement: number };
    expect(parity.top1Agreement).toBe(1);
    expect(parity.maxAbsLogitDiff).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});

describe('train/serve parity', () => {
  it('re-scores the reloaded artifact on the reported split, and predict agrees with it on every test image', async () => {
    expect(trainResult.evaluatedOn).toBe('test');
    expect(trainResult.parity).toMatchObject({ split: 'test', n: 300, maxLogitDiff: 0 });
    expect(trainResult.parity.accuracyReloaded).toBe(trainResult.parity.accuracyTrained);
    expect(trainResult.parity.accuracyTrained).toBe(trainResult.metrics.accuracy);
    const model = (await (await svc.call(`/v1/models/${modelId}`)).json()) as { parity: unknown };
    expect(model.parity).toEqual(trainResult.parity);

    // Predict every test image through the endpoint; its top-1 choices rebuild the reported confusion matrix exactly.
    const matrix = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    const perRequest = 32;
    for (let from = 0; from < 300; from += perRequest) {
      const form = new FormData();
      const n = Math.min(perRequest, 300 - from);
      for (let i = from; i < from + n; i++) {
        const png = await sharp(Buffer.from(test.subset.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
        form.append('image', fileBlob(png, 'image/png'), `t${i}.png`);
      }
      form.set('topK', '1');
      const res = await svc.call(`/v1/models/${modelId}/predict`, { method: 'POST', body: form });
      const body = (await res.json()) as { predictions: { top: { classIndex: number }[] }[] };
      expect(res.status, JSON.stringify(body)).toBe(200);
      body.predictions.forEach((p, k) => matrix[test.subset.labels[from + k]!]![p.top[0]!.classIndex]!++);
    }
    expect(matrix).toEqual(trainResult.metrics.confusionMatrix.matrix);
  }, 120_000);
});
