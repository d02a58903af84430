// Original file: proto/cnn/v1/architectures.proto

import type { LayerSummary as _cnn_v1_LayerSummary, LayerSummary__Output as _cnn_v1_LayerSummary__Output } from '../../cnn/v1/LayerSummary.js';
import type { SummaryTotals as _cnn_v1_SummaryTotals, SummaryTotals__Output as _cnn_v1_SummaryTotals__Output } from '../../cnn/v1/SummaryTotals.js';
import type { Long } from '@grpc/proto-loader';

export interface ArchitectureSummary {
  /**
   * Empty when the spec has no name.
   */
  'name'?: (string);
  'inputShape'?: (number | string | Long)[];
  'outputShape'?: (number | string | Long)[];
  'outputSoftmax'?: (boolean);
  'layers'?: (_cnn_v1_LayerSummary)[];
  'totals'?: (_cnn_v1_SummaryTotals | null);
}

export interface ArchitectureSummary__Output {
  /**
   * Empty when the spec has no name.
   */
  'name': (string);
  'inputShape': (number)[];
  'outputShape': (number)[];
  'outputSoftmax': (boolean);
  'layers': (_cnn_v1_LayerSummary__Output)[];
  'totals': (_cnn_v1_SummaryTotals__Output | null);
}
