// Original file: proto/cnn/v1/architectures.proto

import type { Long } from '@grpc/proto-loader';

export interface SummaryTotals {
  'totalParams'?: (number | string | Long);
  'trainableParams'?: (number | string | Long);
  'frozenParams'?: (number | string | Long);
  'bnRunningStats'?: (number | string | Long);
  /**
   * What Keras reports as "Non-trainable params": frozen + batch-norm statistics.
   */
  'kerasNonTrainable'?: (number | string | Long);
  'macs'?: (number | string | Long);
}

export interface SummaryTotals__Output {
  'totalParams': (number);
  'trainableParams': (number);
  'frozenParams': (number);
  'bnRunningStats': (number);
  /**
   * What Keras reports as "Non-trainable params": frozen + batch-norm statistics.
   */
  'kerasNonTrainable': (number);
  'macs': (number);
}
