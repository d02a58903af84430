// Original file: proto/cnn/v1/models.proto

import type { Model as _cnn_v1_Model, Model__Output as _cnn_v1_Model__Output } from '../../cnn/v1/Model.js';
import type { Long } from '@grpc/proto-loader';

export interface ListModelsResponse {
  'items'?: (_cnn_v1_Model)[];
  'nextCursor'?: (string);
  'total'?: (number | string | Long);
}

export interface ListModelsResponse__Output {
  'items': (_cnn_v1_Model__Output)[];
  'nextCursor': (string);
  'total': (number);
}
