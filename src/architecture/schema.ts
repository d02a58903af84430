/**
 * Zod schemas of the architecture spec: the single source of truth for what a
 * user may write. Keras-like, camelCase, shapes in Keras order [H, W, C].
 *
 * Every static default is filled in here (so a parsed spec is explicit);
 * defaults that depend on other fields (pool strides, `same` padding, alpha)
 * are resolved during inference. Every check carries a message that says what
 * is expected; `parseSpec` adds what was received and the JSON path.
 */
import { z } from 'zod';

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'softmax',
  'silu',
  'gelu',
  'leakyRelu',
  'elu',
  'hardSwish',
  'hardSigmoid',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Largest number of layers a spec may list; far above any classic CNN, low enough to bound work. */
export const MAX_LAYERS = 10_000;

/** The id by which a layer's `inputs` refers to the model input. */
export const MODEL_INPUT_ID = 'input';

const NAME_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NAME_MAX_CHARS = 200;

// ---- building blocks -------------------------------------------------------

function positiveInt(what = 'a positive integer') {
  const error = `expected ${what}`;
  return z.number({ error }).int({ error }).min(1, { error });
}

function nonNegativeInt(what = 'a non-negative integer') {
  const error = `expected ${what}`;
  return z.number({ error }).int({ error }).min(0, { error });
}

/** `n` or `[h, w]`, both positive integers. */
function positivePair(what: string) {
  return z.union([positiveInt(), z.tuple([positiveInt(), positiveInt()], { error: `expected ${what}` })], {
    error: `expected ${what}`,
  });
}

const nameString = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'expected a non-empty string' })
  .max(NAME_MAX_CHARS, { error: `expected at most ${NAME_MAX_CHARS} characters` })
  .regex(NAME_PATTERN, {
    error: 'expected letters, digits, "_" or "-", optionally in dot-separated parts (e.g. "layer1.0.conv1")',
  });

const idRef = z.string({ error: 'expected a layer id (string)' }).min(1, { error: 'expected a non-empty layer id' });

const activation = z.enum(ACTIVATIONS, { error: `expected one of ${ACTIVATIONS.join(', ')}` });

const alpha = z
  .number({ error: 'expected a non-negative number' })
  .min(0, { error: 'expected a non-negative number' })
  .refine(Number.isFinite, { error: 'expected a finite number' })
  .describe('Slope of leakyRelu (default 0.3) or scale of elu (default 1.0); only for those two.');

const dropRate = z
  .number({ error: 'expected a number in [0, 1)' })
  .min(0, { error: 'expected a number in [0, 1)' })
  .lt(1, { error: 'expected a number in [0, 1)' });

/** conv padding: `valid`, `same`, `n` (symmetric) or `[h, w]` (symmetric per axis). */
const convPadding = z.union(
  [
    z.enum(['valid', 'same']),
    nonNegativeInt(),
    z.tuple([nonNegativeInt(), nonNegativeInt()]),
  ],
  { error: `expected 'valid', 'same', a non-negative integer or [h, w]` },
);

/** zeroPadding2d: `n`, `[h, w]` or `[[top, bottom], [left, right]]` (Keras ZeroPadding2D). */
const zeroPadding = z.union(
  [
    nonNegativeInt(),
    z.tuple([nonNegativeInt(), nonNegativeInt()]),
    z.tuple([z.tuple([nonNegativeInt(), nonNegativeInt()]), z.tuple([nonNegativeInt(), nonNegativeInt()])]),
  ],
  { error: 'expected a non-negative integer, [h, w] or [[top, bottom], [left, right]]' },
);

/** Fields every layer may carry. */
const common = {
  id: nameString.optional().describe('What other layers list in `inputs`; defaults to the name.'),
  name: nameString
    .optional()
    .describe('Unique layer name, also the prefix of its tensor names; default `<type>_<n>` (conv2d_1, dense_2).'),
  trainable: z
    .boolean({ error: 'expected true or false' })
    .default(true)
    .describe('false freezes the parameters (and runs batch norm in inference mode).'),
};

