/**
 * A safetensors reader/writer for tests, written from the format's
 * description and independent of the addon's own: 8-byte little-endian header
 * length, JSON header, raw little-endian tensor bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export type StDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'U8';

export interface StTensor {
  dtype: StDtype;
  shape: number[];
  data: Uint8Array;
}

export interface StFile {
  tensors: Map<string, StTensor>;
  metadata: Record<string, string>;
  /** Header keys in file order (without __metadata__). */
  order: string[];
}

export function readSt(path: string): StFile {
  const buf = readFileSync(path);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  const base = 8 + headerLen;
  const tensors = new Map<string, StTensor>();
  const order: string[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const v = value as { dtype: StDtype; shape: number[]; data_offsets: [number, number] };
    order.push(name);
    tensors.set(name, { dtype: v.dtype, shape: v.shape, data: new Uint8Array(buf.subarray(base + v.data_offsets[0], base + v.data_offsets[1])) });
  }
  return { tensors, metadata, order };
}

export function writeSt(path: string, tensors: Map<string, StTensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, ...[...tensors.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));
}

export function f32(values: ArrayLike<number>, shape: number[]): StTensor {
  const a = Float32Array.from(values);
  return { dtype: 'F32', shape, data: new Uint8Array(a.buffer) };
}

export function asF32(t: StTensor): Float32Array {
  if (t.dtype !== 'F32') throw new Error(`expected F32, got ${t.dtype}`);
  return new Float32Array(t.data.slice().buffer);
}

/** The same values stored as F64. */
export function toF64(t: StTensor): StTensor {
  const a = Float64Array.from(asF32(t));
  return { dtype: 'F64', shape: t.shape, data: new Uint8Array(a.buffer) };
}

/** The same values stored as BF16 (the top half of each float32, truncated). */
export function toBF16(t: StTensor): StTensor {
  const src = new Uint16Array(asF32(t).buffer);
  const out = new Uint16Array(src.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = src[i * 2 + 1]!;
  return { dtype: 'BF16', shape: t.shape, data: new Uint8Array(out.buffer) };
}
