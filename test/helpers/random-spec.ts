/**
 * Deterministic generator of varied, valid architecture specs (conv with
 * groups / dilation / same / valid / explicit padding, pools, batch norm,
 * residual add, concat, squeeze-excitation multiply, zero padding, dense
 * heads, frozen layers). Used to cross-check parameter counts, e.g. the
 * native addon's against the spec layer's.
 *
 * It tracks shapes with its own small arithmetic so that every spec it emits
 * is valid without asking the code under test.
 */
import type { ModelSpecInput } from '../../src/architecture/index.js';
import { seededRandom } from '../../src/seeded-random.js';

type Layer = Record<string, unknown> & { type: string };

interface Tensor {
  /** id to reference it by; 'input' for the model input. */
  id: string;
  h: number;
  w: number;
  c: number;
}

export const makeRng = seededRandom;

const NON_SOFTMAX_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'silu',
  'gelu',
  'leakyRelu',
  'elu',
  'hardSwish',
  'hardSigmoid',
] as const;

class Builder {
  readonly layers: Layer[] = [];
  private counter = 0;
  constructor(readonly rnd: () => number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }

  /** Appends a layer with an explicit id (so branches can refer to it); returns the id. */
  push(layer: Layer, from: Tensor | Tensor[]): string {
    const id = `t${++this.counter}`;
    const sources = Array.isArray(from) ? from : [from];
    const prev = this.layers.length === 0 ? 'input' : (this.layers[this.layers.length - 1]!.id as string);
    const needsInputs = sources.length > 1 || sources[0]!.id !== prev || this.chance(0.2);
    const named = this.chance(0.3) ? { name: `block${this.counter}.${layer.type}` } : {};
    this.layers.push({ ...layer, id, ...named, ...(needsInputs ? { inputs: sources.map((s) => s.id) } : {}) });
    return id;
  }

  activation(): Record<string, unknown> {
    if (this.chance(0.4)) return {};
    const activation = this.pick(NON_SOFTMAX_ACTIVATIONS);
    const alpha = (activation === 'leakyRelu' || activation === 'elu') && this.chance(0.5) ? { alpha: 0.1 } : {};
    return { activation, ...alpha };
  }

  frozen(): Record<string, unknown> {
    return this.chance(0.15) ? { trainable: false } : {};
  }
}