/** Layers with one input: `inputs` may name it; the default is the previous layer. */
const singleInput = {
  ...common,
  inputs: z
    .array(idRef, { error: 'expected an array with one layer id' })
    .length(1, { error: 'expected exactly one input id (merge branches with add, concat or multiply)' })
    .optional()
    .describe('Id of the input layer (`input` for the model input); default: the previous layer.'),
};

function mergeInputs(min: number, max?: number) {
  const what = max === min ? `exactly ${min} layer ids` : `an array of ${min} or more layer ids`;
  let arr = z.array(idRef, { error: `expected ${what}` }).min(min, { error: `expected ${what}` });
  if (max !== undefined) arr = arr.max(max, { error: `expected ${what}` });
  return arr;
}

// ---- layers ------------------------------------------------------------------

export const conv2dSchema = z.strictObject({
  type: z.literal('conv2d'),
  ...singleInput,
  filters: positiveInt(),
  kernelSize: positivePair('a kernel size n or [h, w] of positive integers'),
  strides: positivePair('strides n or [h, w] of positive integers').default(1),
  padding: convPadding
    .default('valid')
    .describe("'valid' (none), 'same' (Keras: output = ceil(input / stride)), n or [h, w] (symmetric zeros)."),
  dilation: positivePair('a dilation n or [h, w] of positive integers').default(1),
  groups: positiveInt()
    .default(1)
    .describe('Channel groups; must divide input channels and filters. groups = channels is a depthwise conv.'),
  useBias: z.boolean({ error: 'expected true or false' }).default(true),
  activation: activation.default('linear'),
  alpha: alpha.optional(),
});

const poolFields = {
  ...singleInput,
  poolSize: positivePair('a pool size n or [h, w] of positive integers').default(2),
  strides: positivePair('strides n or [h, w] of positive integers').optional().describe('Default: poolSize.'),
  padding: convPadding
    .default('valid')
    .describe("'valid', 'same' (Keras), or n / [h, w] (at most half the pool, as in PyTorch)."),
  ceilMode: z
    .boolean({ error: 'expected true or false' })
    .default(false)
    .describe(
      "PyTorch ceil_mode: round the output size up, keeping a last partial window if it starts inside the input " +
        "or its leading padding; not with 'same' padding, which already rounds up.",
    ),
};

export const maxPool2dSchema = z.strictObject({ type: z.literal('maxPool2d'), ...poolFields });
export const avgPool2dSchema = z.strictObject({
  type: z.literal('avgPool2d'),
  ...poolFields,
  countIncludePad: z
    .boolean({ error: 'expected true or false' })
    .optional()
    .describe(
      "Whether padded zeros count in the average (PyTorch count_include_pad). Default: true for explicit " +
        "padding (as in PyTorch), false for 'same' (as in Keras).",
    ),
});
export const globalAvgPool2dSchema = z.strictObject({ type: z.literal('globalAvgPool2d'), ...singleInput });
export const globalMaxPool2dSchema = z.strictObject({ type: z.literal('globalMaxPool2d'), ...singleInput });
export const adaptiveAvgPool2dSchema = z.strictObject({
  type: z.literal('adaptiveAvgPool2d'),
  ...singleInput,
  outputSize: positivePair('an output size n or [h, w] of positive integers'),
});
export const zeroPadding2dSchema = z.strictObject({
  type: z.literal('zeroPadding2d'),
  ...singleInput,
  padding: zeroPadding,
});
export const flattenSchema = z.strictObject({ type: z.literal('flatten'), ...singleInput });

export const denseSchema = z.strictObject({
  type: z.literal('dense'),
  ...singleInput,
  units: positiveInt(),
  useBias: z.boolean({ error: 'expected true or false' }).default(true),
  activation: activation.default('linear'),
  alpha: alpha.optional(),
});

export const dropoutSchema = z.strictObject({ type: z.literal('dropout'), ...singleInput, rate: dropRate });
export const dropPathSchema = z.strictObject({ type: z.literal('dropPath'), ...singleInput, rate: dropRate });

