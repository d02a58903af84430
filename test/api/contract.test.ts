// The contract is true: every response of a real end-to-end flow (health,
// architectures, datasets, jobs with their SSE stream, models, predict,
// import, errors, 401/404) validates against the committed openapi.yaml,
// checked with Ajv (JSON Schema 2020-12), not with the zod schemas that
// generate the file. Every operation must have been exercised.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../helpers/contract.js';
import { greyPng, makeIdxPair, makePngZip } from '../helpers/fixtures.js';
import { fileBlob, startTestService, waitForJob, type TestService } from '../helpers/service.js';

const MNIST_CNN = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
const json = { 'content-type': 'application/json' };

let svc: TestService;
let tmp: string;
const contract = new Contract();
const ids: { idx?: string; zip?: string; job?: string; model?: string; imported?: string } = {};
let testPng: Buffer;

/** Calls the service and checks the answer against the contract. */
async function call(method: string, template: string, path: string, init: RequestInit & { key?: string | null } = {}): Promise<{ status: number; body: any }> {
  const res = await svc.call(path, { method, ...init });
  const status = res.status;
  return { status, body: await contract.check(method, template, res) };
}

beforeAll(async () => {
  svc = await startTestService();
  tmp = mkdtempSync(join(tmpdir(), 'cnn-contract-'));
  const idx = await makeIdxPair(join(tmp, 'idx'), 600, { split: 'train' });
  testPng = await greyPng(idx.subset.images.subarray(0, 28 * 28));
}, 120_000);

afterAll(async () => svc?.close());

