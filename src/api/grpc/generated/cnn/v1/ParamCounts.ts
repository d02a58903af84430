// Original file: proto/cnn/v1/models.proto

import type { Long } from '@grpc/proto-loader';

export interface ParamCounts {
  'total'?: (number | string | Long);
  'trainable'?: (number | string | Long);
  'frozen'?: (number | string | Long);
  'bnRunningStats'?: (number | string | Long);
}

export interface ParamCounts__Output {
  'total': (number);
  'trainable': (number);
  'frozen': (number);
  'bnRunningStats': (number);
}
