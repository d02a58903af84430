/**
 * Per-sample predictions of an evaluation, for the misclassified-images view:
 * per evaluated row its packed-cache index, true class, predicted class and
 * top-5 (class, probability). One compact little-endian binary file per job,
 * `<dataDir>/jobs/<jobId>/predictions.bin`:
 *   magic "CNNP", u32 version, u32 count, u32 k (top entries per row), then per
 *   row: i32 index, u16 true, u16 predicted, k × u16 class, k × f32 probability.
 * A row with fewer than k classes pads with class 0xFFFF, probability 0.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from './blobs.js';
import { writeFileAtomic } from './blobs.js';

export const PREDICTIONS_TOP = 5;
const MAGIC = 0x504e4e43; // "CNNP" little-endian
const VERSION = 1;
const HEADER = 16;
const NONE = 0xffff;

export interface SamplePrediction {
  index: number;
  trueClass: number;
  predicted: number;
  top: { classIndex: number; probability: number }[];
}

export function predictionsPath(blobs: BlobStore, jobId: string): string {
  return join(blobs.dataDir, 'jobs', jobId, 'predictions.bin');
}

function rowBytes(k: number): number {
  return 8 + 2 * k + 4 * k;
}

/** Rows from n × K probabilities: the row indices and labels are the evaluated rows'. */
export function predictionsFromProbabilities(probs: Float32Array, indices: Int32Array, labels: ArrayLike<number>, K: number): SamplePrediction[] {
  const out: SamplePrediction[] = [];
  const k = Math.min(PREDICTIONS_TOP, K);
  for (let r = 0; r < indices.length; r++) {
    const row = probs.subarray(r * K, (r + 1) * K);
    const order = Array.from({ length: K }, (_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, k);
    out.push({ index: indices[r]!, trueClass: labels[r]!, predicted: order[0]!, top: order.map((j) => ({ classIndex: j, probability: row[j]! })) });
  }
  return out;
}

export function encodePredictions(rows: SamplePrediction[]): Buffer {
  const k = PREDICTIONS_TOP;
  const rb = rowBytes(k);
  const buf = Buffer.alloc(HEADER + rows.length * rb);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(VERSION, 4);
  buf.writeUInt32LE(rows.length, 8);
  buf.writeUInt32LE(k, 12);
  rows.forEach((r, i) => {
    const o = HEADER + i * rb;
    buf.writeInt32LE(r.index, o);
    buf.writeUInt16LE(r.trueClass, o + 4);
    buf.writeUInt16LE(r.predicted, o + 6);
    for (let j = 0; j < k; j++) {
      const t = r.top[j];
      buf.writeUInt16LE(t ? t.classIndex : NONE, o + 8 + 2 * j);
      buf.writeFloatLE(t ? t.probability : 0, o + 8 + 2 * k + 4 * j);
    }
  });
  return buf;
}

export function decodePredictions(buf: Buffer): SamplePrediction[] {
  if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== VERSION) throw new Error('not a predictions file');
  const n = buf.readUInt32LE(8);
  const k = buf.readUInt32LE(12);
  const rb = rowBytes(k);
  if (buf.length !== HEADER + n * rb) throw new Error('predictions file has the wrong size');
  const rows: SamplePrediction[] = [];
  for (let i = 0; i < n; i++) {
    const o = HEADER + i * rb;
    const top: SamplePrediction['top'] = [];
    for (let j = 0; j < k; j++) {
      const c = buf.readUInt16LE(o + 8 + 2 * j);
      if (c !== NONE) top.push({ classIndex: c, probability: buf.readFloatLE(o + 8 + 2 * k + 4 * j) });
    }
    rows.push({ index: buf.readInt32LE(o), trueClass: buf.readUInt16LE(o + 4), predicted: buf.readUInt16LE(o + 6), top });
  }
  return rows;
}

export async function writePredictions(blobs: BlobStore, jobId: string, rows: SamplePrediction[]): Promise<void> {
  await writeFileAtomic(predictionsPath(blobs, jobId), encodePredictions(rows));
}

/** The job's rows, or null when its evaluation stored none. */
export async function readPredictions(blobs: BlobStore, jobId: string): Promise<SamplePrediction[] | null> {
  const buf = await readFile(predictionsPath(blobs, jobId)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  return buf ? decodePredictions(buf) : null;
}
