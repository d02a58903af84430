// The gRPC contract as an independent client sees it: the protos compile
// with Debian's protoc (3.21, --python_out), and Debian's python3-grpcio,
// with stubs written over grpc.Channel, drives the real server: health,
// summarize, submit (and its idempotent retry), watch to the end, predict,
// and errors whose paths name the request's own fields.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdxPair } from '../helpers/fixtures.js';
import { fileBlob, KEY_A, startTestService, type TestService } from '../helpers/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
/** Debian's interpreter, where python3-grpcio and python3-protobuf install (not whatever python3 is first on PATH). */
const PYTHON = '/usr/bin/python3';
const PROTOS = ['cnn/v1/architectures.proto', 'cnn/v1/datasets.proto', 'cnn/v1/jobs.proto', 'cnn/v1/models.proto', 'grpc/health/v1/health.proto'];

let svc: TestService;
let gen: string;
let datasetId: string;

beforeAll(async () => {
  gen = mkdtempSync(join(tmpdir(), 'cnn-pygen-'));
  svc = await startTestService({ grpc: true });
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-pyds-'));
  const tr = await makeIdxPair(join(tmp, 'idx'), 500, { split: 'train' });
  const te = await makeIdxPair(join(tmp, 'idx'), 200, { split: 'test', prefix: 't10k-' });
  const form = new FormData();
  form.set('images', fileBlob(readFileSync(tr.images)), 'i.gz');
  form.set('labels', fileBlob(readFileSync(tr.labels)), 'l.gz');
  form.set('testImages', fileBlob(readFileSync(te.images)), 'ti.gz');
  form.set('testLabels', fileBlob(readFileSync(te.labels)), 'tl.gz');
  form.set('classNames', JSON.stringify(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']));
  datasetId = ((await (await svc.call('/v1/datasets', { method: 'POST', body: form })).json()) as any).id;
}, 120_000);

afterAll(async () => svc?.close());

describe('gRPC with a Python grpcio client', () => {
  it("the protos compile with Debian's protoc 3.21", () => {
    expect(execFileSync('protoc', ['--version'], { encoding: 'utf8' })).toMatch(/libprotoc 3\.21\./);
    execFileSync('protoc', ['-I', join(ROOT, 'proto'), `--python_out=${gen}`, ...PROTOS.map((p) => join(ROOT, 'proto', p))], { stdio: 'pipe' });
    expect(readdirSync(join(gen, 'cnn', 'v1')).sort()).toEqual(['architectures_pb2.py', 'datasets_pb2.py', 'jobs_pb2.py', 'models_pb2.py']);
    expect(existsSync(join(gen, 'grpc', 'health', 'v1', 'health_pb2.py'))).toBe(true);
  });

  it('health, summarize, submit, watch to the end, predict; errors name proto fields', async () => {
    const args = [join(ROOT, 'test/helpers/grpc_client.py'), gen, svc.grpcTarget!, KEY_A, datasetId, join(ROOT, 'examples/mnist-cnn.json'), join(ROOT, 'examples/ankle-boot.png')];
    // A child process, not spawnSync: the server answering it runs on this event loop.
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);

    expect(out.health).toBe('SERVING');
    expect(out.summary).toEqual({ totalParams: 421_642, layers: [320, 0, 18_496, 0, 0, 401_536, 1_290] });
    expect(out.noKey).toMatchObject({ status: 'UNAUTHENTICATED', code: 'UNAUTHENTICATED' });

    expect(out.submit).toMatchObject({ created: true, state: 'JOB_STATE_QUEUED', againCreated: false });
    expect(out.submit.againId).toBe(out.submit.id);
    expect(out.submitUnknownDataset).toEqual({ status: 'NOT_FOUND', code: 'NOT_FOUND', path: 'datasetId' });

    const events = out.watch.events as { kind: string; state: string; stage: string }[];
    expect(events[0]!.kind).toBe('JOB_EVENT_KIND_STATE');
    expect(events.some((e) => e.kind === 'JOB_EVENT_KIND_PROGRESS' && e.stage === 'epoch done')).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: 'JOB_EVENT_KIND_STATE', state: 'JOB_STATE_COMPLETED' });
    expect(out.watch.result.params.total).toBe(421_642);
    expect(out.watch.modelId).toMatch(/^mdl_/);

    expect(out.predict.modelId).toBe(out.watch.modelId);
    expect(out.predict.predictions).toHaveLength(1);
    expect(out.predict.predictions[0].image).toBe('boot.png');
    expect(out.predict.predictions[0].top).toHaveLength(3);
    const p = out.predict.predictions[0].top.map((t: { probability: number }) => t.probability);
    expect(p[0]).toBeGreaterThanOrEqual(p[1]);
    expect(out.predictUnknownModel).toEqual({ status: 'NOT_FOUND', code: 'NOT_FOUND', path: 'model_id' });
  }, 300_000);
});
