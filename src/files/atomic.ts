/**
 * Crash-safe file writes, for every layer that writes the data dir: data goes to a uniquely
 * named temp path, is fsynced, then renamed into place, so a reader sees
 * either nothing or the whole thing, and two writers never share a temp file.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** `<path>.tmp-<pid>-<random>`: unique per process and call, next to the target (same filesystem). */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Writes and fsyncs a new file; fails if the path exists. */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename stays atomic.
  } finally {
    await dh.close();
  }
}

/** Renames and makes the rename durable by fsyncing the target's directory. */
export async function renameDurable(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDir(dirname(to));
}

/** Temp file, fsync, rename, fsync dir. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  await writeFileDurable(tmp, data);
  await renameDurable(tmp, path);
}

/** Temp names made by tempPathFor: `<name>.tmp-<pid>-<12 hex>`. */
const TEMP_NAME_RE = /\.tmp-\d+-[0-9a-f]{12}$/;

/**
 * Removes temp files and directories in `dir` that a crashed writer left
 * behind: names made by tempPathFor, last modified over `olderThanMs` ago
 * (age, not pid, decides: writers may run on other hosts). Returns their names.
 */
export async function removeStaleTemps(dir: string, olderThanMs: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  const cutoff = Date.now() - olderThanMs;
  for (const name of names) {
    if (!TEMP_NAME_RE.test(name)) continue;
    const path = join(dir, name);
    const s = await stat(path).catch(() => null);
    if (!s || s.mtimeMs > cutoff) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
