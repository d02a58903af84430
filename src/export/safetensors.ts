/**
 * Reads the float32 tensors of a safetensors file (8-byte little-endian header
 * length, JSON header, raw little-endian data), as model artifacts store them.
 * Only what the exporter needs: F32 tensors, others are refused.
 */
import { readFile } from 'node:fs/promises';
import { CnnError } from '../errors.js';
import type { WeightSource } from './onnx-ops.js';

export async function readSafetensorsF32(path: string): Promise<WeightSource & { names: string[] }> {
  const buf = await readFile(path);
  if (buf.length < 8) throw new CnnError('WEIGHTS_INVALID', `${path} is too short for a safetensors file`);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen > buf.length - 8) throw new CnnError('WEIGHTS_INVALID', `${path}: header length ${headerLen} exceeds the file`);
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + headerLen;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  return {
    names,
    get(name: string) {
      const t = header[name];
      if (!t || name === '__metadata__') throw new CnnError('ENGINE_WEIGHTS_MISMATCH', `the weights have no tensor '${name}'`);
      if (t.dtype !== 'F32') throw new CnnError('WEIGHTS_INVALID', `tensor '${name}' is ${t.dtype}; export reads F32 tensors`);
      const [from, to] = t.data_offsets;
      // Copy: the file buffer's offsets need not be 4-byte aligned.
      const bytes = buf.subarray(base + from, base + to);
      const data = new Float32Array(bytes.length / 4);
      new Uint8Array(data.buffer).set(bytes);
      return { shape: t.shape, data };
    },
  };
}
