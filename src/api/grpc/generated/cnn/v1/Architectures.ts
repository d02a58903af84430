// Original file: proto/cnn/v1/architectures.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ArchitectureSummary as _cnn_v1_ArchitectureSummary, ArchitectureSummary__Output as _cnn_v1_ArchitectureSummary__Output } from '../../cnn/v1/ArchitectureSummary.js';
import type { ListZooModelsRequest as _cnn_v1_ListZooModelsRequest, ListZooModelsRequest__Output as _cnn_v1_ListZooModelsRequest__Output } from '../../cnn/v1/ListZooModelsRequest.js';
import type { ListZooModelsResponse as _cnn_v1_ListZooModelsResponse, ListZooModelsResponse__Output as _cnn_v1_ListZooModelsResponse__Output } from '../../cnn/v1/ListZooModelsResponse.js';
import type { SummarizeArchitectureRequest as _cnn_v1_SummarizeArchitectureRequest, SummarizeArchitectureRequest__Output as _cnn_v1_SummarizeArchitectureRequest__Output } from '../../cnn/v1/SummarizeArchitectureRequest.js';

export interface ArchitecturesClient extends grpc.Client {
  ListZooModels(argument: _cnn_v1_ListZooModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  ListZooModels(argument: _cnn_v1_ListZooModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  ListZooModels(argument: _cnn_v1_ListZooModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  ListZooModels(argument: _cnn_v1_ListZooModelsRequest, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  listZooModels(argument: _cnn_v1_ListZooModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  listZooModels(argument: _cnn_v1_ListZooModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  listZooModels(argument: _cnn_v1_ListZooModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  listZooModels(argument: _cnn_v1_ListZooModelsRequest, callback: grpc.requestCallback<_cnn_v1_ListZooModelsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * INVALID_ARGUMENT with cnn-error-path naming the field (e.g.
   * `layers[2].kernelSize`) when the spec is wrong.
   */
  SummarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  SummarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  SummarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  SummarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  /**
   * INVALID_ARGUMENT with cnn-error-path naming the field (e.g.
   * `layers[2].kernelSize`) when the spec is wrong.
   */
  summarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  summarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  summarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  summarizeArchitecture(argument: _cnn_v1_SummarizeArchitectureRequest, callback: grpc.requestCallback<_cnn_v1_ArchitectureSummary__Output>): grpc.ClientUnaryCall;
  
}

export interface ArchitecturesHandlers extends grpc.UntypedServiceImplementation {
  ListZooModels: grpc.handleUnaryCall<_cnn_v1_ListZooModelsRequest__Output, _cnn_v1_ListZooModelsResponse>;
  
  /**
   * INVALID_ARGUMENT with cnn-error-path naming the field (e.g.
   * `layers[2].kernelSize`) when the spec is wrong.
   */
  SummarizeArchitecture: grpc.handleUnaryCall<_cnn_v1_SummarizeArchitectureRequest__Output, _cnn_v1_ArchitectureSummary>;
  
}

export interface ArchitecturesDefinition extends grpc.ServiceDefinition {
  ListZooModels: MethodDefinition<_cnn_v1_ListZooModelsRequest, _cnn_v1_ListZooModelsResponse, _cnn_v1_ListZooModelsRequest__Output, _cnn_v1_ListZooModelsResponse__Output>
  SummarizeArchitecture: MethodDefinition<_cnn_v1_SummarizeArchitectureRequest, _cnn_v1_ArchitectureSummary, _cnn_v1_SummarizeArchitectureRequest__Output, _cnn_v1_ArchitectureSummary__Output>
}
