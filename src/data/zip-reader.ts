/**
 * The file reader yauzl parses a zip through. yauzl asks for many small
 * reads (two per central directory record, one per local header); done as
 * one `fs.read` each, every one is a thread-pool round trip. This reader
 * serves them from windows of the file read in large blocks: records lie
 * one after another, so nearly every read is a copy from memory. Entry
 * contents are read through it too (`readFully`).
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

interface Window {
  start: number;
  data: Buffer;
}

/** Bytes read from the file at a time. */
const WINDOW_BYTES = 1024 * 1024;
/**
 * Windows kept: reading entries alternates between the central directory
 * (at the end of the file) and the entries' data (from the start).
 */
const WINDOWS = 2;
/** Bytes per chunk of a streamed entry. */
const STREAM_CHUNK_BYTES = 256 * 1024;

export class WindowedZipReader extends yauzl.RandomAccessReader {
  /** Most recently used first. */
  private windows: Window[] = [];
  private closed = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly fileSize: number,
  ) {
    super();
  }

  /** Fills `buffer[offset, offset + length)` from file position `position`; throws at end of file. */
  async readFully(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    if (position < 0 || position + length > this.fileSize) throw new Error(`read of ${length} bytes at ${position} is past the end of the file`);
    if (length > WINDOW_BYTES) {
      await this.readAt(buffer, offset, length, position);
      return;
    }
    let i = this.windows.findIndex((w) => position >= w.start && position + length <= w.start + w.data.length);
    if (i < 0) {
      const size = Math.min(WINDOW_BYTES, this.fileSize - position);
      const data = Buffer.allocUnsafe(size);
      await this.readAt(data, 0, size, position);
      this.windows.unshift({ start: position, data });
      this.windows.length = Math.min(this.windows.length, WINDOWS);
      i = 0;
    }
    const w = this.windows[i]!;
    if (i > 0) this.windows.unshift(...this.windows.splice(i, 1));
    w.data.copy(buffer, offset, position - w.start, position - w.start + length);
  }

  private async readAt(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    for (let done = 0; done < length; ) {
      const { bytesRead } = await this.fh.read(buffer, offset + done, length - done, position + done);
      if (bytesRead === 0) throw new Error('unexpected end of file');
      done += bytesRead;
    }
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.readFully(buffer, offset, length, position).then(
      () => callback(null, length),
      (e: Error) => callback(e),
    );
  }

  /** For entries too large to read in one piece. Not fs streams: destroying one closes the file. */
  override _readStreamForRange(start: number, end: number): Readable {
    const fh = this.fh;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let pos = start; pos < end; ) {
        const buf = Buffer.allocUnsafe(Math.min(STREAM_CHUNK_BYTES, end - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) throw new Error('unexpected end of file');
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  override close(callback: (err: Error | null) => void): void {
    if (this.closed) return void setImmediate(callback, null);
    this.closed = true;
    this.fh.close().then(
      () => callback(null),
      (e: Error) => callback(e),
    );
  }
}
