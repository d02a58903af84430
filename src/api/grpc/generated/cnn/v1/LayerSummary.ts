// Original file: proto/cnn/v1/architectures.proto

import type { Long } from '@grpc/proto-loader';

export interface LayerSummary {
  'name'?: (string);
  'id'?: (string);
  'type'?: (string);
  /**
   * [H, W, C] or [units], without the batch dimension.
   */
  'outputShape'?: (number | string | Long)[];
  'params'?: (number | string | Long);
  'trainableParams'?: (number | string | Long);
  'bnRunningStats'?: (number | string | Long);
  'macs'?: (number | string | Long);
  /**
   * Names of the input layers; `input` is the model input.
   */
  'inputs'?: (string)[];
}

export interface LayerSummary__Output {
  'name': (string);
  'id': (string);
  'type': (string);
  /**
   * [H, W, C] or [units], without the batch dimension.
   */
  'outputShape': (number)[];
  'params': (number);
  'trainableParams': (number);
  'bnRunningStats': (number);
  'macs': (number);
  /**
   * Names of the input layers; `input` is the model input.
   */
  'inputs': (string)[];
}
