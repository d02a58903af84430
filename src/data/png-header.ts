/**
 * A PNG's header read from its chunks, so that ingest can decode a PNG with
 * one sharp call instead of asking sharp for its metadata first (a second
 * call costs about as much as decoding a small image). It answers only for
 * plain PNGs: any chunk that could change how libvips reads the pixels (a
 * colour profile, EXIF orientation, an unknown critical chunk) makes it
 * return null, and sharp's metadata is used instead. The decode that follows
 * checks the whole file either way.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Length, type and CRC around each chunk's data. */
const CHUNK_OVERHEAD = 12;
const IHDR_LENGTH = 13;

/** Ancillary chunks that do not change the decoded pixels or their interpretation in libvips. */
const HARMLESS = new Set(['gAMA', 'cHRM', 'sRGB', 'sBIT', 'bKGD', 'hIST', 'pHYs', 'sPLT', 'tIME', 'tEXt', 'zTXt', 'iTXt']);

export interface PngHeader {
  width: number;
  height: number;
  /** As sharp's metadata counts them: a tRNS chunk adds an alpha channel. */
  channels: number;
  /** As sharp's metadata names them: 'b-w', 'grey16', 'srgb' or 'rgb16'. */
  space: string;
  depth: 'uchar' | 'ushort';
}

/** Colour type → channels without tRNS, and whether it is grey. */
const COLOUR_TYPES: Record<number, { channels: number; grey: boolean } | undefined> = {
  0: { channels: 1, grey: true },
  2: { channels: 3, grey: false },
  3: { channels: 3, grey: false },
  4: { channels: 2, grey: true },
  6: { channels: 4, grey: false },
};

/** The header of a plain PNG; null for anything else (not a PNG, truncated before the image data, unusual chunks). */
export function readPngHeader(bytes: Buffer): PngHeader | null {
  if (bytes.length < SIGNATURE.length + CHUNK_OVERHEAD + IHDR_LENGTH || !bytes.subarray(0, 8).equals(SIGNATURE)) return null;
  if (bytes.readUInt32BE(8) !== IHDR_LENGTH || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const bitDepth = bytes[24]!;
  const type = COLOUR_TYPES[bytes[25]!];
  if (width === 0 || height === 0 || !type || ![1, 2, 4, 8, 16].includes(bitDepth)) return null;
  let trns = false;
  for (let at = SIGNATURE.length + CHUNK_OVERHEAD + IHDR_LENGTH; ; ) {
    if (at + CHUNK_OVERHEAD > bytes.length) return null;
    const length = bytes.readUInt32BE(at);
    const name = bytes.toString('latin1', at + 4, at + 8);
    if (name === 'IDAT') break;
    if (name === 'tRNS') {
      // Transparency is a chunk for types without an alpha channel only.
      if (type.channels === 2 || type.channels === 4) return null;
      trns = true;
    } else if (name !== 'PLTE' && !HARMLESS.has(name)) return null;
    at += CHUNK_OVERHEAD + length;
  }
  const deep = bitDepth === 16;
  return {
    width,
    height,
    channels: type.channels + (trns ? 1 : 0),
    space: type.grey ? (deep ? 'grey16' : 'b-w') : deep ? 'rgb16' : 'srgb',
    depth: deep ? 'ushort' : 'uchar',
  };
}
