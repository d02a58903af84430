/**
 * openapi.yaml, generated from the zod schemas the service validates with
 * (requests) and the response schemas below. `npm run openapi` writes it; a
 * test fails when the committed file differs from what this produces.
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import { ERROR_TABLE } from '../../errors.js';
import { PreflightReportSchema } from '../../data/preflight.js';
import { AugmentationSchema, EarlyStoppingSchema, JOB_STATES, JobRequestSchema, OptimizerSchema, TrainingOptionsSchema } from '../../store/job-schemas.js';
import { ImportRequestSchema } from '../../service/import.js';
import { specOrZooRefSchema } from '../../architecture/index.js';

const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_TABLE) as [string, ...string[]]),
    message: z.string().describe('What is wrong and what to fix.'),
    path: z.string().optional().describe('JSON path of the offending field, e.g. model.spec.layers[2].kernelSize.'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

const SummaryRow = z.object({
  name: z.string(),
  id: z.string(),
  type: z.string(),
  outputShape: z.array(z.number().int()).describe('[H, W, C] or [units], without batch.'),
  params: z.number().int(),
  trainableParams: z.number().int(),
  bnRunningStats: z.number().int(),
  macs: z.number().int(),
  inputs: z.array(z.string()),
});

const Summary = z.object({
  name: z.string().optional(),
  inputShape: z.array(z.number().int()),
  outputShape: z.array(z.number().int()),
  outputSoftmax: z.boolean(),
  layers: z.array(SummaryRow),
  totals: z.object({
    totalParams: z.number().int(),
    trainableParams: z.number().int(),
    frozenParams: z.number().int(),
    bnRunningStats: z.number().int(),
    kerasNonTrainable: z.number().int(),
    macs: z.number().int(),
  }),
});

const ClassMetrics = z.object({ className: z.string(), precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() });
const EvalMetrics = z.object({
  loss: z.number(),
  accuracy: z.number(),
  top5: z.number().optional().describe('Present when there are at least 5 classes.'),
  count: z.number().int(),
  perClass: z.array(ClassMetrics),
  confusionMatrix: z.object({ classes: z.array(z.string()), matrix: z.array(z.array(z.number().int())).describe('Rows: true class; columns: predicted.') }),
});
const EpochRecord = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().optional(),
  valAccuracy: z.number().optional(),
  lr: z.number(),
  seconds: z.number(),
  imagesPerSec: z.number(),
  resumed: z.boolean().optional().describe('First epoch run after resuming from a checkpoint.'),
  stage: z.string().optional().describe('Fine-tune jobs: the stage this epoch belongs to (featureExtraction, fineTune).'),
});
const ParamCounts = z.object({ total: z.number().int(), trainable: z.number().int(), frozen: z.number().int(), bnRunningStats: z.number().int() });

const Tenant = z.string().describe("The tenant that owns the record (the API key's).");

const JobProgress = z.object({
  stage: z.string().describe('e.g. `preparing data`, `training`, `epoch done`, `evaluating`, `done`.'),
  epoch: z.number().int().optional(),
  epochs: z.number().int().optional(),
  step: z.number().int().optional(),
  steps: z.number().int().optional(),
  loss: z.number().optional(),
  accuracy: z.number().optional(),
  imagesPerSec: z.number().optional(),
  fraction: z.number().describe('0..1 of the whole job.'),
  updatedAt: z.string(),
});

const ParityCheck = z
  .object({
    split: z.string(),
    n: z.number().int(),
    accuracyTrained: z.number(),
    accuracyReloaded: z.number(),
    lossTrained: z.number(),
    lossReloaded: z.number(),
    maxLogitDiff: z.number().describe('Largest |logit difference| between the trained and the reloaded model on up to 256 images of the split.'),
  })
  .describe('Train/serve parity: the artifact reloaded from disk as predict loads it and re-scored on the split the job reports; accuracy equal and loss within 1e-6 relative, or the job fails with PARITY_MISMATCH.');

const JobResult = z
  .object({
    modelId: z.string().optional(),
    metrics: EvalMetrics.optional(),
    evaluatedOn: z.enum(['test', 'validation', 'train', 'all']).optional(),
    params: ParamCounts.optional(),
    device: z.string().optional(),
    precision: z.string().optional().describe('The precision training ran in (`fp32` or `bf16`).'),
    evaluationPrecision: z.literal('fp32').optional().describe('The final evaluation, the parity check and predict run in fp32 whatever the training precision.'),
    channelsLast: z.boolean().optional(),
    parity: ParityCheck.optional(),
    epochsRun: z.number().int().optional().describe('Epochs trained, counting those before a resume.'),
    stoppedEarly: z.boolean().optional().describe('Training ended before its last epoch: a stop request, the time budget or early stopping.'),
    stopReason: z
      .enum(['stopRequested', 'maxDuration', 'earlyStopping'])
      .optional()
      .describe('Which limit ended training early: `stopRequested` (POST /v1/jobs/{id}/stop), `maxDuration` (training.maxDurationSeconds) or `earlyStopping`.'),
    stoppedEarlyAt: z.number().int().optional().describe('The epoch after which early stopping ended training.'),
    restoredBestEpoch: z.number().int().optional().describe('The epoch whose weights the model has, when they are not the last epoch\'s.'),
    resumedFromEpoch: z.number().int().optional(),
    history: z.array(EpochRecord).optional(),
    durations: z.record(z.string(), z.number()).optional().describe('Seconds: dataSeconds, trainSeconds, evalSeconds, totalSeconds.'),
  })
  .passthrough();

const Job = z.object({
  id: z.string(),
  tenant: Tenant,
  type: z.enum(['train', 'evaluate', 'finetune']),
  state: z.enum(JOB_STATES),
  request: z.unknown().describe('The job request as validated, defaults filled in.'),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  attempts: z.number().int().describe('Runs started; above 1 after a worker died or handed the job back.'),
  progress: JobProgress.optional(),
  history: z.array(EpochRecord).optional(),
  resumedFromEpoch: z.number().int().optional(),
  result: JobResult.optional().describe('Set when the job completed.'),
  error: z.object({ code: z.string(), message: z.string(), path: z.string().optional() }).optional().describe('Set when the job failed.'),
  cancelRequested: z.boolean().optional().describe('A cancel was asked for; a running job ends `cancelled` within one training step.'),
  stopRequested: z.boolean().optional().describe('A stop was asked for; a train or finetune job ends `completed` at the next epoch boundary, with a model.'),
});

const SubmitResult = z.object({
  id: z.string(),
  state: z.enum(JOB_STATES),
  created: z.boolean().describe('False when the Idempotency-Key matched an earlier submission (the answer is then 200, with that job in whatever state it is).'),
  job: Job,
});

const JobProgressEvent = z
  .object({
    id: z.string(),
    type: z.enum(['train', 'evaluate', 'finetune']),
    state: z.enum(JOB_STATES),
    progress: JobProgress.optional(),
    lastEpoch: EpochRecord.optional().describe('The epoch that just ended, on `epoch done` progress.'),
  })
  .describe('Data of an SSE `progress` event: the state and the progress, not the whole record.');

const StreamEnd = z.object({}).describe('Data of the SSE `end` event, sent after the final state; the stream then closes.');

const Dataset = z.object({
  id: z.string(),
  tenant: Tenant,
  name: z.string(),
  createdAt: z.string(),
  format: z.enum(['archive', 'idx']),
  classes: z.array(z.string()),
  counts: z.object({ train: z.array(z.number().int()), test: z.array(z.number().int()).optional() }).describe('Images per class, per split.'),
  total: z.number().int(),
  imageStats: z.object({
    minWidth: z.number().int(),
    maxWidth: z.number().int(),
    minHeight: z.number().int(),
    maxHeight: z.number().int(),
    meanWidth: z.number(),
    meanHeight: z.number(),
    channels: z.object({ 1: z.number().int().optional(), 2: z.number().int().optional(), 3: z.number().int().optional(), 4: z.number().int().optional() }).describe('How many images have 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels.'),
  }),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })).describe('Files left out, with why (the first 1000).'),
  skippedCount: z.number().int().describe('How many files were left out in all.'),
  raw: z.object({ height: z.number().int(), width: z.number().int(), channels: z.literal(1) }).optional().describe('IDX only: the size of each image.'),
  preflight: PreflightReportSchema.optional().describe(
    'The data checks made at ingest: counts per class and split, imbalance, skipped files, exact and near duplicates (within and across splits), image geometry, and findings (`error` or `warning`, each with a stable code and the files concerned). Absent on datasets ingested before the checks existed.',
  ),
});

const Model = z.object({
  id: z.string(),
  tenant: Tenant,
  name: z.string(),
  createdAt: z.string(),
  source: z.enum(['train', 'finetune', 'import']),
  jobId: z.string().optional(),
  datasetId: z.string().optional(),
  spec: z.unknown(),
  classes: z.array(z.string()),
  preprocessing: z.object({
    inputShape: z.array(z.number().int()),
    resize: z.enum(['stretch', 'pad', 'crop']),
    scale: z.number(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
  }),
  params: ParamCounts,
  metrics: EvalMetrics.optional(),
  history: z.array(EpochRecord).optional(),
  device: z.string(),
  parity: ParityCheck.optional(),
  exports: z
    .record(
      z.string(),
      z.object({
        layout: z.string(),
        n: z.number().int().describe('Images the file was checked on.'),
        source: z.enum(['test', 'train', 'synthetic']),
        maxAbsLogitDiff: z.number(),
        top1Agreement: z.number(),
        bytes: z.number().int(),
        sha256: z.string(),
        checkedAt: z.string(),
      }),
    )
    .optional()
    .describe('ONNX exports checked against the engine, by input layout.'),
});

const Prediction = z.object({
  modelId: z.string(),
  predictions: z.array(
    z.object({
      image: z.string(),
      top: z.array(z.object({ className: z.string(), classIndex: z.number().int(), probability: z.number() })),
    }),
  ),
});

const ZooList = z.object({
  items: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      defaultInput: z.array(z.number().int()),
      defaultClasses: z.number().int(),
      minInputPx: z.number().int(),
      params: z.number().int(),
      macs: z.number().int(),
    }),
  ),
});

const Liveness = z.object({ ok: z.literal(true) });
const Readiness = z.object({
  ready: z.boolean(),
  redis: z.boolean().describe('Redis answered a PING.'),
  workers: z.array(z.object({ id: z.string(), device: z.string(), pid: z.number().int(), host: z.string(), busyJob: z.string().optional() })).describe('Workers seen in the last 30 s.'),
});

// The dashboard's routes: per-sample predictions, thumbnails, feature maps, filters.
const TopClass = z.object({ classIndex: z.number().int(), className: z.string(), probability: z.number() });
const JobSamplePage = z.object({
  items: z.array(
    z.object({
      index: z.number().int().describe('Row of the packed cache the job was evaluated on (train rows first, then test).'),
      trueClass: z.number().int(),
      predicted: z.number().int(),
      image: z.string().describe('The image as the model saw it, a PNG data URL.'),
      top: z.array(TopClass).describe('Top-5 (fewer with fewer classes), highest first.'),
    }),
  ),
  total: z.number().int().describe('Evaluated images matching `true` and `predicted` (the confusion-matrix cell count when both are given).'),
  nextCursor: z.string().optional(),
  classes: z.array(z.string()),
});
const Calibration = z.object({
  bins: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int(), confidence: z.number(), accuracy: z.number() })).describe('10 equal-width bins of the top-1 probability.'),
  ece: z.number().describe('Expected calibration error: Σ (count / n) · |accuracy − confidence| over the bins.'),
  count: z.number().int(),
});
const DatasetSamplePage = z.object({
  items: z.array(z.object({ index: z.number().int(), label: z.number().int(), className: z.string(), split: z.enum(['train', 'test']), image: z.string().describe('A PNG data URL (at most 64 px on a side for archive datasets; IDX rows as stored).') })),
  total: z.number().int(),
  nextCursor: z.string().optional(),
});
const Activations = z.object({
  modelId: z.string(),
  input: z.object({ shape: z.array(z.number().int()).describe('[H, W, C]'), pixels: z.string().describe('base64 uint8 H×W×C: the image resized as the model takes it.') }),
  layers: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      shape: z.array(z.number().int()).describe("[H, W, C] of the layer's output."),
      maps: z.number().int().describe('Maps sent: the first `maxMaps` channels.'),
      min: z.array(z.number()),
      max: z.array(z.number()),
      tiles: z.string().describe('base64 of maps × H × W uint8; each map scaled (v − min) / (max − min) × 255.'),
    }),
  ),
  top: z.array(TopClass),
});
const ConvFilters = z.object({
  modelId: z.string(),
  layer: z.string(),
  shape: z.array(z.number().int()).describe('[filters, input channels per group, kH, kW]'),
  min: z.number(),
  max: z.number(),
  weights: z.array(z.number()).describe('Flattened in `shape` order.'),
  bias: z.array(z.number()).optional(),
  convLayers: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()) })),
});

const page = (item: z.ZodType) => z.object({ items: z.array(item), total: z.number().int(), nextCursor: z.string().optional() });

const SCHEMAS = {
  Error: ErrorBody,
  ArchitectureSpec: specOrZooRefSchema,
  ZooList,
  Summary,
  JobRequest: JobRequestSchema,
  ImportRequest: ImportRequestSchema,
  TrainingOptions: TrainingOptionsSchema,
  Optimizer: OptimizerSchema,
  EarlyStopping: EarlyStoppingSchema,
  Augmentation: AugmentationSchema,
  Job,
  JobPage: page(Job),
  SubmitResult,
  JobProgressEvent,
  StreamEnd,
  Dataset,
  DatasetPage: page(Dataset),
  Model,
  ModelPage: page(Model),
  Prediction,
  JobSamplePage,
  Calibration,
  DatasetSamplePage,
  Activations,
  ConvFilters,
  Liveness,
  Readiness,
} as const;

type SchemaName = keyof typeof SCHEMAS;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ 'application/json': { schema: ref(name) } });
type Code = keyof typeof ERROR_TABLE;
/** Codes that may exist in the table (added with the features that raise them); listed where present. */
const ifKnown = (...codes: string[]): Code[] => codes.filter((c): c is Code => c in ERROR_TABLE);
/** Every /v1 route: the key check, an unexpected failure, and the front door's own refusals. */
const V1 = (): Code[] => ['UNAUTHENTICATED', 'INTERNAL', ...ifKnown('RATE_LIMITED')];
/** Routes that read or write Redis (the catalog, the queue). */
const REDIS = (): Code[] => ifKnown('QUEUE_UNAVAILABLE');
/** A JSON body Fastify parses: malformed JSON or a wrong content type, or more than the body limit. */
const JSON_BODY: Code[] = ['VALIDATION_FAILED', 'UPLOAD_TOO_LARGE'];
const SPEC_CODES = Object.keys(ERROR_TABLE).filter((c) => c.startsWith('SPEC_')) as Code[];
const ENGINE_RUN: Code[] = ['ENGINE_UNAVAILABLE', 'ENGINE_BAD_ARGUMENT', 'ENGINE_SHAPE_ERROR', 'ENGINE_OUT_OF_MEMORY', 'ENGINE_DEVICE_UNAVAILABLE', 'ENGINE_IO_ERROR', 'ENGINE_INTERNAL'];

