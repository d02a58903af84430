/**
 * One handler per layer type of the normalized graph (native/GRAPH.md): each
 * emits the ONNX nodes (opset 17) that compute exactly what the engine's
 * forward pass computes for that layer in inference mode. Adding a layer type
 * to the spec language means adding one entry here, and the export tests
 * compare every entry against the engine through ONNX Runtime.
 */
import type { Activation, NormalizedLayer, NormalizedLayerType, Padding4Array } from '../architecture/graph-types.js';
import type { OnnxBuilder } from './onnx-builder.js';

/** Float32 tensors by name, as the model artifact's safetensors file holds them. */
export interface WeightSource {
  get(name: string): { shape: number[]; data: Float32Array };
}

export interface OpContext {
  b: OnnxBuilder;
  weights: WeightSource;
  /** The input shapes (without batch) of the layer, in order. */
  inShapes: number[][];
}

type Handler<T extends NormalizedLayerType> = (ctx: OpContext, layer: Extract<NormalizedLayer, { type: T }>, inputs: string[]) => string;

/** The engine's activations (graph.cc `activate`), as ONNX nodes. */
export function emitActivation(b: OnnxBuilder, x: string, a: Activation, alpha: number, base: string): string {
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return b.node('Relu', [x], `${base}.relu`);
    case 'relu6':
      return b.node('Clip', [x, b.scalar(`${base}.min`, 0), b.scalar(`${base}.max`, 6)], `${base}.relu6`);
    case 'sigmoid':
      return b.node('Sigmoid', [x], `${base}.sigmoid`);
    case 'tanh':
      return b.node('Tanh', [x], `${base}.tanh`);
    case 'softmax':
      // at::softmax(x, 1): over channels (or features), one position at a time.
      return b.node('Softmax', [x], `${base}.softmax`, { axis: 1 });
    case 'silu':
      return b.node('Mul', [x, b.node('Sigmoid', [x], `${base}.sigmoid`)], `${base}.silu`);
    case 'gelu': {
      // The exact (erf) form, as at::gelu's default; the Gelu op needs opset 20.
      const scaled = b.node('Div', [x, b.scalar(`${base}.sqrt2`, Math.SQRT2)], `${base}.gelu_scaled`);
      const erf = b.node('Erf', [scaled], `${base}.gelu_erf`);
      const onePlus = b.node('Add', [erf, b.scalar(`${base}.one`, 1)], `${base}.gelu_1p`);
      const half = b.node('Mul', [x, b.scalar(`${base}.half`, 0.5)], `${base}.gelu_half`);
      return b.node('Mul', [half, onePlus], `${base}.gelu`);
    }
    case 'leakyRelu':
      return b.node('LeakyRelu', [x], `${base}.leaky_relu`, { alpha: { float: alpha } });
    case 'elu':
      return b.node('Elu', [x], `${base}.elu`, { alpha: { float: alpha } });
    case 'hardSwish':
      return b.node('HardSwish', [x], `${base}.hardswish`);
    case 'hardSigmoid':
      // at::hardsigmoid: relu6(x + 3) / 6.
      return b.node('HardSigmoid', [x], `${base}.hardsigmoid`, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
  }
}

/** [top, bottom, left, right] → ONNX order [top, left, bottom, right]. */
const onnxPads = (p: Padding4Array): number[] => [p[0], p[2], p[1], p[3]];

function param(ctx: OpContext, name: string): string {
  const t = ctx.weights.get(name);
  return ctx.b.floats(name, t.shape, t.data);
}

/**
 * Pads at the end of each spatial axis so that floor-mode pooling yields the
 * engine's output size: PyTorch's ceil mode adds a window only when it starts
 * inside the input or its leading padding, which ONNX Runtime's ceil mode
 * does not check. The extra cells never hold a window's only element.
 */
function poolPads(layer: { padding: Padding4Array; pool: [number, number]; stride: [number, number]; outShape: number[] }, inShape: number[]): number[] {
  const [t, bt, l, r] = layer.padding;
  const need = (inSize: number, before: number, after: number, k: number, s: number, out: number) => {
    const floorOut = Math.floor((inSize + before + after - k) / s) + 1;
    return after + Math.max(0, (out - floorOut) * s);
  };
  return [t, l, need(inShape[1]!, t, bt, layer.pool[0], layer.stride[0], layer.outShape[1]!), need(inShape[2]!, l, r, layer.pool[1], layer.stride[1], layer.outShape[2]!)];
}

