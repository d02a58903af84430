/** Per-test data dirs and error assertions for the src/data tests. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CnnError, type ErrorCode } from '../../src/errors.js';

export interface TempDataDir {
  root: string;
  /** `<root>/datasets`, the parent of every dataset dir. */
  datasets: string;
  /** `<root>/uploads`, where uploaded files sit. */
  uploads: string;
  datasetDir(id: string): string;
  upload(name: string): string;
  cleanup(): Promise<void>;
}

export async function tempDataDir(): Promise<TempDataDir> {
  const root = await mkdtemp(join(tmpdir(), 'cnn-data-'));
  return {
    root,
    datasets: join(root, 'datasets'),
    uploads: join(root, 'uploads'),
    datasetDir: (id) => join(root, 'datasets', id),
    upload: (name) => join(root, 'uploads', name),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Awaits `p`, expects a CnnError with `code`, returns it for more checks. */
export async function expectCnnError(p: Promise<unknown>, code: ErrorCode): Promise<CnnError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}, got no error`).toBeDefined();
  expect(caught).toBeInstanceOf(CnnError);
  expect((caught as CnnError).code, (caught as Error).message).toBe(code);
  return caught as CnnError;
}

/** Sorted names in `dir`; [] when it does not exist. */
export async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}
