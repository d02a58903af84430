/**
 * Dataset use cases: ingest an upload (archive or IDX pair) into the blob
 * store and the catalog, and delete (refused while a job uses it). The
 * records themselves are the store's (store/datasets.ts).
 */
import { CnnError } from '../errors.js';
import { ingestDataset, type DatasetManifest, type IngestInput } from '../data/index.js';
import { newId } from '../store/blobs.js';
import { getDataset, resourcesInUse, type DatasetRecord } from '../store/datasets.js';
import type { ServiceContext } from './context.js';

export { getDataset, listDatasets, type DatasetRecord } from '../store/datasets.js';

/** Multipart file fields a dataset upload may carry. */
export const UPLOAD_FILE_FIELDS = ['archive', 'images', 'labels', 'testImages', 'testLabels'] as const;

export interface DatasetUpload {
  files: Partial<Record<(typeof UPLOAD_FILE_FIELDS)[number], string>>;
  /** Text fields: `name`, `classNames` (JSON array or comma-separated). */
  fields: Record<string, string>;
}

const NAME_RE = /^[\p{L}\p{N} ._-]{1,100}$/u;

function parseClassNames(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let names: unknown;
  try {
    names = raw.trim().startsWith('[') ? JSON.parse(raw) : raw.split(',').map((s) => s.trim());
  } catch {
    throw new CnnError('VALIDATION_FAILED', 'classNames must be a JSON array of strings or a comma-separated list', 'classNames');
  }
  if (!Array.isArray(names) || names.length < 2 || names.some((n) => typeof n !== 'string' || n.length === 0 || n.length > 100)) {
    throw new CnnError('VALIDATION_FAILED', 'classNames must list at least 2 non-empty names of up to 100 characters', 'classNames');
  }
  if (new Set(names).size !== names.length) throw new CnnError('VALIDATION_FAILED', 'classNames must be unique', 'classNames');
  return names as string[];
}

function toIngestInput(upload: DatasetUpload): IngestInput {
  const f = upload.files;
  const classNames = parseClassNames(upload.fields.classNames);
  if (f.archive) {
    if (f.images || f.labels || f.testImages || f.testLabels) {
      throw new CnnError('VALIDATION_FAILED', 'send either an `archive` file or IDX files (`images`, `labels`), not both', 'archive');
    }
    return { kind: 'archive', file: f.archive };
  }
  if (f.images || f.labels) {
    if (!f.images || !f.labels) throw new CnnError('UPLOAD_MISSING_FILE', 'an IDX upload needs both `images` and `labels`', f.images ? 'labels' : 'images');
    if (Boolean(f.testImages) !== Boolean(f.testLabels)) {
      throw new CnnError('UPLOAD_MISSING_FILE', 'a test split needs both `testImages` and `testLabels`', f.testImages ? 'testLabels' : 'testImages');
    }
    return {
      kind: 'idx',
      train: { images: f.images, labels: f.labels },
      ...(f.testImages && f.testLabels ? { test: { images: f.testImages, labels: f.testLabels } } : {}),
      ...(classNames ? { classNames } : {}),
    };
  }
  throw new CnnError('UPLOAD_MISSING_FILE', 'send an `archive` file (zip, tar, tar.gz) or IDX files `images` and `labels`', 'archive');
}

export async function createDataset(ctx: ServiceContext, tenant: string, upload: DatasetUpload): Promise<DatasetRecord> {
  const name = upload.fields.name?.trim() || undefined;
  if (name !== undefined && !NAME_RE.test(name)) {
    throw new CnnError('VALIDATION_FAILED', 'name must be 1-100 letters, digits, spaces, dots, dashes or underscores', 'name');
  }
  const input = toIngestInput(upload);
  const id = newId('ds');
  const l = ctx.config.limits;
  const manifest = await ingestDataset(input, {
    datasetDir: ctx.blobs.datasetDir(id),
    limits: { maxArchiveEntries: l.maxArchiveEntries, maxInflatedBytes: l.maxInflatedBytes, maxImagePixels: l.maxImagePixels },
    minPerClass: l.preflightMinPerClass,
  });
  const { items: _items, ...summary } = manifest as DatasetManifest & { items?: unknown };
  const record: DatasetRecord = { id, tenant, name: name ?? id, createdAt: new Date().toISOString(), ...summary };
  await ctx.catalog.create('dataset', record);
  return record;
}

export async function deleteDataset(ctx: ServiceContext, tenant: string, id: string): Promise<void> {
  const rec = await getDataset(ctx, tenant, id);
  if ((await resourcesInUse(ctx, tenant)).has(id)) throw new CnnError('DATASET_IN_USE', `dataset ${id} is used by a queued or running job; cancel it or wait`, 'id');
  await ctx.catalog.remove('dataset', rec);
  await ctx.blobs.removeDir(ctx.blobs.datasetDir(id));
}
