/**
 * `cnn train <folder|archive|datasetId>`: upload (a folder is zipped as it is
 * sent), the pre-flight report, the job, its live progress, the metrics, and
 * the model's files in --out.
 */
import { stat } from 'node:fs/promises';
import type { TrainOptions } from '../args.js';
import { defaultSpec, inputShapeFor } from '../default-spec.js';
import { Interrupted, type Interrupt } from '../interrupt.js';
import { bar, bytes, duration, int, StatusLine, type CliIo } from '../output.js';
import { archiveSource, datasetNameFrom, folderSource, multipartBody, sourceStream, type UploadSource } from '../pack.js';
import { datasetReport, preflightErrors, preflightReport, type DatasetView } from '../report.js';
import { ServerError, type Server } from '../server.js';
import { BadInput, EXIT_FAILURE, EXIT_OK, finishJob, readJsonFile } from './common.js';

const DATASET_ID = /^ds_[A-Za-z0-9_-]{1,61}$/;

/** Augmentation presets: Keras ImageDataGenerator knobs (README "Training options"). */
const AUGMENT_PRESETS: Record<string, Record<string, unknown> | undefined> = {
  none: undefined,
  light: { widthShiftRange: 0.1, heightShiftRange: 0.1 },
  standard: { rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true },
  strong: { rotationRange: 20, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 10, zoomRange: 0.2, horizontalFlip: true, brightnessRange: [0.8, 1.2] },
};

type Input = { kind: 'upload'; source: UploadSource } | { kind: 'dataset'; id: string };

/** Everything read from local files, before anything is sent: bad input is exit 2 before the service starts. */
export interface PreparedTrain {
  input: Input;
  spec?: unknown;
  augmentation?: Record<string, unknown>;
  strategy?: Record<string, unknown>;
}

export async function prepareTrain(c: TrainOptions): Promise<PreparedTrain> {
  let input: Input;
  const st = await stat(c.input).catch(() => undefined);
  if (st?.isDirectory()) {
    const source = await folderSource(c.input);
    if (source.files.length === 0) throw new BadInput(`folder '${c.input}' holds no files; it needs class folders (<class>/<image>, optionally under train/ and test/)`);
    input = { kind: 'upload', source };
  } else if (st?.isFile()) input = { kind: 'upload', source: await archiveSource(c.input) };
  else if (DATASET_ID.test(c.input)) input = { kind: 'dataset', id: c.input };
  else throw new BadInput(`'${c.input}' is neither a folder, an archive file nor a dataset id (ds_…)`);
  const prepared: PreparedTrain = { input };
  if (c.spec !== undefined) prepared.spec = await readJsonFile(c.spec, 'spec file');
  if (c.augment !== undefined) {
    prepared.augmentation = c.augment in AUGMENT_PRESETS ? AUGMENT_PRESETS[c.augment] : ((await readJsonFile(c.augment, 'augmentation file')) as Record<string, unknown>);
  }
  if (c.strategy !== undefined && c.strategy.endsWith('.json')) prepared.strategy = (await readJsonFile(c.strategy, 'strategy file')) as Record<string, unknown>;
  return prepared;
}

