/**
 * Reading the original bytes of an archive dataset's images: from
 * `images.pack` at the offsets items.json gives, or, for datasets stored
 * before the pack, from one file per image.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ORIGINALS_FILE, type DatasetItem } from './manifest.js';

export class OriginalsReader {
  private pack: Promise<FileHandle> | null = null;

  constructor(private readonly datasetDir: string) {}

  /** The image's bytes as they were uploaded. */
  async read(item: DatasetItem): Promise<Buffer> {
    if ('file' in item) return readFile(join(this.datasetDir, item.file));
    this.pack ??= open(join(this.datasetDir, ORIGINALS_FILE), 'r');
    const fh = await this.pack;
    const buf = Buffer.allocUnsafe(item.length);
    let got = 0;
    while (got < item.length) {
      const { bytesRead } = await fh.read(buf, got, item.length - got, item.offset + got);
      if (bytesRead === 0) throw new Error(`${ORIGINALS_FILE} ends before byte ${item.offset + item.length}`);
      got += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    const pack = this.pack;
    this.pack = null;
    if (pack) await pack.then((fh) => fh.close(), () => undefined);
  }
}
