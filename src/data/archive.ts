/**
 * Reading zip and tar(.gz) uploads safely, in two passes over the file.
 *
 * `scanArchive` reads only metadata (the zip central directory, or every tar
 * header while skipping the data) and refuses unsafe entries (`..`, absolute
 * paths, links, devices), too many entries, and more declared bytes than the
 * inflate limit — before anything is written. `readArchiveFiles` then
 * streams the wanted entries' contents, counting the bytes actually inflated,
 * because a zip header may lie about sizes. Nothing here writes files; entry
 * names never become paths.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, inflateRaw, inflateRawSync, type ZlibOptions } from 'node:zlib';
import * as tar from 'tar-stream';
import yauzl from 'yauzl';
import { CnnError } from '../errors.js';
import { entrySegments } from './layout.js';
import { inflateRawNative } from './native-decode.js';
import type { IngestLimits } from './limits.js';
import type { ArchiveKind } from './sniff.js';
import { WindowedZipReader } from './zip-reader.js';

const inflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(inflateRaw);

export interface ScannedEntry {
  /** Position among all entries of the archive, folders included. */
  index: number;
  /** The name as stored, for messages only. */
  name: string;
  /** Safe path segments (see `entrySegments`). */
  segments: string[];
  type: 'file' | 'directory';
  /** Declared uncompressed size in bytes. */
  size: number;
  /** Why the content cannot be read (encrypted, unknown compression); such files are skipped. */
  unreadable?: string;
}

/**
 * Inflated bytes a tar stream may carry beyond the end of the last entry's
 * data before the next header: headers, pax records (tar-stream caps one at
 * 4 MiB) and end padding. More means a stream of junk (a gzip bomb of zeros).
 */
const TAR_MAX_GAP_BYTES = 8 * 1024 * 1024;
const TAR_BLOCK = 512;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** `versionMadeBy` high byte of zips whose external attributes carry a Unix mode. */
const ZIP_HOST_UNIX = 3;
const ZIP_HOST_OSX = 19;
const ZIP_STORED = 0;
/** Zip entries up to this size (compressed and declared) are read in one piece; larger ones are streamed. */
const SMALL_ENTRY_MAX_BYTES = 8 * 1024 * 1024;
/** Entries up to this size are inflated on the event loop (well under a millisecond); larger ones on the thread pool. */
const SYNC_INFLATE_MAX_BYTES = 256 * 1024;

function tooManyEntries(limit: number): CnnError {
  return new CnnError('ARCHIVE_TOO_MANY_ENTRIES', `the archive has more than ${limit} entries`, 'archive', { maxArchiveEntries: limit });
}

function tooLargeInflated(limit: number, why: string): CnnError {
  return new CnnError('ARCHIVE_TOO_LARGE_INFLATED', `${why}; the limit is ${limit} bytes`, 'archive', { maxInflatedBytes: limit });
}

function unsafeType(name: string, what: string): CnnError {
  return new CnnError('ARCHIVE_UNSAFE_ENTRY', `archive entry '${name}' is ${what}; only regular files and folders are accepted`, 'archive', {
    entry: name,
  });
}

/** Wraps what a caller's callback threw, so it passes through unchanged instead of becoming ARCHIVE_CORRUPT. */
class CallbackError extends Error {
  constructor(readonly inner: unknown) {
    super('callback failed');
  }
}

async function callback<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new CallbackError(e);
  }
}

