/**
 * PyTorch checkpoints as published (`torch.save`, zip format, the default
 * since PyTorch 1.6): a state dict, or a dict holding one under `state_dict`
 * or `model`, converted to a safetensors file with the same tensor names and
 * dtypes, so imports go through the one safetensors path. The pickle is read
 * by the restricted unpickler in pickle.ts: only tensors and plain containers
 * load; legacy (pre-1.6) files, unknown classes and non-tensor payloads are
 * refused with their own codes.
 */
import { open } from 'node:fs/promises';
import yauzl from 'yauzl';
import { CnnError } from '../errors.js';
import { DTYPE_BYTES, isTensor, PyDict, unpickle, type TensorRef } from './pickle.js';

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
/** A legacy torch.save file starts with a pickled magic number (protocol 2). */
const LEGACY_PICKLE = Buffer.from([0x80, 0x02]);

export type WeightsFormat = 'safetensors' | 'torch-zip' | 'torch-legacy' | 'unknown';

/** What kind of weights file `path` is, from its first bytes. */
export async function sniffWeights(path: string): Promise<WeightsFormat> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (bytesRead >= 4 && head.subarray(0, 4).equals(ZIP_MAGIC)) return 'torch-zip';
    // Before the pickle magic: a safetensors header of 640 bytes (0x280) also starts with 80 02.
    if (bytesRead >= 9 && head[8] === 0x7b /* { */) return 'safetensors';
    if (bytesRead >= 2 && head.subarray(0, 2).equals(LEGACY_PICKLE)) return 'torch-legacy';
    return 'unknown';
  } finally {
    await fh.close();
  }
}

function invalid(message: string): never {
  throw new CnnError('WEIGHTS_INVALID', `not a readable PyTorch checkpoint: ${message}`, 'weights');
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))));
}

async function entries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const out = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      out.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return out;
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The state dict inside the unpickled root: the root itself, or its `state_dict` / `model` entry. */
function findStateDict(root: unknown): Map<string, TensorRef> {
  const asStateDict = (v: unknown): Map<string, TensorRef> | undefined => {
    if (!(v instanceof PyDict) || v.entries.size === 0) return undefined;
    const out = new Map<string, TensorRef>();
    for (const [k, t] of v.entries) {
      if (typeof k !== 'string') return undefined;
      if (!isTensor(t)) return undefined;
      out.set(k, t);
    }
    return out;
  };
  const direct = asStateDict(root);
  if (direct) return direct;
  if (root instanceof PyDict) {
    for (const key of ['state_dict', 'model']) {
      const inner = asStateDict(root.entries.get(key));
      if (inner) return inner;
    }
    const keys = [...root.entries.keys()].map(String).slice(0, 8);
    throw new CnnError(
      'WEIGHTS_NOT_STATE_DICT',
      `the checkpoint holds a dict with ${keys.join(', ')}, but no state dict of tensors at its top or under 'state_dict' or 'model'`,
      'weights',
    );
  }
  throw new CnnError('WEIGHTS_NOT_STATE_DICT', 'the checkpoint does not hold a state dict (a dict of tensor names to tensors); save model.state_dict()', 'weights');
}

/** A tensor's elements in row-major order, copied out of its storage by its strides. */
function materialize(t: TensorRef, storage: Buffer): Buffer {
  const size = DTYPE_BYTES[t.storage.dtype];
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return Buffer.alloc(0);
  let last = t.offset;
  for (let d = 0; d < t.shape.length; d++) last += (t.shape[d]! - 1) * t.stride[d]!;
  if (last >= t.storage.numel || (last + 1) * size > storage.length) invalid(`a tensor reaches past the end of its storage`);
  let contiguous = true;
  for (let d = t.shape.length - 1, expect = 1; d >= 0; d--) {
    if (t.shape[d]! !== 1 && t.stride[d]! !== expect) contiguous = false;
    expect *= t.shape[d]!;
  }
  if (contiguous) return Buffer.from(storage.subarray(t.offset * size, (t.offset + numel) * size));
  const out = Buffer.alloc(numel * size);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < numel; i++) {
    let src = t.offset;
    for (let d = 0; d < idx.length; d++) src += idx[d]! * t.stride[d]!;
    storage.copy(out, i * size, src * size, (src + 1) * size);
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Converts a torch.save zip file to a safetensors file at `out`; returns the tensor count. */
export async function torchZipToSafetensors(path: string, out: string): Promise<number> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (e) {
    invalid(`the zip cannot be read (${(e as Error).message})`);
  }
  try {
    const all = await entries(zip);
    const pkl = [...all.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkl.length !== 1) invalid(pkl.length === 0 ? 'no data.pkl in the zip' : 'more than one data.pkl in the zip');
    const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
    const state = findStateDict(unpickle(await readEntry(zip, all.get(pkl[0]!)!)));

    const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
    let offset = 0;
    for (const [name, t] of state) {
      const n = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.storage.dtype];
      header[name] = { dtype: t.storage.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
      offset += n;
    }
    let json = Buffer.from(JSON.stringify(header), 'utf8');
    // The data starts 8-byte aligned, as the format recommends.
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const fh = await open(out, 'w');
    try {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      await fh.write(Buffer.concat([len, json]));
      let cached: { key: string; data: Buffer } | undefined;
      for (const t of state.values()) {
        if (cached?.key !== t.storage.key) {
          const entry = all.get(`${prefix}data/${t.storage.key}`);
          if (!entry) invalid(`storage ${t.storage.key} is missing from the zip`);
          cached = { key: t.storage.key, data: await readEntry(zip, entry) };
        }
        await fh.write(materialize(t, cached.data));
      }
    } finally {
      await fh.close();
    }
    return state.size;
  } finally {
    zip.close();
  }
}
