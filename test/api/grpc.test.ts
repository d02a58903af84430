// The gRPC API end to end with a real grpc-js client: real Redis, a real
// BullMQ worker, the real addon, real Fashion-MNIST files. Upload an IDX pair
// in chunks, train the tutorial CNN, watch it, evaluate, predict; jobs cross
// between REST and gRPC; errors map through the one error table; limits hold.
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { credentials, Server, ServerCredentials, status as Status, type ClientWritableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchitectureSummary__Output } from '../../src/api/grpc/generated/cnn/v1/ArchitectureSummary.js';
import type { ArtifactChunk__Output } from '../../src/api/grpc/generated/cnn/v1/ArtifactChunk.js';
import type { Dataset__Output } from '../../src/api/grpc/generated/cnn/v1/Dataset.js';
import type { Job__Output } from '../../src/api/grpc/generated/cnn/v1/Job.js';
import type { ImportModelHeader } from '../../src/api/grpc/generated/cnn/v1/ImportModelHeader.js';
import type { ImportModelRequest } from '../../src/api/grpc/generated/cnn/v1/ImportModelRequest.js';
import type { JobEvent__Output } from '../../src/api/grpc/generated/cnn/v1/JobEvent.js';
import type { ListDatasetsResponse__Output } from '../../src/api/grpc/generated/cnn/v1/ListDatasetsResponse.js';
import type { ListJobsResponse__Output } from '../../src/api/grpc/generated/cnn/v1/ListJobsResponse.js';
import type { ListModelsResponse__Output } from '../../src/api/grpc/generated/cnn/v1/ListModelsResponse.js';
import type { Model__Output } from '../../src/api/grpc/generated/cnn/v1/Model.js';
import type { PredictResponse__Output } from '../../src/api/grpc/generated/cnn/v1/PredictResponse.js';
import type { SubmitJobResponse__Output } from '../../src/api/grpc/generated/cnn/v1/SubmitJobResponse.js';
import type { UploadDatasetRequest } from '../../src/api/grpc/generated/cnn/v1/UploadDatasetRequest.js';
import type { HealthCheckResponse__Output } from '../../src/api/grpc/generated/grpc/health/v1/HealthCheckResponse.js';
import { CallKit } from '../../src/api/grpc/calls.js';
import { loadCnnProto } from '../../src/api/grpc/proto.js';
import { MAX_RECEIVE_MESSAGE_BYTES } from '../../src/api/grpc/server.js';
import { GENERATED_DIR, generateProtoTypes } from '../../scripts/proto-gen.js';
import { greyPng, makeIdxPair, type IdxPairFiles } from '../helpers/fixtures.js';
import { auth, collect, expectStatus, grpcClients, unary, uploadDataset, type GrpcClients } from '../helpers/grpc-client.js';
import { KEY_A, KEY_B, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
const TRAINING = { epochs: 2, batchSize: 64, seed: 7, optimizer: { type: 'adam', learningRate: 0.001 } };
const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const UPLOAD_LIMIT = 8 * 1024 * 1024;
const MiB = 1024 * 1024;

let svc: TestService;
let c: GrpcClients;
let train: IdxPairFiles;
let test: IdxPairFiles;
let dataset: Dataset__Output;
let trainJob: Job__Output;
/** The test split as PNG files, for Predict. */
let testPngs: Buffer[];

const A = () => auth(KEY_A);
const root = new URL('../..', import.meta.url).pathname;

function uploadsLeft(): string[] {
  return readdirSync(join(svc.dataDir, 'uploads'));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The job-event hub's listeners per job id, to see that a watch really stopped. */
function watchers(jobId: string): number {
  return (svc.rt.ctx.events as unknown as { listeners: Map<string, Set<unknown>> }).listeners.get(jobId)?.size ?? 0;
}

async function submit(request: unknown, key = KEY_A, idempotencyKey = ''): Promise<SubmitJobResponse__Output> {
  return unary((cb) => c.jobs.SubmitJob({ requestJson: JSON.stringify(request), idempotencyKey }, auth(key), cb));
}

/** ImportModel: the header, then the weights in 1 MiB chunks. */
async function importModel(header: ImportModelHeader, weights: Buffer): Promise<Model__Output> {
  let call!: ClientWritableStream<ImportModelRequest>;
  const answer = unary<Model__Output>((cb) => (call = c.models.ImportModel(A(), cb)));
  const ended = answer.then(
    () => true,
    () => true,
  );
  const write = async (msg: ImportModelRequest) => {
    if (!call.write(msg)) await Promise.race([once(call, 'drain'), ended]);
  };
  await write({ header });
  for (let at = 0; at < weights.length; at += MiB) await write({ weightsChunk: weights.subarray(at, at + MiB) });
  call.end();
  return answer;
}

async function watchToEnd(id: string): Promise<JobEvent__Output[]> {
  const { messages, error } = await collect(c.jobs.WatchJob({ id }, A()));
  expect(error).toBeUndefined();
  return messages;
}

beforeAll(async () => {
  svc = await startTestService({ grpc: true, env: { CNN_MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT) } });
  c = grpcClients(svc.grpcTarget!);
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-grpc-'));
  train = await makeIdxPair(join(tmp, 'idx'), 2000, { split: 'train' });
  test = await makeIdxPair(join(tmp, 'idx'), 500, { split: 'test', prefix: 't10k-' });
}, 120_000);

afterAll(async () => {
  c?.close();
  await svc?.close();
});

describe('the adapter', () => {
  it('has generated types equal to what `npm run proto:gen` makes from proto/', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'cnn-proto-gen-'));
    generateProtoTypes(fresh);
    const list = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => relative(dir, join(d.parentPath, d.name)))
        .sort();
    expect(list(GENERATED_DIR)).toEqual(list(fresh));
    for (const f of list(fresh)) expect(readFileSync(join(GENERATED_DIR, f), 'utf8'), f).toBe(readFileSync(join(fresh, f), 'utf8'));
  });
});