/** floor((n + pads - dil*(k-1) - 1) / s) + 1 */
function outSize(n: number, k: number, s: number, pads: number, dil = 1): number {
  return Math.floor((n + pads - dil * (k - 1) - 1) / s) + 1;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** A conv layer from x; returns the new tensor. Falls back to `same` when the window does not fit. */
function conv(b: Builder, x: Tensor, opts: { filters?: number; stride?: number; same?: boolean; kernel?: number } = {}): Tensor {
  const groupsChoice = b.chance(0.25) ? b.pick(divisors(x.c)) : 1;
  // Grouped (and, with groups = channels, depthwise) convs get a multiple of groups as filters.
  const filters =
    opts.filters ??
    (groupsChoice > 1 ? groupsChoice * b.int(1, Math.max(1, Math.floor(32 / groupsChoice))) : b.pick([4, 8, 12, 16, 24, 32]));
  const groups = filters % groupsChoice === 0 ? groupsChoice : 1;
  const kh = opts.kernel ?? b.pick([1, 2, 3, 3, 5]);
  const kw = opts.kernel ?? (b.chance(0.2) ? b.pick([1, 3]) : kh);
  const stride = opts.stride ?? (b.chance(0.3) ? 2 : 1);
  const dilation = b.chance(0.15) ? 2 : 1;
  const layer: Layer = {
    type: 'conv2d',
    filters,
    kernelSize: kh === kw ? kh : [kh, kw],
    ...(stride !== 1 ? { strides: stride } : {}),
    ...(dilation !== 1 ? { dilation } : {}),
    ...(groups !== 1 ? { groups } : {}),
    ...(b.chance(0.2) ? { useBias: false } : {}),
    ...b.activation(),
    ...b.frozen(),
  };
  const mode = opts.same ? 'same' : b.pick(['same', 'valid', 'int', 'pair'] as const);
  let h: number;
  let w: number;
  const same = (): void => {
    layer.padding = 'same';
    h = Math.ceil(x.h / stride);
    w = Math.ceil(x.w / stride);
  };
  if (mode === 'same') same();
  else {
    const ph = mode === 'valid' ? 0 : b.int(0, 2);
    const pw = mode === 'pair' ? b.int(0, 2) : ph;
    h = outSize(x.h, kh, stride, 2 * ph, dilation);
    w = outSize(x.w, kw, stride, 2 * pw, dilation);
    if (h < 1 || w < 1) same();
    else if (mode === 'valid') layer.padding = b.chance(0.5) ? 'valid' : undefined;
    else layer.padding = mode === 'int' ? ph : [ph, pw];
    if (layer.padding === undefined) delete layer.padding;
  }
  const id = b.push(layer, x);
  return { id, h: h!, w: w!, c: filters };
}

function pool(b: Builder, x: Tensor): Tensor {
  const type = b.pick(['maxPool2d', 'avgPool2d']);
  const k = b.pick([2, 3]);
  const stride = b.chance(0.3) ? 1 : k;
  const layer: Layer = { type, poolSize: k, ...(stride !== k || b.chance(0.3) ? { strides: stride } : {}) };
  let h = outSize(x.h, k, stride, 0);
  let w = outSize(x.w, k, stride, 0);
  const mode = b.pick(['valid', 'same', 'int'] as const);
  if (mode === 'same' || h < 1 || w < 1) {
    layer.padding = 'same';
    h = Math.ceil(x.h / stride);
    w = Math.ceil(x.w / stride);
  } else if (mode === 'int') {
    const p = b.int(0, Math.floor(k / 2));
    layer.padding = p;
    h = outSize(x.h, k, stride, 2 * p);
    w = outSize(x.w, k, stride, 2 * p);
  }
  return { id: b.push(layer, x), h, w, c: x.c };
}

function batchNorm(b: Builder, x: Tensor): Tensor {
  const layer: Layer = {
    type: 'batchNorm',
    ...(b.chance(0.3) ? { epsilon: 1e-5 } : {}),
    ...(b.chance(0.3) ? { momentum: 0.9 } : {}),
    ...b.frozen(),
  };
  return { ...x, id: b.push(layer, x) };
}

function residual(b: Builder, x: Tensor): Tensor {
  let y = conv(b, x, { filters: x.c, stride: 1, same: true });
  if (b.chance(0.5)) y = batchNorm(b, y);
  if (b.chance(0.3)) y = { ...y, id: b.push({ type: 'dropPath', rate: 0.1 }, y) };
  const sum = { ...x, id: b.push({ type: 'add', inputs: [] }, [x, y]) };
  return b.chance(0.5) ? { ...sum, id: b.push({ type: 'activation', activation: 'relu' }, sum) } : sum;
}

function inception(b: Builder, x: Tensor): Tensor {
  const branches = b.int(2, 3);
  const outs: Tensor[] = [];
  for (let i = 0; i < branches; i++) outs.push(conv(b, x, { stride: 1, same: true, kernel: b.pick([1, 3, 5]) }));
  const c = outs.reduce((acc, t) => acc + t.c, 0);
  return { id: b.push({ type: 'concat', inputs: [] }, outs), h: x.h, w: x.w, c };
}

function squeezeExcite(b: Builder, x: Tensor): Tensor {
  const pooled: Tensor = { id: b.push({ type: 'adaptiveAvgPool2d', outputSize: 1 }, x), h: 1, w: 1, c: x.c };
  const squeezed = conv(b, pooled, { filters: Math.max(1, Math.floor(x.c / 4)), stride: 1, kernel: 1, same: true });
  const scale = b.push({ type: 'conv2d', filters: x.c, kernelSize: 1, activation: 'sigmoid' }, squeezed);
  const order: Tensor[] = b.chance(0.5) ? [x, { ...x, id: scale }] : [{ ...x, id: scale }, x];
  return { ...x, id: b.push({ type: 'multiply', inputs: [] }, order) };
}

function zeroPad(b: Builder, x: Tensor): Tensor {
  const t = b.int(0, 2);
  const bo = b.int(0, 2);
  const l = b.int(0, 2);
  const r = b.int(0, 2);
  const padding = b.pick([t, [t, l], [[t, bo], [l, r]]] as const);
  const [pt, pb, pl, pr] = typeof padding === 'number' ? [t, t, t, t] : typeof padding[0] === 'number' ? [t, t, l, l] : [t, bo, l, r];
  return { id: b.push({ type: 'zeroPadding2d', padding }, x), h: x.h + pt + pb, w: x.w + pl + pr, c: x.c };
}

/** A valid spec, the same for the same seed. */
export function randomValidSpec(seed: number): ModelSpecInput {
  const b = new Builder(makeRng(seed));
  const input = { shape: [b.int(8, 40), b.int(8, 40), b.pick([1, 3, 4])] as [number, number, number] };
  let x: Tensor = { id: 'input', h: input.shape[0], w: input.shape[1], c: input.shape[2] };
  x = conv(b, x);
  const blocks = b.int(1, 6);
  for (let i = 0; i < blocks; i++) {
    const kind = b.pick(['conv', 'pool', 'bn', 'residual', 'inception', 'se', 'pad', 'dropout', 'act'] as const);
    if (kind === 'conv') x = conv(b, x);
    else if (kind === 'pool') x = pool(b, x);
    else if (kind === 'bn') x = batchNorm(b, x);
    else if (kind === 'residual') x = residual(b, x);
    else if (kind === 'inception') x = inception(b, x);
    else if (kind === 'se') x = squeezeExcite(b, x);
    else if (kind === 'pad') x = zeroPad(b, x);
    else if (kind === 'dropout') x = { ...x, id: b.push({ type: 'dropout', rate: 0.25 }, x) };
    else x = { ...x, id: b.push({ type: 'activation', activation: b.pick(NON_SOFTMAX_ACTIVATIONS) }, x) };
  }
  // Head: flatten or global pooling, optional hidden dense, then the classifier.
  const headType = b.pick(['flatten', 'globalAvgPool2d', 'globalMaxPool2d']);
  let features = headType === 'flatten' ? x.h * x.w * x.c : x.c;
  let id = b.push({ type: headType }, x);
  if (b.chance(0.5)) {
    const units = b.pick([8, 16, 32, 64]);
    id = b.push({ type: 'dense', units, ...b.activation(), ...b.frozen() }, { id, h: 1, w: 1, c: features });
    features = units;
    if (b.chance(0.5)) id = b.push({ type: 'batchNorm' }, { id, h: 1, w: 1, c: features });
    if (b.chance(0.5)) id = b.push({ type: 'dropout', rate: 0.5 }, { id, h: 1, w: 1, c: features });
  }
  const classes = b.int(2, 12);
  const last: Layer = { type: 'dense', units: classes, ...(b.chance(0.7) ? { activation: 'softmax' } : {}) };
  b.push(last, { id, h: 1, w: 1, c: features });
  return { input, layers: b.layers } as unknown as ModelSpecInput;
}
