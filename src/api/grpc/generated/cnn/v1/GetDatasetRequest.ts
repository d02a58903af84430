// Original file: proto/cnn/v1/datasets.proto


export interface GetDatasetRequest {
  'id'?: (string);
}

export interface GetDatasetRequest__Output {
  'id': (string);
}
