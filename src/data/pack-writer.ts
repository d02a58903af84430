/**
 * Sequential appends into a region of an open file, buffered so that many
 * small records (images of a few hundred bytes) cost one write per
 * FLUSH_BYTES instead of one system call each.
 */
import type { FileHandle } from 'node:fs/promises';

/** Bytes buffered before a write. */
const FLUSH_BYTES = 1024 * 1024;

export class PackWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Where the pending bytes start in the file. */
  private flushedTo: number;

  /** Appends go to `fh` from byte `start` on. */
  constructor(
    private readonly fh: FileHandle,
    start = 0,
  ) {
    this.flushedTo = start;
  }

  /** File offset the next append will have. */
  get position(): number {
    return this.flushedTo + this.pendingBytes;
  }

  /**
   * Appends `data` (kept by reference until written: do not modify it) and
   * returns its offset; writes when the buffer is full, so awaiting it is the
   * backpressure.
   */
  async append(data: Buffer): Promise<number> {
    const at = this.position;
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
    return at;
  }

  /** Writes whatever is buffered, in one gathered write (no copy into one buffer). */
  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    let parts = this.pending;
    let at = this.flushedTo;
    this.pending = [];
    this.flushedTo += this.pendingBytes;
    this.pendingBytes = 0;
    while (parts.length > 0) {
      const { bytesWritten } = await this.fh.writev(parts, at);
      at += bytesWritten;
      parts = remainder(parts, bytesWritten);
    }
  }
}

/** What a short gathered write of `written` bytes left of `parts`. */
function remainder(parts: Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < parts.length && written >= parts[i]!.length) written -= parts[i++]!.length;
  if (i === parts.length) return [];
  return [parts[i]!.subarray(written), ...parts.slice(i + 1)];
}