/** Adaptive average pooling along one spatial axis, exact for any sizes: one mean per output cell. */
function adaptiveAxis(b: OnnxBuilder, x: string, axis: 2 | 3, inSize: number, outSize: number, base: string): string {
  if (inSize === outSize) return x;
  if (inSize % outSize === 0) {
    const k = inSize / outSize;
    const kernel = axis === 2 ? [k, 1] : [1, k];
    return b.node('AveragePool', [x], `${base}.pool_axis${axis}`, { kernel_shape: kernel, strides: kernel });
  }
  const cells: string[] = [];
  for (let i = 0; i < outSize; i++) {
    // at::adaptive_avg_pool2d's windows: [floor(i*in/out), ceil((i+1)*in/out)).
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    const slice = b.node('Slice', [x, b.ints(`${base}.start`, [start]), b.ints(`${base}.end`, [end]), b.ints(`${base}.axes`, [axis])], `${base}.cell`);
    cells.push(b.node('ReduceMean', [slice], `${base}.mean`, { axes: [axis], keepdims: 1 }));
  }
  return b.node('Concat', cells, `${base}.axis${axis}`, { axis });
}

const HANDLERS: { [T in NormalizedLayerType]: Handler<T> } = {
  conv2d: (ctx, l, [x]) => {
    const inputs = [x!, param(ctx, `${l.name}.weight`), ...(l.useBias ? [param(ctx, `${l.name}.bias`)] : [])];
    const y = ctx.b.node('Conv', inputs, l.name, {
      kernel_shape: l.kernel,
      strides: l.stride,
      pads: onnxPads(l.padding),
      dilations: l.dilation,
      group: l.groups,
    });
    return emitActivation(ctx.b, y, l.activation, l.alpha, l.name);
  },
  dense: (ctx, l, [x]) => {
    const inputs = [x!, param(ctx, `${l.name}.weight`), ...(l.useBias ? [param(ctx, `${l.name}.bias`)] : [])];
    const y = ctx.b.node('Gemm', inputs, l.name, { transB: 1 });
    return emitActivation(ctx.b, y, l.activation, l.alpha, l.name);
  },
  batchNorm: (ctx, l, [x]) => {
    const inputs = [x!, ...['weight', 'bias', 'running_mean', 'running_var'].map((p) => param(ctx, `${l.name}.${p}`))];
    const y = ctx.b.node('BatchNormalization', inputs, l.name, { epsilon: { float: l.epsilon } });
    return emitActivation(ctx.b, y, l.activation, l.alpha, l.name);
  },
  maxPool2d: (ctx, l, [x]) =>
    ctx.b.node('MaxPool', [x!], l.name, { kernel_shape: l.pool, strides: l.stride, pads: poolPads(l, ctx.inShapes[0]!) }),
  avgPool2d: (ctx, l, [x]) =>
    ctx.b.node('AveragePool', [x!], l.name, {
      kernel_shape: l.pool,
      strides: l.stride,
      pads: onnxPads(l.padding),
      ceil_mode: l.ceilMode ? 1 : 0,
      count_include_pad: l.countIncludePad ? 1 : 0,
    }),
  globalAvgPool2d: (ctx, l, [x]) => ctx.b.node('Flatten', [ctx.b.node('GlobalAveragePool', [x!], `${l.name}.pool`)], l.name, { axis: 1 }),
  globalMaxPool2d: (ctx, l, [x]) => ctx.b.node('Flatten', [ctx.b.node('GlobalMaxPool', [x!], `${l.name}.pool`)], l.name, { axis: 1 }),
  adaptiveAvgPool2d: (ctx, l, [x]) => {
    const [, h, w] = ctx.inShapes[0]!;
    const rows = adaptiveAxis(ctx.b, x!, 2, h!, l.outputSize[0], l.name);
    return adaptiveAxis(ctx.b, rows, 3, w!, l.outputSize[1], l.name);
  },
  zeroPadding2d: (ctx, l, [x]) => {
    const [t, bt, left, r] = l.padding;
    if (t + bt + left + r === 0) return x!;
    return ctx.b.node('Pad', [x!, ctx.b.ints(`${l.name}.pads`, [0, 0, t, left, 0, 0, bt, r])], l.name, { mode: 'constant' });
  },
  flatten: (ctx, l, [x]) => ctx.b.node('Flatten', [x!], l.name, { axis: 1 }),
  // Inference: dropout and stochastic depth pass their input through.
  dropout: (_ctx, _l, [x]) => x!,
  dropPath: (_ctx, _l, [x]) => x!,
  activation: (ctx, l, [x]) => emitActivation(ctx.b, x!, l.activation, l.alpha, l.name),
  add: (ctx, l, inputs) => ctx.b.node('Sum', inputs, l.name),
  concat: (ctx, l, inputs) => ctx.b.node('Concat', inputs, l.name, { axis: 1 }),
  multiply: (ctx, l, inputs) => ctx.b.node('Mul', inputs, l.name),
};

/** Emits one layer; returns the name of its output value. */
export function emitLayer(ctx: OpContext, layer: NormalizedLayer, inputs: string[]): string {
  const handler = HANDLERS[layer.type] as Handler<typeof layer.type>;
  return handler(ctx, layer as never, inputs);
}

export const EXPORTABLE_LAYER_TYPES = Object.keys(HANDLERS) as NormalizedLayerType[];
