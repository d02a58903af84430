/**
 * The engine's input normalization in float32, for callers that feed the
 * engine's float entry point or an `nchw-normalized` export: raw uint8 NHWC
 * pixels → x · (scale / std) + (−mean / std) per channel, transposed to NCHW.
 * The constants round as the engine's batch preparer rounds them.
 */
const f32 = Math.fround;

export interface Normalization {
  scale: number;
  mean: number[];
  std: number[];
}

/** Per-channel multiplier and offset, as float32 values. */
export function normalizationConstants(p: Normalization, c: number): { mul: Float32Array; add: Float32Array } {
  const mul = new Float32Array(c);
  const add = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = f32(p.std[i] ?? 1);
    const m = f32(p.mean[i] ?? 0);
    mul[i] = f32(1 / f32(s * f32(1 / p.scale)));
    add[i] = f32(-m / s);
  }
  return { mul, add };
}

export function normalizeToNchw(raw: Uint8Array, shape: { n: number; h: number; w: number; c: number }, p: Normalization): Float32Array {
  const { n, h, w, c } = shape;
  const { mul, add } = normalizationConstants(p, c);
  const out = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) {
      const m = mul[ch]!;
      const a = add[ch]!;
      const dst = (i * c + ch) * h * w;
      for (let px = 0; px < h * w; px++) out[dst + px] = f32(f32(raw[(i * h * w + px) * c + ch]! * m) + a);
    }
  return out;
}
