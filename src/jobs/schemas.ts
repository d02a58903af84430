/**
 * Job requests and results: the zod schemas that REST, gRPC and the worker
 * share. A job is validated completely here before it is queued; the worker
 * trusts what it dequeues only after parsing it again with the same schema.
 */
import { z } from 'zod';

export const ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id like ds_abc123');

export const OptimizerSchema = z
  .object({
    type: z.enum(['sgd', 'adam']).default('adam'),
    learningRate: z.number().positive().max(10).optional().describe('Default 0.001 for adam, 0.01 for sgd.'),
    momentum: z.number().min(0).max(1).default(0.9).describe('sgd only.'),
    weightDecay: z.number().min(0).max(1).default(0),
  })
  .strict();

export const EarlyStoppingSchema = z
  .object({
    monitor: z.enum(['valLoss', 'valAccuracy']).default('valLoss'),
    patience: z.number().int().min(0).max(1000).default(3),
    minDelta: z.number().min(0).default(0),
    restoreBestWeights: z.boolean().default(true),
  })
  .strict();

/** Keras ImageDataGenerator semantics (the tutorial's section 8). */
export const AugmentationSchema = z
  .object({
    rotationRange: z.number().min(0).max(180).default(0).describe('Degrees; a rotation is drawn uniformly in ±rotationRange.'),
    widthShiftRange: z.number().min(0).max(1).default(0).describe('Fraction of the width; shift drawn in ±range.'),
    heightShiftRange: z.number().min(0).max(1).default(0).describe('Fraction of the height.'),
    horizontalFlip: z.boolean().default(false).describe('Mirror half of the images left-right.'),
    zoomRange: z.number().min(0).max(1).default(0).describe('Zoom drawn in [1-z, 1+z] per axis.'),
  })
  .strict();

export const DeviceSchema = z.enum(['auto', 'cpu', 'cuda']);
export const ResizeSchema = z.enum(['stretch', 'pad', 'crop']).describe('How images whose size differs from the spec input are brought to it.');

export const TrainingOptionsSchema = z
  .object({
    epochs: z.number().int().min(1).max(1000).default(5),
    batchSize: z.number().int().min(1).max(4096).default(32),
    optimizer: OptimizerSchema.default({ type: 'adam', momentum: 0.9, weightDecay: 0 }),
    validationSplit: z.number().min(0).max(0.5).default(0.1).describe('Held out of train when the dataset has no test split.'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    earlyStopping: EarlyStoppingSchema.optional(),
    augmentation: AugmentationSchema.optional(),
    device: DeviceSchema.default('auto'),
    resize: ResizeSchema.default('stretch'),
  })
  .strict();

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

export const JobRequestSchema = z.discriminatedUnion('type', [TrainJobSchema, EvaluateJobSchema]);

export type TrainingOptions = z.infer<typeof TrainingOptionsSchema>;
export type TrainJob = z.infer<typeof TrainJobSchema>;
export type EvaluateJob = z.infer<typeof EvaluateJobSchema>;
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
}