export async function runTrain(c: TrainOptions & { json: boolean }, prepared: PreparedTrain, server: Server, io: CliIo, interrupt: Interrupt): Promise<number> {
  const human = !c.json;
  const dataset =
    prepared.input.kind === 'dataset'
      ? await server.json<DatasetView>(`/v1/datasets/${encodeURIComponent(prepared.input.id)}`)
      : await upload(server, prepared.input.source, c.name ?? datasetNameFrom(c.input), io, interrupt, human);
  if (human) {
    io.stderr(datasetReport(dataset));
    io.stderr(preflightReport(dataset));
  }
  const errors = preflightErrors(dataset);
  if (errors.length > 0 && !c.force) {
    const message = `the pre-flight report has ${errors.length} error${errors.length === 1 ? '' : 's'} (${errors.map((e) => e.code).join(', ')}); fix the data, or train anyway with: cnn train ${dataset.id} --force`;
    if (c.json) io.stdout(`${JSON.stringify({ datasetId: dataset.id, preflight: dataset.preflight, error: { code: 'PREFLIGHT_ERRORS', message } }, null, 2)}\n`);
    io.stderr(`cnn: ${message}\n`);
    return EXIT_FAILURE;
  }
  const body = jobBody(c, prepared, dataset);
  interrupt.check();
  const submitted = await server.json<{ id: string; job: { id: string; state: string } }>('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const jobId = submitted.id;
  if (human) io.stderr(`job ${jobId} queued (${body.type}${body.type === 'train' ? `, ${describeSpec(body.model.spec)}` : ` from ${c.finetuneFrom}`})\n`);
  if (!c.wait) {
    if (c.json) io.stdout(`${JSON.stringify({ datasetId: dataset.id, jobId, state: submitted.job.state }, null, 2)}\n`);
    else io.stdout(`${jobId}\n`);
    return EXIT_OK;
  }
  return finishJob(server, jobId, io, interrupt, { json: c.json, datasetId: dataset.id, ...(c.out !== undefined ? { out: c.out } : {}) });
}

function describeSpec(spec: unknown): string {
  const s = spec as { zoo?: string; name?: string; input?: { shape?: number[] }; inputShape?: number[] };
  const shape = s.inputShape ?? s.input?.shape;
  return `${s.zoo ?? s.name ?? 'spec'}${shape ? ` on ${shape.join('×')}` : ''}`;
}

type JobBody =
  | { type: 'train'; datasetId: string; model: { spec: unknown }; training: Record<string, unknown>; allowPreflightErrors?: boolean }
  | { type: 'finetune'; datasetId: string; baseModelId: string; strategy: Record<string, unknown>; training: Record<string, unknown>; allowPreflightErrors?: boolean };

function jobBody(c: TrainOptions, prepared: PreparedTrain, ds: DatasetView): JobBody {
  const training: Record<string, unknown> = {};
  if (c.epochs !== undefined) training.epochs = c.epochs;
  if (c.batchSize !== undefined) training.batchSize = c.batchSize;
  if (c.seed !== undefined) training.seed = c.seed;
  if (c.optimizer !== undefined || c.lr !== undefined) {
    training.optimizer = { ...(c.optimizer !== undefined ? { type: c.optimizer } : {}), ...(c.lr !== undefined ? { learningRate: c.lr } : {}) };
  }
  if (prepared.augmentation) training.augmentation = prepared.augmentation;
  const force = c.force ? { allowPreflightErrors: true } : {};
  if (c.finetuneFrom !== undefined) {
    let strategy = prepared.strategy;
    if (!strategy) {
      const name = c.strategy ?? 'featureExtraction';
      if (name === 'twoStage') {
        // The two stages share --epochs (default 2): the first half extracts features, the rest fine-tunes.
        const total = Math.max(2, c.epochs ?? 2);
        const first = Math.ceil(total / 2);
        strategy = { type: 'twoStage', featureExtractionEpochs: first, fineTuneEpochs: total - first };
      } else strategy = { type: name };
    }
    return { type: 'finetune', datasetId: ds.id, baseModelId: c.finetuneFrom, strategy, training, ...force };
  }
  const spec = prepared.spec ?? (c.zoo !== undefined ? { zoo: c.zoo, numClasses: ds.classes.length, inputShape: inputShapeFor(ds) } : defaultSpec(ds));
  return { type: 'train', datasetId: ds.id, model: { spec }, training, ...force };
}

/** POST /v1/datasets with the folder zipped on the fly (or the archive), a byte bar, then the ingest wait. */
async function upload(server: Server, source: UploadSource, name: string, io: CliIo, interrupt: Interrupt, human: boolean): Promise<DatasetView> {
  const status = new StatusLine(io);
  const { stream, fileName } = sourceStream(source);
  const t0 = Date.now();
  let sent = 0;
  const what = source.kind === 'folder' ? `${int(source.files.length)} files` : fileName;
  const draw = () => {
    if (!human) return;
    if (sent < source.totalBytes) {
      status.update(`uploading ${what}  ${bar(sent / Math.max(1, source.totalBytes))}  ${bytes(sent)} / ${bytes(source.totalBytes)}`);
    } else status.update(`ingesting ${what} on the service…  ${duration((Date.now() - t0) / 1000)}`);
  };
  const timer = setInterval(draw, 250);
  const mp = multipartBody({ name }, 'archive', fileName, stream, (n) => (sent = n));
  try {
    const res = await server.fetch('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': mp.contentType },
      body: mp.body,
      signal: interrupt.signal,
      // Node's fetch sends a stream body only half-duplex.
      ...({ duplex: 'half' } as object),
    });
    const ds = (await res.json()) as DatasetView;
    status.clear();
    if (human) io.stderr(`uploaded ${what} (${bytes(source.totalBytes)}) in ${duration((Date.now() - t0) / 1000)}\n`);
    return ds;
  } catch (e) {
    stream.destroy();
    if (interrupt.interrupted) throw new Interrupted();
    if (e instanceof ServerError) throw new ServerError(`upload failed: ${e.message}`, e.code, e.details);
    throw e;
  } finally {
    clearInterval(timer);
    status.clear();
  }
}
