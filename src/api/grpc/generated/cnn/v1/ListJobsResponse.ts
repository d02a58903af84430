// Original file: proto/cnn/v1/jobs.proto

import type { Job as _cnn_v1_Job, Job__Output as _cnn_v1_Job__Output } from '../../cnn/v1/Job.js';
import type { Long } from '@grpc/proto-loader';

export interface ListJobsResponse {
  'items'?: (_cnn_v1_Job)[];
  'nextCursor'?: (string);
  'total'?: (number | string | Long);
}

export interface ListJobsResponse__Output {
  'items': (_cnn_v1_Job__Output)[];
  'nextCursor': (string);
  'total': (number);
}
