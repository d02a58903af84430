/**
 * The file reader yauzl parses a zip through. yauzl asks for many small
 * reads (two per central directory record, one per local header); done as
 * one `fs.read` each, every one is a thread-pool round trip. This reader
 * serves them from a window of the file read in large blocks: records lie
 * one after another, so nearly every read is a copy from memory. Entry
 * contents are read through it too (`readFully`).
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Bytes read from the file at a time. */
const WINDOW_BYTES = 1024 * 1024;
/** Bytes per chunk of a streamed entry. */
const STREAM_CHUNK_BYTES = 256 * 1024;

export class WindowedZipReader extends yauzl.RandomAccessReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
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
    let done = 0;
    if (length > WINDOW_BYTES) {
      while (done < length) {
        const { bytesRead } = await this.fh.read(buffer, offset + done, length - done, position + done);
        if (bytesRead === 0) throw new Error('unexpected end of file');
        done += bytesRead;
      }
      return;
    }
    const inWindow = position >= this.windowStart && position + length <= this.windowStart + this.window.length;
    if (!inWindow) await this.fill(position);
    this.window.copy(buffer, offset, position - this.windowStart, position - this.windowStart + length);
  }

  private async fill(position: number): Promise<void> {
    const size = Math.min(WINDOW_BYTES, this.fileSize - position);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await this.fh.read(buf, got, size - got, position + got);
      if (bytesRead === 0) throw new Error('unexpected end of file');
      got += bytesRead;
    }
    this.window = buf;
    this.windowStart = position;
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
