// Bad input over REST: each case gets its exact code, nothing crashes, and
// nothing is written outside the data dir.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionPngFiles, hugePng, makeZipSlip, truncatedPng, writeZip } from '../helpers/fixtures.js';
import { fileBlob, KEY_B, startTestService, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
const UPLOAD_LIMIT = 2_000_000;

let svc: TestService;
let tmp: string;
let datasetId: string;

async function json(res: Response): Promise<any> {
  return res.json();
}

async function upload(file: Buffer, field = 'archive'): Promise<Response> {
  const form = new FormData();
  form.set(field, fileBlob(file), 'upload.bin');
  return svc.call('/v1/datasets', { method: 'POST', body: form });
}

async function postJob(body: unknown): Promise<Response> {
  return svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

beforeAll(async () => {
  // 3 images per class: below the pre-flight minimum, which is not what these tests are about.
  svc = await startTestService({ workers: 0, env: { CNN_MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT), CNN_PREFLIGHT_MIN_PER_CLASS: '1' } });
  tmp = mkdtempSync(join(tmpdir(), 'cnn-bad-'));
  const good = await fashionPngFiles({ perClass: 3, testPerClass: 1, extra: [{ name: 'train/Bag/broken.png', data: await truncatedPng() }] });
  await writeZip(join(tmp, 'good.zip'), good.files);
  const res = await upload(readFileSync(join(tmp, 'good.zip')));
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(201);
  datasetId = body.id;
  expect(body.skipped).toEqual([expect.objectContaining({ file: expect.stringContaining('broken.png') })]);
}, 60_000);

afterAll(async () => svc?.close());

describe('authentication and tenancy', () => {
  it('answers 401 without a key or with an unknown one', async () => {
    for (const key of [null, 'not-a-real-key-000']) {
      const res = await svc.call('/v1/datasets', { key });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it("answers 404 for another tenant's dataset, everywhere it is named", async () => {
    expect((await svc.call(`/v1/datasets/${datasetId}`, { key: KEY_B })).status).toBe(404);
    const res = await svc.call('/v1/jobs', {
      key: KEY_B,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'train', datasetId, model: { spec: MNIST_CNN } }),
    });
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ error: { code: 'NOT_FOUND', path: 'datasetId' } });
    expect((await svc.call(`/v1/datasets/${datasetId}`, { key: KEY_B, method: 'DELETE' })).status).toBe(404);
  });
});

