// Original file: proto/cnn/v1/jobs.proto

import type { Job as _cnn_v1_Job, Job__Output as _cnn_v1_Job__Output } from '../../cnn/v1/Job.js';

export interface SubmitJobResponse {
  'job'?: (_cnn_v1_Job | null);
  /**
   * False when idempotency_key matched an earlier submission.
   */
  'created'?: (boolean);
}

export interface SubmitJobResponse__Output {
  'job': (_cnn_v1_Job__Output | null);
  /**
   * False when idempotency_key matched an earlier submission.
   */
  'created': (boolean);
}
