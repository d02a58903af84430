/**
 * The blob store: the data dir's layout and crash-safe writes. Every path the
 * service writes is derived here from an id it generated itself, never from
 * client input, so nothing lands outside the data dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { fsyncDir, writeFileAtomic as writeAtomic } from '../files/atomic.js';
import { dirname, join } from 'node:path';

export class BlobStore {
  constructor(readonly dataDir: string) {}

  datasetDir(id: string): string {
    return join(this.dataDir, 'datasets', id);
  }

  modelDir(id: string): string {
    return join(this.dataDir, 'models', id);
  }

  checkpointDir(jobId: string): string {
    return join(this.dataDir, 'checkpoints', jobId);
  }

  /** Scratch space for uploads in flight; same filesystem as the rest, so renames are atomic. */
  uploadsDir(): string {
    return join(this.dataDir, 'uploads');
  }

  async init(): Promise<void> {
    for (const d of ['datasets', 'models', 'checkpoints', 'uploads']) await mkdir(join(this.dataDir, d), { recursive: true });
  }

  async newUploadPath(suffix: string): Promise<string> {
    await mkdir(this.uploadsDir(), { recursive: true });
    return join(this.uploadsDir(), `${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`);
  }

  async removeDir(dir: string): Promise<void> {
    await removeDirAtomically(dir);
  }
}

/** Writes a file so that readers see either the old or the whole new content (temp, fsync, rename), creating its directory. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeAtomic(path, data);
}

export { fsyncDir };

/** Renames a directory aside first, so no reader ever sees it half deleted, then removes it. */
export async function removeDirAtomically(dir: string): Promise<void> {
  const doomed = `${dir}.deleted-${process.pid}-${Date.now()}`;
  await rename(dir, doomed).catch(() => undefined);
  await rm(doomed, { recursive: true, force: true });
}

export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}
