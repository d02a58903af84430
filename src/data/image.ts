/**
 * The one place images are decoded: validation at ingest (`probeImage`,
 * which keeps the decoded pixels where they can later stand in for the file)
 * and the preprocessing that turns an image into an `H×W×C` uint8 row
 * (`preprocessImage`), shared by the packed cache and by prediction so a
 * served model sees exactly the pixels it was trained on.
 *
 * Preprocessing policy:
 * - EXIF orientation is applied first (`autoOrient`).
 * - Alpha is dropped by compositing onto black, the same black used for `pad`.
 * - Resize: `stretch` = fit `fill`, `pad` = fit `contain` (centred, black
 *   bars), `crop` = fit `cover` (centre crop); lanczos3, sharp's default.
 *   Same-size images are not resampled, so their pixels stay byte-exact.
 * - Channels: 1 = sharp's `greyscale()` (luminance taken in linear light,
 *   so pure red becomes 127), 3 = sRGB (grey is replicated into R, G, B).
 * - Output depth is 8 bits; 16-bit inputs are scaled down.
 */
import sharp, { type FitEnum } from 'sharp';
import { CnnError } from '../errors.js';
import { DHASH_COLS, DHASH_ROWS, perceptual, perceptualFromCells } from './fingerprint.js';
import { nativeJpeg } from './jpeg-native.js';
import { decodePlainPng } from './png-decode.js';
import { readJpegHeader } from './jpeg-header.js';
import { readPngHeader } from './png-header.js';
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

/** Plain PNGs up to this many pixels are decoded on the event loop (png-decode.ts; a few ms at most); larger ones by sharp on the pool. */
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
 * An image decoded as preprocessing sees it before any resize: EXIF
 * orientation applied, alpha flattened onto black, 8 bits, 1 channel (grey)
 * or 3 (sRGB). `preprocessImage(data, t, { raw })` gives the same bytes as
 * preprocessing the encoded file, where {@link decodedStandsIn} says so.
 */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * Whether the decoded pixels of an image can replace its file: 8-bit grey or
 * sRGB without rotation. Excluded: 16-bit images (preprocessing resizes them
 * before going down to 8 bits), EXIF-rotated ones (sharp rotates after
 * resizing), grey ones with a colour profile (the profile makes them sRGB),
 * CMYK.
 */
function decodesExactly(h: ImageHeader): boolean {
  if (h.depth !== 'uchar' || h.orientation > 1) return false;
  return h.space === 'srgb' || (h.space === 'b-w' && !h.hasProfile);
}

/**
 * Whether preprocessing decoded pixels of `from`'s size (see DecodedImage)
 * to `target` gives the same bytes as preprocessing the files they came from.
 * It does for PNG at any size. sharp shrinks a JPEG while loading it by 2, 4
 * or 8 when the target is at least about twice as small, and a WebP when it
 * is smaller at all; decoded pixels cannot reproduce that.
 */
