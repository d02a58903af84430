// Original file: proto/cnn/v1/architectures.proto


export interface ListZooModelsRequest {
}

export interface ListZooModelsRequest__Output {
}
