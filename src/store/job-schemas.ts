/**
 * Job records: the zod schemas of job requests that REST, gRPC and the
 * worker share, and the record a job keeps (state, progress, history, result). A job is validated completely here before it is queued; the worker
 * trusts what it dequeues only after parsing it again with the same schema.
 */
import { z } from 'zod';

export const ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id like ds_abc123');

export const OptimizerSchema = z
  .object({
    type: z.enum(['sgd', 'adam', 'adamw', 'rmsprop']).default('adam'),
    learningRate: z.number().positive().max(10).optional().describe('Default 0.001 for adam/adamw/rmsprop, 0.01 for sgd.'),
    momentum: z.number().min(0).max(1).default(0.9).describe('sgd and rmsprop.'),
    nesterov: z.boolean().default(false).describe('sgd only; needs momentum > 0.'),
    weightDecay: z.number().min(0).max(1).default(0).describe('L2 penalty; decoupled for adamw.'),
  })
  .strict()
  .refine((o) => !o.nesterov || (o.type === 'sgd' && o.momentum > 0), { message: 'nesterov needs type sgd and momentum > 0', path: ['nesterov'] });

export const EarlyStoppingSchema = z
  .object({
    monitor: z.enum(['valLoss', 'valAccuracy']).default('valLoss'),
    patience: z.number().int().min(0).max(1000).default(3),
    minDelta: z.number().min(0).default(0),
    restoreBestWeights: z.boolean().default(true),
  })
  .strict();

const range = (min: number, max: number, what: string) =>
  z
    .union([z.number().min(min).max(max), z.tuple([z.number().min(min).max(max), z.number().min(min).max(max)])])
    .refine((v) => typeof v === 'number' || v[0] <= v[1], { message: `${what}: [lo, hi] needs lo <= hi` });

/** Keras ImageDataGenerator semantics (the tutorial's section 8), run as tensor ops on the device. */
export const AugmentationSchema = z
  .object({
    rotationRange: range(0, 180, 'rotationRange').default(0).describe('Degrees; a rotation is drawn uniformly in ±rotationRange (or [lo, hi]).'),
    widthShiftRange: range(-1, 1, 'widthShiftRange').default(0).describe('Fraction of the width; shift drawn in ±range.'),
    heightShiftRange: range(-1, 1, 'heightShiftRange').default(0).describe('Fraction of the height.'),
    shearRange: range(-90, 90, 'shearRange').default(0).describe('Shear angle in degrees.'),
    zoomRange: range(0, 1, 'zoomRange').default(0).describe('Zoom drawn in [1-z, 1+z] per axis (or [lo, hi]).'),
    horizontalFlip: z.boolean().default(false).describe('Mirror half of the images left-right.'),
    verticalFlip: z.boolean().default(false).describe('Mirror half of the images top-bottom.'),
    brightnessRange: z
      .tuple([z.number().min(0).max(10), z.number().min(0).max(10)])
      .refine((v) => v[0] <= v[1], { message: 'brightnessRange: [lo, hi] needs lo <= hi' })
      .optional()
      .describe('Pixel multiplier drawn in [lo, hi].'),
    fillMode: z.enum(['nearest', 'constant', 'reflect']).default('nearest').describe('How points outside the image are filled.'),
    cval: z.number().min(0).max(1).default(0).describe("Fill value for fillMode 'constant', in [0, 1]."),
    randomResizedCrop: z
      .object({
        scale: z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]).default([0.08, 1]),
        ratio: z.tuple([z.number().gt(0), z.number().gt(0)]).default([3 / 4, 4 / 3]),
      })
      .strict()
      .optional()
      .describe('ImageNet-style crop of a random area and aspect ratio, resized back to the input size.'),
  })
  .strict();

export const LrScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  z
    .object({
      type: z.literal('step'),
      stepSize: z.number().int().min(1).describe('Epochs between decays.'),
      gamma: z.number().gt(0).max(1).default(0.1),
    })
    .strict(),
  z
    .object({
      type: z.literal('cosine'),
      warmupEpochs: z.number().int().min(0).default(0).describe('Linear warm-up from lr/10 over these epochs.'),
      minLr: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('reduceOnPlateau'),
      monitor: z.enum(['valLoss', 'valAccuracy']).default('valLoss'),
      factor: z.number().gt(0).lt(1).default(0.1),
      patience: z.number().int().min(0).default(2),
      minDelta: z.number().min(0).default(0),
      minLr: z.number().min(0).default(0),
    })
    .strict(),
]);

export const DeviceSchema = z.enum(['auto', 'cpu', 'cuda']);
export const ResizeSchema = z.enum(['stretch', 'pad', 'crop']).describe('How images whose size differs from the spec input are brought to it.');