/**
 * The error responses of one route: its codes grouped by HTTP status, each
 * status with the Error body narrowed to the codes it can carry there.
 */
function errors(codes: Code[]): Record<string, unknown> {
  const byStatus = new Map<number, Set<Code>>();
  for (const c of codes) {
    const st = ERROR_TABLE[c].http;
    if (!byStatus.has(st)) byStatus.set(st, new Set());
    byStatus.get(st)!.add(c);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([st, set]) => {
        const list = [...set].sort();
        return [
          String(st),
          {
            description: list.map((c) => `\`${c}\`: ${ERROR_TABLE[c].doc}`).join(' '),
            content: { 'application/json': { schema: { allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: list } } } } }] } } },
          },
        ];
      }),
  );
}
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: `${what} id` });
const pageParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
];

export function buildOpenApi(): Record<string, unknown> {
  const REQUEST_SCHEMAS: SchemaName[] = ['ArchitectureSpec', 'JobRequest', 'ImportRequest', 'TrainingOptions', 'Optimizer', 'EarlyStopping', 'Augmentation'];
  const schemas = Object.fromEntries(
    (Object.entries(SCHEMAS) as [SchemaName, z.ZodType][]).map(([name, s]) => [name, jsonSchema(s, REQUEST_SCHEMAS.includes(name) ? 'input' : 'output')]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'cnn-trainer',
      version: '1',
      description: 'Trains, fine-tunes and evaluates convolutional image classifiers. Every /v1 route needs `Authorization: Bearer <api key>`; errors are `{ error: { code, message, path? } }`.',
    },
    servers: [
      {
        url: 'http://{host}:{port}',
        description: 'A cnn-trainer API (`npm start` listens on 127.0.0.1:8080); put TLS in front of it outside a trusted network.',
        variables: { host: { default: '127.0.0.1' }, port: { default: '8080' } },
      },
    ],
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { operationId: 'getLiveness', summary: 'Liveness', security: [], responses: { '200': { description: 'The process is up.', content: json('Liveness') } } } },
      '/readyz': {
        get: {
          operationId: 'getReadiness',
          summary: 'Readiness: Redis reachable and a worker seen in the last 30 s',
          security: [],
          responses: { '200': { description: 'Ready.', content: json('Readiness') }, '503': { description: 'Not ready; the body says which part is missing.', content: json('Readiness') } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics of the API process (and of its in-process workers); absent with CNN_METRICS=off',
          security: [],
          responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(['INTERNAL']) },
        },
      },
      '/openapi.yaml': {
        get: { operationId: 'getOpenApi', summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 YAML.', content: { 'application/yaml': { schema: { type: 'string' } } } } } },
      },
      '/v1/architectures/summary': {
        post: {
          operationId: 'summarizeArchitecture',
          summary: 'Shapes, parameter and MAC counts of an architecture spec (same as `cnn summary --json`)',
          requestBody: { required: true, content: json('ArchitectureSpec') },
          responses: { '200': { description: 'The summary.', content: json('Summary') }, ...errors([...V1(), ...JSON_BODY, ...SPEC_CODES]) },
        },
      },
      '/v1/zoo': {
        get: {
          operationId: 'listZooModels',
          summary: 'The model zoo: names, default inputs, parameters and MACs (use `{ "zoo": NAME, "numClasses": K, "inputShape": [H, W, C] }` wherever a spec goes)',
          responses: { '200': { description: 'The zoo.', content: json('ZooList') }, ...errors(V1()) },
        },
      },
      '/v1/datasets': {
        post: {
          operationId: 'createDataset',
          summary: 'Upload a dataset: an archive of class folders, or an IDX pair',
          description:
            'multipart/form-data. Either `archive` (zip, tar or tar.gz of `<class>/<image>`, optionally under `train/` and `test/`, or with a `manifest.csv` (`path,label[,split]`) or `manifest.jsonl` at its root naming each image; PNG, JPEG or WebP) or `images` + `labels` (IDX, gzipped or raw) with optional `testImages` + `testLabels` and `classNames`. Streamed to disk. Undecodable images are skipped and listed.',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    archive: { type: 'string', format: 'binary' },
                    images: { type: 'string', format: 'binary' },
                    labels: { type: 'string', format: 'binary' },
                    testImages: { type: 'string', format: 'binary' },
                    testLabels: { type: 'string', format: 'binary' },
                    classNames: { type: 'string', description: 'JSON array or comma-separated list (IDX only).' },
                    name: { type: 'string' },
                  },
                },
              },
            },
          },
          responses: {
            '201': { description: 'The dataset.', content: json('Dataset') },
            ...errors([
              ...V1(),
              ...REDIS(),
              'VALIDATION_FAILED',
              'UPLOAD_MISSING_FILE',
              'UPLOAD_TOO_LARGE',
              'ARCHIVE_UNSUPPORTED',
              'ARCHIVE_CORRUPT',
              'ARCHIVE_UNSAFE_ENTRY',
              'ARCHIVE_TOO_MANY_ENTRIES',
              'MANIFEST_INVALID',
              'ARCHIVE_TOO_LARGE_INFLATED',
              'ARCHIVE_BAD_LAYOUT',
              'IMAGE_PIXEL_LIMIT',
              'IMAGE_TOO_LARGE',
              'IDX_INVALID',
              'DATASET_EMPTY',
              'DATASET_EMPTY_CLASS',
              'DATASET_EXISTS',
            ]),
          },
        },
        get: {
          operationId: 'listDatasets',
          summary: 'List datasets, newest first',
          parameters: pageParams,
          responses: { '200': { description: 'A page.', content: json('DatasetPage') }, ...errors([...V1(), ...REDIS(), 'VALIDATION_FAILED']) },
        },
      },
      '/v1/datasets/{id}': {
        get: {
          operationId: 'getDataset',
          summary: 'A dataset',
          parameters: [idParam('Dataset')],
          responses: { '200': { description: 'The dataset.', content: json('Dataset') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND']) },
        },
        delete: {
          operationId: 'deleteDataset',
          summary: 'Delete a dataset (refused while a queued or running job uses it)',
          parameters: [idParam('Dataset')],
          responses: { '204': { description: 'Deleted.' }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'DATASET_IN_USE']) },
        },
      },
      '/v1/jobs': {
        post: {
          operationId: 'submitJob',
          summary: 'Submit a train, evaluate or finetune job',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' }, description: 'A retry with the same key (for 24 h) answers 200 with the first job instead of queuing another.' }],
          requestBody: { required: true, content: json('JobRequest') },
          responses: {
            '200': { description: 'The Idempotency-Key matched an earlier submission: that job, in whatever state it is now (`created: false`).', content: json('SubmitResult') },
            '202': { description: 'A job was created and queued (`created: true`).', content: json('SubmitResult') },
            ...errors([...V1(), ...REDIS(), ...JSON_BODY, ...SPEC_CODES, 'NOT_FOUND', 'DATASET_INCOMPATIBLE', 'DATASET_PREFLIGHT_FAILED']),
          },
        },
        get: {
          operationId: 'listJobs',
          summary: 'List jobs, newest first',
          parameters: [
            ...pageParams,
            { name: 'state', in: 'query', schema: { type: 'string', enum: [...JOB_STATES] } },
            { name: 'type', in: 'query', schema: { type: 'string', enum: ['train', 'evaluate', 'finetune'] } },
          ],
          responses: { '200': { description: 'A page.', content: json('JobPage') }, ...errors([...V1(), ...REDIS(), 'VALIDATION_FAILED']) },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary: 'State, progress and result of a job',
          parameters: [idParam('Job')],
          responses: { '200': { description: 'The job.', content: json('Job') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND']) },
        },
      },
      '/v1/jobs/{id}/cancel': {
        post: {
          operationId: 'cancelJob',
          summary: 'Cancel a job: a queued job ends at once, a running one within one training step; no model is kept',
          parameters: [idParam('Job')],
          responses: { '200': { description: 'The job.', content: json('Job') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'JOB_FINISHED']) },
        },
      },
      '/v1/jobs/{id}/stop': {
        post: {
          operationId: 'stopJob',
          summary: 'Stop a train or finetune job early and keep its model',
          description:
            'The job ends at the next epoch boundary (a queued job after its first epoch) and completes as usual: final evaluation and a model: the best epoch so far by validation loss (with `earlyStopping`, as its `restoreBestWeights` says), or the last epoch when there is no validation. The result has `stoppedEarly: true` and `stopReason: stopRequested`.',
          parameters: [idParam('Job')],
          responses: { '200': { description: 'The job, with `stopRequested: true`.', content: json('Job') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'JOB_FINISHED', ...ifKnown('JOB_NOT_STOPPABLE')]) },
        },
      },
      '/v1/jobs/{id}/events': {
        get: {
          operationId: 'watchJobEvents',
          summary: 'Server-Sent Events: the current state first, then progress and state changes, then `end`',
          description:
            'Each event is `event: <type>` and `data: <JSON>`. `state`: the whole job record (the first event, each state change and the final state). `progress`: a JobProgressEvent (the state and the progress, without the request). `end`: `{}` after the final state; the stream then closes. `error`: an Error body, when the stream fails. Comment lines (`: keepalive`) come every 15 s. The payload schema of each event type is in `x-sse-events`.',
          parameters: [idParam('Job')],
          responses: {
            '200': {
              description: 'text/event-stream of `state`, `progress`, `end` (and `error`) events.',
              content: {
                'text/event-stream': {
                  schema: { type: 'string' },
                  'x-sse-events': { state: ref('Job'), progress: ref('JobProgressEvent'), end: ref('StreamEnd'), error: ref('Error') },
                },
              },
            },
            ...errors([...V1(), ...REDIS(), 'NOT_FOUND']),
          },
        },
      },
      '/v1/events': {
        get: {
          operationId: 'watchEvents',
          summary: "One Server-Sent Events stream for a tab: every change of the tenant's jobs, or of the jobs named in `jobs`",
          description:
            'Events as on /v1/jobs/{id}/events (`state` with the whole record, `progress` with a JobProgressEvent), for many jobs on one connection; it stays open until the client closes it. Named jobs first get their current record as a `state` event. Comment lines come at the start and every 15 s.',
          parameters: [{ name: 'jobs', in: 'query', required: false, description: 'Comma-separated job ids (at most 100); all the tenant\'s jobs when absent.', schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'text/event-stream of `state` and `progress` events (and `error`).',
              content: { 'text/event-stream': { schema: { type: 'string' }, 'x-sse-events': { state: ref('Job'), progress: ref('JobProgressEvent'), error: ref('Error') } } },
            },
            ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED']),
          },
        },
      },
      '/v1/jobs/{id}/samples': {
        get: {
          operationId: 'listJobSamples',
          summary: "A completed job's evaluated images with their top-5, filtered by true and predicted class (a confusion-matrix cell)",
          parameters: [
            idParam('Job'),
            { name: 'true', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
            { name: 'predicted', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 24 } },
            { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'A page of images in evaluation order.', content: json('JobSamplePage') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED', 'SAMPLES_UNAVAILABLE']) },
        },
      },
      '/v1/jobs/{id}/calibration': {
        get: {
          operationId: 'getJobCalibration',
          summary: "Reliability diagram and expected calibration error of a completed job's evaluation",
          parameters: [idParam('Job')],
          responses: { '200': { description: 'Ten confidence bins and the ECE.', content: json('Calibration') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'SAMPLES_UNAVAILABLE']) },
        },
      },
      '/v1/datasets/{id}/samples': {
        get: {
          operationId: 'listDatasetSamples',
          summary: "Thumbnails of a dataset's images, by class and split",
          parameters: [
            idParam('Dataset'),
            { name: 'class', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
            { name: 'split', in: 'query', required: false, schema: { type: 'string', enum: ['train', 'test'], default: 'train' } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 24 } },
            { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'A page of thumbnails in stored order.', content: json('DatasetSamplePage') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED']) },
        },
      },
      '/v1/models/{id}/filters': {
        get: {
          operationId: 'getModelFilters',
          summary: "A conv layer's weights, for drawing (the first conv layer without `layer`)",
          parameters: [idParam('Model'), { name: 'layer', in: 'query', required: false, schema: { type: 'string' } }],
          responses: { '200': { description: 'The weights with their shape and range.', content: json('ConvFilters') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED', 'ACTIVATIONS_TOO_LARGE', ...ifKnown('WEIGHTS_INVALID', 'ENGINE_WEIGHTS_MISMATCH')]) },
        },
      },
      '/v1/models/{id}/activations': {
        post: {
          operationId: 'getModelActivations',
          summary: 'Feature maps of each conv and pooling layer for one image, as uint8 tiles with each map\'s min and max',
          description: `multipart/form-data: one \`image\`; optional \`layers\` (comma-separated layer names; default every conv and pooling layer) and \`maxMaps\` (maps per layer, 1–256, default 64). The tiles of one answer are capped at 16 MiB (ACTIVATIONS_TOO_LARGE).`,
          parameters: [idParam('Model')],
          requestBody: {
            required: true,
            content: { 'multipart/form-data': { schema: { type: 'object', properties: { image: { type: 'string', format: 'binary' }, layers: { type: 'string' }, maxMaps: { type: 'integer', minimum: 1, maximum: 256 } }, required: ['image'] } } },
          },
          responses: {
            '200': { description: 'Per layer: shape and tiles; the top-5 of the whole model.', content: json('Activations') },
            ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED', 'PREDICT_BAD_IMAGE', 'ACTIVATIONS_TOO_LARGE', 'UPLOAD_TOO_LARGE', ...ifKnown('IMAGE_PIXEL_LIMIT'), ...ENGINE_RUN]),
          },
        },
      },
      '/v1/models/import': {
        post: {
          operationId: 'importModel',
          summary: 'Import weights (safetensors) with a zoo name or a spec; missing, unexpected or mis-shaped tensors are listed by name',
          description: 'multipart/form-data: a `weights` file plus the text fields of ImportRequest (`spec`, `inputShape`, `classNames`, `mean`, `std` as JSON; `classNames` and `inputShape` may also be comma-separated).',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: { allOf: [ref('ImportRequest'), { type: 'object', properties: { weights: { type: 'string', format: 'binary' } }, required: ['weights'] }] },
              },
            },
          },
          responses: {
            '201': { description: 'The model.', content: json('Model') },
            ...errors([...V1(), ...REDIS(), 'VALIDATION_FAILED', 'UPLOAD_MISSING_FILE', 'UPLOAD_TOO_LARGE', ...SPEC_CODES, 'WEIGHTS_INVALID', 'ENGINE_WEIGHTS_MISMATCH', ...ENGINE_RUN]),
          },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          summary: 'List models, newest first',
          parameters: pageParams,
          responses: { '200': { description: 'A page.', content: json('ModelPage') }, ...errors([...V1(), ...REDIS(), 'VALIDATION_FAILED']) },
        },
      },
      '/v1/models/{id}': {
        get: {
          operationId: 'getModel',
          summary: 'A model: spec, classes, preprocessing, metrics',
          parameters: [idParam('Model')],
          responses: { '200': { description: 'The model.', content: json('Model') }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND']) },
        },
        delete: {
          operationId: 'deleteModel',
          summary: 'Delete a model (refused while a queued or running job uses it)',
          parameters: [idParam('Model')],
          responses: { '204': { description: 'Deleted.' }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'MODEL_IN_USE']) },
        },
      },
      '/v1/models/{id}/artifact': {
        get: {
          operationId: 'downloadModelArtifact',
          summary: 'A tar of spec.json, weights.safetensors and meta.json',
          parameters: [idParam('Model')],
          responses: { '200': { description: 'application/x-tar', content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } } }, ...errors([...V1(), ...REDIS(), 'NOT_FOUND']) },
        },
      },
      '/v1/models/{id}/onnx': {
        get: {
          operationId: 'exportModelOnnx',
          summary: 'The model as an ONNX file (opset 17), checked against the engine before it is sent',
          description:
            'Preprocessing is inside the graph. The file is run in ONNX Runtime on up to 256 images of the model\'s dataset and compared with the engine; logits more than 1e-4 apart or any top-1 disagreement fail with EXPORT_PARITY_FAILED. The figures of the check are in the `x-cnn-parity` header and on the model record (`exports`).',
          parameters: [idParam('Model'), { name: 'input', in: 'query', schema: { type: 'string', enum: ['nhwc', 'nchw'], default: 'nhwc' }, description: '`nhwc`: raw 0-255 pixels; `nchw`: normalized, torchvision style.' }],
          responses: {
            '200': {
              description: 'The ONNX file.',
              headers: { 'x-cnn-parity': { description: 'JSON: n, source, maxAbsLogitDiff, top1Agreement.', schema: { type: 'string' } } },
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED', ...ifKnown('EXPORT_UNSUPPORTED', 'EXPORT_PARITY_FAILED'), ...ENGINE_RUN]),
          },
        },
      },
      '/v1/models/{id}/predict': {
        post: {
          operationId: 'predict',
          summary: 'Classify images, preprocessed exactly as in training',
          parameters: [idParam('Model')],
          requestBody: {
            required: true,
            content: { 'multipart/form-data': { schema: { type: 'object', properties: { image: { type: 'array', items: { type: 'string', format: 'binary' } }, topK: { type: 'integer', minimum: 1, default: 5 } } } } },
          },
          responses: {
            '200': { description: 'Top-k classes per image.', content: json('Prediction') },
            ...errors([...V1(), ...REDIS(), 'NOT_FOUND', 'VALIDATION_FAILED', 'PREDICT_BAD_IMAGE', 'PREDICT_TOO_MANY_IMAGES', 'UPLOAD_TOO_LARGE', 'IMAGE_PIXEL_LIMIT', ...ENGINE_RUN]),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas,
    },
  };
}

export function renderOpenApi(): string {
  return `# Generated from the zod schemas by \`npm run openapi\`; do not edit by hand.\n${stringify(buildOpenApi(), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
