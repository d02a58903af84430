/**
 * Zoo references: `{ "zoo": NAME, "numClasses": K, "inputShape": [H, W, C] }`
 * validated with zod and expanded to an ordinary spec.
 */
import { z } from 'zod';
import { CnnError, formatPath } from '../../errors.js';
import { receivedText, show } from '../issue-text.js';
import { modelSpecSchema, type ModelSpecInput } from '../schema.js';
import type { InputShape } from './model.js';
import { ZOO_MODELS, ZOO_NAMES, type ZooName } from './registry.js';

const positiveInt = (() => {
  const error = 'expected a positive integer';
  return z.number({ error }).int({ error }).min(1, { error });
})();

export const zooRefSchema = z.strictObject(
  {
    zoo: z.enum(ZOO_NAMES, { error: `expected one of ${ZOO_NAMES.join(', ')}` }).describe('The zoo model to expand.'),
    numClasses: positiveInt.optional().describe('Output classes; default 1000 (lenet5: 10).'),
    inputShape: z
      .tuple([positiveInt, positiveInt, positiveInt], { error: 'expected [height, width, channels] of positive integers' })
      .optional()
      .describe('[H, W, C]; default [224, 224, 3] ([299, 299, 3] for inception_v3, [32, 32, 1] for lenet5).'),
  },
  { error: 'expected a zoo reference { "zoo": NAME, "numClasses"?: K, "inputShape"?: [H, W, C] }' },
);

/** What every spec entry point accepts: a spec or a zoo reference (for API documentation). */
export const specOrZooRefSchema = z.union([modelSpecSchema, zooRefSchema]);

export type ZooRefInput = z.input<typeof zooRefSchema>;
export type ZooRef = z.output<typeof zooRefSchema>;

/** True for an object with a `zoo` key: such input is read as a zoo reference, never as a spec. */
export function isZooRef(input: unknown): input is Record<string, unknown> & { zoo: unknown } {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && Object.hasOwn(input, 'zoo');
}

/** Validates a zoo reference and returns the spec it stands for; throws CnnError SPEC_INVALID naming the field. */
export function expandZoo(ref: unknown): ModelSpecInput {
  const result = zooRefSchema.safeParse(ref, { reportInput: true });
  if (!result.success) throw refError(result.error.issues[0]);
  const { zoo, numClasses, inputShape } = result.data;
  const model = ZOO_MODELS[zoo];
  const shape: InputShape = inputShape ?? [...model.defaultInput];
  if (Math.min(shape[0], shape[1]) < model.minInputPx) {
    throw new CnnError(
      'SPEC_INVALID',
      `${zoo} needs an input of at least ${model.minInputPx}x${model.minInputPx} px, received ${show(shape)}`,
      'inputShape',
    );
  }
  return model.build({ numClasses: numClasses ?? model.defaultClasses, inputShape: shape });
}

function refError(issue: z.core.$ZodIssue | undefined): CnnError {
  if (!issue) return new CnnError('SPEC_INVALID', 'the zoo reference does not match its schema');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const allowed = Object.keys(zooRefSchema.shape).join(', ');
    return new CnnError('SPEC_INVALID', `unknown key '${key}' in a zoo reference; allowed keys: ${allowed}`, key);
  }
  const path = formatPath(issue.path);
  if (path === 'zoo' && issue.input !== undefined) {
    return new CnnError('SPEC_INVALID', `unknown zoo model ${show(issue.input)}; available: ${ZOO_NAMES.join(', ')}`, 'zoo');
  }
  return new CnnError('SPEC_INVALID', `${issue.message}${receivedText(issue)}`, path === '' ? undefined : path);
}

export type { ZooName };
