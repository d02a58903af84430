import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Dataset as _cnn_v1_Dataset, Dataset__Output as _cnn_v1_Dataset__Output } from './cnn/v1/Dataset.js';
import type { DatasetsClient as _cnn_v1_DatasetsClient, DatasetsDefinition as _cnn_v1_DatasetsDefinition } from './cnn/v1/Datasets.js';
import type { DeleteDatasetRequest as _cnn_v1_DeleteDatasetRequest, DeleteDatasetRequest__Output as _cnn_v1_DeleteDatasetRequest__Output } from './cnn/v1/DeleteDatasetRequest.js';
import type { DeleteDatasetResponse as _cnn_v1_DeleteDatasetResponse, DeleteDatasetResponse__Output as _cnn_v1_DeleteDatasetResponse__Output } from './cnn/v1/DeleteDatasetResponse.js';
import type { GetDatasetRequest as _cnn_v1_GetDatasetRequest, GetDatasetRequest__Output as _cnn_v1_GetDatasetRequest__Output } from './cnn/v1/GetDatasetRequest.js';
import type { ListDatasetsRequest as _cnn_v1_ListDatasetsRequest, ListDatasetsRequest__Output as _cnn_v1_ListDatasetsRequest__Output } from './cnn/v1/ListDatasetsRequest.js';
import type { ListDatasetsResponse as _cnn_v1_ListDatasetsResponse, ListDatasetsResponse__Output as _cnn_v1_ListDatasetsResponse__Output } from './cnn/v1/ListDatasetsResponse.js';
import type { UploadDatasetChunk as _cnn_v1_UploadDatasetChunk, UploadDatasetChunk__Output as _cnn_v1_UploadDatasetChunk__Output } from './cnn/v1/UploadDatasetChunk.js';
import type { UploadDatasetHeader as _cnn_v1_UploadDatasetHeader, UploadDatasetHeader__Output as _cnn_v1_UploadDatasetHeader__Output } from './cnn/v1/UploadDatasetHeader.js';
import type { UploadDatasetRequest as _cnn_v1_UploadDatasetRequest, UploadDatasetRequest__Output as _cnn_v1_UploadDatasetRequest__Output } from './cnn/v1/UploadDatasetRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cnn: {
    v1: {
      Dataset: MessageTypeDefinition<_cnn_v1_Dataset, _cnn_v1_Dataset__Output>
      DatasetKind: EnumTypeDefinition
      Datasets: SubtypeConstructor<typeof grpc.Client, _cnn_v1_DatasetsClient> & { service: _cnn_v1_DatasetsDefinition }
      DeleteDatasetRequest: MessageTypeDefinition<_cnn_v1_DeleteDatasetRequest, _cnn_v1_DeleteDatasetRequest__Output>
      DeleteDatasetResponse: MessageTypeDefinition<_cnn_v1_DeleteDatasetResponse, _cnn_v1_DeleteDatasetResponse__Output>
      GetDatasetRequest: MessageTypeDefinition<_cnn_v1_GetDatasetRequest, _cnn_v1_GetDatasetRequest__Output>
      ListDatasetsRequest: MessageTypeDefinition<_cnn_v1_ListDatasetsRequest, _cnn_v1_ListDatasetsRequest__Output>
      ListDatasetsResponse: MessageTypeDefinition<_cnn_v1_ListDatasetsResponse, _cnn_v1_ListDatasetsResponse__Output>
      UploadDatasetChunk: MessageTypeDefinition<_cnn_v1_UploadDatasetChunk, _cnn_v1_UploadDatasetChunk__Output>
      UploadDatasetHeader: MessageTypeDefinition<_cnn_v1_UploadDatasetHeader, _cnn_v1_UploadDatasetHeader__Output>
      UploadDatasetRequest: MessageTypeDefinition<_cnn_v1_UploadDatasetRequest, _cnn_v1_UploadDatasetRequest__Output>
      UploadFile: EnumTypeDefinition
    }
  }
}

