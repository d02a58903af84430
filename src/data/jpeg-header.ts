/**
 * A JPEG's header read from its markers, so that ingest can decode a JPEG
 * with one sharp call instead of asking sharp for its metadata first (as
 * png-header.ts does for PNGs). It answers only for plain JPEGs: 8-bit
 * baseline or progressive, 1 (grey) or 3 (YCbCr or RGB) components, and no
 * EXIF block (which may rotate the image), colour profile or Adobe marker.
 * Anything else, or a marker that does not parse, returns null and sharp's
 * metadata is used instead. The decode that follows checks the whole file
 * either way.
 */

/** Start-of-frame markers (all but DHT C4, JPG C8 and DAC CC). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const SOS = 0xda;
/** Markers whose segments change how libvips reads the pixels: EXIF/XMP (APP1), ICC (APP2), Adobe (APP14). */
const MEANINGFUL_APP = new Set([0xe1, 0xe2, 0xee]);

export interface JpegHeader {
  width: number;
  height: number;
  /** As sharp's metadata counts them. */
  channels: 1 | 3;
  /** As sharp's metadata names them. */
  space: 'b-w' | 'srgb';
  depth: 'uchar';
}

/** The header of a plain JPEG; null for anything else (see the module comment). */
export function readJpegHeader(bytes: Buffer): JpegHeader | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  let header: JpegHeader | null = null;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // Markers without a segment do not occur before the scan in a plain JPEG.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) return null;
    const len = bytes.readUInt16BE(at + 2);
    if (len < 2 || at + 2 + len > bytes.length) return null;
    if (marker === SOS) return header;
    if (MEANINGFUL_APP.has(marker)) return null;
    if (SOF.has(marker)) {
      if (header || len < 8) return null;
      const precision = bytes[at + 4];
      const height = bytes.readUInt16BE(at + 5);
      const width = bytes.readUInt16BE(at + 7);
      const components = bytes[at + 9];
      if (precision !== 8 || width === 0 || height === 0 || (components !== 1 && components !== 3)) return null;
      header = { width, height, channels: components, space: components === 1 ? 'b-w' : 'srgb', depth: 'uchar' };
    }
    at += 2 + len;
  }
  return null;
}
