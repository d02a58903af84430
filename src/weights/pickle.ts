/**
 * A restricted unpickler for the `data.pkl` of a `torch.save` zip file. It
 * builds plain values only: numbers, strings, bytes, lists, tuples, dicts and
 * tensor references. Of Python's globals it knows exactly the few that
 * torch.save writes for tensors and state dicts (`collections.OrderedDict`,
 * `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter`, the
 * typed storage classes); any other global (`os.system`, a model class) is
 * refused by name. Nothing in the file is ever called or executed.
 */
import { CnnError } from '../errors.js';

/** A tensor's storage, as the zip's `data/<key>` record holds it. */
export interface StorageRef {
  kind: 'storage';
  dtype: StorageDtype;
  key: string;
  numel: number;
}

export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

export type StorageDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<StorageDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

const STORAGE_CLASSES: Record<string, StorageDtype> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** An ordered dict, as Python's (keys in insertion order). */
export class PyDict {
  readonly entries = new Map<unknown, unknown>();
}

class PyGlobal {
  constructor(readonly name: string) {}
}

class Mark {}
const MARK = new Mark();

type PyValue = unknown;

function refuse(message: string): never {
  throw new CnnError('WEIGHTS_UNSAFE_PICKLE', message, 'weights');
}

function bad(message: string): never {
  throw new CnnError('WEIGHTS_INVALID', `not a readable PyTorch checkpoint: ${message}`, 'weights');
}

const ALLOWED_GLOBALS = new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter', ...Object.keys(STORAGE_CLASSES).map((c) => `torch.${c}`)]);

function call(fn: PyValue, args: PyValue): PyValue {
  if (!(fn instanceof PyGlobal)) bad('a call of something that is not a known function');
  if (!Array.isArray(args)) bad(`${fn.name} called without an argument tuple`);
  switch (fn.name) {
    case 'collections.OrderedDict':
      return new PyDict();
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, shape, stride] = args as [unknown, unknown, unknown, unknown];
      if (!isStorage(storage) || typeof offset !== 'number' || !isIntList(shape) || !isIntList(stride) || shape.length !== stride.length) bad('a tensor with malformed storage, offset, shape or stride');
      return { kind: 'tensor', storage, offset, shape, stride } satisfies TensorRef;
    }
    case 'torch._utils._rebuild_parameter': {
      const [data] = args as [unknown];
      if (!isTensor(data)) bad('a parameter without a tensor');
      return data;
    }
    default:
      bad(`${fn.name} called as a function`);
  }
}

export const isTensor = (v: unknown): v is TensorRef => typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
const isStorage = (v: unknown): v is StorageRef => typeof v === 'object' && v !== null && (v as StorageRef).kind === 'storage';
const isIntList = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);

/** `('storage', torch.FloatStorage, key, location, numel)` → a storage reference. */
function persistentLoad(pid: PyValue): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) bad('a persistent id that is not a storage');
  const [, cls, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
  if (!(cls instanceof PyGlobal)) bad('a storage without a storage type');
  const dtype = STORAGE_CLASSES[cls.name.replace(/^torch\./, '')];
  if (!dtype) bad(`storage type ${cls.name}`);
  if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key) || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) bad('a storage with a malformed key or size');
  return { kind: 'storage', dtype, key, numel };
}

/** Unpickles `data` (pickle protocols 2 to 4) into plain values and tensor references. */
export function unpickle(data: Buffer): PyValue {
  let pos = 0;
  const stack: PyValue[] = [];
  const memo = new Map<number, PyValue>();
  const need = (n: number) => {
    if (pos + n > data.length) bad('the pickle ends early');
  };
  const u8 = () => (need(1), data[pos++]!);
  const u16 = () => (need(2), (pos += 2), data.readUInt16LE(pos - 2));
  const u32 = () => (need(4), (pos += 4), data.readUInt32LE(pos - 4));
  const i32 = () => (need(4), (pos += 4), data.readInt32LE(pos - 4));
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) bad('a line without its end');
    const s = data.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) bad('no mark on the stack');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const pop = (): PyValue => {
    if (stack.length === 0) bad('the stack is empty');
    return stack.pop();
  };
  const top = (): PyValue => {
    if (stack.length === 0) bad('the stack is empty');
    return stack[stack.length - 1];
  };
  const global = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) refuse(`the checkpoint names ${full}; only tensors and plain containers are loaded, nothing in a pickle is run`);
    return new PyGlobal(full);
  };
  const setItems = (dict: PyValue, kv: PyValue[]) => {
    if (!(dict instanceof PyDict)) bad('items set on something that is not a dict');
    for (let i = 0; i + 1 < kv.length; i += 2) dict.entries.set(kv[i], kv[i + 1]);
  };
  const append = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list)) bad('items appended to something that is not a list');
    list.push(...items);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) bad('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        bytes(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = u8();
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(data.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(bytes(u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(bytes(u8()).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        need(8);
        stack.push(bytes(Number(data.readBigUInt64LE((pos += 8) - 8))).toString('utf8'));
        break;
      case 0x54: // BINSTRING
        stack.push(bytes(u32()).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(bytes(u8()).toString('latin1'));
        break;
      case 0x42: // BINBYTES
        stack.push(Buffer.from(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Buffer.from(bytes(u8())));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) bad(`memo ${i} read before it was written`);
        stack.push(memo.get(i));
        break;
      }
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('a global without a module and a name');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ: only OrderedDict may be built this way
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: a state for the object below; OrderedDict's `_metadata` is not needed, so the state is dropped
        pop();
        if (!(top() instanceof PyDict)) bad('state set on an object that is not a dict');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      default:
        bad(`pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}
