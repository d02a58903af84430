// Original file: proto/cnn/v1/architectures.proto

import type { ZooModel as _cnn_v1_ZooModel, ZooModel__Output as _cnn_v1_ZooModel__Output } from '../../cnn/v1/ZooModel.js';

export interface ListZooModelsResponse {
  'items'?: (_cnn_v1_ZooModel)[];
}

export interface ListZooModelsResponse__Output {
  'items': (_cnn_v1_ZooModel__Output)[];
}
