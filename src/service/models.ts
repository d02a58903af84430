/**
 * Model use cases: read, list, delete, download the artifact (tar of
 * spec.json, weights.safetensors, meta.json). Prediction lives in predict.ts.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { CnnError } from '../errors.js';
import type { EpochRecord, EvalMetrics } from '../jobs/schemas.js';
import type { OwnedRecord, Page } from '../store/catalog.js';
import type { ServiceContext } from './context.js';
import { resourcesInUse } from './datasets.js';

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
}

export async function getModel(ctx: ServiceContext, tenant: string, id: string, at = 'id'): Promise<ModelRecord> {
  const rec = await ctx.catalog.get<ModelRecord>('model', id, tenant);
  if (!rec) throw new CnnError('NOT_FOUND', `no model ${id}`, at);
  return rec;
}

export async function listModels(ctx: ServiceContext, tenant: string, page: { limit: number; cursor?: string }): Promise<Page<ModelRecord>> {
  return ctx.catalog.list<ModelRecord>('model', tenant, page);
}

export async function deleteModel(ctx: ServiceContext, tenant: string, id: string): Promise<void> {
  const rec = await getModel(ctx, tenant, id);
  if ((await resourcesInUse(ctx, tenant)).has(id)) throw new CnnError('MODEL_IN_USE', `model ${id} is used by a queued or running job`, 'id');
  await ctx.catalog.remove('model', rec);
  await ctx.blobs.removeDir(ctx.blobs.modelDir(id));
}

/** A tar stream of the model's three files, read from disk as it is sent. */
export async function modelArtifact(ctx: ServiceContext, tenant: string, id: string): Promise<{ stream: Readable; filename: string }> {
  const rec = await getModel(ctx, tenant, id);
  const dir = ctx.blobs.modelDir(rec.id);
  const sizes = await Promise.all(ARTIFACT_FILES.map(async (f) => (await stat(join(dir, f))).size));
  const pack = tar.pack();
  void (async () => {
    try {
      for (const [i, f] of ARTIFACT_FILES.entries()) {
        const entry = pack.entry({ name: `${rec.id}/${f}`, size: sizes[i]!, mode: 0o644 });
        await new Promise<void>((res, rej) => {
          const src = createReadStream(join(dir, f));
          src.on('error', rej);
          entry.on('error', rej);
          entry.on('finish', () => res());
          src.pipe(entry);
        });
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return { stream: pack as unknown as Readable, filename: `${rec.id}.tar` };
}
