// Original file: proto/cnn/v1/models.proto

import type { ClassScore as _cnn_v1_ClassScore, ClassScore__Output as _cnn_v1_ClassScore__Output } from '../../cnn/v1/ClassScore.js';

export interface Prediction {
  'image'?: (string);
  'top'?: (_cnn_v1_ClassScore)[];
}

export interface Prediction__Output {
  'image': (string);
  'top': (_cnn_v1_ClassScore__Output)[];
}
