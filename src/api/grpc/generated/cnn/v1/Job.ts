// Original file: proto/cnn/v1/jobs.proto

import type { JobState as _cnn_v1_JobState, JobState__Output as _cnn_v1_JobState__Output } from '../../cnn/v1/JobState.js';
import type { JobProgress as _cnn_v1_JobProgress, JobProgress__Output as _cnn_v1_JobProgress__Output } from '../../cnn/v1/JobProgress.js';
import type { JobError as _cnn_v1_JobError, JobError__Output as _cnn_v1_JobError__Output } from '../../cnn/v1/JobError.js';

export interface Job {
  'id'?: (string);
  /**
   * `train`, `evaluate` or `finetune`.
   */
  'type'?: (string);
  'state'?: (_cnn_v1_JobState);
  /**
   * RFC 3339; started_at and finished_at are empty until then.
   */
  'createdAt'?: (string);
  'startedAt'?: (string);
  'finishedAt'?: (string);
  'attempts'?: (number);
  /**
   * Unset until a worker reports progress.
   */
  'progress'?: (_cnn_v1_JobProgress | null);
  /**
   * Set when the job failed.
   */
  'error'?: (_cnn_v1_JobError | null);
  'cancelRequested'?: (boolean);
  /**
   * Epochs restored from a checkpoint when a retried job resumed; 0 otherwise.
   */
  'resumedFromEpoch'?: (number);
  /**
   * The model the job produced (train, finetune) or evaluated; empty until known.
   */
  'modelId'?: (string);
  /**
   * JSON text, as REST returns these fields: the validated request with its
   * defaults filled in; the result (metrics with per-class figures and the
   * confusion matrix, parameter counts, timings; empty until completed); the
   * history per epoch (empty array until the first epoch ends).
   */
  'requestJson'?: (string);
  'resultJson'?: (string);
  'historyJson'?: (string);
  /**
   * A stop (StopJob) was asked for.
   */
  'stopRequested'?: (boolean);
}

export interface Job__Output {
  'id': (string);
  /**
   * `train`, `evaluate` or `finetune`.
   */
  'type': (string);
  'state': (_cnn_v1_JobState__Output);
  /**
   * RFC 3339; started_at and finished_at are empty until then.
   */
  'createdAt': (string);
  'startedAt': (string);
  'finishedAt': (string);
  'attempts': (number);
  /**
   * Unset until a worker reports progress.
   */
  'progress': (_cnn_v1_JobProgress__Output | null);
  /**
   * Set when the job failed.
   */
  'error': (_cnn_v1_JobError__Output | null);
  'cancelRequested': (boolean);
  /**
   * Epochs restored from a checkpoint when a retried job resumed; 0 otherwise.
   */
  'resumedFromEpoch': (number);
  /**
   * The model the job produced (train, finetune) or evaluated; empty until known.
   */
  'modelId': (string);
  /**
   * JSON text, as REST returns these fields: the validated request with its
   * defaults filled in; the result (metrics with per-class figures and the
   * confusion matrix, parameter counts, timings; empty until completed); the
   * history per epoch (empty array until the first epoch ends).
   */
  'requestJson': (string);
  'resultJson': (string);
  'historyJson': (string);
  /**
   * A stop (StopJob) was asked for.
   */
  'stopRequested': (boolean);
}
