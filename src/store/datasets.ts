/**
 * Dataset records: what an ingested dataset holds (classes, counts, image
 * sizes), read by tenant, and which datasets and models unfinished jobs use.
 * Ingest itself is the service's; the pixels are in the blob store.
 */
import type { DatasetManifest } from '../data/index.js';
import { CnnError } from '../errors.js';
import type { OwnedRecord, Page } from './catalog.js';
import type { StoreContext } from './context.js';
import { FINAL_STATES } from './job-schemas.js';

export interface DatasetRecord extends OwnedRecord, Omit<DatasetManifest, 'items'> {
  name: string;
}

export async function getDataset(ctx: StoreContext, tenant: string, id: string, at = 'id'): Promise<DatasetRecord> {
  const rec = await ctx.catalog.get<DatasetRecord>('dataset', id, tenant);
  if (!rec) throw new CnnError('NOT_FOUND', `no dataset ${id}`, at);
  return rec;
}

export async function listDatasets(ctx: StoreContext, tenant: string, page: { limit: number; cursor?: string }): Promise<Page<DatasetRecord>> {
  return ctx.catalog.list<DatasetRecord>('dataset', tenant, page);
}

/** Ids of the tenant's datasets and models that queued or running jobs use. */
export async function resourcesInUse(ctx: StoreContext, tenant: string): Promise<Set<string>> {
  const used = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await ctx.jobs.list(tenant, { limit: 100, cursor, filter: (j) => !FINAL_STATES.has(j.state) });
    for (const j of page.items) {
      used.add(j.request.datasetId);
      if (j.request.type === 'evaluate') used.add(j.request.modelId);
      if (j.request.type === 'finetune') used.add(j.request.baseModelId);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return used;
}