describe('health', () => {
  it('Check answers SERVING once a worker is seen, without an API key', async () => {
    await until('SERVING', async () => {
      const r = await unary<HealthCheckResponse__Output>((cb) => c.health.Check({ service: '' }, cb));
      return r.status === 'SERVING';
    });
    const jobs = await unary<HealthCheckResponse__Output>((cb) => c.health.Check({ service: 'cnn.v1.Jobs' }, cb));
    expect(jobs.status).toBe('SERVING');
    await expectStatus(
      unary((cb) => c.health.Check({ service: 'no.such.Service' }, cb)),
      Status.NOT_FOUND,
    );
  });

  it('Watch sends the current status first', async () => {
    const call = c.health.Watch({ service: '' });
    const [first] = (await once(call, 'data')) as [HealthCheckResponse__Output];
    expect(first.status).toBe('SERVING');
    call.on('error', () => undefined); // the client's own CANCELLED
    call.cancel();
  });
});

describe('authentication', () => {
  it('answers UNAUTHENTICATED without a key or with an unknown one, for every kind of call', async () => {
    for (const key of [null, 'not-a-real-key-000']) {
      await expectStatus(unary((cb) => c.datasets.ListDatasets({}, auth(key), cb)), Status.UNAUTHENTICATED, { code: 'UNAUTHENTICATED' });
      await expectStatus(
        uploadDataset(c, key, { kind: 'DATASET_KIND_IDX' }, [{ file: 'UPLOAD_FILE_IMAGES', data: Buffer.alloc(10) }]),
        Status.UNAUTHENTICATED,
        { code: 'UNAUTHENTICATED' },
      );
      const watch = await collect(c.jobs.WatchJob({ id: 'job_x' }, auth(key)));
      expect(watch.error?.code).toBe(Status.UNAUTHENTICATED);
    }
    expect(uploadsLeft()).toEqual([]);
  });
});

