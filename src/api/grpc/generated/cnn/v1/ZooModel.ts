// Original file: proto/cnn/v1/architectures.proto

import type { Long } from '@grpc/proto-loader';

export interface ZooModel {
  'name'?: (string);
  'description'?: (string);
  'defaultInput'?: (number | string | Long)[];
  'defaultClasses'?: (number | string | Long);
  'minInputPx'?: (number | string | Long);
  'params'?: (number | string | Long);
  'macs'?: (number | string | Long);
}

export interface ZooModel__Output {
  'name': (string);
  'description': (string);
  'defaultInput': (number)[];
  'defaultClasses': (number);
  'minInputPx': (number);
  'params': (number);
  'macs': (number);
}
