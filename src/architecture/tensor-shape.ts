/**
 * The shape of one image's activations between layers: spatial (H, W, C) or a
 * vector (N). Converts to Keras order [H, W, C] (spec, summary) and PyTorch
 * order [C, H, W] (normalized graph).
 */

export type TensorShape =
  | { readonly kind: 'spatial'; readonly h: number; readonly w: number; readonly c: number }
  | { readonly kind: 'vector'; readonly n: number };

export type SpatialShape = Extract<TensorShape, { kind: 'spatial' }>;
export type VectorShape = Extract<TensorShape, { kind: 'vector' }>;

export function spatial(h: number, w: number, c: number): SpatialShape {
  return { kind: 'spatial', h, w, c };
}

export function vector(n: number): VectorShape {
  return { kind: 'vector', n };
}

/** Keras order: [H, W, C] or [N]. */
export function toKerasOrder(s: TensorShape): number[] {
  return s.kind === 'spatial' ? [s.h, s.w, s.c] : [s.n];
}

/** PyTorch order without batch: [C, H, W] or [N]. */
export function toTorchOrder(s: TensorShape): number[] {
  return s.kind === 'spatial' ? [s.c, s.h, s.w] : [s.n];
}

/** Channels of a spatial shape, features of a vector. */
export function channels(s: TensorShape): number {
  return s.kind === 'spatial' ? s.c : s.n;
}

export function elementCount(s: TensorShape): number {
  return s.kind === 'spatial' ? s.h * s.w * s.c : s.n;
}

export function sameShape(a: TensorShape, b: TensorShape): boolean {
  if (a.kind === 'spatial' && b.kind === 'spatial') return a.h === b.h && a.w === b.w && a.c === b.c;
  if (a.kind === 'vector' && b.kind === 'vector') return a.n === b.n;
  return false;
}

/** `[28, 28, 32]` (Keras order), for messages. */
export function showShape(s: TensorShape): string {
  return `[${toKerasOrder(s).join(', ')}]`;
}