export const TrainingOptionsSchema = z
  .object({
    epochs: z.number().int().min(1).max(1000).default(5),
    batchSize: z.number().int().min(1).max(4096).default(32),
    optimizer: OptimizerSchema.default({ type: 'adam', momentum: 0.9, nesterov: false, weightDecay: 0 }),
    lrSchedule: LrScheduleSchema.default({ type: 'constant' }),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    classWeights: z
      .union([z.literal('balanced'), z.array(z.number().min(0)).min(2)])
      .optional()
      .describe("Loss weight per class, or 'balanced' (inverse class frequency in the training rows)."),
    gradientClipNorm: z.number().positive().optional().describe('Clip the global gradient L2 norm to this.'),
    validationSplit: z.number().min(0).max(0.5).default(0.1).describe('Held out of train when the dataset has no test split.'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    earlyStopping: EarlyStoppingSchema.optional(),
    maxDurationSeconds: z
      .number()
      .positive()
      .max(30 * 24 * 3600)
      .optional()
      .describe(
        'Time budget for the epochs (training and validation passes, counted across resumes). Checked at each epoch boundary: training stops when the budget is spent or the next epoch would not fit in it (at least one epoch always runs); the job then evaluates and keeps its model, as after a stop request.',
      ),
    augmentation: AugmentationSchema.optional(),
    device: DeviceSchema.default('auto'),
    precision: z.enum(['auto', 'fp32', 'bf16']).default('auto').describe('auto: bf16 autocast on CUDA and on CPUs with AVX512_BF16 or AMX-BF16 (detected at run time), fp32 elsewhere; fp32 and bf16 force one. The final evaluation and predict run in fp32.'),
    channelsLast: z.boolean().optional().describe('Default: on for CUDA; on the CPU, on when convolutions carry most of the multiply-adds.'),
    deterministic: z.boolean().default(false).describe('Deterministic kernels (slower; cuDNN benchmark off).'),
    resize: ResizeSchema.default('stretch'),
  })
  .strict();

const ALLOW_PREFLIGHT_ERRORS = z
  .boolean()
  .optional()
  .describe("Train even though the dataset's pre-flight report has errors (otherwise the job is refused with DATASET_PREFLIGHT_FAILED).");

export const TrainJobSchema = z
  .object({
    type: z.literal('train'),
    datasetId: ID,
    model: z
      .object({
        spec: z.unknown().describe('An architecture spec (see POST /v1/architectures/summary).'),
      })
      .strict(),
    training: TrainingOptionsSchema.default(TrainingOptionsSchema.parse({})),
    allowPreflightErrors: ALLOW_PREFLIGHT_ERRORS,
  })
  .strict();

export const EvaluateJobSchema = z
  .object({
    type: z.literal('evaluate'),
    modelId: ID,
    datasetId: ID,
    split: z.enum(['test', 'train', 'all']).default('test'),
    batchSize: z.number().int().min(1).max(4096).default(256),
    device: DeviceSchema.default('auto'),
  })
  .strict();

const UnfreezeSchema = z.union([
  z.object({ topBlocks: z.number().int().min(1).describe('Unfreeze the last N blocks of the base (a block: a zoo stage unit such as layer4.1, or one layer of a plain spec).') }).strict(),
  z.object({ fromLayer: z.string().min(1).describe('Unfreeze this layer and every later one.') }).strict(),
]);

export const FinetuneStrategySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('featureExtraction') }).strict(),
  z
    .object({
      type: z.literal('fineTune'),
      unfreeze: UnfreezeSchema.default({ topBlocks: 2 }),
      baseLearningRateFactor: z.number().gt(0).max(1).default(0.1).describe('Base layers learn at this fraction of the head learning rate.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('twoStage'),
      featureExtractionEpochs: z.number().int().min(1).max(1000),
      fineTuneEpochs: z.number().int().min(1).max(1000),
      unfreeze: UnfreezeSchema.default({ topBlocks: 2 }),
      baseLearningRateFactor: z.number().gt(0).max(1).default(0.1),
      fineTuneLearningRateFactor: z.number().gt(0).max(1).default(0.1).describe('Stage 2 runs at this fraction of the stage 1 learning rate.'),
    })
    .strict(),
]);

export const FinetuneJobSchema = z
  .object({
    type: z.literal('finetune'),
    baseModelId: ID,
    datasetId: ID,
    numClasses: z.number().int().min(2).max(100_000).optional().describe("Classes of the new task; default: the dataset's. The head is replaced when it differs from the base model's."),
    strategy: FinetuneStrategySchema,
    training: TrainingOptionsSchema.default(TrainingOptionsSchema.parse({})).describe('For twoStage, epochs is ignored: the stages set it.'),
    allowPreflightErrors: ALLOW_PREFLIGHT_ERRORS,
  })
  .strict();

export const JobRequestSchema = z.discriminatedUnion('type', [TrainJobSchema, EvaluateJobSchema, FinetuneJobSchema]);

export type TrainingOptions = z.infer<typeof TrainingOptionsSchema>;
export type TrainJob = z.infer<typeof TrainJobSchema>;
export type EvaluateJob = z.infer<typeof EvaluateJobSchema>;
export type FinetuneJob = z.infer<typeof FinetuneJobSchema>;
export type FinetuneStrategy = z.infer<typeof FinetuneStrategySchema>;
export type LrSchedule = z.infer<typeof LrScheduleSchema>;
export type Augmentation = z.infer<typeof AugmentationSchema>;
export type JobRequest = z.infer<typeof JobRequestSchema>;

export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number;
  imagesPerSec: number;
  /** Set on the first epoch run after a resume from a checkpoint. */
  resumed?: boolean;
  /** Fine-tune jobs: the stage this epoch belongs to. */
  stage?: string;
}

export interface ClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvalMetrics {
  loss: number;
  accuracy: number;
  top5?: number;
  count: number;
  perClass: ClassMetrics[];
  confusionMatrix: { classes: string[]; matrix: number[][] };
}

export interface JobProgress {
  stage: string;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  accuracy?: number;
  imagesPerSec?: number;
  /** 0..1 of the whole job. */
  fraction: number;
  updatedAt: string;
}

export interface JobError {
  code: string;
  message: string;
  path?: string;
}

export interface JobRecord {
  id: string;
  tenant: string;
  type: JobRequest['type'];
  state: JobState;
  request: JobRequest;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  progress?: JobProgress;
  history?: EpochRecord[];
  /** Epochs restored from a checkpoint when a retried job resumed. */
  resumedFromEpoch?: number;
  result?: Record<string, unknown>;
  error?: JobError;
  cancelRequested?: boolean;
  /** Set by a stop request: the job ends at the next epoch boundary and keeps its model. */
  stopRequested?: boolean;
}
