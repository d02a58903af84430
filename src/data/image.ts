/**
 * The one place images are decoded: validation at ingest (`probeImage`,
 * which keeps the decoded pixels where they can later stand in for the file)
 * and the preprocessing that turns an image into an `H×W×C` uint8 row
 * (`preprocessImage`), shared by the packed cache and by prediction so a
 * served model sees exactly the pixels it was trained on.
 *
 * Preprocessing is two stages.
 * 1. Decode at full size (`decodeImage`) to 8-bit grey or sRGB: plain PNGs
 *    and JPEGs in the addon (native-decode.ts), everything else with sharp,
 *    EXIF orientation applied and alpha composited onto black. 16-bit
 *    images come down to 8 bits; grey images with a colour profile, CMYK and
 *    the rest become sRGB. This is what the probe keeps at ingest.
 * 2. Channels and size in the addon (native/src/decode.cc): grey → RGB
 *    replicates, RGB → grey is luminance in linear light (pure red becomes
 *    127); then a Lanczos-3 resample, antialiased when shrinking. `stretch`
 *    scales each axis to the target, `pad` fits the whole image centred on
 *    black bars, `crop` fills the target and keeps the centre. Same-size
 *    images are not resampled, so their pixels stay byte-exact.
 * Images over PROBE_FULL_DECODE_MAX_PIXELS are not decoded at full size:
 * sharp decodes and resizes them in one pass (lanczos3, the same fits), so
 * memory stays small. Which way an image goes depends on its bytes alone.
 */
import sharp, { type FitEnum } from 'sharp';
import { CnnError } from '../errors.js';
import { DHASH_COLS, DHASH_ROWS, perceptual, perceptualFromCells } from './fingerprint.js';
import { decodeNative, nativeDecodeAvailable, resizeNative, type NativeFit } from './native-decode.js';
import { decodePlainPng } from './png-decode.js';
import { readJpegHeader, type JpegHeader } from './jpeg-header.js';
import { readPngHeader, type PngHeader } from './png-header.js';
import { mapLimit } from './pool.js';
import { sniffImage, type ImageKind } from './sniff.js';

export type ResizePolicy = 'stretch' | 'pad' | 'crop';
export const RESIZE_POLICIES: readonly ResizePolicy[] = ['stretch', 'pad', 'crop'];

export interface PreprocessTarget {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: ResizePolicy;
}

