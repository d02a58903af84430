/**
 * Schema validation of a raw spec: turns the first zod issue into a CnnError
 * (SPEC_INVALID) whose path names the field and whose message says what was
 * expected and what was received.
 */
import type { z } from 'zod';
import { CnnError, formatPath } from '../errors.js';
import { receivedText, show } from './issue-text.js';
import { LAYER_SCHEMAS, LAYER_TYPES, modelSpecSchema, type LayerType, type ModelSpec } from './schema.js';
import { expandZoo, isZooRef } from './zoo/expand.js';

/** Keras / PyTorch spellings users are likely to try, mapped to ours. */
const TYPE_ALIASES: Record<string, LayerType> = {
  conv2d: 'conv2d',
  convolution2d: 'conv2d',
  maxpooling2d: 'maxPool2d',
  maxpool2d: 'maxPool2d',
  averagepooling2d: 'avgPool2d',
  avgpool2d: 'avgPool2d',
  globalaveragepooling2d: 'globalAvgPool2d',
  globalavgpool2d: 'globalAvgPool2d',
  globalmaxpooling2d: 'globalMaxPool2d',
  globalmaxpool2d: 'globalMaxPool2d',
  adaptiveavgpool2d: 'adaptiveAvgPool2d',
  zeropadding2d: 'zeroPadding2d',
  flatten: 'flatten',
  dense: 'dense',
  linear: 'dense',
  dropout: 'dropout',
  droppath: 'dropPath',
  stochasticdepth: 'dropPath',
  batchnormalization: 'batchNorm',
  batchnorm: 'batchNorm',
  batchnorm2d: 'batchNorm',
  activation: 'activation',
  add: 'add',
  concatenate: 'concat',
  concat: 'concat',
  multiply: 'multiply',
};

/**
 * Validates a raw spec against the schema; throws CnnError SPEC_INVALID on the
 * first issue. A zoo reference (`{ "zoo": "resnet18", ... }`) is expanded first.
 */
export function parseSpec(input: unknown): ModelSpec {
  const spec = isZooRef(input) ? expandZoo(input) : input;
  const result = modelSpecSchema.safeParse(spec, { reportInput: true });
  if (result.success) return result.data;
  const issue = pickIssue(result.error.issues);
  if (!issue) throw new CnnError('SPEC_INVALID', 'the spec does not match the schema');
  const { path, message } = describeIssue(issue);
  throw new CnnError('SPEC_INVALID', message, path === '' ? undefined : path, { issue: issue.code });
}

/**
 * The first issue, except that an unknown key in the same object wins: a
 * misspelled `kernelSzie` explains the "missing kernelSize" zod lists first.
 */
function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const first = issues[0];
  if (!first) return undefined;
  const typo = issues.find(
    (i) => i.code === 'unrecognized_keys' && i.path.length < first.path.length && i.path.every((p, k) => p === first.path[k]),
  );
  return typo ?? first;
}

function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const owner = issue.input;
    const type = isRecord(owner) && typeof owner.type === 'string' ? owner.type : undefined;
    const allowed = type !== undefined && isLayerType(type) ? Object.keys(LAYER_SCHEMAS[type].shape) : undefined;
    const where = type !== undefined ? ` in ${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type} layer` : '';
    const hint = allowed ? `; allowed keys: ${allowed.join(', ')}` : '';
    return { path: formatPath([...path, key]), message: `unknown key '${key}'${where}${hint}` };
  }
  if (issue.code === 'invalid_union' && issue.discriminator !== undefined) {
    // discriminatedUnion reports a missing or unknown `type` at `<layer>.type`, input = the layer.
    const owner = issue.input;
    const got = isRecord(owner) ? owner.type : undefined;
    const expected = `expected one of ${LAYER_TYPES.join(', ')}`;
    if (got === undefined) return { path: formatPath(path), message: `missing layer type; ${expected}` };
    const alias = typeof got === 'string' ? TYPE_ALIASES[got.toLowerCase().replace(/[_\s-]/g, '')] : undefined;
    const hint = alias !== undefined ? ` (did you mean '${alias}'?)` : '';
    return { path: formatPath(path), message: `unknown layer type ${show(got)}${hint}; ${expected}` };
  }
  return { path: formatPath(path), message: `${issue.message}${receivedText(issue)}` };
}

function isLayerType(t: string): t is LayerType {
  return Object.hasOwn(LAYER_SCHEMAS, t);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}