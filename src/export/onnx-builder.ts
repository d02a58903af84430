/**
 * A small ONNX graph builder: nodes, initializers, inputs and outputs with
 * fresh names, encoded as a ModelProto with protobufjs from the vendored
 * `vendor/onnx/onnx.proto`. It knows nothing of the spec language; the op
 * table in onnx-ops.ts emits nodes through it.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const OPSET = 17;
export const IR_VERSION = 8;

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
const AT = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

interface TensorProto {
  name: string;
  data_type: number;
  dims: number[];
  raw_data: Uint8Array;
}

interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: Array<Record<string, unknown>>;
}

/** A value's element type and shape; a string dimension is symbolic (`N`). */
export interface ValueType {
  elemType: number;
  shape: Array<number | string>;
}

let modelType: protobuf.Type | undefined;

function onnxModelType(): protobuf.Type {
  if (!modelType) {
    const path = fileURLToPath(new URL('../../vendor/onnx/onnx.proto', import.meta.url));
    modelType = new protobuf.Root().loadSync(path, { keepCase: true }).lookupType('onnx.ModelProto');
  }
  return modelType;
}

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; pass { float } for floats`);
    return { name, type: AT.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  return { name, type: AT.FLOATS, floats: v.floats };
}

function valueInfo(name: string, t: ValueType): Record<string, unknown> {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: t.elemType,
        shape: { dim: t.shape.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}

export class OnnxBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: Array<Record<string, unknown>> = [];
  private readonly outputs: Array<Record<string, unknown>> = [];
  private readonly used = new Set<string>();

  /** A name not used yet, derived from `base` (ONNX names must be unique in the graph). */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, t: ValueType): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, t));
    return name;
  }

  output(name: string, t: ValueType): void {
    this.outputs.push(valueInfo(name, t));
  }

  /** A float32 initializer with the given shape (little-endian raw bytes). */
  floats(base: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`initializer ${base}: ${data.length} values for shape [${dims.join(', ')}]`);
    const name = this.fresh(base);
    this.initializers.push({ name, data_type: DT.FLOAT, dims, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** An int64 initializer (shapes, axes, pads). */
  ints(base: string, values: number[]): string {
    const name = this.fresh(base);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, data_type: DT.INT64, dims: [values.length], raw_data: new Uint8Array(data.buffer) });
    return name;
  }

  scalar(base: string, value: number): string {
    return this.floats(base, [], new Float32Array([value]));
  }

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: string[], outBase: string, attrs: Record<string, AttrValue> = {}): string {
    const out = this.fresh(outBase);
    this.nodes.push({
      name: this.fresh(`${out}/${opType}`),
      op_type: opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Renames the output of the node that produced `value` (for the graph's named outputs). */
  rename(value: string, name: string): void {
    for (const n of this.nodes) n.output = n.output.map((o) => (o === value ? name : o));
    for (const n of this.nodes) n.input = n.input.map((i) => (i === value ? name : i));
    this.used.add(name);
  }

  encode(meta: { graphName: string; producer: string; producerVersion: string; docString: string; props: Record<string, string> }): Uint8Array {
    const T = onnxModelType();
    const model = {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: OPSET }],
      producer_name: meta.producer,
      producer_version: meta.producerVersion,
      doc_string: meta.docString,
      graph: {
        name: meta.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadata_props: Object.entries(meta.props).map(([key, value]) => ({ key, value })),
    };
    const err = T.verify(model);
    if (err) throw new Error(`ONNX model does not fit onnx.proto: ${err}`);
    return T.encode(T.fromObject(model)).finish();
  }
}
