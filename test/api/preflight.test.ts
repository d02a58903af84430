// The pre-flight report through the service: stored on the dataset record
// (REST and gRPC), and a train or finetune job on a dataset with errors is
// refused with DATASET_PREFLIGHT_FAILED unless it sets allowPreflightErrors.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset__Output } from '../../src/api/grpc/generated/cnn/v1/Dataset.js';
import { writeZip } from '../helpers/fixtures.js';
import { auth, expectStatus, grpcClients, unary, type GrpcClients } from '../helpers/grpc-client.js';
import { fileBlob, KEY_A, startTestService, type TestService } from '../helpers/service.js';
import { plantedDataset } from '../data/preflight-fixtures.js';

let svc: TestService;
let c: GrpcClients;
let planted: Record<string, any>;
let clean: Record<string, any>;

const SPEC = (classes: number) => ({ input: { shape: [32, 36, 1] }, layers: [{ type: 'flatten' }, { type: 'dense', units: classes, activation: 'softmax' }] });

async function upload(file: string): Promise<Record<string, any>> {
  const form = new FormData();
  form.set('archive', fileBlob(readFileSync(file)), 'upload.zip');
  const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
  const body = (await res.json()) as Record<string, any>;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

async function postJob(body: unknown): Promise<{ status: number; body: any }> {
  const res = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  // Workers: 0, so accepted jobs stay queued; the check is at submission.
  svc = await startTestService({ workers: 0, grpc: true, env: { CNN_PREFLIGHT_MIN_PER_CLASS: '3' } });
  c = grpcClients(svc.grpcTarget!);
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-preflight-'));
  await writeZip(join(tmp, 'planted.zip'), (await plantedDataset()).files);
  planted = await upload(join(tmp, 'planted.zip'));
  const files = (await plantedDataset()).files.filter(
    (f) => (/^train\/cat\/c\d+\.png$/.test(f.name) && f.name !== 'train/cat/c0.png') || f.name.startsWith('train/onlytrain/'),
  );
  await writeZip(join(tmp, 'clean.zip'), files);
  clean = await upload(join(tmp, 'clean.zip'));
}, 120_000);

afterAll(async () => {
  c?.close();
  await svc?.close();
});

describe('the report on the record', () => {
  it('is in the upload answer and in GET /v1/datasets/:id, with CNN_PREFLIGHT_MIN_PER_CLASS applied', async () => {
    const res = await svc.call(`/v1/datasets/${planted.id}`);
    const rec = (await res.json()) as Record<string, any>;
    expect(rec.preflight).toEqual(planted.preflight);
    expect(rec.preflight.thresholds.minPerClass).toBe(3);
    // tiny has 3 training images: not too small at a minimum of 3.
    expect(rec.preflight.findings.map((f: any) => f.code)).toEqual([
      'PREFLIGHT_CLASS_MISSING_IN_SPLIT',
      'PREFLIGHT_CROSS_SPLIT_DUPLICATES',
      'PREFLIGHT_IMBALANCE',
      'PREFLIGHT_SKIPPED_FILES',
      'PREFLIGHT_DUPLICATES',
      'PREFLIGHT_CROSS_SPLIT_NEAR_DUPLICATES',
    ]);
    expect(clean.preflight.findings).toEqual([]);
  });

  it('is in the gRPC Dataset message as preflight_json', async () => {
    const ds = await unary<Dataset__Output>((cb) => c.datasets.GetDataset({ id: planted.id }, auth(KEY_A), cb));
    expect(JSON.parse(ds.preflightJson)).toEqual(planted.preflight);
  });
});

describe('train and finetune jobs on a dataset with pre-flight errors', () => {
  it('a train job is refused with 400 DATASET_PREFLIGHT_FAILED and the error findings', async () => {
    const { status, body } = await postJob({ type: 'train', datasetId: planted.id, model: { spec: SPEC(5) } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('DATASET_PREFLIGHT_FAILED');
    expect(body.error.path).toBe('datasetId');
    expect(body.error.details.findings.map((f: any) => [f.severity, f.code, f.files])).toEqual([
      ['error', 'PREFLIGHT_CLASS_MISSING_IN_SPLIT', ['test/ghost/g0.png']],
      ['error', 'PREFLIGHT_CROSS_SPLIT_DUPLICATES', ['train/cat/c0.png', 'train/cat/c0-copy.png', 'test/cat/dup.png']],
    ]);
  });

  it('is accepted with allowPreflightErrors: true', async () => {
    const { status, body } = await postJob({ type: 'train', datasetId: planted.id, model: { spec: SPEC(5) }, allowPreflightErrors: true });
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.job.request.allowPreflightErrors).toBe(true);
  });

  it('a dataset without errors needs no flag', async () => {
    expect((await postJob({ type: 'train', datasetId: clean.id, model: { spec: SPEC(2) } })).status).toBe(202);
  });

  it('other faults of a job are reported first', async () => {
    const { body } = await postJob({ type: 'train', datasetId: planted.id, model: { spec: SPEC(3) } });
    expect(body.error.code).toBe('DATASET_INCOMPATIBLE');
    const finetune = { type: 'finetune', datasetId: planted.id, baseModelId: 'm_doesnotexist', strategy: { type: 'featureExtraction' }, allowPreflightErrors: true };
    expect((await postJob(finetune)).body.error).toMatchObject({ code: 'NOT_FOUND', path: 'baseModelId' });
  });

  it('the flag must be a boolean', async () => {
    const { status, body } = await postJob({ type: 'train', datasetId: planted.id, model: { spec: SPEC(5) }, allowPreflightErrors: 'yes' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'allowPreflightErrors' });
  });

  it('gRPC SubmitJob refuses it as FAILED_PRECONDITION with the same code', async () => {
    const request = { type: 'train', datasetId: planted.id, model: { spec: SPEC(5) } };
    await expectStatus(
      unary((cb) => c.jobs.SubmitJob({ requestJson: JSON.stringify(request), idempotencyKey: '' }, auth(KEY_A), cb)),
      Status.FAILED_PRECONDITION,
      { code: 'DATASET_PREFLIGHT_FAILED', path: 'datasetId' },
    );
  });
});
