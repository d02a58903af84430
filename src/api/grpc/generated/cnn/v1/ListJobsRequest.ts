// Original file: proto/cnn/v1/jobs.proto

import type { JobState as _cnn_v1_JobState, JobState__Output as _cnn_v1_JobState__Output } from '../../cnn/v1/JobState.js';

export interface ListJobsRequest {
  /**
   * UNSPECIFIED: any state.
   */
  'state'?: (_cnn_v1_JobState);
  /**
   * `train`, `evaluate` or `finetune`; empty: any type.
   */
  'type'?: (string);
  /**
   * 1-100; 0 means 20.
   */
  'limit'?: (number);
  'cursor'?: (string);
}

export interface ListJobsRequest__Output {
  /**
   * UNSPECIFIED: any state.
   */
  'state': (_cnn_v1_JobState__Output);
  /**
   * `train`, `evaluate` or `finetune`; empty: any type.
   */
  'type': (string);
  /**
   * 1-100; 0 means 20.
   */
  'limit': (number);
  'cursor': (string);
}
