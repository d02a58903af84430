// Original file: proto/cnn/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface JobProgress {
  /**
   * e.g. `caching`, `training`, `epoch done`, `evaluating`.
   */
  'stage'?: (string);
  'epoch'?: (number);
  'epochs'?: (number);
  'step'?: (number | string | Long);
  'steps'?: (number | string | Long);
  'loss'?: (number | string);
  'accuracy'?: (number | string);
  'imagesPerSec'?: (number | string);
  /**
   * 0..1 of the whole job.
   */
  'fraction'?: (number | string);
  'updatedAt'?: (string);
  '_epoch'?: "epoch";
  '_epochs'?: "epochs";
  '_step'?: "step";
  '_steps'?: "steps";
  '_loss'?: "loss";
  '_accuracy'?: "accuracy";
  '_imagesPerSec'?: "imagesPerSec";
}

export interface JobProgress__Output {
  /**
   * e.g. `caching`, `training`, `epoch done`, `evaluating`.
   */
  'stage': (string);
  'epoch'?: (number);
  'epochs'?: (number);
  'step'?: (number);
  'steps'?: (number);
  'loss'?: (number);
  'accuracy'?: (number);
  'imagesPerSec'?: (number);
  /**
   * 0..1 of the whole job.
   */
  'fraction': (number);
  'updatedAt': (string);
  '_epoch'?: "epoch";
  '_epochs'?: "epochs";
  '_step'?: "step";
  '_steps'?: "steps";
  '_loss'?: "loss";
  '_accuracy'?: "accuracy";
  '_imagesPerSec'?: "imagesPerSec";
}
