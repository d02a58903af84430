// Original file: proto/cnn/v1/datasets.proto


export interface DeleteDatasetResponse {
}

export interface DeleteDatasetResponse__Output {
}
