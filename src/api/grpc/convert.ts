/**
 * Service records → protobuf messages. Typed fields for what clients filter
 * and branch on (ids, states, counts, progress, errors); JSON text for deep
 * records (job requests and results, specs, metrics, histories), exactly as
 * REST returns them, so nothing is lost in translation.
 */
import type { JobEvent as ServiceJobEvent } from '../../store/jobs.js';
import { JOB_STATES, type JobRecord, type JobState as ServiceJobState } from '../../store/job-schemas.js';
import type { ListJobsQuery } from '../../service/jobs.js';
import type { DatasetRecord } from '../../service/datasets.js';
import type { ModelRecord } from '../../service/models.js';
import type { PredictionResult } from '../../service/predict.js';
import type { Summary } from '../../architecture/index.js';
import type { listZooModels } from '../../service/architectures.js';
import type { ArchitectureSummary } from './generated/cnn/v1/ArchitectureSummary.js';
import type { Dataset } from './generated/cnn/v1/Dataset.js';
import type { Job } from './generated/cnn/v1/Job.js';
import type { JobEvent } from './generated/cnn/v1/JobEvent.js';
import { JobState, type JobState__Output } from './generated/cnn/v1/JobState.js';
import type { Model } from './generated/cnn/v1/Model.js';
import type { PredictResponse } from './generated/cnn/v1/PredictResponse.js';
import type { ZooModel } from './generated/cnn/v1/ZooModel.js';

const STATE_TO_PROTO: Record<ServiceJobState, JobState__Output> = {
  queued: JobState.JOB_STATE_QUEUED,
  running: JobState.JOB_STATE_RUNNING,
  completed: JobState.JOB_STATE_COMPLETED,
  failed: JobState.JOB_STATE_FAILED,
  cancelled: JobState.JOB_STATE_CANCELLED,
};

/** The service's state for a filter; undefined for UNSPECIFIED (any state). */
export function jobStateFromProto(s: JobState__Output): ListJobsQuery['state'] {
  return JOB_STATES.find((k) => STATE_TO_PROTO[k] === s);
}

export function datasetMessage(rec: DatasetRecord): Dataset {
  return {
    id: rec.id,
    name: rec.name,
    format: rec.format === 'idx' ? 'DATASET_KIND_IDX' : 'DATASET_KIND_ARCHIVE',
    classes: rec.classes,
    trainCounts: rec.counts.train,
    testCounts: rec.counts.test ?? [],
    total: rec.total,
    skippedCount: rec.skippedCount,
    createdAt: rec.createdAt,
    recordJson: JSON.stringify(rec),
    preflightJson: rec.preflight ? JSON.stringify(rec.preflight) : '',
  };
}

function modelIdOf(rec: JobRecord): string {
  const fromResult = rec.result?.modelId;
  if (typeof fromResult === 'string') return fromResult;
  return rec.request.type === 'evaluate' ? rec.request.modelId : '';
}

export function jobMessage(rec: JobRecord): Job {
  const p = rec.progress;
  return {
    id: rec.id,
    type: rec.type,
    state: STATE_TO_PROTO[rec.state],
    createdAt: rec.createdAt,
    startedAt: rec.startedAt ?? '',
    finishedAt: rec.finishedAt ?? '',
    attempts: rec.attempts,
    progress: p
      ? {
          stage: p.stage,
          fraction: p.fraction,
          updatedAt: p.updatedAt,
          ...(p.epoch !== undefined ? { epoch: p.epoch } : {}),
          ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
          ...(p.step !== undefined ? { step: p.step } : {}),
          ...(p.steps !== undefined ? { steps: p.steps } : {}),
          ...(p.loss !== undefined ? { loss: p.loss } : {}),
          ...(p.accuracy !== undefined ? { accuracy: p.accuracy } : {}),
          ...(p.imagesPerSec !== undefined ? { imagesPerSec: p.imagesPerSec } : {}),
        }
      : null,
    error: rec.error ? { code: rec.error.code, message: rec.error.message, path: rec.error.path ?? '' } : null,
    cancelRequested: rec.cancelRequested ?? false,
    stopRequested: rec.stopRequested ?? false,
    resumedFromEpoch: rec.resumedFromEpoch ?? 0,
    modelId: modelIdOf(rec),
    requestJson: JSON.stringify(rec.request),
    resultJson: rec.result ? JSON.stringify(rec.result) : '',
    historyJson: JSON.stringify(rec.history ?? []),
  };
}

export function jobEventMessage(e: ServiceJobEvent): JobEvent {
  return { kind: e.kind === 'progress' ? 'JOB_EVENT_KIND_PROGRESS' : 'JOB_EVENT_KIND_STATE', job: jobMessage(e.job) };
}

export function modelMessage(rec: ModelRecord): Model {
  const pre = rec.preprocessing;
  return {
    id: rec.id,
    name: rec.name,
    jobId: rec.jobId ?? '',
    datasetId: rec.datasetId ?? '',
    classes: rec.classes,
    preprocessing: { inputShape: pre.inputShape, resize: pre.resize, scale: pre.scale, mean: pre.mean, std: pre.std },
    params: { total: rec.params.total, trainable: rec.params.trainable, frozen: rec.params.frozen, bnRunningStats: rec.params.bnRunningStats },
    device: rec.device ?? '',
    createdAt: rec.createdAt,
    specJson: JSON.stringify(rec.spec),
    metricsJson: rec.metrics ? JSON.stringify(rec.metrics) : '',
    historyJson: JSON.stringify(rec.history ?? []),
    source: rec.source ?? '',
  };
}

export function summaryMessage(s: Summary): ArchitectureSummary {
  return {
    name: s.name ?? '',
    inputShape: s.inputShape,
    outputShape: s.outputShape,
    outputSoftmax: s.outputSoftmax,
    layers: s.layers.map((l) => ({
      name: l.name,
      id: l.id,
      type: l.type,
      outputShape: l.outputShape,
      params: l.params,
      trainableParams: l.trainableParams,
      bnRunningStats: l.bnRunningStats,
      macs: l.macs,
      inputs: l.inputs,
    })),
    totals: { ...s.totals },
  };
}

export function zooMessage(z: ReturnType<typeof listZooModels>[number]): ZooModel {
  return { ...z, defaultInput: [...z.defaultInput] };
}

export function predictMessage(r: PredictionResult): PredictResponse {
  return { modelId: r.modelId, predictions: r.predictions };
}