export const batchNormSchema = z.strictObject({
  type: z.literal('batchNorm'),
  ...singleInput,
  epsilon: z
    .number({ error: 'expected a positive number' })
    .positive({ error: 'expected a positive number' })
    .refine(Number.isFinite, { error: 'expected a finite number' })
    .default(1e-3),
  momentum: z
    .number({ error: 'expected a number in [0, 1]' })
    .min(0, { error: 'expected a number in [0, 1]' })
    .max(1, { error: 'expected a number in [0, 1]' })
    .default(0.99)
    .describe('Keras meaning: weight of the old running statistic (PyTorch momentum = 1 - this).'),
  activation: activation.default('linear'),
  alpha: alpha.optional(),
});

export const activationSchema = z.strictObject({
  type: z.literal('activation'),
  ...singleInput,
  activation,
  alpha: alpha.optional(),
});

export const addSchema = z.strictObject({ type: z.literal('add'), ...common, inputs: mergeInputs(2) });
export const concatSchema = z.strictObject({ type: z.literal('concat'), ...common, inputs: mergeInputs(2) });
export const multiplySchema = z.strictObject({ type: z.literal('multiply'), ...common, inputs: mergeInputs(2, 2) });

/** Every layer schema by its `type`; the order is the order shown in messages. */
export const LAYER_SCHEMAS = {
  conv2d: conv2dSchema,
  maxPool2d: maxPool2dSchema,
  avgPool2d: avgPool2dSchema,
  globalAvgPool2d: globalAvgPool2dSchema,
  globalMaxPool2d: globalMaxPool2dSchema,
  adaptiveAvgPool2d: adaptiveAvgPool2dSchema,
  zeroPadding2d: zeroPadding2dSchema,
  flatten: flattenSchema,
  dense: denseSchema,
  dropout: dropoutSchema,
  dropPath: dropPathSchema,
  batchNorm: batchNormSchema,
  activation: activationSchema,
  add: addSchema,
  concat: concatSchema,
  multiply: multiplySchema,
} as const;

export type LayerType = keyof typeof LAYER_SCHEMAS;
export const LAYER_TYPES = Object.keys(LAYER_SCHEMAS) as LayerType[];

export const layerSchema = z.discriminatedUnion(
  'type',
  [
    conv2dSchema,
    maxPool2dSchema,
    avgPool2dSchema,
    globalAvgPool2dSchema,
    globalMaxPool2dSchema,
    adaptiveAvgPool2dSchema,
    zeroPadding2dSchema,
    flattenSchema,
    denseSchema,
    dropoutSchema,
    dropPathSchema,
    batchNormSchema,
    activationSchema,
    addSchema,
    concatSchema,
    multiplySchema,
  ],
  // Only reached for a non-object; a missing or unknown `type` is reported by parseSpec.
  { error: 'expected a layer object such as { "type": "conv2d", ... }' },
);

export const inputSchema = z.strictObject(
  {
    shape: z.tuple([positiveInt(), positiveInt(), positiveInt()], {
      error: 'expected [height, width, channels] of positive integers',
    }),
  },
  { error: 'expected { "shape": [height, width, channels] }' },
);

export const modelSpecSchema = z.strictObject(
  {
    name: nameString.optional(),
    input: inputSchema,
    layers: z
      .array(layerSchema, { error: 'expected an array of layers' })
      .min(1, { error: 'expected at least one layer' })
      .max(MAX_LAYERS, { error: `expected at most ${MAX_LAYERS} layers` }),
  },
  { error: 'expected a spec object { "input": { "shape": [H, W, C] }, "layers": [...] }' },
);

/** A spec as a user writes it (defaults optional). */
export type ModelSpecInput = z.input<typeof modelSpecSchema>;
/** A parsed spec: static defaults filled in. */
export type ModelSpec = z.output<typeof modelSpecSchema>;
export type LayerSpec = ModelSpec['layers'][number];
export type LayerSpecOf<T extends LayerType> = Extract<LayerSpec, { type: T }>;
/** `n` or `[h, w]`. */
export type PairSpec = number | readonly [number, number];
export type PaddingSpec = z.output<typeof convPadding>;
export type ZeroPaddingSpec = z.output<typeof zeroPadding>;
/** A layer as a user writes it (defaults optional). */
export type LayerSpecInput = z.input<typeof layerSchema>;
