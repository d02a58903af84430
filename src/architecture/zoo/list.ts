/** The zoo's catalogue: each model with its description, defaults, and parameter / MAC counts at those defaults. */
import { resolveModel } from '../infer.js';
import { buildSummary } from '../summary.js';
import { parseSpec } from '../validate.js';
import type { InputShape } from './model.js';
import { ZOO_MODELS, ZOO_NAMES, type ZooName } from './registry.js';

export interface ZooEntry {
  name: ZooName;
  description: string;
  /** [H, W, C] */
  defaultInput: InputShape;
  defaultClasses: number;
  /** Smallest height and width accepted. */
  minInputPx: number;
  /** Learnable parameters at the defaults (equal to torchvision's count). */
  params: number;
  /** Multiply-accumulates per image at the defaults (conv and dense). */
  macs: number;
}

let cached: readonly ZooEntry[] | undefined;

export function listZoo(): ZooEntry[] {
  cached ??= ZOO_NAMES.map((name): ZooEntry => {
    const model = ZOO_MODELS[name];
    const { totals } = buildSummary(resolveModel(parseSpec({ zoo: name })));
    return {
      name,
      description: model.description,
      defaultInput: [...model.defaultInput],
      defaultClasses: model.defaultClasses,
      minInputPx: model.minInputPx,
      params: totals.totalParams,
      macs: totals.macs,
    };
  });
  return cached.map((entry) => ({ ...entry, defaultInput: [...entry.defaultInput] }));
}