/** What to throw for an error met while reading: our own errors as they are, anything else as ARCHIVE_CORRUPT. */
function readFailure(kind: ArchiveKind, e: unknown): unknown {
  if (e instanceof CallbackError) return e.inner;
  if (e instanceof CnnError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new CnnError('ARCHIVE_CORRUPT', `the ${kind} archive could not be read: ${msg}`, 'archive');
}

/** Accumulates declared sizes and entry counts during a scan, failing at the first excess. */
class ScanBudget {
  entries = 0;
  declaredBytes = 0;
  constructor(private readonly limits: IngestLimits) {}

  add(size: number): void {
    if (++this.entries > this.limits.maxArchiveEntries) throw tooManyEntries(this.limits.maxArchiveEntries);
    this.declaredBytes += size;
    if (this.declaredBytes > this.limits.maxInflatedBytes) {
      throw tooLargeInflated(this.limits.maxInflatedBytes, `the archive declares at least ${this.declaredBytes} bytes of content`);
    }
  }
}

// ---------------------------------------------------------------- entry bodies

/**
 * An entry's content as an async iterable that counts every chunk. Leaving a
 * `for await` early does not destroy the underlying stream (for tar that would
 * abort the whole archive); `drain()` reads what is left, still counting.
 */
export class EntryBody implements AsyncIterable<Buffer> {
  private done = false;
  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly onChunk: (bytes: number) => void,
    private readonly onEnd: () => void,
    private readonly kind: ArchiveKind,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: async (): Promise<IteratorResult<Buffer>> => {
        if (this.done) return { done: true, value: undefined };
        let r: IteratorResult<Buffer>;
        try {
          r = await this.source.next();
        } catch (e) {
          throw readFailure(this.kind, e);
        }
        if (r.done) {
          this.done = true;
          this.onEnd();
          return { done: true, value: undefined };
        }
        this.onChunk(r.value.length);
        return r;
      },
      return: async (): Promise<IteratorResult<Buffer>> => ({ done: true, value: undefined }),
    };
  }

  async drain(): Promise<void> {
    for await (const _ of this);
  }
}

/** Counts actual inflated bytes across the whole archive and within one entry. */
class InflateMeter {
  total = 0;
  constructor(
    private readonly limits: IngestLimits,
    private readonly kind: ArchiveKind,
  ) {}

  body(source: AsyncIterable<Buffer>, entry: ScannedEntry): EntryBody {
    let bytes = 0;
    return new EntryBody(
      source[Symbol.asyncIterator](),
      (n) => {
        bytes += n;
        this.total += n;
        if (bytes > entry.size) {
          throw tooLargeInflated(this.limits.maxInflatedBytes, `archive entry '${entry.name}' inflates past its declared ${entry.size} bytes`);
        }
        if (this.total > this.limits.maxInflatedBytes) {
          throw tooLargeInflated(this.limits.maxInflatedBytes, `the archive inflates to more than ${this.limits.maxInflatedBytes} bytes`);
        }
      },
      () => {
        if (bytes !== entry.size) {
          throw new CnnError('ARCHIVE_CORRUPT', `archive entry '${entry.name}' has ${bytes} bytes but declares ${entry.size}`, 'archive', {
            entry: entry.name,
          });
        }
      },
      this.kind,
    );
  }
}

export type WantFile = (entry: ScannedEntry) => boolean;
export type OnFile = (entry: ScannedEntry, body: EntryBody) => Promise<void>;

function checkSameEntry(kind: ArchiveKind, scanned: ScannedEntry | undefined, name: string): ScannedEntry {
  if (!scanned || scanned.name !== name) {
    throw new CnnError('ARCHIVE_CORRUPT', `the ${kind} archive changed while it was being read`, 'archive');
  }
  return scanned;
}

// ---------------------------------------------------------------- zip

interface OpenZip {
  zip: yauzl.ZipFile;
  reader: WindowedZipReader;
}

async function openZip(file: string): Promise<OpenZip> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const reader = new WindowedZipReader(fh, size);
    // decodeStrings: false so an unsafe name reaches our own check (and is named in
    // the error) instead of failing inside yauzl; sizes are checked by InflateMeter.
    const zip = await yauzl.fromRandomAccessReaderPromise(reader, size, {
      lazyEntries: true,
      decodeStrings: false,
      validateEntrySizes: false,
      autoClose: false,
    });
    return { zip, reader };
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw readFailure('zip', e);
  }
}

