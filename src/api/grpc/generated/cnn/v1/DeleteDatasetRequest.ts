// Original file: proto/cnn/v1/datasets.proto


export interface DeleteDatasetRequest {
  'id'?: (string);
}

export interface DeleteDatasetRequest__Output {
  'id': (string);
}
