/**
 * openapi.yaml, generated from the zod schemas the service validates with
 * (requests) and the response schemas below. `npm run openapi` writes it; a
 * test fails when the committed file differs from what this produces.
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import { ERROR_TABLE } from '../../errors.js';
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
});
const ParamCounts = z.object({ total: z.number().int(), trainable: z.number().int(), frozen: z.number().int(), bnRunningStats: z.number().int() });

const Job = z.object({
  id: z.string(),
  type: z.enum(['train', 'evaluate', 'finetune']),
  state: z.enum(JOB_STATES),
  request: z.unknown().describe('The job request as validated, defaults filled in.'),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  attempts: z.number().int().describe('Runs started; above 1 after a worker died or handed the job back.'),
  progress: z
    .object({
      stage: z.string(),
      epoch: z.number().int().optional(),
      epochs: z.number().int().optional(),
      step: z.number().int().optional(),
      steps: z.number().int().optional(),
      loss: z.number().optional(),
      accuracy: z.number().optional(),
      imagesPerSec: z.number().optional(),
      fraction: z.number(),
      updatedAt: z.string(),
    })
    .optional(),
  history: z.array(EpochRecord).optional(),
  resumedFromEpoch: z.number().int().optional(),
  result: z
    .object({
      modelId: z.string().optional(),
      metrics: EvalMetrics.optional(),
      params: ParamCounts.optional(),
      device: z.string().optional(),
      durations: z.record(z.string(), z.number()).optional(),
    })
    .passthrough()
    .optional(),
  error: z.object({ code: z.string(), message: z.string(), path: z.string().optional() }).optional(),
});

const Dataset = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  format: z.enum(['archive', 'idx']),
  classes: z.array(z.string()),
  counts: z.object({ train: z.array(z.number().int()), test: z.array(z.number().int()).optional() }).describe('Images per class, per split.'),
  total: z.number().int(),
  imageStats: z.record(z.string(), z.unknown()),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
});

const Model = z.object({
  id: z.string(),
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
});

const Prediction = z.object({
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
  Dataset,
  DatasetPage: page(Dataset),
  Model,
  ModelPage: page(Model),
  Prediction,
} as const;

type SchemaName = keyof typeof SCHEMAS;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ 'application/json': { schema: ref(name) } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: Object.entries(ERROR_TABLE)
          .filter(([, v]) => v.http === s)
          .map(([k]) => k)
          .join(', '),
        content: json('Error'),
      },
    ]),
  );
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
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'The process is up.' } } } },
      '/readyz': {
        get: { summary: 'Readiness: Redis reachable and a worker seen in the last 30 s', security: [], responses: { '200': { description: 'Ready.' }, '503': { description: 'Not ready; the body says which part is missing.' } } },
      },
      '/openapi.yaml': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 YAML.' } } } },
      '/v1/architectures/summary': {
        post: {
          summary: 'Shapes, parameter and MAC counts of an architecture spec (same as `cnn summary --json`)',
          requestBody: { required: true, content: json('ArchitectureSpec') },
          responses: { '200': { description: 'The summary.', content: json('Summary') }, ...errors(400, 401) },
        },
      },
      '/v1/zoo': {
        get: { summary: 'The model zoo: names, default inputs, parameters and MACs (use `{ "zoo": NAME, "numClasses": K, "inputShape": [H, W, C] }` wherever a spec goes)', responses: { '200': { description: 'The zoo.', content: json('ZooList') }, ...errors(401) } },
      },
      '/v1/datasets': {
        post: {
          summary: 'Upload a dataset: an archive of class folders, or an IDX pair',
          description:
            'multipart/form-data. Either `archive` (zip, tar or tar.gz of `<class>/<image>`, optionally under `train/` and `test/`; PNG, JPEG or WebP) or `images` + `labels` (IDX, gzipped or raw) with optional `testImages` + `testLabels` and `classNames`. Streamed to disk. Undecodable images are skipped and listed.',
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
          responses: { '201': { description: 'The dataset.', content: json('Dataset') }, ...errors(400, 401, 413) },
        },
        get: { summary: 'List datasets, newest first', parameters: pageParams, responses: { '200': { description: 'A page.', content: json('DatasetPage') }, ...errors(400, 401) } },
      },
      '/v1/datasets/{id}': {
        get: { summary: 'A dataset', parameters: [idParam('Dataset')], responses: { '200': { description: 'The dataset.', content: json('Dataset') }, ...errors(401, 404) } },
        delete: { summary: 'Delete a dataset (refused while a queued or running job uses it)', parameters: [idParam('Dataset')], responses: { '204': { description: 'Deleted.' }, ...errors(401, 404, 409) } },
      },
      '/v1/jobs': {
        post: {
          summary: 'Submit a train, evaluate or finetune job',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' }, description: 'A retry with the same key returns the same job.' }],
          requestBody: { required: true, content: json('JobRequest') },
          responses: {
            '202': {
              description: 'Queued.',
              content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, created: { type: 'boolean' }, job: ref('Job') } } } },
            },
            ...errors(400, 401, 404),
          },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: [
            ...pageParams,
            { name: 'state', in: 'query', schema: { type: 'string', enum: [...JOB_STATES] } },
            { name: 'type', in: 'query', schema: { type: 'string', enum: ['train', 'evaluate', 'finetune'] } },
          ],
          responses: { '200': { description: 'A page.', content: json('JobPage') }, ...errors(400, 401) },
        },
      },
      '/v1/jobs/{id}': { get: { summary: 'State, progress and result of a job', parameters: [idParam('Job')], responses: { '200': { description: 'The job.', content: json('Job') }, ...errors(401, 404) } } },
      '/v1/jobs/{id}/cancel': {
        post: { summary: 'Cancel a job: a running job stops within one training step', parameters: [idParam('Job')], responses: { '200': { description: 'The job.', content: json('Job') }, ...errors(401, 404, 409) } },
      },
      '/v1/jobs/{id}/events': {
        get: {
          summary: 'Server-Sent Events: the current state first, then progress and state changes, then `end`',
          parameters: [idParam('Job')],
          responses: { '200': { description: 'text/event-stream; events `state`, `progress` (data: a Job), and `end`.', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(401, 404) },
        },
      },
      '/v1/models/import': {
        post: {
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
          responses: { '201': { description: 'The model.', content: json('Model') }, ...errors(400, 401, 413) },
        },
      },
      '/v1/models': { get: { summary: 'List models, newest first', parameters: pageParams, responses: { '200': { description: 'A page.', content: json('ModelPage') }, ...errors(400, 401) } } },
      '/v1/models/{id}': {
        get: { summary: 'A model: spec, classes, preprocessing, metrics', parameters: [idParam('Model')], responses: { '200': { description: 'The model.', content: json('Model') }, ...errors(401, 404) } },
        delete: { summary: 'Delete a model', parameters: [idParam('Model')], responses: { '204': { description: 'Deleted.' }, ...errors(401, 404, 409) } },
      },
      '/v1/models/{id}/artifact': {
        get: { summary: 'A tar of spec.json, weights.safetensors and meta.json', parameters: [idParam('Model')], responses: { '200': { description: 'application/x-tar', content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } } }, ...errors(401, 404) } },
      },
      '/v1/models/{id}/predict': {
        post: {
          summary: 'Classify images, preprocessed exactly as in training',
          parameters: [idParam('Model')],
          requestBody: {
            required: true,
            content: { 'multipart/form-data': { schema: { type: 'object', properties: { image: { type: 'array', items: { type: 'string', format: 'binary' } }, topK: { type: 'integer', minimum: 1, default: 5 } } } } },
          },
          responses: { '200': { description: 'Top-k classes per image.', content: json('Prediction') }, ...errors(400, 401, 404, 413) },
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