function zipEntryName(entry: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

function describeZipEntry(entry: yauzl.Entry, index: number): ScannedEntry {
  const name = zipEntryName(entry);
  const host = entry.versionMadeBy >> 8;
  if (host === ZIP_HOST_UNIX || host === ZIP_HOST_OSX) {
    const fmt = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (fmt === S_IFLNK) throw unsafeType(name, 'a symbolic link');
    if (fmt !== 0 && fmt !== S_IFREG && fmt !== S_IFDIR) throw unsafeType(name, 'a device or other special file');
  }
  const segments = entrySegments(name);
  const isDir = /[/\\]$/.test(name);
  const scanned: ScannedEntry = { index, name, segments, type: isDir ? 'directory' : 'file', size: isDir ? 0 : entry.uncompressedSize };
  if (entry.isEncrypted()) scanned.unreadable = 'encrypted zip entry';
  else if (!entry.canDecodeFileData()) scanned.unreadable = `unsupported zip compression method ${entry.compressionMethod}`;
  return scanned;
}

async function scanZip(file: string, limits: IngestLimits): Promise<ScannedEntry[]> {
  const { zip } = await openZip(file);
  if (zip.entryCount > limits.maxArchiveEntries) {
    zip.close();
    throw tooManyEntries(limits.maxArchiveEntries);
  }
  const budget = new ScanBudget(limits);
  const out: ScannedEntry[] = [];
  const entries = zip.eachEntry();
  try {
    for await (const entry of entries) {
      const scanned = describeZipEntry(entry, out.length);
      budget.add(scanned.size);
      out.push(scanned);
    }
  } catch (e) {
    throw readFailure('zip', e);
  } finally {
    zip.close();
  }
  return out;
}

/**
 * An entry's content in one piece, read and inflated without streams (a
 * stream and a zlib handle per entry cost more than decoding a small image).
 * Inflating stops past the declared size, so a lying header cannot make it
 * allocate more than that.
 */
async function readSmallZipEntry(zip: yauzl.ZipFile, reader: WindowedZipReader, entry: yauzl.Entry, info: ScannedEntry, limits: IngestLimits): Promise<Buffer> {
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const stored = Buffer.allocUnsafe(entry.compressedSize);
  await reader.readFully(stored, 0, stored.length, fileDataStart);
  if (entry.compressionMethod === ZIP_STORED) return stored;
  // Room for one byte more than declared, so that more is seen and reported by the meter.
  const options = { maxOutputLength: info.size + 1 };
  try {
    if (info.size > SYNC_INFLATE_MAX_BYTES) return await inflateRawAsync(stored, options);
    return inflateRawNative(stored, options.maxOutputLength) ?? inflateRawSync(stored, options);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLargeInflated(limits.maxInflatedBytes, `archive entry '${info.name}' inflates past its declared ${info.size} bytes`);
    }
    throw e;
  }
}

async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  if (chunk.length > 0) yield chunk;
}

async function readZipFiles(file: string, scanned: ScannedEntry[], meter: InflateMeter, limits: IngestLimits, want: WantFile, onFile: OnFile): Promise<void> {
  const { zip, reader } = await openZip(file);
  let index = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const info = checkSameEntry('zip', scanned[index++], zipEntryName(entry));
      if (info.type !== 'file' || info.unreadable || !want(info)) continue;
      if (entry.compressedSize <= SMALL_ENTRY_MAX_BYTES && info.size <= SMALL_ENTRY_MAX_BYTES) {
        const body = meter.body(once(await readSmallZipEntry(zip, reader, entry, info, limits)), info);
        await callback(() => onFile(info, body));
        await body.drain();
        continue;
      }
      const stream = await zip.openReadStreamPromise(entry);
      const body = meter.body(stream as AsyncIterable<Buffer>, info);
      try {
        await callback(() => onFile(info, body));
        await body.drain();
      } finally {
        stream.destroy();
      }
    }
  } catch (e) {
    throw readFailure('zip', e);
  } finally {
    zip.close();
  }
}

// ---------------------------------------------------------------- tar

const TAR_TYPES: Record<string, 'file' | 'directory' | undefined> = { file: 'file', 'contiguous-file': 'file', directory: 'directory' };

function describeTarEntry(header: tar.Header, index: number): ScannedEntry {
  const type = TAR_TYPES[header.type as string];
  if (!type) {
    const what =
      header.type === 'symlink' ? 'a symbolic link' : header.type === 'link' ? 'a hard link' : `a ${String(header.type ?? 'unknown')} entry`;
    throw unsafeType(header.name, what);
  }
  return { index, name: header.name, segments: entrySegments(header.name), type, size: type === 'file' ? header.size : 0 };
}

