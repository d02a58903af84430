// Original file: proto/cnn/v1/datasets.proto

import type { Dataset as _cnn_v1_Dataset, Dataset__Output as _cnn_v1_Dataset__Output } from '../../cnn/v1/Dataset.js';
import type { Long } from '@grpc/proto-loader';

export interface ListDatasetsResponse {
  'items'?: (_cnn_v1_Dataset)[];
  /**
   * Empty on the last page.
   */
  'nextCursor'?: (string);
  'total'?: (number | string | Long);
}

export interface ListDatasetsResponse__Output {
  'items': (_cnn_v1_Dataset__Output)[];
  /**
   * Empty on the last page.
   */
  'nextCursor': (string);
  'total': (number);
}
