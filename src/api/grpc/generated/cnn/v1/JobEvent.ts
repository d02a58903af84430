// Original file: proto/cnn/v1/jobs.proto

import type { JobEventKind as _cnn_v1_JobEventKind, JobEventKind__Output as _cnn_v1_JobEventKind__Output } from '../../cnn/v1/JobEventKind.js';
import type { Job as _cnn_v1_Job, Job__Output as _cnn_v1_Job__Output } from '../../cnn/v1/Job.js';

export interface JobEvent {
  'kind'?: (_cnn_v1_JobEventKind);
  'job'?: (_cnn_v1_Job | null);
}

export interface JobEvent__Output {
  'kind': (_cnn_v1_JobEventKind__Output);
  'job': (_cnn_v1_Job__Output | null);
}