/**
 * Streams a tar(.gz) file, calling `onEntry` for each entry in order with its
 * content; the content is drained after `onEntry` returns. Bounds the bytes
 * between entries (see TAR_MAX_GAP_BYTES).
 */
async function walkTar(
  file: string,
  gzip: boolean,
  onEntry: (header: tar.Header, body: AsyncIterable<Buffer>) => Promise<EntryBody | void>,
): Promise<void> {
  const kind: ArchiveKind = gzip ? 'tar.gz' : 'tar';
  let inflated = 0;
  let expectedEnd = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      inflated += chunk.length;
      if (inflated - expectedEnd > TAR_MAX_GAP_BYTES) {
        cb(new CnnError('ARCHIVE_CORRUPT', `the ${kind} archive has more than ${TAR_MAX_GAP_BYTES} bytes of data outside any entry`, 'archive'));
      } else {
        cb(null, chunk);
      }
    },
  });
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // `inflated` is at or past this header's end, so this bound is lenient, never strict.
    expectedEnd = inflated + Math.ceil(header.size / TAR_BLOCK) * TAR_BLOCK;
    // When the walk fails, tar-stream destroys the current entry stream with the same error,
    // which the pipeline already reports; without a listener it would also be thrown as uncaught.
    stream.on('error', () => undefined);
    onEntry(header, stream as AsyncIterable<Buffer>)
      .then(async (body) => {
        if (body) await body.drain();
        else for await (const _ of stream as AsyncIterable<Buffer>);
      })
      .then(
        () => next(),
        (err: unknown) => extract.destroy(err as Error),
      );
  });
  const source = createReadStream(file);
  try {
    if (gzip) await pipeline(source, createGunzip(), meter, extract as unknown as Writable);
    else await pipeline(source, meter, extract as unknown as Writable);
  } catch (e) {
    throw readFailure(kind, e);
  }
}

async function scanTar(file: string, gzip: boolean, limits: IngestLimits): Promise<ScannedEntry[]> {
  const budget = new ScanBudget(limits);
  const out: ScannedEntry[] = [];
  await walkTar(file, gzip, async (header) => {
    const scanned = describeTarEntry(header, out.length);
    budget.add(scanned.size);
    out.push(scanned);
  });
  return out;
}

async function readTarFiles(
  file: string,
  gzip: boolean,
  scanned: ScannedEntry[],
  meter: InflateMeter,
  want: WantFile,
  onFile: OnFile,
): Promise<void> {
  let index = 0;
  await walkTar(file, gzip, async (header, stream) => {
    const info = checkSameEntry(gzip ? 'tar.gz' : 'tar', scanned[index++], header.name);
    if (info.type !== 'file' || !want(info)) return;
    const body = meter.body(stream, info);
    await callback(() => onFile(info, body));
    return body;
  });
}

// ---------------------------------------------------------------- public

/**
 * Pass 1: reads every entry's metadata and throws ARCHIVE_UNSAFE_ENTRY,
 * ARCHIVE_TOO_MANY_ENTRIES, ARCHIVE_TOO_LARGE_INFLATED or ARCHIVE_CORRUPT
 * at the first problem. Writes nothing.
 */
export async function scanArchive(file: string, kind: ArchiveKind, limits: IngestLimits): Promise<ScannedEntry[]> {
  return kind === 'zip' ? scanZip(file, limits) : scanTar(file, kind === 'tar.gz', limits);
}

/**
 * Pass 2: streams the content of each file entry that `want` accepts, in
 * archive order, to `onFile`; the next entry is read only after `onFile`
 * resolves. Actual inflated bytes are counted against `maxInflatedBytes` and
 * against each entry's declared size. `scanned` must come from `scanArchive`
 * on the same file.
 */
export async function readArchiveFiles(
  file: string,
  kind: ArchiveKind,
  scanned: ScannedEntry[],
  limits: IngestLimits,
  want: WantFile,
  onFile: OnFile,
): Promise<void> {
  const meter = new InflateMeter(limits, kind);
  if (kind === 'zip') await readZipFiles(file, scanned, meter, limits, want, onFile);
  else await readTarFiles(file, kind === 'tar.gz', scanned, meter, want, onFile);
}

