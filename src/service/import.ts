/**
 * Importing published weights: a safetensors file or a torch.save zip
 * checkpoint (converted by src/weights) plus a zoo name or a spec
 * becomes a model like any trained one, ready to evaluate, predict or
 * fine-tune. The weights must fit exactly; missing, unexpected and mis-shaped
 * tensors are listed by name.
 */
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { CnnError, isCnnError } from '../errors.js';
import { createEngineModel } from '../engine/index.js';
import { compileNested, compileSpec } from '../architecture/index.js';
import { newId } from '../store/blobs.js';
import { sniffWeights, torchZipToSafetensors } from '../weights/torch-zip.js';
import { saveModelArtifact, type ModelRecord, type Preprocessing } from '../store/models.js';
import type { ServiceContext } from './context.js';
import { parseOrThrow } from './validate.js';

/** torchvision's ImageNet normalization, the default for 3-channel zoo imports. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

export const ImportRequestSchema = z
  .object({
    zoo: z.string().min(1).optional().describe('A zoo name (see GET /v1/zoo); or give `spec`.'),
    spec: z.unknown().optional().describe('An architecture spec; or give `zoo`.'),
    numClasses: z.number().int().min(2).max(100_000).optional().describe('With zoo: classes of the weights (default 1000).'),
    inputShape: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]).optional().describe('With zoo: [H, W, C].'),
    classNames: z.array(z.string().min(1).max(100)).min(2).optional().describe("Default '0'..'K-1'."),
    name: z.string().min(1).max(100).optional(),
    mean: z.array(z.number()).min(1).max(4).optional().describe('Per-channel mean after scaling to [0, 1]; default ImageNet for 3-channel zoo models, else 0.'),
    std: z.array(z.number().positive()).min(1).max(4).optional().describe('Per-channel std; default ImageNet for 3-channel zoo models, else 1.'),
    resize: z.enum(['stretch', 'pad', 'crop']).default('stretch'),
  })
  .strict()
  .refine((b) => (b.zoo === undefined) !== (b.spec === undefined), { message: 'give exactly one of zoo and spec', path: ['zoo'] });

export type ImportRequest = z.infer<typeof ImportRequestSchema>;

export async function importModel(ctx: ServiceContext, tenant: string, input: { weightsPath: string; body: unknown }): Promise<ModelRecord> {
  const req = parseOrThrow(ImportRequestSchema, input.body);
  const specInput = req.zoo !== undefined ? { zoo: req.zoo, ...(req.numClasses ? { numClasses: req.numClasses } : {}), ...(req.inputShape ? { inputShape: req.inputShape } : {}) } : req.spec;
  // A zoo reference's fields are top-level fields here, so its errors need no prefix.
  const compiled = req.zoo !== undefined ? compileSpec(specInput, { maxParams: ctx.config.limits.maxParams }) : compileNested(specInput, 'spec', { maxParams: ctx.config.limits.maxParams });
  const out = compiled.summary.outputShape;
  if (out.length !== 1) throw new CnnError('SPEC_INVALID', 'a classifier must end in a vector of class scores', 'spec');
  const k = out[0]!;
  const classes = req.classNames ?? Array.from({ length: k }, (_, i) => String(i));
  if (classes.length !== k) throw new CnnError('VALIDATION_FAILED', `classNames has ${classes.length} names but the model has ${k} outputs`, 'classNames');
  const [h, w, c] = compiled.summary.inputShape as [number, number, number];
  const imagenet = req.zoo !== undefined && c === 3;
  const mean = req.mean ?? (imagenet ? IMAGENET_MEAN : new Array<number>(c).fill(0));
  const std = req.std ?? (imagenet ? IMAGENET_STD : new Array<number>(c).fill(1));
  if (mean.length !== c || std.length !== c) throw new CnnError('VALIDATION_FAILED', `mean and std need ${c} values, one per channel`, req.mean?.length !== c ? 'mean' : 'std');
  const preprocessing: Preprocessing = { inputShape: [h, w, c], resize: req.resize, scale: 1 / 255, mean, std };

  const weightsPath = await asSafetensors(input.weightsPath);
  const model = await createEngineModel(compiled.graph, { device: 'cpu', seed: 0 });
  try {
    try {
      await model.loadWeights(weightsPath, { strict: true });
    } catch (e) {
      // A bad upload is the client's input: say what is wrong without the server's file path.
      if (isCnnError(e) && e.code === 'ENGINE_IO_ERROR') {
        throw new CnnError('WEIGHTS_INVALID', `not a readable safetensors file (${e.reason.replace(/'[^']*'/g, 'the file')})`, 'weights');
      }
      if (isCnnError(e)) throw new CnnError(e.code, e.reason.replace(/'\/[^']*'/g, 'the weights file'), 'weights', e.details);
      throw e;
    }
    const counts = model.paramCounts();
    return await saveModelArtifact(ctx, model, {
      id: newId('mdl'),
      source: 'import',
      tenant,
      ...(req.name ? { name: req.name } : {}),
      spec: compiled.spec,
      classes,
      preprocessing,
      params: { total: counts.total, trainable: counts.trainable, frozen: counts.frozen, bnRunningStats: counts.buffers },
    });
  } finally {
    model.dispose();
    if (weightsPath !== input.weightsPath) await rm(weightsPath, { force: true });
  }
}

/** The upload as a safetensors file: a torch.save zip checkpoint is converted beside it; a legacy one is refused. */
async function asSafetensors(path: string): Promise<string> {
  const format = await sniffWeights(path);
  if (format === 'torch-legacy') {
    throw new CnnError('WEIGHTS_LEGACY_FORMAT', 'this is a pre-1.6 torch.save file; load it in PyTorch and save it again (torch.save writes the zip format since 1.6)', 'weights');
  }
  if (format !== 'torch-zip') return path;
  const out = `${path}.converted.safetensors`;
  try {
    await torchZipToSafetensors(path, out);
  } catch (e) {
    await rm(out, { force: true });
    throw e;
  }
  return out;
}

/** Multipart text fields → the request object: JSON where a field holds structure, numbers as numbers. */
export function importFieldsToBody(fields: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const json = (name: string, raw: string): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      throw new CnnError('VALIDATION_FAILED', `${name} must be JSON`, name);
    }
  };
  for (const [k, raw] of Object.entries(fields)) {
    const v = raw.trim();
    if (k === 'spec' || k === 'mean' || k === 'std') body[k] = json(k, v);
    else if (k === 'inputShape') body[k] = v.startsWith('[') ? json(k, v) : v.split(',').map((x) => Number(x.trim()));
    else if (k === 'classNames') body[k] = v.startsWith('[') ? json(k, v) : v.split(',').map((x) => x.trim());
    else if (k === 'numClasses') body[k] = Number(v);
    else body[k] = v;
  }
  return body;
}
