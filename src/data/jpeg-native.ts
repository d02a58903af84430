/**
 * The native JPEG decoder (native/src/decode.cc, the small `cnn_decode`
 * addon built with the training addon): decodes on the libuv thread pool
 * with Debian's libjpeg-turbo and averages the dHash grid there, so that a
 * probe costs the event loop one short call instead of a sharp call (about
 * half a millisecond of option marshalling) plus the dHash of the whole
 * image. The probe uses it for plain JPEGs (jpeg-header.ts) only; anything
 * it rejects goes to sharp, which says why. Without the addon (not built)
 * every JPEG goes to sharp.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeJpeg {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
  /** The 9×8 dHash grid's cell means, row-major (fingerprint.ts). */
  cells: Float64Array;
}

interface DecodeAddon {
  decodeJpeg(bytes: Buffer, maxPixels: number): Promise<NativeJpeg>;
}

const ADDON_PATH = join('native', 'build', 'Release', 'cnn_decode.node');

function load(): DecodeAddon | null {
  if (process.env.CNN_NATIVE_DECODE === '0') return null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON_PATH);
    if (existsSync(candidate)) {
      try {
        return createRequire(import.meta.url)(candidate) as DecodeAddon;
      } catch {
        return null;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

let addon: DecodeAddon | null | undefined;

/** The addon, or null where it is not built. */
export function nativeJpeg(): DecodeAddon | null {
  if (addon === undefined) addon = load();
  return addon;
}
