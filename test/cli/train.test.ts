// `cnn train` and the other service commands, run as child processes
// (node bin/cnn.js) against a real service on a folder of Fashion-MNIST PNGs
// written here: exit codes, --json, the printed tables, the files in --out,
// Ctrl-C without a terminal.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePngZip } from '../helpers/fixtures.js';
import { KEY_A, startTestService, type TestService } from '../helpers/service.js';
import { CLI_CLASSES, writePngFolder } from './png-folder.js';
import { cli, ROOT, startCli, untilStderr } from './run-cli.js';

let svc: TestService;
let tmp: string;
let folder: string;
/** Shared by the later tests: the dataset and model of the first --json run. */
let datasetId: string;
let modelId: string;
const remote = () => ['--server', svc.url, '--key', KEY_A];
const json = async (r: Promise<Response>): Promise<any> => (await r).json();

beforeAll(async () => {
  svc = await startTestService();
  tmp = mkdtempSync(join(tmpdir(), 'cnn-cli-train-'));
  folder = join(tmp, 'photos');
  await writePngFolder(folder, { perClass: 30, testPerClass: 10 });
});

afterAll(async () => {
  await svc?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The names in a tar (512-byte headers, name in the first 100 bytes). */
function tarNames(file: string): string[] {
  const buf = readFileSync(file);
  const names: string[] = [];
  for (let off = 0; off + 512 <= buf.length; ) {
    const name = buf.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    if (name === '') break;
    names.push(name);
    const size = parseInt(buf.subarray(off + 124, off + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('cnn train against a running service', () => {
  it('trains on a folder: --json has the model and its metrics, --out has the artifact and the ONNX file', async () => {
    const out = join(tmp, 'out');
    const r = await cli(['train', folder, '--epochs', '1', '--json', '--out', out, ...remote()]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.state).toBe('completed');
    expect(res.modelId).toMatch(/^mdl_/);
    expect(res.datasetId).toMatch(/^ds_/);
    expect(res.metrics.count).toBe(30);
    expect(res.metrics.confusionMatrix.classes).toEqual([...CLI_CLASSES].sort());
    expect(res.metrics.confusionMatrix.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(30);
    expect(res.result.epochsRun).toBe(1);
    expect(res.files.artifact).toBe(join(out, `${res.modelId}.tar`));
    expect(tarNames(res.files.artifact)).toEqual([`${res.modelId}/spec.json`, `${res.modelId}/weights.safetensors`, `${res.modelId}/meta.json`]);
    expect(statSync(res.files.onnx).size).toBeGreaterThan(10_000);
    // The class names travel in the file's metadata_props.
    expect(readFileSync(res.files.onnx).includes(Buffer.from(JSON.stringify([...CLI_CLASSES].sort())))).toBe(true);
    datasetId = res.datasetId;
    modelId = res.modelId;

    // The upload is the folder as it is: 3 classes × (30 train + 10 test); the default spec is the design-guide CNN at 28×28×1.
    const ds = await json(svc.call(`/v1/datasets/${datasetId}`));
    expect(ds.counts).toEqual({ train: [30, 30, 30], test: [10, 10, 10] });
    expect(ds.name).toBe('photos');
    const job = await json(svc.call(`/v1/jobs/${res.jobId}`));
    expect(job.request.model.spec.name).toBe('design-guide-cnn');
    expect(job.request.model.spec.input.shape).toEqual([28, 28, 1]);
    expect(job.request.model.spec.layers.at(-1)).toMatchObject({ type: 'dense', units: 3 });
  });

  it('prints the dataset, an epoch line, the metrics table, per-class P/R/F1 and the confusion matrix with class names', async () => {
    const r = await cli(['train', datasetId, '--epochs', '2', '--batch-size', '16', '--lr', '0.002', '--optimizer', 'adamw', '--augment', 'light', ...remote()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^dataset ds_\S+ \(photos\): 3 classes, 120 images, 28×28 px/m);
    expect(r.stderr).toMatch(/^Bag\s+30\s+10$/m);
    expect(r.stderr).toMatch(/^epoch 1\/2 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}val_loss/m);
    expect(r.stderr).toMatch(/^epoch 2\/2 /m);
    // No terminal: no bars, no carriage returns.
    expect(r.stderr).not.toContain('\r');
    expect(r.stdout).toMatch(/^metric\s+value$/m);
    expect(r.stdout).toMatch(/^accuracy\s+\d+\.\d\d%$/m);
    expect(r.stdout).toMatch(/^images\s+30$/m);
    expect(r.stdout).toMatch(/^epochs\s+2$/m);
    expect(r.stdout).toMatch(/^class\s+precision\s+recall\s+f1\s+support$/m);
    for (const c of CLI_CLASSES) expect(r.stdout).toMatch(new RegExp(`^${c}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+10$`, 'm'));
    expect(r.stdout).toMatch(/^\s+Bag\s+Sneaker\s+Trouser$/m);
    // Each confusion row: a class name, then three counts that add up to its 10 test images.
    for (const c of CLI_CLASSES) {
      const row = new RegExp(`^${c}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, 'm').exec(r.stdout.slice(r.stdout.indexOf('confusion matrix')));
      expect(row, c).not.toBeNull();
      expect(row!.slice(1).map(Number).reduce((a, b) => a + b, 0)).toBe(10);
    }
    expect(r.stdout).toMatch(/^model mdl_\S+$/m);
    const job = (await json(svc.call('/v1/jobs?limit=1'))).items[0];
    expect(job.request.training).toMatchObject({ epochs: 2, batchSize: 16, optimizer: { type: 'adamw', learningRate: 0.002 }, augmentation: { widthShiftRange: 0.1, heightShiftRange: 0.1 } });
  });

  it('exit 2 on bad usage and unusable input, before anything is sent', async () => {
    const spec = join(tmp, 'not-json.json');
    writeFileSync(spec, '{ "input": ');
    for (const [args, msg] of [
      [['train'], 'train needs a folder'],
      [['train', join(tmp, 'missing')], 'is neither a folder'],
      [['train', folder, '--optimizer', 'lion'], '--optimizer is one of'],
      [['train', folder, '--spec', spec, '--zoo', 'resnet18'], 'give one of --spec, --zoo'],
      [['train', folder, '--spec', spec], 'is not valid JSON'],
      [['train', folder, '--epochs', '0'], '--epochs expects a positive integer'],
      [['jobs', 'show'], 'jobs show needs a job id'],
      [['predict', 'mdl_x'], 'predict needs a model id and at least one image'],
      [['predict', 'mdl_x', join(tmp, 'nope.png')], "cannot read image"],
    ] as [string[], string][]) {
      const r = await cli([...args, ...remote()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    expect((await json(svc.call('/v1/datasets'))).total).toBe(1);
  });

  it('exit 1 when the service refuses the job: a spec whose head does not fit the classes (an archive upload)', async () => {
    const zip = join(tmp, 'four.zip');
    await makePngZip(zip, { perClass: 12, testPerClass: 4, classes: ['Bag', 'Coat', 'Dress', 'Sandal'] });
    const spec = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8')); // 10 units
    const specFile = join(tmp, 'mnist-cnn.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const r = await cli(['train', zip, '--spec', specFile, '--name', 'four', ...remote()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DATASET_INCOMPATIBLE');
    expect(r.stderr).toMatch(/^dataset ds_\S+ \(four\): 4 classes, 64 images/m);
    // The upload stays: datasets rm removes it.
    const list = await cli(['datasets', 'ls', '--json', ...remote()]);
    const four = JSON.parse(list.stdout).items.find((d: { name: string }) => d.name === 'four');
    expect(four.counts.train).toEqual([12, 12, 12, 12]);
    const rm = await cli(['datasets', 'rm', four.id, ...remote()]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe(`deleted dataset ${four.id}\n`);
    expect((await svc.call(`/v1/datasets/${four.id}`)).status).toBe(404);
    const again = await cli(['datasets', 'show', four.id, ...remote()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('NOT_FOUND');
  });

  it('stops on pre-flight errors, and trains with --force', async () => {
    const small = join(tmp, 'small');
    await writePngFolder(small, { perClass: 12, testPerClass: 4, classes: ['Bag', 'Sneaker'] });
    await writePngFolder(small, { perClass: 3, testPerClass: 2, classes: ['Coat'] });
    const r = await cli(['train', small, '--epochs', '1', ...remote()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ {2}error PREFLIGHT_CLASS_TOO_SMALL: /m);
    expect(r.stderr).toMatch(/cnn train ds_\S+ --force/);
    expect(r.stderr).not.toContain('queued');
    const id = /cnn train (ds_\S+) --force/.exec(r.stderr)![1]!;
    const forced = await cli(['train', id, '--epochs', '1', '--force', '--json', ...remote()]);
    expect(forced.code, forced.stderr).toBe(0);
    const res = JSON.parse(forced.stdout);
    expect(res.metrics.confusionMatrix.classes).toEqual(['Bag', 'Coat', 'Sneaker']);
    const job = await json(svc.call(`/v1/jobs/${res.jobId}`));
    expect(job.request.allowPreflightErrors).toBe(true);
  });

  it('Ctrl-C while waiting, without a terminal: leaves the job running, says how to cancel it, exit 130; jobs cancel and watch', async () => {
    const run = startCli(['train', datasetId, '--epochs', '1000', ...remote()]);
    await untilStderr(run, (s) => /^epoch 1\/1000 /m.test(s));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    const jobId = /job (job_\S+) keeps running/.exec(r.stderr)?.[1];
    expect(jobId, r.stderr).toBeDefined();
    expect(r.stderr).toContain(`cancel it with: cnn jobs cancel ${jobId}`);
    expect((await json(svc.call(`/v1/jobs/${jobId}`))).state).toBe('running');

    const show = await cli(['jobs', 'show', jobId!, ...remote()]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^state\s+running$/m);
    const ls = await cli(['jobs', 'ls', '--state', 'running', ...remote()]);
    expect(ls.stdout).toMatch(new RegExp(`^${jobId}\\s+train\\s+running\\s`, 'm'));

    const cancel = await cli(['jobs', 'cancel', jobId!, ...remote()]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`job ${jobId}: cancel requested`);
    // A cancelled job is not a trained one: exit 1.
    const watch = await cli(['jobs', 'watch', jobId!, '--json', ...remote()]);
    expect(watch.code).toBe(1);
    expect(JSON.parse(watch.stdout)).toMatchObject({ jobId, state: 'cancelled' });
  });

  it('train --no-wait, jobs stop, jobs watch: the model of the epochs run so far', async () => {
    const r = await cli(['train', datasetId, '--epochs', '1000', '--no-wait', '--json', ...remote()]);
    expect(r.code, r.stderr).toBe(0);
    const { jobId } = JSON.parse(r.stdout);
    const stop = await cli(['jobs', 'stop', jobId, ...remote()]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('stop requested');
    const watch = await cli(['jobs', 'watch', jobId, '--json', ...remote()]);
    expect(watch.code, watch.stderr).toBe(0);
    const res = JSON.parse(watch.stdout);
    expect(res.result).toMatchObject({ stoppedEarly: true, stopReason: 'stopRequested' });
    expect(res.result.epochsRun).toBeLessThan(1000);

    // models ls / show / rm, on this model.
    const ls = await cli(['models', 'ls', ...remote()]);
    expect(ls.stdout).toMatch(/^id\s+name\s+source\s+classes\s+params\s+accuracy\s+dataset\s+created$/m);
    expect(ls.stdout).toMatch(new RegExp(`^${res.modelId}\\s+\\S+\\s+train\\s+3\\s+[\\d,]+\\s+\\d+\\.\\d\\d%\\s+${datasetId}\\s`, 'm'));
    const show = await cli(['models', 'show', res.modelId, ...remote()]);
    expect(show.stdout).toMatch(/^classes\s+Bag, Sneaker, Trouser$/m);
    expect(show.stdout).toMatch(/^architecture\s+design-guide-cnn on 28×28×1$/m);
    expect(show.stdout).toContain('confusion matrix');
    const rm = await cli(['models', 'rm', res.modelId, '--json', ...remote()]);
    expect(JSON.parse(rm.stdout)).toEqual({ id: res.modelId, deleted: true });
    expect((await svc.call(`/v1/models/${res.modelId}`)).status).toBe(404);
  });

  it('predict prints the top-k table; --json the predictions', async () => {
    const bag = join(folder, 'test', 'Bag');
    const trouser = join(folder, 'test', 'Trouser');
    const { readdirSync } = await import('node:fs');
    const img1 = join(bag, readdirSync(bag)[0]!);
    const img2 = join(trouser, readdirSync(trouser)[0]!);
    const r = await cli(['predict', modelId, img1, img2, '--top-k', '2', ...remote()]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^image\s+rank\s+class\s+probability$/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^\d+\.png\s+1\s+(Bag|Sneaker|Trouser)\s+\d+\.\d\d%$/);
    expect(lines[2]).toMatch(/^\s+2\s+(Bag|Sneaker|Trouser)\s+\d+\.\d\d%$/);
    const j = await cli(['predict', modelId, img1, '--top-k', '3', '--json', ...remote()]);
    const p = JSON.parse(j.stdout);
    expect(p.predictions[0].top).toHaveLength(3);
    expect(p.predictions[0].top.reduce((s: number, t: { probability: number }) => s + t.probability, 0)).toBeCloseTo(1, 4);
  });

  it('evaluate prints the metrics of the model on a split; datasets ls and show', async () => {
    const r = await cli(['evaluate', modelId, datasetId, '--split', 'train', ...remote()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^images\s+90$/m);
    expect(r.stdout).toMatch(/^Trouser\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}\s+30$/m);
    const j = await cli(['evaluate', modelId, datasetId, '--json', ...remote()]);
    expect(JSON.parse(j.stdout)).toMatchObject({ state: 'completed', metrics: { count: 30 }, result: { modelId, split: 'test' } });

    const ls = await cli(['datasets', ...remote()]);
    expect(ls.stdout).toMatch(new RegExp(`^${datasetId}\\s+photos\\s+3\\s+90\\s+30\\s`, 'm'));
    const show = await cli(['datasets', 'show', datasetId, ...remote()]);
    expect(show.stdout).toMatch(/^total\s+90\s+30$/m);
    expect(show.stdout).toMatch(/^pre-flight:/m);
  });
});
