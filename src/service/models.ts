/**
 * Model use cases: delete, and download the artifact (tar of spec.json,
 * weights.safetensors, meta.json). The records and artifact writing are the
 * store's (store/models.ts); prediction lives in predict.ts.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { CnnError } from '../errors.js';
import { resourcesInUse } from '../store/datasets.js';
import { ARTIFACT_FILES, getModel } from '../store/models.js';
import type { ServiceContext } from './context.js';

export { getModel, listModels, type ModelRecord, type ParamCounts, type Preprocessing } from '../store/models.js';

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
