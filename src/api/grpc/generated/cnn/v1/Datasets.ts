// Original file: proto/cnn/v1/datasets.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Dataset as _cnn_v1_Dataset, Dataset__Output as _cnn_v1_Dataset__Output } from '../../cnn/v1/Dataset.js';
import type { DeleteDatasetRequest as _cnn_v1_DeleteDatasetRequest, DeleteDatasetRequest__Output as _cnn_v1_DeleteDatasetRequest__Output } from '../../cnn/v1/DeleteDatasetRequest.js';
import type { DeleteDatasetResponse as _cnn_v1_DeleteDatasetResponse, DeleteDatasetResponse__Output as _cnn_v1_DeleteDatasetResponse__Output } from '../../cnn/v1/DeleteDatasetResponse.js';
import type { GetDatasetRequest as _cnn_v1_GetDatasetRequest, GetDatasetRequest__Output as _cnn_v1_GetDatasetRequest__Output } from '../../cnn/v1/GetDatasetRequest.js';
import type { ListDatasetsRequest as _cnn_v1_ListDatasetsRequest, ListDatasetsRequest__Output as _cnn_v1_ListDatasetsRequest__Output } from '../../cnn/v1/ListDatasetsRequest.js';
import type { ListDatasetsResponse as _cnn_v1_ListDatasetsResponse, ListDatasetsResponse__Output as _cnn_v1_ListDatasetsResponse__Output } from '../../cnn/v1/ListDatasetsResponse.js';
import type { UploadDatasetRequest as _cnn_v1_UploadDatasetRequest, UploadDatasetRequest__Output as _cnn_v1_UploadDatasetRequest__Output } from '../../cnn/v1/UploadDatasetRequest.js';

export interface DatasetsClient extends grpc.Client {
  /**
   * FAILED_PRECONDITION (DATASET_IN_USE) while a queued or running job uses it.
   */
  DeleteDataset(argument: _cnn_v1_DeleteDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  DeleteDataset(argument: _cnn_v1_DeleteDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  DeleteDataset(argument: _cnn_v1_DeleteDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  DeleteDataset(argument: _cnn_v1_DeleteDatasetRequest, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  /**
   * FAILED_PRECONDITION (DATASET_IN_USE) while a queued or running job uses it.
   */
  deleteDataset(argument: _cnn_v1_DeleteDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _cnn_v1_DeleteDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _cnn_v1_DeleteDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _cnn_v1_DeleteDatasetRequest, callback: grpc.requestCallback<_cnn_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  
  GetDataset(argument: _cnn_v1_GetDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  GetDataset(argument: _cnn_v1_GetDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  GetDataset(argument: _cnn_v1_GetDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  GetDataset(argument: _cnn_v1_GetDatasetRequest, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _cnn_v1_GetDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _cnn_v1_GetDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _cnn_v1_GetDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _cnn_v1_GetDatasetRequest, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientUnaryCall;
  
  ListDatasets(argument: _cnn_v1_ListDatasetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  ListDatasets(argument: _cnn_v1_ListDatasetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  ListDatasets(argument: _cnn_v1_ListDatasetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  ListDatasets(argument: _cnn_v1_ListDatasetsRequest, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _cnn_v1_ListDatasetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _cnn_v1_ListDatasetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _cnn_v1_ListDatasetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _cnn_v1_ListDatasetsRequest, callback: grpc.requestCallback<_cnn_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Client-streaming upload. The first message is a header; every later one is
   * a chunk of one file, named in the chunk. Chunks of different files may be
   * interleaved; each file's chunks are appended in order. The bytes go to disk
   * as they arrive and count against CNN_MAX_UPLOAD_BYTES (RESOURCE_EXHAUSTED,
   * cnn-error-code UPLOAD_TOO_LARGE). No single message may exceed 4 MiB:
   * send chunks of e.g. 1 MiB. Cancelling the call discards what was received.
   */
  UploadDataset(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  UploadDataset(metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  UploadDataset(options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  UploadDataset(callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  /**
   * Client-streaming upload. The first message is a header; every later one is
   * a chunk of one file, named in the chunk. Chunks of different files may be
   * interleaved; each file's chunks are appended in order. The bytes go to disk
   * as they arrive and count against CNN_MAX_UPLOAD_BYTES (RESOURCE_EXHAUSTED,
   * cnn-error-code UPLOAD_TOO_LARGE). No single message may exceed 4 MiB:
   * send chunks of e.g. 1 MiB. Cancelling the call discards what was received.
   */
  uploadDataset(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  uploadDataset(metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  uploadDataset(options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  uploadDataset(callback: grpc.requestCallback<_cnn_v1_Dataset__Output>): grpc.ClientWritableStream<_cnn_v1_UploadDatasetRequest>;
  
}

export interface DatasetsHandlers extends grpc.UntypedServiceImplementation {
  /**
   * FAILED_PRECONDITION (DATASET_IN_USE) while a queued or running job uses it.
   */
  DeleteDataset: grpc.handleUnaryCall<_cnn_v1_DeleteDatasetRequest__Output, _cnn_v1_DeleteDatasetResponse>;
  
  GetDataset: grpc.handleUnaryCall<_cnn_v1_GetDatasetRequest__Output, _cnn_v1_Dataset>;
  
  ListDatasets: grpc.handleUnaryCall<_cnn_v1_ListDatasetsRequest__Output, _cnn_v1_ListDatasetsResponse>;
  
  /**
   * Client-streaming upload. The first message is a header; every later one is
   * a chunk of one file, named in the chunk. Chunks of different files may be
   * interleaved; each file's chunks are appended in order. The bytes go to disk
   * as they arrive and count against CNN_MAX_UPLOAD_BYTES (RESOURCE_EXHAUSTED,
   * cnn-error-code UPLOAD_TOO_LARGE). No single message may exceed 4 MiB:
   * send chunks of e.g. 1 MiB. Cancelling the call discards what was received.
   */
  UploadDataset: grpc.handleClientStreamingCall<_cnn_v1_UploadDatasetRequest__Output, _cnn_v1_Dataset>;
  
}

export interface DatasetsDefinition extends grpc.ServiceDefinition {
  DeleteDataset: MethodDefinition<_cnn_v1_DeleteDatasetRequest, _cnn_v1_DeleteDatasetResponse, _cnn_v1_DeleteDatasetRequest__Output, _cnn_v1_DeleteDatasetResponse__Output>
  GetDataset: MethodDefinition<_cnn_v1_GetDatasetRequest, _cnn_v1_Dataset, _cnn_v1_GetDatasetRequest__Output, _cnn_v1_Dataset__Output>
  ListDatasets: MethodDefinition<_cnn_v1_ListDatasetsRequest, _cnn_v1_ListDatasetsResponse, _cnn_v1_ListDatasetsRequest__Output, _cnn_v1_ListDatasetsResponse__Output>
  UploadDataset: MethodDefinition<_cnn_v1_UploadDatasetRequest, _cnn_v1_Dataset, _cnn_v1_UploadDatasetRequest__Output, _cnn_v1_Dataset__Output>
}
