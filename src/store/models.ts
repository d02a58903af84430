/**
 * Model records and artifacts: what a model is (spec, classes, the
 * preprocessing it was trained with, parameter counts, metrics), read by
 * tenant, and written as one directory of spec.json, weights.safetensors and
 * meta.json (built beside, then renamed) before its record is created.
 * Training jobs and weight imports both write models through here.
 */
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from './blobs.js';
import type { OwnedRecord, Page } from './catalog.js';
import type { StoreContext } from './context.js';
import type { EpochRecord, EvalMetrics } from './job-schemas.js';

/** What the store needs of a built model to write its artifact: its device and a weights writer (the engine's model has both). */
export interface WeightsSource {
  readonly device: string;
  saveWeights(path: string, metadata: Record<string, string>): Promise<unknown>;
}

export const ARTIFACT_FILES = ['spec.json', 'weights.safetensors', 'meta.json'] as const;

export interface Preprocessing {
  /** [H, W, C] the model takes. */
  inputShape: [number, number, number];
  resize: 'stretch' | 'pad' | 'crop';
  /** Pixels are scaled to [0, 1], then (x - mean) / std per channel. */
  scale: number;
  mean: number[];
  std: number[];
}

export interface ParamCounts {
  total: number;
  trainable: number;
  frozen: number;
  bnRunningStats: number;
}

export interface ModelRecord extends OwnedRecord {
  name: string;
  /** How it came to be: trained, fine-tuned from another model, or imported weights. */
  source: 'train' | 'finetune' | 'import';
  /** The job that produced it (absent for imports). */
  jobId?: string;
  datasetId?: string;
  spec: unknown;
  classes: string[];
  preprocessing: Preprocessing;
  params: ParamCounts;
  metrics?: EvalMetrics;
  history?: EpochRecord[];
  device: string;
  /** The train/serve parity check it passed when its job wrote it. */
  parity?: ParityCheck;
  /** ONNX exports checked against the engine, by input layout. */
  exports?: Record<string, ExportCheck>;
}

export async function getModel(ctx: StoreContext, tenant: string, id: string, at = 'id'): Promise<ModelRecord> {
  const rec = await ctx.catalog.get<ModelRecord>('model', id, tenant);
  if (!rec) throw new CnnError('NOT_FOUND', `no model ${id}`, at);
  return rec;
}

export async function listModels(ctx: StoreContext, tenant: string, page: { limit: number; cursor?: string }): Promise<Page<ModelRecord>> {
  return ctx.catalog.list<ModelRecord>('model', tenant, page);
}

/** Model ids follow from the job, so a job retried after a crash rewrites the same model instead of leaving a second one. */
export function modelIdFor(jobId: string): string {
  return `mdl_${jobId.replace(/^job_/, '')}`;
}

export interface ArtifactInput {
  /** Defaults to the id that follows from jobId. */
  id?: string;
  /** The job that produced it; absent for imported models. */
  jobId?: string;
  source: ModelRecord['source'];
  tenant: string;
  name?: string;
  datasetId?: string;
  spec: unknown;
  classes: string[];
  preprocessing: Preprocessing;
  params: ParamCounts;
  metrics?: EvalMetrics;
  history?: EpochRecord[];
}

/** Writes spec.json, weights.safetensors and meta.json as one directory (built beside, then renamed) and records the model. */
/**
 * `verify` runs on the written directory before the record exists: a model
 * that fails it (it throws) is removed and never listed. What it returns is
 * kept on the record.
 */
export async function saveModelArtifact(
  ctx: StoreContext,
  model: WeightsSource,
  m: ArtifactInput,
  verify?: (dir: string) => Promise<Partial<Pick<ModelRecord, 'parity'>>>,
): Promise<ModelRecord> {
  const id = m.id ?? modelIdFor(m.jobId!);
  const record: ModelRecord = {
    id,
    tenant: m.tenant,
    name: m.name ?? id,
    createdAt: new Date().toISOString(),
    source: m.source,
    ...(m.jobId ? { jobId: m.jobId } : {}),
    ...(m.datasetId ? { datasetId: m.datasetId } : {}),
    spec: m.spec,
    classes: m.classes,
    preprocessing: m.preprocessing,
    params: m.params,
    ...(m.metrics ? { metrics: m.metrics } : {}),
    ...(m.history ? { history: m.history } : {}),
    device: model.device,
  };
  const dir = ctx.blobs.modelDir(id);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await writeFileAtomic(join(tmp, 'spec.json'), JSON.stringify(m.spec, null, 2));
  await model.saveWeights(join(tmp, 'weights.safetensors'), { format: 'pt', classes: JSON.stringify(m.classes) });
  const { tenant: _t, spec: _s, ...meta } = record;
  await writeFileAtomic(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  await fsyncDir(ctx.blobs.dataDir);
  if (verify) {
    try {
      Object.assign(record, await verify(dir));
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }
  await ctx.catalog.create('model', record);
  return record;
}

/** A trained model reloaded from its artifact, as predict loads it, and re-scored on the split it reported. */
export interface ParityCheck {
  split: string;
  n: number;
  accuracyTrained: number;
  accuracyReloaded: number;
  lossTrained: number;
  lossReloaded: number;
  /** Largest |logit difference| between the trained and the reloaded model on up to 256 of those images. */
  maxLogitDiff: number;
}

/** What an export's check against the engine measured, kept with the model. */
export interface ExportCheck {
  /** The input layout of the exported file. */
  layout: string;
  /** Images compared, and where they came from. */
  n: number;
  source: 'test' | 'train' | 'synthetic';
  maxAbsLogitDiff: number;
  top1Agreement: number;
  bytes: number;
  sha256: string;
  checkedAt: string;
}

/** Adds an export check to the model's record (optimistic: retried when another writer got there first). */
export async function recordExportCheck(ctx: StoreContext, id: string, check: ExportCheck): Promise<void> {
  const key = ctx.catalog.key('model', id);
  // WATCH needs a connection of its own; the shared one carries other requests' commands.
  const conn = ctx.redis.duplicate();
  try {
    conn.on('error', () => undefined); // an outage surfaces as the timeout below
    if (conn.status !== 'ready') {
      const ready = once(conn, 'ready');
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new CnnError('QUEUE_UNAVAILABLE', 'Redis cannot be reached to record the export check; try again shortly')), 2_000).unref());
      await Promise.race([ready, timeout]);
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      await conn.watch(key);
      const raw = await conn.get(key);
      if (!raw) {
        await conn.unwatch();
        return;
      }
      const rec = JSON.parse(raw) as ModelRecord;
      rec.exports = { ...rec.exports, [check.layout]: check };
      if (await conn.multi().set(key, JSON.stringify(rec)).exec()) return;
    }
  } finally {
    conn.disconnect();
  }
}