describe('every response matches openapi.yaml', () => {
  it('health, readiness, metrics and the document itself', async () => {
    expect((await call('GET', '/healthz', '/healthz', { key: null })).status).toBe(200);
    expect((await call('GET', '/readyz', '/readyz', { key: null })).status).toBe(200);
    const doc = await call('GET', '/openapi.yaml', '/openapi.yaml', { key: null });
    expect(doc.body).toContain('openapi: 3.1.0');
    expect((await call('GET', '/metrics', '/metrics', { key: null })).body).toContain('# TYPE');
  });

  it('architectures and the zoo, with 400 and 401', async () => {
    expect((await call('POST', '/v1/architectures/summary', '/v1/architectures/summary', { body: JSON.stringify(MNIST_CNN), headers: json })).body.totals.totalParams).toBe(421_642);
    const bad = await call('POST', '/v1/architectures/summary', '/v1/architectures/summary', { body: JSON.stringify({ input: { shape: [28, 28, 1] }, layers: [{ type: 'conv2d' }] }), headers: json });
    expect(bad.status).toBe(400);
    const badJson = await call('POST', '/v1/architectures/summary', '/v1/architectures/summary', { body: '{"input":', headers: json });
    expect(badJson.body.error.code).toBe('VALIDATION_FAILED');
    expect((await call('GET', '/v1/zoo', '/v1/zoo')).body.items.length).toBeGreaterThan(5);
    expect((await call('GET', '/v1/zoo', '/v1/zoo', { key: null })).status).toBe(401);
    expect((await call('GET', '/v1/zoo', '/v1/zoo', { key: 'not-a-key' })).body.error.code).toBe('UNAUTHENTICATED');
  });

  it('datasets: IDX and archive uploads, list, read, 400, 404', async () => {
    const train = await makeIdxPair(join(tmp, 'idx'), 600, { split: 'train' });
    const test = await makeIdxPair(join(tmp, 'idx'), 200, { split: 'test', prefix: 't10k-' });
    const form = new FormData();
    form.set('images', fileBlob(readFileSync(train.images)), 'train-images.gz');
    form.set('labels', fileBlob(readFileSync(train.labels)), 'train-labels.gz');
    form.set('testImages', fileBlob(readFileSync(test.images)), 'test-images.gz');
    form.set('testLabels', fileBlob(readFileSync(test.labels)), 'test-labels.gz');
    const idx = await call('POST', '/v1/datasets', '/v1/datasets', { body: form });
    expect(idx.status).toBe(201);
    expect(idx.body.raw).toEqual({ height: 28, width: 28, channels: 1 });
    ids.idx = idx.body.id;

    await makePngZip(join(tmp, 'small.zip'), { perClass: 3, classes: ['Bag', 'Sandal'] });
    const zipForm = new FormData();
    zipForm.set('archive', fileBlob(readFileSync(join(tmp, 'small.zip'))), 'small.zip');
    const zip = await call('POST', '/v1/datasets', '/v1/datasets', { body: zipForm });
    expect(zip.status).toBe(201);
    expect(zip.body.skippedCount).toBe(0);
    ids.zip = zip.body.id;

    const empty = new FormData();
    empty.set('name', 'nothing');
    expect((await call('POST', '/v1/datasets', '/v1/datasets', { body: empty })).body.error.code).toBe('UPLOAD_MISSING_FILE');
    expect((await call('GET', '/v1/datasets', '/v1/datasets?limit=1')).body.nextCursor).toBeDefined();
    expect((await call('GET', '/v1/datasets', '/v1/datasets?limit=0')).status).toBe(400);
    expect((await call('GET', '/v1/datasets/{id}', `/v1/datasets/${ids.idx}`)).body.tenant).toBe('a');
    expect((await call('GET', '/v1/datasets/{id}', '/v1/datasets/ds_nope')).status).toBe(404);
  });

  it('jobs: submit (202), replay (200), the SSE stream, read, list, 400, 404, 409', async () => {
    const body = JSON.stringify({ type: 'train', datasetId: ids.idx, model: { spec: MNIST_CNN }, training: { epochs: 2, batchSize: 64 } });
    const headers = { ...json, 'idempotency-key': 'contract-1' };
    const first = await call('POST', '/v1/jobs', '/v1/jobs', { body, headers });
    expect(first.status).toBe(202);
    expect(first.body.created).toBe(true);
    ids.job = first.body.id;
    const replay = await call('POST', '/v1/jobs', '/v1/jobs', { body, headers });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: ids.job, created: false });

    const events = await call('GET', '/v1/jobs/{id}/events', `/v1/jobs/${ids.job}/events`);
    const list = events.body as { event: string; data: any }[];
    expect(list[0]!.event).toBe('state');
    const progress = list.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    // Progress carries the state and the progress, never the request with its spec.
    for (const p of progress) expect(p.data.request).toBeUndefined();
    expect(progress.some((p) => p.data.lastEpoch?.epoch === 1)).toBe(true);
    const final = list.at(-2)!;
    expect(final.event).toBe('state');
    expect(final.data.state).toBe('completed');
    expect(final.data.request.model.spec).toEqual(expect.objectContaining({ layers: expect.any(Array) }));
    expect(list.at(-1)!.event).toBe('end');

    const job = await waitForJob(svc, ids.job!);
    ids.model = job.result.modelId;
    const replayDone = await call('POST', '/v1/jobs', '/v1/jobs', { body, headers });
    expect(replayDone.status).toBe(200);
    expect(replayDone.body.job.state).toBe('completed');

    expect((await call('GET', '/v1/jobs/{id}', `/v1/jobs/${ids.job}`)).body.result.modelId).toBe(ids.model);
    expect((await call('GET', '/v1/jobs', '/v1/jobs?state=completed')).body.total).toBe(1);
    expect((await call('GET', '/v1/jobs', '/v1/jobs?state=nope')).status).toBe(400);
    expect((await call('GET', '/v1/jobs/{id}', '/v1/jobs/job_nope')).status).toBe(404);
    // The dashboard's routes: per-sample predictions, calibration, thumbnails, filters, feature maps, the tab's event stream.
    const cells = (await call('GET', '/v1/jobs/{id}/samples', `/v1/jobs/${ids.job}/samples?true=0&limit=3`)).body;
    expect(cells.items.length).toBe(3);
    expect(cells.items.every((s: any) => s.trueClass === 0)).toBe(true);
    expect((await call('GET', '/v1/jobs/{id}/samples', `/v1/jobs/${ids.job}/samples?limit=0`)).body.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'limit' });
    expect((await call('GET', '/v1/jobs/{id}/calibration', `/v1/jobs/${ids.job}/calibration`)).body.bins.length).toBe(10);
    expect((await call('GET', '/v1/datasets/{id}/samples', `/v1/datasets/${ids.idx}/samples?class=1&limit=2`)).body.items.map((s: any) => s.label)).toEqual([1, 1]);
    expect((await call('GET', '/v1/models/{id}/filters', `/v1/models/${ids.model}/filters`)).body.shape).toEqual([32, 1, 3, 3]);
    expect((await call('GET', '/v1/models/{id}/filters', `/v1/models/${ids.model}/filters?layer=dense_1`)).body.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'layer' });
    const actForm = new FormData();
    actForm.set('image', fileBlob(testPng, 'image/png'), 'x.png');
    actForm.set('maxMaps', '4');
    expect((await call('POST', '/v1/models/{id}/activations', `/v1/models/${ids.model}/activations`, { body: actForm })).body.layers.map((l: any) => l.maps)).toEqual([4, 4, 4, 4]);
    const bigForm = new FormData();
    bigForm.set('image', fileBlob(testPng, 'image/png'), 'x.png');
    bigForm.set('maxMaps', '999');
    expect((await call('POST', '/v1/models/{id}/activations', `/v1/models/${ids.model}/activations`, { body: bigForm })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', path: 'maxMaps' });
    {
      // The tab's stream stays open: read up to the first event, then close it.
      const abort = new AbortController();
      const res = await svc.call(`/v1/events?jobs=${ids.job}`, { signal: abort.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!/^data:/m.test(text) || !text.endsWith('\n\n')) text += (await reader.read()).value ?? '';
      abort.abort();
      const first = await contract.check('GET', '/v1/events', new Response(text, { status: res.status, headers: res.headers }));
      expect(first[0]).toMatchObject({ event: 'state', data: { id: ids.job, state: 'completed' } });
      expect((await call('GET', '/v1/events', '/v1/events?jobs=job_nope')).status).toBe(404);
    }
    expect((await call('GET', '/v1/jobs/{id}/events', '/v1/jobs/job_nope/events')).status).toBe(404);
    expect((await call('POST', '/v1/jobs/{id}/cancel', `/v1/jobs/${ids.job}/cancel`)).body.error.code).toBe('JOB_FINISHED');
    const spec = await call('POST', '/v1/jobs', '/v1/jobs', { body: JSON.stringify({ type: 'train', datasetId: ids.idx, model: { spec: { ...MNIST_CNN, layers: [] } } }), headers: json });
    expect(spec.status).toBe(400);
    const missing = await call('POST', '/v1/jobs', '/v1/jobs', { body: JSON.stringify({ type: 'evaluate', datasetId: 'ds_nope', modelId: ids.model }), headers: json });
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', path: 'datasetId' });
    const incompatible = await call('POST', '/v1/jobs', '/v1/jobs', { body: JSON.stringify({ type: 'evaluate', datasetId: ids.zip, modelId: ids.model, split: 'train' }), headers: json });
    expect(incompatible.body.error.code).toBe('DATASET_INCOMPATIBLE');

    // A queued job cancelled at once answers with the cancelled record.
    const queued = await call('POST', '/v1/jobs', '/v1/jobs', { body: JSON.stringify({ type: 'evaluate', datasetId: ids.idx, modelId: ids.model }), headers: json });
    const cancelled = await call('POST', '/v1/jobs/{id}/cancel', `/v1/jobs/${queued.body.id}/cancel`);
    expect([200, 409]).toContain(cancelled.status);

    // Stop early: a queued train job asked to stop runs one epoch and completes with its model.
    const toStop = await call('POST', '/v1/jobs', '/v1/jobs', { body: JSON.stringify({ type: 'train', datasetId: ids.idx, model: { spec: MNIST_CNN }, training: { epochs: 50 } }), headers: json });
    expect((await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${toStop.body.id}/stop`)).body.stopRequested).toBe(true);
    expect((await call('POST', '/v1/jobs/{id}/stop', `/v1/jobs/${queued.body.id}/stop`)).status).toBe(409);
    const stopped = await waitForJob(svc, toStop.body.id);
    expect(stopped.result).toMatchObject({ stoppedEarly: true, stopReason: 'stopRequested', epochsRun: 1 });
    await call('GET', '/v1/jobs/{id}', `/v1/jobs/${toStop.body.id}`);
  });

  it('models: read, list, artifact, predict, import, delete, with their errors', async () => {
    const model = await call('GET', '/v1/models/{id}', `/v1/models/${ids.model}`);
    expect(model.body.tenant).toBe('a');
    expect((await call('GET', '/v1/models', '/v1/models')).body.items.length).toBe(2);
    expect((await call('GET', '/v1/models/{id}', '/v1/models/mdl_nope')).status).toBe(404);
    expect((await call('GET', '/v1/models/{id}/artifact', `/v1/models/${ids.model}/artifact`)).status).toBe(200);
    expect((await call('GET', '/v1/models/{id}/artifact', '/v1/models/mdl_nope/artifact')).status).toBe(404);
    const onnx = await call('GET', '/v1/models/{id}/onnx', `/v1/models/${ids.model}/onnx`);
    expect(onnx.status).toBe(200);
    expect((await call('GET', '/v1/models/{id}/onnx', `/v1/models/${ids.model}/onnx?input=sideways`)).body.error.path).toBe('input');
    expect((await call('GET', '/v1/models/{id}', `/v1/models/${ids.model}`)).body.exports).toBeDefined();

    const form = new FormData();
    form.append('image', fileBlob(testPng, 'image/png'), 'one.png');
    form.set('topK', '2');
    const pred = await call('POST', '/v1/models/{id}/predict', `/v1/models/${ids.model}/predict`, { body: form });
    expect(pred.status).toBe(200);
    expect(pred.body.modelId).toBe(ids.model);
    expect(pred.body.predictions[0].top).toHaveLength(2);
    const junk = new FormData();
    junk.append('image', fileBlob(Buffer.from('not an image')), 'x.png');
    expect((await call('POST', '/v1/models/{id}/predict', `/v1/models/${ids.model}/predict`, { body: junk })).body.error.code).toBe('PREDICT_BAD_IMAGE');
    const badK = new FormData();
    badK.append('image', fileBlob(testPng, 'image/png'), 'one.png');
    badK.set('topK', '99');
    expect((await call('POST', '/v1/models/{id}/predict', `/v1/models/${ids.model}/predict`, { body: badK })).body.error.path).toBe('topK');
    expect((await call('POST', '/v1/models/{id}/predict', '/v1/models/mdl_nope/predict', { body: form })).status).toBe(404);

    const imp = new FormData();
    imp.set('spec', JSON.stringify(model.body.spec));
    imp.set('classNames', JSON.stringify(model.body.classes));
    imp.set('name', 'reimported');
    imp.set('weights', fileBlob(readFileSync(join(svc.rt.ctx.blobs.modelDir(ids.model!), 'weights.safetensors'))), 'weights.safetensors');
    const imported = await call('POST', '/v1/models/import', '/v1/models/import', { body: imp });
    expect(imported.status).toBe(201);
    ids.imported = imported.body.id;
    const noWeights = new FormData();
    noWeights.set('zoo', 'lenet5');
    expect((await call('POST', '/v1/models/import', '/v1/models/import', { body: noWeights })).body.error.code).toBe('UPLOAD_MISSING_FILE');

    expect((await call('DELETE', '/v1/models/{id}', `/v1/models/${ids.imported}`)).status).toBe(204);
    expect((await call('DELETE', '/v1/models/{id}', `/v1/models/${ids.imported}`)).status).toBe(404);
    expect((await call('DELETE', '/v1/datasets/{id}', `/v1/datasets/${ids.zip}`)).status).toBe(204);
    expect((await call('DELETE', '/v1/datasets/{id}', '/v1/datasets/ds_nope')).status).toBe(404);
  });

  it('every operation was exercised with a success', () => {
    const succeeded = new Set([...contract.seen].filter((s) => /^\S+ 2\d\d$/.test(s)).map((s) => s.split(' ')[0]));
    expect(contract.operationIds().filter((id) => !succeeded.has(id))).toEqual([]);
  });

  it('the document has servers, and an operationId on every operation, each unique', () => {
    const doc = contract.doc as unknown as { servers?: unknown[] };
    expect(doc.servers?.length).toBeGreaterThan(0);
    const idsList = contract.operationIds();
    expect(idsList.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(idsList).size).toBe(idsList.length);
  });
});