/** Undecoded pixels (e.g. an IDX row): `width × height × channels` bytes. */
export interface RawPixelsInfo {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Decodes in flight at once; sharp runs each on the libuv pool. */
export const DECODE_CONCURRENCY = 4;

/** Without the addon, plain PNGs up to this many pixels are decoded on the event loop (png-decode.ts; a few ms at most); larger ones by sharp on the pool. */
const PLAIN_PNG_MAX_PIXELS = 256 * 1024;
/** Up to this many pixels a probe decodes at full size (≤ 16 MB of RGBA). */
const PROBE_FULL_DECODE_MAX_PIXELS = 4_000_000;

const FIT: Record<ResizePolicy, keyof FitEnum> = { stretch: 'fill', pad: 'contain', crop: 'cover' };
const BLACK = { r: 0, g: 0, b: 0, alpha: 1 };

export function rowBytes(t: Pick<PreprocessTarget, 'height' | 'width' | 'channels'>): number {
  return t.height * t.width * t.channels;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

function isPixelLimitError(e: unknown): boolean {
  return e instanceof Error && /pixel limit/i.test(e.message);
}

export function pixelLimitError(file: string, width: number, height: number, maxImagePixels: number, path = 'archive'): CnnError {
  return new CnnError(
    'IMAGE_PIXEL_LIMIT',
    `image '${file}' is ${width}×${height} = ${width * height} pixels, over the limit of ${maxImagePixels}; downscale it`,
    path,
    { file, width, height, maxImagePixels },
  );
}

interface ImageHeader {
  /** Width and height after EXIF orientation. */
  width: number;
  height: number;
  channels: number;
  /** What libvips reads: 'b-w', 'srgb', 'cmyk', 'grey16', 'rgb16', … */
  space: string;
  /** 'uchar' for 8-bit images. */
  depth: string;
  /** EXIF orientation; 1 or absent means none. */
  orientation: number;
  hasProfile: boolean;
}

/**
 * What the header alone says. The pixel limit is lifted here on purpose:
 * sharp would refuse the header of an oversized image, and we want its real
 * size to tell the pixel limit from a broken file.
 */
async function readHeader(bytes: Buffer): Promise<ImageHeader> {
  const m = await sharp(bytes, { limitInputPixels: false }).metadata();
  const width = m.autoOrient?.width ?? m.width;
  const height = m.autoOrient?.height ?? m.height;
  if (!width || !height || !m.channels) throw new Error('image header has no dimensions');
  return {
    width,
    height,
    channels: m.channels,
    space: m.space ?? '',
    depth: m.depth ?? '',
    orientation: m.orientation ?? 1,
    hasProfile: m.hasProfile ?? false,
  };
}

/**
 * An image after stage 1 of preprocessing (see the module comment): EXIF
 * orientation applied, alpha flattened onto black, 8 bits, 1 channel (grey)
 * or 3 (sRGB). `preprocessImage(data, t, { raw })` gives the same bytes as
 * preprocessing the encoded file.
 */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Stage 1 with sharp: the colour space an image decodes to (see DecodedImage). */
function decodedSpace(h: Pick<ImageHeader, 'space' | 'hasProfile'>): 'b-w' | 'srgb' {
  return (h.space === 'b-w' || h.space === 'grey16') && !h.hasProfile ? 'b-w' : 'srgb';
}

/** Stage 1 with sharp, at full size; throws sharp's error on a bad image. */
async function sharpDecode(bytes: Buffer, h: ImageHeader, maxImagePixels: number): Promise<DecodedImage> {
  const { data, info } = await sharp(bytes, { limitInputPixels: maxImagePixels, failOn: 'error', autoOrient: true })
    .flatten({ background: BLACK })
    .toColourspace(decodedSpace(h))
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 1 or 3`);
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export type ProbeResult =
  | {
      ok: true;
      kind: ImageKind;
      width: number;
      height: number;
      channels: number;
      /** The pixels, where they can stand in for the file (see DecodedImage); null otherwise. */
      decoded: DecodedImage | null;
      /** dHash and thumbnail of the decoded pixels (fingerprint.ts), for the pre-flight report. */
      dhash: string;
      thumb: Uint8Array;
    }
  | { ok: false; reason: string };

/**
 * At most how many bytes probing `bytes` holds at once (its decoded pixels,
 * or a PNG's inflated rows), from the header alone: 4 bytes a pixel up to
 * PROBE_FULL_DECODE_MAX_PIXELS (larger images are shrunk while they decode),
 * and that ceiling where the header says nothing without a sharp call.
 */
export function probeMemoryBound(bytes: Buffer): number {
  const h = ownHeader(bytes, sniffImage(bytes));
  const pixels = h ? Math.min(h.width * h.height, PROBE_FULL_DECODE_MAX_PIXELS) : PROBE_FULL_DECODE_MAX_PIXELS;
  return Math.max(bytes.length, 4 * pixels);
}

/**
 * Checks that `bytes` are a PNG, JPEG or WebP that decodes completely (a
 * truncated file fails: `failOn: 'error'`) and keeps the decoded pixels. A
 * broken file is `{ ok: false }` with a reason; an image over
 * `maxImagePixels` throws IMAGE_PIXEL_LIMIT, because that is a limit the
 * whole upload hits, not one bad file.
 */
export async function probeImage(bytes: Buffer, maxImagePixels: number, file: string): Promise<ProbeResult> {
  const kind = sniffImage(bytes);
  if (kind === null) return { ok: false, reason: 'not a PNG, JPEG or WebP image (judged by its bytes)' };
  // Plain PNGs and JPEGs (most uploads) have their header read here, without a sharp call.
  let header: ImageHeader;
  let plain: boolean;
  try {
    ({ header, plain } = await headerOf(bytes, kind, maxImagePixels));
  } catch (e) {
    return { ok: false, reason: `unreadable ${kind} header: ${firstLine(e)}` };
  }
  if (header.width * header.height > maxImagePixels) throw pixelLimitError(file, header.width, header.height, maxImagePixels);
  const full = header.width * header.height <= PROBE_FULL_DECODE_MAX_PIXELS;
  if (plain && kind === 'png' && full && !nativeDecodeAvailable()) {
    // Without the addon, plain 8-bit grey or RGB PNGs decode on the event loop; anything else (or broken) goes on to sharp.
    const decoded = decodePlainPng(bytes, Math.min(maxImagePixels, PLAIN_PNG_MAX_PIXELS));
    if (decoded) {
      const hash = perceptual(decoded.data, decoded.width, decoded.height, decoded.channels);
      return { ok: true, kind, width: decoded.width, height: decoded.height, channels: decoded.channels, decoded, ...hash };
    }
  }
  try {
    if (full) {
      const { decoded, cells } = await decodeFull(bytes, kind, header, plain, maxImagePixels);
      const hash = cells ? perceptualFromCells(cells) : perceptual(decoded.data, decoded.width, decoded.height, decoded.channels);
      const sameSize = decoded.width === header.width && decoded.height === header.height;
      return { ok: true, kind, width: header.width, height: header.height, channels: header.channels, decoded: sameSize ? decoded : null, ...hash };
    }
    // Large images are shrunk on the fly (to the dHash grid), so memory stays small. Not stats(): under
    // concurrent decodes it sometimes let a truncated PNG through despite failOn.
    const { data, info } = await sharp(bytes, { limitInputPixels: maxImagePixels, failOn: 'error', autoOrient: true })
      .resize(DHASH_COLS, DHASH_ROWS, { fit: 'fill' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { ok: true, kind, width: header.width, height: header.height, channels: header.channels, decoded: null, ...perceptual(data, info.width, info.height, info.channels) };
  } catch (e) {
    if (isPixelLimitError(e)) throw pixelLimitError(file, header.width, header.height, maxImagePixels);
    if (plain) {
      // The header was read here, not by sharp: say which part libvips found broken.
      const headerError = await readHeader(bytes).then(
        () => null,
        (h: unknown) => h,
      );
      if (headerError) return { ok: false, reason: `unreadable ${kind} header: ${firstLine(headerError)}` };
    }
    return { ok: false, reason: `corrupt or truncated ${kind}: ${firstLine(e)}` };
  }
}

/**
 * Stage 1 (see the module comment): plain PNGs and JPEGs in the addon, with
 * the dHash grid's cells; anything it declines, and everything else, with
 * sharp. Throws sharp's error on a bad image.
 */
async function decodeFull(bytes: Buffer, kind: ImageKind, header: ImageHeader, plain: boolean, maxImagePixels: number): Promise<{ decoded: DecodedImage; cells?: Float64Array }> {
  if (plain) {
    const native = await decodeNative(bytes, kind === 'png' ? 'png' : 'jpeg', maxImagePixels);
    if (native && native.width === header.width && native.height === header.height && native.channels === header.channels) {
      return { decoded: { data: native.data, width: native.width, height: native.height, channels: native.channels }, cells: native.cells };
    }
  }
  return { decoded: await sharpDecode(bytes, header, maxImagePixels) };
}

/** A plain PNG's or JPEG's size and channels, read from its bytes; null for anything else. */
function ownHeader(bytes: Buffer, kind: ImageKind | null): PngHeader | JpegHeader | null {
  return kind === 'png' ? readPngHeader(bytes) : kind === 'jpeg' ? readJpegHeader(bytes) : null;
}

/**
 * The header: from the bytes where the image is a plain PNG or JPEG within
 * the pixel limit (`plain`), else from sharp, which throws on a header it
 * cannot read (and reports an oversized image's real size).
 */
async function headerOf(bytes: Buffer, kind: ImageKind, maxImagePixels: number): Promise<{ header: ImageHeader; plain: boolean }> {
  const own = ownHeader(bytes, kind);
  if (own && own.width * own.height <= maxImagePixels) return { header: { ...own, orientation: 1, hasProfile: false }, plain: true };
  return { header: await readHeader(bytes), plain: false };
}

const NATIVE_FIT: Record<ResizePolicy, NativeFit> = { stretch: 0, pad: 1, crop: 2 };

/** Stage 2 (see the module comment) for many decoded images at once, rows one after another (into `out` when given). */
export function preprocessDecoded(images: readonly DecodedImage[], target: PreprocessTarget, out?: Buffer): Promise<Buffer> {
  return resizeNative(images, { width: target.width, height: target.height, channels: target.channels, fit: NATIVE_FIT[target.resize] }, out);
}

/**
 * Preprocesses one image (encoded bytes, or decoded pixels when `raw` is
 * given) into a `height × width × channels` uint8 row. Throws sharp's error
 * on a bad image.
 */
export async function preprocessImage(
  input: Buffer,
  target: PreprocessTarget,
  source: { maxImagePixels: number; raw?: { width: number; height: number; channels: 1 | 3 } },
): Promise<Buffer> {
  if (source.raw) return preprocessDecoded([{ data: input, ...source.raw }], target);
  const kind = sniffImage(input);
  if (kind === null) throw new Error('not a PNG, JPEG or WebP image');
  const { header, plain } = await headerOf(input, kind, source.maxImagePixels);
  if (header.width * header.height > source.maxImagePixels) throw new Error(`Input image exceeds pixel limit (${header.width}×${header.height})`);
  return preprocessEncoded(input, kind, header, plain, target, source.maxImagePixels);
}

/** preprocessImage for encoded bytes whose header has been read (headerOf) and is within the pixel limit. */
async function preprocessEncoded(
  input: Buffer,
  kind: ImageKind,
  header: ImageHeader,
  plain: boolean,
  target: PreprocessTarget,
  maxImagePixels: number,
): Promise<Buffer> {
  if (header.width * header.height <= PROBE_FULL_DECODE_MAX_PIXELS) {
    const { decoded } = await decodeFull(input, kind, header, plain, maxImagePixels);
    return preprocessDecoded([decoded], target);
  }
  // Large images: sharp decodes and resizes in one pass.
  let img = sharp(input, { limitInputPixels: maxImagePixels, failOn: 'error', autoOrient: true })
    .flatten({ background: BLACK })
    .resize(target.width, target.height, { fit: FIT[target.resize], position: 'centre', background: BLACK });
  img = target.channels === 1 ? img.greyscale() : img.toColourspace('srgb');
  const { data, info } = await img.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== target.width || info.height !== target.height || info.channels !== target.channels) {
    throw new Error(
      `preprocessing produced ${info.width}×${info.height}×${info.channels}, expected ${target.width}×${target.height}×${target.channels}`,
    );
  }
  return data;
}

export interface PredictDecodeOptions extends PreprocessTarget {
  maxImagePixels: number;
  /** Request field named in error paths as `<field>[i]`; default `images`. */
  field?: string;
}

/**
 * Preprocesses images sent for prediction exactly as the packed cache does.
 * Returns one contiguous `n × H × W × C` buffer. A file that is not a
 * decodable PNG/JPEG/WebP is PREDICT_BAD_IMAGE; one over the pixel limit is
 * IMAGE_PIXEL_LIMIT; both name the image by index (`<field>[i]`).
 */
export async function decodeForPredict(buffers: readonly Buffer[], opts: PredictDecodeOptions): Promise<{ images: Buffer; n: number }> {
  const row = rowBytes(opts);
  const images = Buffer.alloc(buffers.length * row);
  await mapLimit(buffers, DECODE_CONCURRENCY, async (bytes, i) => {
    const at = `${opts.field ?? 'images'}[${i}]`;
    const kind = sniffImage(bytes);
    if (kind === null) throw new CnnError('PREDICT_BAD_IMAGE', 'not a PNG, JPEG or WebP image', at, { index: i });
    let read: { header: ImageHeader; plain: boolean };
    try {
      read = await headerOf(bytes, kind, opts.maxImagePixels);
    } catch (e) {
      throw new CnnError('PREDICT_BAD_IMAGE', `unreadable image header: ${firstLine(e)}`, at, { index: i });
    }
    const { header, plain } = read;
    if (header.width * header.height > opts.maxImagePixels) {
      throw pixelLimitError(at, header.width, header.height, opts.maxImagePixels, at);
    }
    let pixels: Buffer;
    try {
      pixels = await preprocessEncoded(bytes, kind, header, plain, opts, opts.maxImagePixels);
    } catch (e) {
      if (isPixelLimitError(e)) throw pixelLimitError(at, header.width, header.height, opts.maxImagePixels, at);
      throw new CnnError('PREDICT_BAD_IMAGE', `corrupt or truncated image: ${firstLine(e)}`, at, { index: i });
    }
    pixels.copy(images, i * row);
  });
  return { images, n: buffers.length };
}
