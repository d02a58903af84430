// Original file: proto/cnn/v1/models.proto

import type { Prediction as _cnn_v1_Prediction, Prediction__Output as _cnn_v1_Prediction__Output } from '../../cnn/v1/Prediction.js';

export interface PredictResponse {
  'modelId'?: (string);
  'predictions'?: (_cnn_v1_Prediction)[];
}

export interface PredictResponse__Output {
  'modelId': (string);
  'predictions': (_cnn_v1_Prediction__Output)[];
}
