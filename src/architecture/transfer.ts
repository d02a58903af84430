/**
 * Transfer-learning plans on specs: every layer of a base model named as the
 * summary names it, the head (the last dense layer) resized to the new class
 * count, and which base layers a fine-tuning stage unfreezes. Pure: the
 * submit-time check and the finetune processor plan the same way.
 *
 * Blocks: a layer named `a.b.c…` (three or more segments, as torchvision's
 * `layer4.1.conv1` or `features.16.conv.0.0`) belongs to block `a.b`; any other
 * layer is its own block. "Top N blocks" are the last N blocks of the base
 * that hold parameters.
 */
import { CnnError } from '../errors.js';
import { compileNested, type CompileOptions } from './index.js';

interface SpecLayer {
  type: string;
  name?: string;
  units?: number;
  trainable?: boolean;
  [k: string]: unknown;
}

interface Spec {
  input: unknown;
  layers: SpecLayer[];
  [k: string]: unknown;
}

const PARAM_TYPES = new Set(['conv2d', 'dense', 'batchNorm']);

export function blockOf(name: string): string {
  const parts = name.split('.');
  return parts.length >= 3 ? parts.slice(0, 2).join('.') : name;
}

export interface TransferPlan {
  /** The base spec with every layer named, the head resized to the new classes. */
  spec: Spec;
  head: string;
  headReplaced: boolean;
  /** Parameter layers of the base, in order. */
  baseLayers: string[];
}

/** Names every layer (as the summary does) and resizes the head to `numClasses`. */
export function planTransfer(baseSpec: unknown, numClasses: number, opts: CompileOptions = {}): TransferPlan {
  const compiled = compileNested(baseSpec, 'baseModel.spec', opts);
  const spec = structuredClone(compiled.spec) as unknown as Spec;
  spec.layers.forEach((l, i) => (l.name = compiled.summary.layers[i]!.name));
  const headIdx = spec.layers.findLastIndex((l) => l.type === 'dense');
  if (headIdx < 0) throw new CnnError('DATASET_INCOMPATIBLE', 'the base model has no dense head to replace', 'baseModelId');
  const head = spec.layers[headIdx]!;
  const headReplaced = head.units !== numClasses;
  head.units = numClasses;
  const baseLayers = spec.layers.filter((l, i) => i !== headIdx && PARAM_TYPES.has(l.type)).map((l) => l.name!);
  return { spec, head: head.name!, headReplaced, baseLayers };
}

/** The base layers a fineTune stage unfreezes. */
export function unfrozenLayers(plan: TransferPlan, unfreeze: { topBlocks: number } | { fromLayer: string }, at: string): string[] {
  if ('fromLayer' in unfreeze) {
    const i = plan.baseLayers.indexOf(unfreeze.fromLayer);
    if (i < 0) {
      const all = plan.spec.layers.map((l) => l.name!);
      if (all.includes(unfreeze.fromLayer)) {
        // A parameterless layer: start at the next layer that has parameters.
        const after = all.slice(all.indexOf(unfreeze.fromLayer));
        return plan.baseLayers.filter((n) => after.includes(n));
      }
      throw new CnnError('VALIDATION_FAILED', `no layer '${unfreeze.fromLayer}' in the base model; its layers include ${plan.baseLayers.slice(-5).join(', ')}`, `${at}.fromLayer`);
    }
    return plan.baseLayers.slice(i);
  }
  const blocks = [...new Set(plan.baseLayers.map(blockOf))];
  const top = new Set(blocks.slice(Math.max(0, blocks.length - unfreeze.topBlocks)));
  return plan.baseLayers.filter((n) => top.has(blockOf(n)));
}

/** The spec with only the head and `unfrozen` trainable. */
export function withTrainable(plan: TransferPlan, unfrozen: ReadonlySet<string>): Spec {
  const spec = structuredClone(plan.spec);
  for (const l of spec.layers) l.trainable = l.name === plan.head || unfrozen.has(l.name!) || !PARAM_TYPES.has(l.type);
  return spec;
}

