/**
 * `ingestDataset`: turns an uploaded archive or IDX pair into a dataset
 * directory, atomically. Everything is built in `<datasetDir>.tmp-<random>`
 * (each file fsynced once, when complete) and renamed into place at the
 * end; on any failure the temp directory is removed and `datasetDir` does
 * not exist afterwards.
 */
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CnnError, formatPath } from '../errors.js';
import { fsyncDir, tempPathFor, writeFileDurable } from '../files/atomic.js';
import { ingestArchiveInto } from './ingest-archive.js';
import { ingestIdxInto, type IdxInput } from './ingest-idx.js';
import { IngestLimitsSchema, type IngestLimits, type IngestLimitsInput } from './limits.js';
import { DatasetManifestSchema, MANIFEST_FILE, type DatasetManifest } from './manifest.js';
import { DEFAULT_PREFLIGHT_MIN_PER_CLASS } from './preflight.js';

export type ArchiveInput = { kind: 'archive'; file: string };
export type IngestInput = ArchiveInput | IdxInput;

export interface IngestOptions {
  /** The final directory of this dataset, e.g. `<dataDir>/datasets/<id>`; must not exist yet (or be empty). */
  datasetDir: string;
  /** Any subset of the limits; the rest are DEFAULT_INGEST_LIMITS. */
  limits?: IngestLimitsInput;
  /** Fewer training images than this in a class is a pre-flight error; default DEFAULT_PREFLIGHT_MIN_PER_CLASS. */
  minPerClass?: number;
}

function parseLimits(input: IngestLimitsInput | undefined): IngestLimits {
  const r = IngestLimitsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new CnnError('VALIDATION_FAILED', issue.message, formatPath(['limits', ...issue.path]));
}

async function requireUsableTarget(datasetDir: string): Promise<void> {
  const entries = await readdir(datasetDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    if (e.code === 'ENOTDIR') return ['(a file)'];
    throw e;
  });
  if (entries.length > 0) throw new CnnError('DATASET_EXISTS', `${datasetDir} already exists and is not empty`, 'datasetDir');
}

async function requireFile(file: string, path: string): Promise<void> {
  const ok = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok) throw new CnnError('UPLOAD_MISSING_FILE', 'the uploaded file is missing', path);
}

function inputFiles(input: IngestInput): Array<[string, string]> {
  if (input.kind === 'archive') return [[input.file, 'archive']];
  if ('train' in input) {
    const out: Array<[string, string]> = [
      [input.train.images, 'train.images'],
      [input.train.labels, 'train.labels'],
    ];
    if (input.test) out.push([input.test.images, 'test.images'], [input.test.labels, 'test.labels']);
    return out;
  }
  return [
    [input.images, 'images'],
    [input.labels, 'labels'],
  ];
}

/**
 * Validates and stores an upload; returns its manifest (also written to
 * `manifest.json`). Fails with a CnnError (ARCHIVE_*, IDX_INVALID,
 * IMAGE_PIXEL_LIMIT, IMAGE_TOO_LARGE, DATASET_EMPTY, DATASET_EMPTY_CLASS,
 * DATASET_EXISTS, UPLOAD_MISSING_FILE, VALIDATION_FAILED) and leaves nothing behind.
 */
export async function ingestDataset(input: IngestInput, opts: IngestOptions): Promise<DatasetManifest> {
  const limits = parseLimits(opts.limits);
  const minPerClass = opts.minPerClass ?? DEFAULT_PREFLIGHT_MIN_PER_CLASS;
  const datasetDir = resolve(opts.datasetDir);
  for (const [file, path] of inputFiles(input)) await requireFile(file, path);
  await requireUsableTarget(datasetDir);
  await mkdir(dirname(datasetDir), { recursive: true });
  const tmp = tempPathFor(datasetDir);
  await mkdir(tmp);
  try {
    const manifest =
      input.kind === 'archive' ? await ingestArchiveInto(tmp, input.file, limits, minPerClass) : await ingestIdxInto(tmp, input, limits, minPerClass);
    DatasetManifestSchema.parse(manifest);
    await writeFileDurable(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    await fsyncDir(tmp);
    try {
      await rename(tmp, datasetDir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
        throw new CnnError('DATASET_EXISTS', `${datasetDir} was created by someone else during ingest`, 'datasetDir');
      }
      throw e;
    }
    await fsyncDir(dirname(datasetDir));
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    // An empty directory a caller made for us goes too: on failure there is no dataset.
    await rmdir(datasetDir).catch(() => undefined);
    throw e;
  }
}
