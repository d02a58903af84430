/**
 * `pixels.u8`: an archive dataset's decoded pixels, kept from the validation
 * decode at ingest so that packed caches need not decode the files again.
 * One `uint8 N×H×W×C` file in items order (train rows, then test rows),
 * written only when every image decodes to the same size and channels (the
 * common case: MNIST- or CIFAR-like uploads) and the whole pack fits its
 * byte budget; otherwise there is no pack and caches decode the originals.
 *
 * Rows arrive in archive order. Train rows are written from row 0, test rows
 * from the number of train entries the archive lists; when some train
 * entries turn out to be bad files, `finish` moves the test rows down.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { DecodedImage } from './image.js';
import type { Split } from './layout.js';
import type { PixelsMeta } from './manifest.js';
import { PackWriter } from './pack-writer.js';
import type { ImageKind } from './sniff.js';

/** Bytes moved per read when test rows are moved down. */
const MOVE_CHUNK_BYTES = 4 * 1024 * 1024;

export interface PixelPackPlan {
  /** Train entries in the archive: an upper bound of train rows. */
  trainEntries: number;
  /** All image entries: an upper bound of rows. */
  entries: number;
  /** Largest pack to write; past it there is no pack. */
  maxBytes: number;
}

interface Shape {
  height: number;
  width: number;
  channels: 1 | 3;
}

export class PixelPackWriter {
  private state: 'waiting' | 'writing' | 'off' = 'waiting';
  private fh: FileHandle | null = null;
  private shape: Shape | null = null;
  private rowBytes = 0;
  private writers: Record<Split, PackWriter> | null = null;
  private readonly rows: Record<Split, number> = { train: 0, test: 0 };
  private readonly kinds = new Set<ImageKind>();

  constructor(
    private readonly path: string,
    private readonly plan: PixelPackPlan,
  ) {}

  /**
   * Adds the next image of `split` (call in items order within each split).
   * `decoded` null (pixels that cannot stand in for the file) or a shape
   * unlike the first image's ends the pack.
   */
  async add(split: Split, kind: ImageKind, decoded: DecodedImage | null): Promise<void> {
    if (this.state === 'off') return;
    if (decoded === null) return this.stop();
    if (this.state === 'waiting') await this.start(decoded);
    const s = this.shape;
    if (!s || decoded.height !== s.height || decoded.width !== s.width || decoded.channels !== s.channels) return this.stop();
    this.kinds.add(kind);
    this.rows[split]++;
    await this.writers![split].append(decoded.data);
  }

  private async start(first: DecodedImage): Promise<void> {
    this.rowBytes = first.height * first.width * first.channels;
    if (this.rowBytes * this.plan.entries > this.plan.maxBytes) {
      this.state = 'off';
      return;
    }
    this.shape = { height: first.height, width: first.width, channels: first.channels };
    // Read and write: finish() may move test rows down.
    this.fh = await open(this.path, 'wx+');
    this.writers = { train: new PackWriter(this.fh, 0), test: new PackWriter(this.fh, this.plan.trainEntries * this.rowBytes) };
    this.state = 'writing';
  }

  /** Gives up the pack: there will be none. */
  async stop(): Promise<void> {
    const fh = this.fh;
    this.state = 'off';
    this.fh = null;
    this.writers = null;
    if (fh) {
      await fh.close();
      await rm(this.path, { force: true });
    }
  }

  /** Completes the pack (rows in items order, fsynced) and returns its meta; null when there is none. */
  async finish(): Promise<PixelsMeta | null> {
    if (this.state !== 'writing') {
      await this.stop();
      return null;
    }
    const fh = this.fh!;
    try {
      await this.writers!.train.flush();
      await this.writers!.test.flush();
      await this.moveTestRowsDown(fh);
      await fh.truncate((this.rows.train + this.rows.test) * this.rowBytes);
      await fh.sync();
    } catch (e) {
      await this.stop();
      throw e;
    }
    await fh.close();
    this.fh = null;
    this.state = 'off';
    const n = this.rows.train + this.rows.test;
    return { n, ...this.shape!, kinds: [...this.kinds].sort() };
  }

  /** Closes the gap that bad train entries left between the train and the test rows. */
  private async moveTestRowsDown(fh: FileHandle): Promise<void> {
    const from = this.plan.trainEntries * this.rowBytes;
    const to = this.rows.train * this.rowBytes;
    const bytes = this.rows.test * this.rowBytes;
    if (from === to || bytes === 0) return;
    const buf = Buffer.alloc(Math.min(bytes, Math.max(MOVE_CHUNK_BYTES, this.rowBytes)));
    // Front to back: the destination is always before what is still to be read.
    for (let done = 0; done < bytes; ) {
      const len = Math.min(buf.length, bytes - done);
      const { bytesRead } = await fh.read(buf, 0, len, from + done);
      if (bytesRead !== len) throw new Error(`pixels pack: short read at ${from + done}`);
      for (let w = 0; w < len; ) w += (await fh.write(buf, w, len - w, to + done + w)).bytesWritten;
      done += len;
    }
  }
}