describe('gRPC end to end: IDX pair, tutorial CNN', () => {
  it('uploads an IDX train and test pair as interleaved chunks', async () => {
    dataset = await uploadDataset(
      c,
      KEY_A,
      { name: 'fashion idx', kind: 'DATASET_KIND_IDX', classNames: CLASS_NAMES },
      [
        { file: 'UPLOAD_FILE_IMAGES', data: readFileSync(train.images) },
        { file: 'UPLOAD_FILE_LABELS', data: readFileSync(train.labels) },
        { file: 'UPLOAD_FILE_TEST_IMAGES', data: readFileSync(test.images) },
        { file: 'UPLOAD_FILE_TEST_LABELS', data: readFileSync(test.labels) },
      ],
      64 * 1024,
    );
    expect(dataset.id).toMatch(/^ds_/);
    expect(dataset.name).toBe('fashion idx');
    expect(dataset.format).toBe('DATASET_KIND_IDX');
    expect(dataset.classes).toEqual(CLASS_NAMES);
    expect(dataset.trainCounts.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(dataset.testCounts.reduce((a, b) => a + b, 0)).toBe(500);
    expect(JSON.parse(dataset.recordJson).imageStats.maxWidth).toBe(28);
    expect(uploadsLeft()).toEqual([]);

    // The same dataset over REST and in the gRPC list.
    const rest = (await (await svc.call(`/v1/datasets/${dataset.id}`)).json()) as any;
    expect(rest.counts.train).toEqual(dataset.trainCounts);
    const list = await unary<ListDatasetsResponse__Output>((cb) => c.datasets.ListDatasets({ limit: 10 }, A(), cb));
    expect(list.items.map((d) => d.id)).toContain(dataset.id);
  });

  it('summarizes the tutorial CNN like the CLI; a bad spec names its field', async () => {
    const s = await unary<ArchitectureSummary__Output>((cb) => c.architectures.SummarizeArchitecture({ specJson: JSON.stringify(MNIST_CNN) }, A(), cb));
    expect(s.totals!.totalParams).toBe(421_642);
    expect(s.layers.map((l) => l.params)).toEqual([320, 0, 18_496, 0, 0, 401_536, 1_290]);
    expect(s.layers[0]!.outputShape).toEqual([28, 28, 32]);

    const bad = { input: { shape: [3, 3, 1] }, layers: [{ type: 'conv2d', filters: 4, kernelSize: 5 }, { type: 'flatten' }, { type: 'dense', units: 10 }] };
    const err = await expectStatus(
      unary((cb) => c.architectures.SummarizeArchitecture({ specJson: JSON.stringify(bad) }, A(), cb)),
      Status.INVALID_ARGUMENT,
      { code: 'SPEC_NONPOSITIVE_DIM', path: 'layers[0].kernelSize' },
    );
    expect(err.details).toContain('5x5');
  });

  it('sees and cancels a job submitted over REST; its dataset cannot be deleted meanwhile; a cancelled watch stops', async () => {
    const body = { type: 'train', datasetId: dataset.id, model: { spec: MNIST_CNN }, training: { ...TRAINING, epochs: 200 } };
    const res = await svc.call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    const job = await unary<Job__Output>((cb) => c.jobs.GetJob({ id }, A(), cb));
    expect(job.id).toBe(id);
    expect(['JOB_STATE_QUEUED', 'JOB_STATE_RUNNING']).toContain(job.state);
    expect(JSON.parse(job.requestJson).training.epochs).toBe(200);

    // A watch the client cancels stops on the server too.
    const watch = c.jobs.WatchJob({ id }, A());
    const [first] = (await once(watch, 'data')) as [JobEvent__Output];
    expect(first.kind).toBe('JOB_EVENT_KIND_STATE');
    expect(watchers(id)).toBe(1);
    watch.on('error', () => undefined);
    watch.cancel();
    await until('the server stops watching', () => watchers(id) === 0);

    await expectStatus(unary((cb) => c.datasets.DeleteDataset({ id: dataset.id }, A(), cb)), Status.FAILED_PRECONDITION, { code: 'DATASET_IN_USE', path: 'id' });

    const cancelled = await unary<Job__Output>((cb) => c.jobs.CancelJob({ id }, A(), cb));
    expect(cancelled.state === 'JOB_STATE_CANCELLED' || cancelled.cancelRequested).toBe(true);
    const events = await watchToEnd(id);
    expect(events.at(-1)!.job!.state).toBe('JOB_STATE_CANCELLED');
    expect(((await (await svc.call(`/v1/jobs/${id}`)).json()) as any).state).toBe('cancelled');
    await expectStatus(unary((cb) => c.jobs.CancelJob({ id }, A(), cb)), Status.FAILED_PRECONDITION, { code: 'JOB_FINISHED' });
  });

  it('trains the tutorial CNN, watched to its final state; the job is the same over REST', async () => {
    const request = { type: 'train', datasetId: dataset.id, model: { spec: MNIST_CNN }, training: TRAINING };
    const first = await submit(request, KEY_A, 'grpc-train-1');
    expect(first.created).toBe(true);
    expect(first.job!.state).toBe('JOB_STATE_QUEUED');
    const again = await submit(request, KEY_A, 'grpc-train-1');
    expect(again.created).toBe(false);
    expect(again.job!.id).toBe(first.job!.id);
    const id = first.job!.id;

    const events = await watchToEnd(id);
    expect(events[0]!.kind).toBe('JOB_EVENT_KIND_STATE'); // the current state first
    expect(events.some((e) => e.kind === 'JOB_EVENT_KIND_PROGRESS' && e.job!.progress?.stage === 'epoch done')).toBe(true);
    expect(events.slice(0, -1).every((e) => !['JOB_STATE_COMPLETED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(e.job!.state))).toBe(true);
    trainJob = events.at(-1)!.job!;
    expect(trainJob.state, trainJob.error?.message).toBe('JOB_STATE_COMPLETED');
    expect(trainJob.modelId).toMatch(/\S/);
    expect(JSON.parse(trainJob.historyJson)).toHaveLength(2);

    const result = JSON.parse(trainJob.resultJson);
    expect(result.params).toEqual({ total: 421_642, trainable: 421_642, frozen: 0, bnRunningStats: 0 });
    expect(result.modelId).toBe(trainJob.modelId);
    expect(result.evaluatedOn).toBe('test');
    expect(result.metrics.count).toBe(500);
    expect(result.metrics.accuracy).toBeGreaterThan(0.65); // 2 epochs on 2,000 images; chance is 0.1

    // Submitted over gRPC, read over REST: the same record.
    const rest = await waitForJob(svc, id);
    expect(rest.state).toBe('completed');
    expect(rest.result).toEqual(result);

    const listed = await unary<ListJobsResponse__Output>((cb) => c.jobs.ListJobs({ state: 'JOB_STATE_COMPLETED', type: 'train' }, A(), cb));
    expect(listed.items.map((j) => j.id)).toEqual([id]);
    const cancelledJobs = await unary<ListJobsResponse__Output>((cb) => c.jobs.ListJobs({ state: 'JOB_STATE_CANCELLED' }, A(), cb));
    expect(cancelledJobs.items).toHaveLength(1);
  });

  it('an evaluate job reproduces the training metrics', async () => {
    const { job } = await submit({ type: 'evaluate', modelId: trainJob.modelId, datasetId: dataset.id, split: 'test' });
    const events = await watchToEnd(job!.id);
    const done = events.at(-1)!.job!;
    expect(done.state, done.error?.message).toBe('JOB_STATE_COMPLETED');
    expect(done.modelId).toBe(trainJob.modelId);
    const metrics = JSON.parse(done.resultJson).metrics;
    const trained = JSON.parse(trainJob.resultJson).metrics;
    expect(metrics.accuracy).toBe(trained.accuracy);
    expect(metrics.confusionMatrix).toEqual(trained.confusionMatrix);
  });

  it('predicts the test images in agreement with the evaluation', async () => {
    const pixels = test.subset.images;
    testPngs = await Promise.all(Array.from({ length: test.subset.n }, (_, i) => greyPng(Buffer.from(pixels.subarray(i * 784, (i + 1) * 784)))));
    const pngs = testPngs;
    let correct = 0;
    for (let i = 0; i < pngs.length; i += 250) {
      const batch = pngs.slice(i, i + 250);
      const names = batch.map((_, j) => `t${i + j}.png`);
      const r = await unary<PredictResponse__Output>((cb) => c.models.Predict({ modelId: trainJob.modelId, images: batch, imageNames: names, topK: 3 }, A(), cb));
      expect(r.predictions).toHaveLength(batch.length);
      r.predictions.forEach((p, j) => {
        expect(p.image).toBe(names[j]);
        expect(p.top).toHaveLength(3);
        expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
        if (p.top[0]!.classIndex === test.subset.labels[i + j]) correct++;
      });
    }
    expect(correct / pngs.length).toBeCloseTo(JSON.parse(trainJob.resultJson).metrics.accuracy, 10);

    await expectStatus(
      unary((cb) => c.models.Predict({ modelId: trainJob.modelId, images: [pngs[0]!], topK: 11 }, A(), cb)),
      Status.INVALID_ARGUMENT,
      { code: 'VALIDATION_FAILED', path: 'top_k' },
    );
    // Paths name the request's own fields: an unknown model is `model_id`, as PredictRequest spells it.
    await expectStatus(unary((cb) => c.models.Predict({ modelId: 'mdl_nope', images: [pngs[0]!] }, A(), cb)), Status.NOT_FOUND, { code: 'NOT_FOUND', path: 'model_id' });
    await expectStatus(
      unary((cb) => c.models.Predict({ modelId: trainJob.modelId, images: Array.from({ length: 257 }, () => pngs[0]!) }, A(), cb)),
      Status.RESOURCE_EXHAUSTED,
      { code: 'PREDICT_TOO_MANY_IMAGES' },
    );
  });

  it('reads and lists the model, and streams its artifact', async () => {
    const model = await unary<Model__Output>((cb) => c.models.GetModel({ id: trainJob.modelId }, A(), cb));
    expect(model.classes).toEqual(CLASS_NAMES);
    expect(model.preprocessing!.inputShape).toEqual([28, 28, 1]);
    expect(model.params!.total).toBe(421_642);
    expect(model.jobId).toBe(trainJob.id);
    const rest = (await (await svc.call(`/v1/models/${model.id}`)).json()) as any;
    expect(JSON.parse(model.specJson)).toEqual(rest.spec);
    expect(JSON.parse(model.metricsJson)).toEqual(rest.metrics);
    const models = await unary<ListModelsResponse__Output>((cb) => c.models.ListModels({}, A(), cb));
    expect(models.items.map((m) => m.id)).toEqual([model.id]);

    const { messages, error } = await collect<ArtifactChunk__Output>(c.models.DownloadModelArtifact({ id: model.id }, A()));
    expect(error).toBeUndefined();
    expect(messages[0]!.filename).toBe(`${model.id}.tar`);
    const tar = Buffer.concat(messages.map((m) => m.data));
    const restTar = Buffer.from(await (await svc.call(`/v1/models/${model.id}/artifact`)).arrayBuffer());
    expect(tar.length).toBe(restTar.length);
    for (const f of ['spec.json', 'weights.safetensors', 'meta.json']) expect(tar.includes(Buffer.from(f))).toBe(true);
  });
  it('imports weights streamed in chunks as a model that predicts like the original', async () => {
    const original = await unary<Model__Output>((cb) => c.models.GetModel({ id: trainJob.modelId }, A(), cb));
    const weights = readFileSync(join(svc.dataDir, 'models', original.id, 'weights.safetensors'));
    const pre = original.preprocessing!;
    const header = { name: 'reimported', specJson: original.specJson, classNames: original.classes, mean: pre.mean, std: pre.std };
    const imported = await importModel(header, weights);
    expect(imported.id).not.toBe(original.id);
    expect(imported.source).toBe('import');
    expect(imported.name).toBe('reimported');
    expect(imported.jobId).toBe('');
    expect(imported.params).toEqual(original.params);
    expect(imported.preprocessing).toEqual(original.preprocessing);

    const images = testPngs.slice(0, 20);
    const predictWith = (modelId: string) => unary<PredictResponse__Output>((cb) => c.models.Predict({ modelId, images, topK: 2 }, A(), cb));
    const [a, b] = await Promise.all([predictWith(original.id), predictWith(imported.id)]);
    b.predictions.forEach((p, i) => {
      expect(p.top.map((t) => t.classIndex)).toEqual(a.predictions[i]!.top.map((t) => t.classIndex));
      expect(p.top[0]!.probability).toBeCloseTo(a.predictions[i]!.top[0]!.probability, 6);
    });
  });

  it('refuses an import whose header or weights do not fit, naming the field', async () => {
    const original = await unary<Model__Output>((cb) => c.models.GetModel({ id: trainJob.modelId }, A(), cb));
    const weights = readFileSync(join(svc.dataDir, 'models', original.id, 'weights.safetensors'));
    // A bad header is refused at once, before any weights are sent.
    let call!: ClientWritableStream<ImportModelRequest>;
    const answer = unary((cb) => (call = c.models.ImportModel(A(), cb)));
    call.write({ header: { zoo: 'lenet5', specJson: original.specJson } });
    await expectStatus(answer, Status.INVALID_ARGUMENT, { code: 'VALIDATION_FAILED', path: 'zoo' });
    call.end();

    const spec = JSON.parse(original.specJson);
    spec.layers.at(-1).units = 5;
    const err = await expectStatus(importModel({ specJson: JSON.stringify(spec) }, weights), Status.INVALID_ARGUMENT, { code: 'ENGINE_WEIGHTS_MISMATCH' });
    expect(err.metadata.get('cnn-error-path')[0]).toMatch(/^weights_chunk/);
    await expectStatus(importModel({ specJson: original.specJson, classNames: ['a', 'b'] }, weights), Status.INVALID_ARGUMENT, { path: 'class_names' });
    await expectStatus(importModel({ specJson: original.specJson }, Buffer.alloc(0)), Status.INVALID_ARGUMENT, { code: 'UPLOAD_MISSING_FILE', path: 'weights_chunk' });
    await expectStatus(importModel({ specJson: original.specJson }, Buffer.alloc(UPLOAD_LIMIT + MiB)), Status.RESOURCE_EXHAUSTED, { code: 'UPLOAD_TOO_LARGE' });
    expect(uploadsLeft()).toEqual([]);
  });

});

describe('errors map through the error table', () => {
  it("answers NOT_FOUND for another tenant's ids", async () => {
    await expectStatus(unary((cb) => c.datasets.GetDataset({ id: dataset.id }, auth(KEY_B), cb)), Status.NOT_FOUND, { code: 'NOT_FOUND', path: 'id' });
    await expectStatus(unary((cb) => c.jobs.GetJob({ id: trainJob.id }, auth(KEY_B), cb)), Status.NOT_FOUND, { code: 'NOT_FOUND' });
    await expectStatus(unary((cb) => c.models.GetModel({ id: trainJob.modelId }, auth(KEY_B), cb)), Status.NOT_FOUND, { code: 'NOT_FOUND' });
    const watch = await collect(c.jobs.WatchJob({ id: trainJob.id }, auth(KEY_B)));
    expect(watch.error?.code).toBe(Status.NOT_FOUND);
    expect(watch.messages).toEqual([]);
    await expectStatus(submit({ type: 'train', datasetId: dataset.id, model: { spec: MNIST_CNN } }, KEY_B), Status.NOT_FOUND, { code: 'NOT_FOUND', path: 'datasetId' });
  });

  it('answers INVALID_ARGUMENT with the full path for a bad spec inside a job', async () => {
    const spec = structuredClone(MNIST_CNN);
    spec.layers[2].kernelSize = 0;
    await expectStatus(submit({ type: 'train', datasetId: dataset.id, model: { spec } }), Status.INVALID_ARGUMENT, {
      code: 'SPEC_INVALID',
      path: 'model.spec.layers[2].kernelSize',
    });
    await expectStatus(submit({ type: 'train', datasetId: dataset.id, model: { spec: MNIST_CNN }, training: { batchSize: 0 } }), Status.INVALID_ARGUMENT, {
      code: 'VALIDATION_FAILED',
      path: 'training.batchSize',
    });
    await expectStatus(unary((cb) => c.jobs.SubmitJob({ requestJson: '{"type":' }, A(), cb)), Status.INVALID_ARGUMENT, { code: 'VALIDATION_FAILED', path: 'request_json' });
    await expectStatus(
      unary((cb) => c.jobs.SubmitJob({ requestJson: JSON.stringify({ type: 'evaluate', modelId: 'm', datasetId: dataset.id }), idempotencyKey: 'bad key' }, A(), cb)),
      Status.INVALID_ARGUMENT,
      { code: 'VALIDATION_FAILED', path: 'idempotency_key' },
    );
    await expectStatus(unary((cb) => c.jobs.ListJobs({ limit: 1000 }, A(), cb)), Status.INVALID_ARGUMENT, { code: 'VALIDATION_FAILED', path: 'limit' });
  });

  it('answers FAILED_PRECONDITION for a dataset that does not fit the model', async () => {
    const spec = structuredClone(MNIST_CNN);
    spec.layers[6].units = 5;
    await expectStatus(submit({ type: 'train', datasetId: dataset.id, model: { spec } }), Status.FAILED_PRECONDITION, { code: 'DATASET_INCOMPATIBLE' });
  });

  it('refuses chunks before the header and chunks that do not fit the kind', async () => {
    let call!: ClientWritableStream<UploadDatasetRequest>;
    const answer = unary((cb) => (call = c.datasets.UploadDataset(A(), cb)));
    call.write({ chunk: { file: 'UPLOAD_FILE_IMAGES', data: Buffer.alloc(100) } });
    call.end();
    await expectStatus(answer, Status.INVALID_ARGUMENT, { code: 'VALIDATION_FAILED', path: 'header' });
    await expectStatus(
      uploadDataset(c, KEY_A, { kind: 'DATASET_KIND_ARCHIVE' }, [{ file: 'UPLOAD_FILE_IMAGES', data: Buffer.alloc(100) }]),
      Status.INVALID_ARGUMENT,
      { code: 'VALIDATION_FAILED', path: 'chunk.file' },
    );
    await expectStatus(uploadDataset(c, KEY_A, { kind: 'DATASET_KIND_IDX' }, [{ file: 'UPLOAD_FILE_IMAGES', data: readFileSync(train.images) }]), Status.INVALID_ARGUMENT, {
      code: 'UPLOAD_MISSING_FILE',
      path: 'labels',
    });
    expect(uploadsLeft()).toEqual([]);
  });

});

describe('limits', () => {
  it(`refuses one 8 MiB message (limit ${MAX_RECEIVE_MESSAGE_BYTES / MiB} MiB) with RESOURCE_EXHAUSTED`, async () => {
    const err = await expectStatus(
      unary((cb) => c.models.Predict({ modelId: trainJob.modelId, images: [Buffer.alloc(8 * MiB)] }, A(), cb)),
      Status.RESOURCE_EXHAUSTED,
    );
    expect(err.details).toMatch(/larger than max/);
    // The server goes on serving.
    await unary((cb) => c.models.GetModel({ id: trainJob.modelId }, A(), cb));
  });

  it('refuses a message from its length prefix, before its body arrives', async () => {
    // Announce a 1 GiB message and send 1 KiB of it: the answer must come without the rest.
    const session = connect(`http://${svc.grpcTarget}`);
    try {
      const req = session.request({
        ':method': 'POST',
        ':path': '/cnn.v1.Models/Predict',
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: `Bearer ${KEY_A}`,
      });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(1024 * MiB, 1);
      req.write(Buffer.concat([prefix, Buffer.alloc(1024)]));
      const status = await new Promise<string | undefined>((resolve) => {
        req.on('response', (h) => h['grpc-status'] !== undefined && resolve(String(h['grpc-status'])));
        req.on('trailers', (t) => resolve(String(t['grpc-status'])));
        req.on('error', () => resolve(undefined));
      });
      expect(Number(status)).toBe(Status.RESOURCE_EXHAUSTED);
      req.close();
    } finally {
      session.close();
    }
  });

  it('refuses an upload past CNN_MAX_UPLOAD_BYTES with RESOURCE_EXHAUSTED and keeps nothing', async () => {
    const parts = [{ file: 'UPLOAD_FILE_ARCHIVE' as const, data: Buffer.alloc(UPLOAD_LIMIT + MiB, 7) }];
    await expectStatus(uploadDataset(c, KEY_A, { kind: 'DATASET_KIND_ARCHIVE' }, parts, 3 * MiB), Status.RESOURCE_EXHAUSTED, { code: 'UPLOAD_TOO_LARGE' });
    expect(uploadsLeft()).toEqual([]);
  });

  it('discards a cancelled upload', async () => {
    let call!: ClientWritableStream<UploadDatasetRequest>;
    const answer = unary((cb) => (call = c.datasets.UploadDataset(A(), cb)));
    call.write({ header: { kind: 'DATASET_KIND_ARCHIVE' } });
    call.write({ chunk: { file: 'UPLOAD_FILE_ARCHIVE', data: Buffer.alloc(MiB) } });
    await until('the upload is on disk', () => uploadsLeft().length === 1);
    call.cancel();
    await expectStatus(answer, Status.CANCELLED);
    await until('the upload is discarded', () => uploadsLeft().length === 0);
  });

  it('ends a unary call without a deadline at the default one, and aborts its work', async () => {
    // A handler slower than a 200 ms default, served by the same call wrapper as every RPC.
    const kit = new CallKit(svc.rt.ctx, svc.rt.log, 200);
    let aborted = false;
    const slow = kit.unary('SlowCheck', async (_req, { signal }) => {
      await new Promise((r) => setTimeout(r, 1000));
      aborted = signal.aborted;
      return { status: 'SERVING' as const };
    }, { auth: false });
    const proto = loadCnnProto();
    const server = new Server();
    server.addService(proto.grpc.health.v1.Health.service, { Check: slow, Watch: () => undefined });
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    const client = new proto.grpc.health.v1.Health(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const err = await expectStatus(unary((cb) => client.Check({}, cb)), Status.DEADLINE_EXCEEDED);
      expect(err.details).toContain('200 ms');
      await until('the handler sees the abort', () => aborted);
      // A client's own deadline replaces the default.
      const ok = await unary<HealthCheckResponse__Output>((cb) => client.Check({}, { deadline: Date.now() + 5000 }, cb));
      expect(ok.status).toBe('SERVING');
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