describe('specs and jobs', () => {
  it('answers 400 with code and full path for an invalid spec', async () => {
    const spec = structuredClone(MNIST_CNN);
    spec.layers[2].kernelSize = 0;
    const res = await postJob({ type: 'train', datasetId, model: { spec } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: 'SPEC_INVALID', path: 'model.spec.layers[2].kernelSize' } });
  });

  it('names a kernel larger than its input', async () => {
    const spec = { input: { shape: [3, 3, 1] }, layers: [{ type: 'conv2d', filters: 4, kernelSize: 5 }, { type: 'flatten' }, { type: 'dense', units: 10 }] };
    const res = await svc.call('/v1/architectures/summary', { method: 'POST', body: JSON.stringify(spec), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 'SPEC_NONPOSITIVE_DIM', path: 'layers[0].kernelSize' });
    expect(body.error.message).toContain('5x5');
  });

  it('summarizes the tutorial CNN like the CLI', async () => {
    const res = await svc.call('/v1/architectures/summary', { method: 'POST', body: JSON.stringify(MNIST_CNN), headers: { 'content-type': 'application/json' } });
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body.totals.totalParams).toBe(421_642);
    expect(body.layers.map((l: any) => l.params)).toEqual([320, 0, 18_496, 0, 0, 401_536, 1_290]);
  });

  it('refuses a model whose output does not fit the classes', async () => {
    const spec = structuredClone(MNIST_CNN);
    spec.layers[6].units = 5;
    const res = await postJob({ type: 'train', datasetId, model: { spec } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('DATASET_INCOMPATIBLE');
  });

  it('refuses unknown fields and bad values with their path', async () => {
    const r1 = await postJob({ type: 'train', datasetId, model: { spec: MNIST_CNN }, training: { epochz: 3 } });
    expect(await json(r1)).toMatchObject({ error: { code: 'VALIDATION_FAILED', path: 'training' } });
    const r2 = await postJob({ type: 'train', datasetId, model: { spec: MNIST_CNN }, training: { batchSize: -1 } });
    expect(await json(r2)).toMatchObject({ error: { code: 'VALIDATION_FAILED', path: 'training.batchSize' } });
    const r3 = await postJob({ type: 'fly' });
    expect(r3.status).toBe(400);
    const r4 = await svc.call('/v1/jobs', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(r4.status).toBe(400);
    const r5 = await svc.call('/v1/jobs?limit=0');
    expect(await json(r5)).toMatchObject({ error: { code: 'VALIDATION_FAILED', path: 'limit' } });
  });

  it('answers 409 when deleting a dataset a queued job uses', async () => {
    const res = await postJob({ type: 'train', datasetId, model: { spec: MNIST_CNN }, training: { epochs: 1 } });
    expect(res.status).toBe(202);
    const del = await svc.call(`/v1/datasets/${datasetId}`, { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect((await json(del)).error.code).toBe('DATASET_IN_USE');
    const { id } = await json(res);
    expect((await json(await svc.call(`/v1/jobs/${id}/cancel`, { method: 'POST' }))).state).toBe('cancelled');
    const listed = await json(await svc.call('/v1/jobs?state=cancelled'));
    expect(listed.items.map((j: any) => j.id)).toContain(id);
  });
});

describe('uploads', () => {
  function dataDirNeighbours(): string[] {
    return readdirSync(dirname(svc.dataDir)).filter((n) => n.startsWith('evil'));
  }

  it('answers 413 for an upload over the byte limit', async () => {
    const res = await upload(Buffer.alloc(UPLOAD_LIMIT + 100_000, 7));
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('UPLOAD_TOO_LARGE');
    expect(readdirSync(join(svc.dataDir, 'uploads'))).toEqual([]);
  });

  it('refuses a zip-slip archive and writes nothing outside the data dir', async () => {
    const before = dataDirNeighbours();
    await makeZipSlip(join(tmp, 'slip.zip'));
    const res = await upload(readFileSync(join(tmp, 'slip.zip')));
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('ARCHIVE_UNSAFE_ENTRY');
    expect(dataDirNeighbours()).toEqual(before);
    expect(readdirSync('/tmp').filter((n) => n === 'evil-abs.txt')).toEqual([]);
    const datasets = await json(await svc.call('/v1/datasets'));
    expect(datasets.total).toBe(1);
  });

  it('refuses a 20000x20000 PNG with the pixel limit code', async () => {
    const files = (await fashionPngFiles({ perClass: 2 })).files;
    await writeZip(join(tmp, 'huge.zip'), [...files, { name: 'train/Bag/huge.png', data: hugePng(20_000, 20_000) }]);
    const res = await upload(readFileSync(join(tmp, 'huge.zip')));
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('IMAGE_PIXEL_LIMIT');
  });

  it('refuses something that is not an archive', async () => {
    const res = await upload(Buffer.from('just some text, not an archive'));
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('ARCHIVE_UNSUPPORTED');
  });

  it('needs a file', async () => {
    const form = new FormData();
    form.set('name', 'nothing');
    const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('UPLOAD_MISSING_FILE');
  });
});

describe('service routes', () => {
  it('answers health, readiness, the OpenAPI document and unknown routes', async () => {
    expect((await svc.call('/healthz', { key: null })).status).toBe(200);
    const ready = await svc.call('/readyz', { key: null });
    expect(ready.status).toBe(503); // this instance runs no worker
    expect(await json(ready)).toMatchObject({ ready: false, redis: true, workers: [] });
    const doc = await svc.call('/openapi.yaml', { key: null });
    expect(doc.status).toBe(200);
    expect(await doc.text()).toContain('/v1/jobs/{id}/events');
    const missing = await svc.call('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('NOT_FOUND');
  });
});