export function decodedStandsIn(kinds: readonly ImageKind[], from: { width: number; height: number }, target: PreprocessTarget): boolean {
  const shrink = Math.max(from.width / target.width, from.height / target.height);
  if (kinds.includes('webp') && shrink > 1) return false;
  if (kinds.includes('jpeg') && shrink >= 2) return false;
  return true;
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
 * Checks that `bytes` are a PNG, JPEG or WebP that decodes completely (a
 * truncated file fails: `failOn: 'error'`) and keeps the decoded pixels. A
 * broken file is `{ ok: false }` with a reason; an image over
 * `maxImagePixels` throws IMAGE_PIXEL_LIMIT, because that is a limit the
 * whole upload hits, not one bad file.
 */
export async function probeImage(bytes: Buffer, maxImagePixels: number, file: string): Promise<ProbeResult> {
  const kind = sniffImage(bytes);
  if (kind === null) return { ok: false, reason: 'not a PNG, JPEG or WebP image (judged by its bytes)' };
  // Most uploads are plain PNGs, whose header this reads without a sharp call. Whether an
  // image is over the pixel limit (which fails the whole upload) is still sharp's to say.
  let png = kind === 'png' ? readPngHeader(bytes) : null;
  if (png && png.width * png.height > maxImagePixels) png = null;
  // Plain JPEGs likewise (jpeg-header.ts); the decode below applies the pixel limit.
  let jpeg = kind === 'jpeg' ? readJpegHeader(bytes) : null;
  if (jpeg && jpeg.width * jpeg.height > maxImagePixels) jpeg = null;
  let header: ImageHeader;
  if (png) {
    header = { ...png, orientation: 1, hasProfile: false };
  } else if (jpeg) {
    header = { ...jpeg, orientation: 1, hasProfile: false };
  } else {
    try {
      header = await readHeader(bytes);
    } catch (e) {
      return { ok: false, reason: `unreadable ${kind} header: ${firstLine(e)}` };
    }
  }
  if (header.width * header.height > maxImagePixels) throw pixelLimitError(file, header.width, header.height, maxImagePixels);
  if (png) {
    // Plain 8-bit grey or RGB PNGs decode here, without a sharp call; anything else (or broken) goes on to sharp.
    const plain = decodePlainPng(bytes, Math.min(maxImagePixels, PLAIN_PNG_MAX_PIXELS));
    if (plain) {
      const hash = perceptual(plain.data, plain.width, plain.height, plain.channels);
      return { ok: true, kind, width: plain.width, height: plain.height, channels: plain.channels, decoded: plain, ...hash };
    }
  }
  const full = header.width * header.height <= PROBE_FULL_DECODE_MAX_PIXELS;
  const addon = jpeg && full ? nativeJpeg() : null;
  if (addon) {
    // Plain JPEGs decode in the addon (jpeg-native.ts); whatever it rejects goes on to sharp, which says why.
    const native = await addon.decodeJpeg(bytes, maxImagePixels).catch(() => null);
    if (native && native.width === header.width && native.height === header.height && native.channels === header.channels) {
      const decoded = { data: native.data, width: native.width, height: native.height, channels: native.channels };
      return { ok: true, kind, width: header.width, height: header.height, channels: header.channels, decoded, ...perceptualFromCells(native.cells) };
    }
  }
  let decoded: DecodedImage | null = null;
  let hash: { dhash: string; thumb: Uint8Array };
  try {
    // A full decode to raw pixels; large images are shrunk on the fly (to the dHash grid) so memory stays small
    // (small ones are not: the resize would cost more than the decode). Not stats(): under
    // concurrent decodes it sometimes let a truncated PNG through despite failOn.
    let img = sharp(bytes, { limitInputPixels: maxImagePixels, failOn: 'error', autoOrient: true });
    if (full) {
      img = img.flatten({ background: BLACK });
      if (header.space === 'b-w') img = img.toColourspace('b-w');
    } else {
      img = img.resize(DHASH_COLS, DHASH_ROWS, { fit: 'fill' });
    }
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    hash = perceptual(data, info.width, info.height, info.channels);
    const sameSize = info.width === header.width && info.height === header.height;
    if (full && sameSize && (info.channels === 1 || info.channels === 3) && decodesExactly(header)) {
      decoded = { data, width: info.width, height: info.height, channels: info.channels };
    }
  } catch (e) {
    if (isPixelLimitError(e)) throw pixelLimitError(file, header.width, header.height, maxImagePixels);
    if (png || jpeg) {
      // The header was read here, not by sharp: say which part libvips found broken.
      const headerError = await readHeader(bytes).then(
        () => null,
        (h: unknown) => h,
      );
      if (headerError) return { ok: false, reason: `unreadable ${kind} header: ${firstLine(headerError)}` };
    }
    return { ok: false, reason: `corrupt or truncated ${kind}: ${firstLine(e)}` };
  }
  return { ok: true, kind, width: header.width, height: header.height, channels: header.channels, decoded, ...hash };
}

/**
 * Decodes one image (encoded bytes, or raw pixels when `raw` is given) into a
 * `height × width × channels` uint8 row. Throws sharp's error on a bad image.
 */
export async function preprocessImage(
  input: Buffer,
  target: PreprocessTarget,
  source: { maxImagePixels: number; raw?: RawPixelsInfo },
): Promise<Buffer> {
  let img = source.raw
    ? sharp(input, { raw: source.raw, limitInputPixels: source.maxImagePixels })
    : sharp(input, { limitInputPixels: source.maxImagePixels, failOn: 'error', autoOrient: true });
  img = img
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
    if (sniffImage(bytes) === null) throw new CnnError('PREDICT_BAD_IMAGE', 'not a PNG, JPEG or WebP image', at, { index: i });
    let header: { width: number; height: number } | null = readPngHeader(bytes) ?? readJpegHeader(bytes);
    if (header && header.width * header.height > opts.maxImagePixels) header = null;
    try {
      header ??= await readHeader(bytes);
    } catch (e) {
      throw new CnnError('PREDICT_BAD_IMAGE', `unreadable image header: ${firstLine(e)}`, at, { index: i });
    }
    if (header.width * header.height > opts.maxImagePixels) {
      throw pixelLimitError(at, header.width, header.height, opts.maxImagePixels, at);
    }
    let pixels: Buffer;
    try {
      pixels = await preprocessImage(bytes, opts, { maxImagePixels: opts.maxImagePixels });
    } catch (e) {
      if (isPixelLimitError(e)) throw pixelLimitError(at, header.width, header.height, opts.maxImagePixels, at);
      throw new CnnError('PREDICT_BAD_IMAGE', `corrupt or truncated image: ${firstLine(e)}`, at, { index: i });
    }
    pixels.copy(images, i * row);
  });
  return { images, n: buffers.length };
}
