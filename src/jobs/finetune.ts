/**
 * The finetune processor: transfer learning from a stored model (trained or
 * imported) to a new dataset, with the tutorial's strategies:
 * - featureExtraction: the base is frozen (its batch norms in inference mode),
 *   only the head trains;
 * - fineTune: the top blocks of the base (or everything from a named layer)
 *   train too, at a lower learning rate than the head;
 * - twoStage: feature extraction, then fine-tuning, in one job.
 * The head (the last dense layer) is replaced when the class count differs.
 *
 * Blocks: a layer named `a.b.c…` (three or more segments, as torchvision's
 * `layer4.1.conv1` or `features.16.conv.0.0`) belongs to block `a.b`; any other
 * layer is its own block. "Top N blocks" are the last N blocks of the base
 * that hold parameters.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { CnnError } from '../errors.js';
import type { EngineModel } from '../engine/index.js';
import { compileNested } from '../service/architectures.js';
import type { ServiceContext } from '../service/context.js';
import { getDataset } from '../service/datasets.js';
import { getModel } from '../service/models.js';
import { loadTrainingData, splitIndices } from './common.js';
import { defaultLr, Fitter, type Stage } from './fit.js';
import type { JobRun } from './runner.js';
import type { FinetuneJob } from './schemas.js';

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
export function planTransfer(ctx: ServiceContext, baseSpec: unknown, numClasses: number): TransferPlan {
  const compiled = compileNested(ctx, baseSpec, 'baseModel.spec');
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
function withTrainable(plan: TransferPlan, unfrozen: ReadonlySet<string>): Spec {
  const spec = structuredClone(plan.spec);
  for (const l of spec.layers) l.trainable = l.name === plan.head || unfrozen.has(l.name!) || !PARAM_TYPES.has(l.type);
  return spec;
}

export async function runFinetune(run: JobRun): Promise<Record<string, unknown>> {
  const { ctx, job } = run;
  const req = job.request as FinetuneJob;
  const opts = req.training;
  const tStart = performance.now();

  const base = await getModel(ctx, job.tenant, req.baseModelId, 'baseModelId');
  const dataset = await getDataset(ctx, job.tenant, req.datasetId, 'datasetId');
  const numClasses = req.numClasses ?? dataset.classes.length;
  const plan = planTransfer(ctx, base.spec, numClasses);
  const lr = defaultLr(opts);
  const s = req.strategy;

  const stageFor = (name: string, unfrozen: string[], epochs: number, stageLr: number, baseFactor: number): Stage => ({
    name,
    graph: compileNested(ctx, withTrainable(plan, new Set(unfrozen)), 'baseModel.spec').graph,
    epochs,
    learningRate: stageLr,
    ...(unfrozen.length > 0 ? { groups: [{ layers: unfrozen, learningRate: stageLr * baseFactor }] } : {}),
  });
  let stages: Stage[];
  if (s.type === 'featureExtraction') stages = [stageFor('featureExtraction', [], opts.epochs, lr, 1)];
  else if (s.type === 'fineTune') stages = [stageFor('fineTune', unfrozenLayers(plan, s.unfreeze, 'strategy.unfreeze'), opts.epochs, lr, s.baseLearningRateFactor)];
  else {
    stages = [
      stageFor('featureExtraction', [], s.featureExtractionEpochs, lr, 1),
      stageFor('fineTune', unfrozenLayers(plan, s.unfreeze, 'strategy.unfreeze'), s.fineTuneEpochs, lr * s.fineTuneLearningRateFactor, s.baseLearningRateFactor),
    ];
  }

  await run.progress({ stage: 'preparing data', fraction: 0 });
  const pre = base.preprocessing;
  const data = await loadTrainingData(ctx, dataset, pre.inputShape, pre.resize, pre);
  const splits = splitIndices(data.meta, opts.validationSplit, opts.seed);
  const weights = join(ctx.blobs.modelDir(base.id), 'weights.safetensors');
  const initWeights = async (model: EngineModel): Promise<void> => {
    const report = await model.loadWeights(weights, { strict: !plan.headReplaced });
    const headTensors = new Set([`${plan.head}.weight`, `${plan.head}.bias`]);
    const unexpectedly = [...report.missing, ...report.unexpected, ...report.mismatched].filter((n) => !headTensors.has(n));
    if (unexpectedly.length > 0) {
      throw new CnnError('ENGINE_WEIGHTS_MISMATCH', `the base model's weights do not fit outside the head: ${unexpectedly.slice(0, 10).join(', ')}`, 'baseModelId', {
        missing: report.missing,
        unexpected: report.unexpected,
        mismatched: report.mismatched,
      });
    }
  };

  const fitter = new Fitter(run, { ...opts, epochs: stages.reduce((a, x) => a + x.epochs, 0) }, data, splits, numClasses);
  try {
    const fit = await fitter.fit(stages, initWeights);
    const result = await fitter.finish(
      fit,
      { dataset, classes: dataset.classes, spec: withTrainable(plan, new Set(plan.baseLayers)), preprocessing: pre, baseModelId: base.id },
      tStart,
    );
    return { ...result, strategy: s.type, headReplaced: plan.headReplaced };
  } finally {
    fitter.dispose();
  }
}
