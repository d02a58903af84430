/**
 * The native decoder (native/src/decode.cc, the small `cnn_decode` addon
 * built with the training addon): plain PNGs (zlib) and plain JPEGs (Debian's
 * libjpeg-turbo) decode on the libuv thread pool, with the dHash grid
 * averaged there too. Images are gathered into batches, one pool task each,
 * so a 28×28 PNG costs the event loop a fraction of a call rather than a
 * sharp call (about half a millisecond of option marshalling) or a decode of
 * its own. The probe sends only images whose header says they are plain
 * (png-header.ts, jpeg-header.ts); anything the addon declines goes to sharp,
 * which says why. Without the addon (not built) probes decode PNGs on the
 * event loop (png-decode.ts) and everything else with sharp.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DHASH_COLS, DHASH_ROWS } from './fingerprint.js';

export interface NativeDecoded {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
  /** The 9×8 dHash grid's cell means, row-major (fingerprint.ts). */
  cells: Float64Array;
}

export type NativeKind = 'png' | 'jpeg';

interface BatchResult {
  pixels: Buffer;
  /** Per image: decoded (1/0), width, height, channels, offset into pixels. */
  meta: Int32Array;
  cells: Float64Array;
}

/** 0 stretch, 1 pad, 2 crop. */
export type NativeFit = 0 | 1 | 2;

interface DecodeAddon {
  decodeBatch(images: Buffer[], kinds: Uint8Array, maxPixels: number): Promise<BatchResult>;
  resizeBatch(images: Buffer[], dims: Int32Array, target: { width: number; height: number; channels: number; fit: NativeFit }, out: Buffer): Promise<Buffer>;
  inflateRaw(data: Buffer, maxOutput: number): Buffer;
}

const ADDON_PATH = join('native', 'build', 'Release', 'cnn_decode.node');
const KIND_CODE: Record<NativeKind, number> = { png: 1, jpeg: 2 };
const META_INTS = 5;
const CELLS = DHASH_COLS * DHASH_ROWS;
/** A batch is sent when it holds this many images or this many encoded bytes, or at the end of the current turn of the event loop. */
const BATCH_MAX_IMAGES = 32;
const BATCH_MAX_BYTES = 2 * 1024 * 1024;

function load(): DecodeAddon | null {
  if (process.env.CNN_NATIVE_DECODE === '0') return null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON_PATH);
    if (existsSync(candidate)) {
      try {
        const addon = createRequire(import.meta.url)(candidate) as Partial<DecodeAddon>;
        return typeof addon.decodeBatch === 'function' && typeof addon.resizeBatch === 'function' && typeof addon.inflateRaw === 'function' ? (addon as DecodeAddon) : null;
      } catch {
        return null;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

interface Pending {
  bytes: Buffer;
  kind: NativeKind;
  resolve: (d: NativeDecoded | null) => void;
  reject: (e: unknown) => void;
}

/** Gathers decode requests made in one turn of the event loop into batches. */
class Batcher {
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private maxPixels = 0;
  private scheduled = false;

  constructor(private readonly addon: DecodeAddon) {}

  decode(bytes: Buffer, kind: NativeKind, maxPixels: number): Promise<NativeDecoded | null> {
    if (this.queue.length > 0 && maxPixels !== this.maxPixels) this.flush();
    this.maxPixels = maxPixels;
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, kind, resolve, reject });
      this.queuedBytes += bytes.length;
      if (this.queue.length >= BATCH_MAX_IMAGES || this.queuedBytes >= BATCH_MAX_BYTES) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.queuedBytes = 0;
    const kinds = Uint8Array.from(batch, (p) => KIND_CODE[p.kind]);
    this.addon.decodeBatch(batch.map((p) => p.bytes), kinds, this.maxPixels).then(
      ({ pixels, meta, cells }) => {
        batch.forEach((p, i) => {
          const m = i * META_INTS;
          if (meta[m] !== 1) return p.resolve(null);
          const [width, height, channels, offset] = [meta[m + 1]!, meta[m + 2]!, meta[m + 3]!, meta[m + 4]!];
          p.resolve({
            data: pixels.subarray(offset, offset + width * height * channels),
            width,
            height,
            channels: channels as 1 | 3,
            cells: cells.slice(i * CELLS, (i + 1) * CELLS),
          });
        });
      },
      (e: unknown) => batch.forEach((p) => p.reject(e)),
    );
  }
}

let loaded: DecodeAddon | null | undefined;
let batcher: Batcher | null | undefined;

function theAddon(): DecodeAddon | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}

function theBatcher(): Batcher | null {
  if (batcher === undefined) {
    const addon = theAddon();
    batcher = addon ? new Batcher(addon) : null;
  }
  return batcher;
}

/** Whether the addon is built and loads. */
export function nativeDecodeAvailable(): boolean {
  return theBatcher() !== null;
}

/**
 * Decodes one plain PNG or JPEG in the addon, batched with others asked for
 * in the same turn; null when the addon declines it or is not built.
 */
export function decodeNative(bytes: Buffer, kind: NativeKind, maxPixels: number): Promise<NativeDecoded | null> {
  return theBatcher()?.decode(bytes, kind, maxPixels) ?? Promise.resolve(null);
}

export interface NativePixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * The second stage of preprocessing (image.ts) in the addon, on the pool:
 * each image's channels converted and resized to `target` (see
 * native/src/decode.cc for the exact rules), one row after another in `out`
 * (a new Buffer when not given). Rejects when the addon is not built.
 */
export function resizeNative(
  images: readonly NativePixels[],
  target: { width: number; height: number; channels: 1 | 3; fit: NativeFit },
  out?: Buffer,
): Promise<Buffer> {
  const addon = theAddon();
  if (!addon) return Promise.reject(new Error('the native image decoder (native/build/Release/cnn_decode.node) is not built; run npm run build:native'));
  const dims = new Int32Array(images.length * 3);
  images.forEach((im, i) => dims.set([im.width, im.height, im.channels], 3 * i));
  try {
    return addon.resizeBatch(images.map((im) => im.data), dims, target, out ?? Buffer.allocUnsafe(Math.max(1, images.length * target.width * target.height * target.channels)));
  } catch (e) {
    // Arguments the addon refuses (it checks them before queueing any work).
    return Promise.reject(e);
  }
}

/**
 * Inflates a small raw deflate stream (a zip entry) on the spot, without the
 * stream object node:zlib sets up per call; throws as inflateRawSync does
 * (`ERR_BUFFER_TOO_LARGE` past `maxOutput`, zlib's message when corrupt).
 * Undefined when the addon is not built.
 */
export function inflateRawNative(data: Buffer, maxOutput: number): Buffer | undefined {
  return theAddon()?.inflateRaw(data, maxOutput);
}
