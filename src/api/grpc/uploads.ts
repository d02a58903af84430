/**
 * Files sent as chunks of a client-streaming call, written to the uploads dir
 * as they arrive. Bytes are counted across all files of the call against
 * CNN_MAX_UPLOAD_BYTES, before they are written; nothing is held whole in
 * memory (one message, at most 4 MiB, at a time). `discard` removes what was
 * written, whether the call succeeded, failed or was cancelled.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { CnnError } from '../../errors.js';
import type { ServiceContext } from '../../service/context.js';

export class ChunkedFiles<Name extends string> {
  private readonly streams = new Map<Name, { path: string; out: WriteStream }>();
  private total = 0;

  constructor(
    private readonly ctx: ServiceContext,
    /** File name ending of the temp files, e.g. `.safetensors`. */
    private readonly suffix = '.upload',
  ) {}

  get bytes(): number {
    return this.total;
  }

  /** Appends a chunk to `name`, waiting while the disk is behind (which also stops reading from the client). */
  async append(name: Name, data: Buffer): Promise<void> {
    const limit = this.ctx.config.limits.maxUploadBytes;
    this.total += data.length;
    if (this.total > limit) throw new CnnError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${limit} bytes (CNN_MAX_UPLOAD_BYTES)`);
    let file = this.streams.get(name);
    if (!file) {
      const path = await this.ctx.blobs.newUploadPath(this.suffix);
      file = { path, out: createWriteStream(path) };
      this.streams.set(name, file);
    }
    if (!file.out.write(data)) await once(file.out, 'drain');
  }

  /** Flushes and closes every file; returns name → path. */
  async close(): Promise<Partial<Record<Name, string>>> {
    const paths: Partial<Record<Name, string>> = {};
    for (const [name, { path, out }] of this.streams) {
      out.end();
      await once(out, 'close');
      paths[name] = path;
    }
    return paths;
  }

  async discard(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map(async ({ path, out }) => {
        if (!out.closed) {
          out.destroy();
          await once(out, 'close').catch(() => undefined);
        }
        await rm(path, { force: true });
      }),
    );
    this.streams.clear();
  }
}
