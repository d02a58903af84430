// Original file: proto/cnn/v1/models.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ArtifactChunk as _cnn_v1_ArtifactChunk, ArtifactChunk__Output as _cnn_v1_ArtifactChunk__Output } from '../../cnn/v1/ArtifactChunk.js';
import type { DeleteModelRequest as _cnn_v1_DeleteModelRequest, DeleteModelRequest__Output as _cnn_v1_DeleteModelRequest__Output } from '../../cnn/v1/DeleteModelRequest.js';
import type { DeleteModelResponse as _cnn_v1_DeleteModelResponse, DeleteModelResponse__Output as _cnn_v1_DeleteModelResponse__Output } from '../../cnn/v1/DeleteModelResponse.js';
import type { DownloadModelArtifactRequest as _cnn_v1_DownloadModelArtifactRequest, DownloadModelArtifactRequest__Output as _cnn_v1_DownloadModelArtifactRequest__Output } from '../../cnn/v1/DownloadModelArtifactRequest.js';
import type { ExportChunk as _cnn_v1_ExportChunk, ExportChunk__Output as _cnn_v1_ExportChunk__Output } from '../../cnn/v1/ExportChunk.js';
import type { ExportModelRequest as _cnn_v1_ExportModelRequest, ExportModelRequest__Output as _cnn_v1_ExportModelRequest__Output } from '../../cnn/v1/ExportModelRequest.js';
import type { GetModelRequest as _cnn_v1_GetModelRequest, GetModelRequest__Output as _cnn_v1_GetModelRequest__Output } from '../../cnn/v1/GetModelRequest.js';
import type { ImportModelRequest as _cnn_v1_ImportModelRequest, ImportModelRequest__Output as _cnn_v1_ImportModelRequest__Output } from '../../cnn/v1/ImportModelRequest.js';
import type { ListModelsRequest as _cnn_v1_ListModelsRequest, ListModelsRequest__Output as _cnn_v1_ListModelsRequest__Output } from '../../cnn/v1/ListModelsRequest.js';
import type { ListModelsResponse as _cnn_v1_ListModelsResponse, ListModelsResponse__Output as _cnn_v1_ListModelsResponse__Output } from '../../cnn/v1/ListModelsResponse.js';
import type { Model as _cnn_v1_Model, Model__Output as _cnn_v1_Model__Output } from '../../cnn/v1/Model.js';
import type { PredictRequest as _cnn_v1_PredictRequest, PredictRequest__Output as _cnn_v1_PredictRequest__Output } from '../../cnn/v1/PredictRequest.js';
import type { PredictResponse as _cnn_v1_PredictResponse, PredictResponse__Output as _cnn_v1_PredictResponse__Output } from '../../cnn/v1/PredictResponse.js';

export interface ModelsClient extends grpc.Client {
  /**
   * FAILED_PRECONDITION (MODEL_IN_USE) while a queued or running job uses it.
   */
  DeleteModel(argument: _cnn_v1_DeleteModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _cnn_v1_DeleteModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _cnn_v1_DeleteModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _cnn_v1_DeleteModelRequest, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  /**
   * FAILED_PRECONDITION (MODEL_IN_USE) while a queued or running job uses it.
   */
  deleteModel(argument: _cnn_v1_DeleteModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _cnn_v1_DeleteModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _cnn_v1_DeleteModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _cnn_v1_DeleteModelRequest, callback: grpc.requestCallback<_cnn_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Server-streaming: the artifact tar (spec.json, weights.safetensors,
   * meta.json) in chunks, as GET /v1/models/{id}/artifact sends it.
   */
  DownloadModelArtifact(argument: _cnn_v1_DownloadModelArtifactRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ArtifactChunk__Output>;
  DownloadModelArtifact(argument: _cnn_v1_DownloadModelArtifactRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ArtifactChunk__Output>;
  /**
   * Server-streaming: the artifact tar (spec.json, weights.safetensors,
   * meta.json) in chunks, as GET /v1/models/{id}/artifact sends it.
   */
  downloadModelArtifact(argument: _cnn_v1_DownloadModelArtifactRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ArtifactChunk__Output>;
  downloadModelArtifact(argument: _cnn_v1_DownloadModelArtifactRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ArtifactChunk__Output>;
  
  /**
   * Server-streaming: the model as ONNX (opset 17), in chunks, as
   * GET /v1/models/{id}/onnx sends it. The file is checked against the engine
   * before the first chunk (EXPORT_PARITY_FAILED when it disagrees); the first
   * chunk carries the file name and the check's figures.
   */
  ExportModel(argument: _cnn_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ExportChunk__Output>;
  ExportModel(argument: _cnn_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ExportChunk__Output>;
  /**
   * Server-streaming: the model as ONNX (opset 17), in chunks, as
   * GET /v1/models/{id}/onnx sends it. The file is checked against the engine
   * before the first chunk (EXPORT_PARITY_FAILED when it disagrees); the first
   * chunk carries the file name and the check's figures.
   */
  exportModel(argument: _cnn_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ExportChunk__Output>;
  exportModel(argument: _cnn_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_ExportChunk__Output>;
  
  GetModel(argument: _cnn_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _cnn_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _cnn_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _cnn_v1_GetModelRequest, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _cnn_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _cnn_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _cnn_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _cnn_v1_GetModelRequest, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientUnaryCall;
  
  /**
   * Client-streaming, as POST /v1/models/import: a header (a zoo name or a
   * spec, classes, preprocessing), then the weights (safetensors, tensor names
   * as the spec's; torchvision's state_dict keys for zoo models) as chunks of
   * up to 4 MiB each, counted against CNN_MAX_UPLOAD_BYTES. The header is
   * checked as soon as it arrives; the weights must fit the model exactly
   * (INVALID_ARGUMENT, ENGINE_WEIGHTS_MISMATCH, listing the tensors).
   */
  ImportModel(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  ImportModel(metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  ImportModel(options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  ImportModel(callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  /**
   * Client-streaming, as POST /v1/models/import: a header (a zoo name or a
   * spec, classes, preprocessing), then the weights (safetensors, tensor names
   * as the spec's; torchvision's state_dict keys for zoo models) as chunks of
   * up to 4 MiB each, counted against CNN_MAX_UPLOAD_BYTES. The header is
   * checked as soon as it arrives; the weights must fit the model exactly
   * (INVALID_ARGUMENT, ENGINE_WEIGHTS_MISMATCH, listing the tensors).
   */
  importModel(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  importModel(metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  importModel(options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  importModel(callback: grpc.requestCallback<_cnn_v1_Model__Output>): grpc.ClientWritableStream<_cnn_v1_ImportModelRequest>;
  
  ListModels(argument: _cnn_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _cnn_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _cnn_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _cnn_v1_ListModelsRequest, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cnn_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cnn_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cnn_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cnn_v1_ListModelsRequest, callback: grpc.requestCallback<_cnn_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Top-k classes for each image, preprocessed exactly as in training. The
   * whole request must fit in one 4 MiB message; send more images in more calls.
   */
  Predict(argument: _cnn_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _cnn_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _cnn_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _cnn_v1_PredictRequest, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Top-k classes for each image, preprocessed exactly as in training. The
   * whole request must fit in one 4 MiB message; send more images in more calls.
   */
  predict(argument: _cnn_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _cnn_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _cnn_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _cnn_v1_PredictRequest, callback: grpc.requestCallback<_cnn_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ModelsHandlers extends grpc.UntypedServiceImplementation {
  /**
   * FAILED_PRECONDITION (MODEL_IN_USE) while a queued or running job uses it.
   */
  DeleteModel: grpc.handleUnaryCall<_cnn_v1_DeleteModelRequest__Output, _cnn_v1_DeleteModelResponse>;
  
  /**
   * Server-streaming: the artifact tar (spec.json, weights.safetensors,
   * meta.json) in chunks, as GET /v1/models/{id}/artifact sends it.
   */
  DownloadModelArtifact: grpc.handleServerStreamingCall<_cnn_v1_DownloadModelArtifactRequest__Output, _cnn_v1_ArtifactChunk>;
  
  /**
   * Server-streaming: the model as ONNX (opset 17), in chunks, as
   * GET /v1/models/{id}/onnx sends it. The file is checked against the engine
   * before the first chunk (EXPORT_PARITY_FAILED when it disagrees); the first
   * chunk carries the file name and the check's figures.
   */
  ExportModel: grpc.handleServerStreamingCall<_cnn_v1_ExportModelRequest__Output, _cnn_v1_ExportChunk>;
  
  GetModel: grpc.handleUnaryCall<_cnn_v1_GetModelRequest__Output, _cnn_v1_Model>;
  
  /**
   * Client-streaming, as POST /v1/models/import: a header (a zoo name or a
   * spec, classes, preprocessing), then the weights (safetensors, tensor names
   * as the spec's; torchvision's state_dict keys for zoo models) as chunks of
   * up to 4 MiB each, counted against CNN_MAX_UPLOAD_BYTES. The header is
   * checked as soon as it arrives; the weights must fit the model exactly
   * (INVALID_ARGUMENT, ENGINE_WEIGHTS_MISMATCH, listing the tensors).
   */
  ImportModel: grpc.handleClientStreamingCall<_cnn_v1_ImportModelRequest__Output, _cnn_v1_Model>;
  
  ListModels: grpc.handleUnaryCall<_cnn_v1_ListModelsRequest__Output, _cnn_v1_ListModelsResponse>;
  
  /**
   * Top-k classes for each image, preprocessed exactly as in training. The
   * whole request must fit in one 4 MiB message; send more images in more calls.
   */
  Predict: grpc.handleUnaryCall<_cnn_v1_PredictRequest__Output, _cnn_v1_PredictResponse>;
  
}

export interface ModelsDefinition extends grpc.ServiceDefinition {
  DeleteModel: MethodDefinition<_cnn_v1_DeleteModelRequest, _cnn_v1_DeleteModelResponse, _cnn_v1_DeleteModelRequest__Output, _cnn_v1_DeleteModelResponse__Output>
  DownloadModelArtifact: MethodDefinition<_cnn_v1_DownloadModelArtifactRequest, _cnn_v1_ArtifactChunk, _cnn_v1_DownloadModelArtifactRequest__Output, _cnn_v1_ArtifactChunk__Output>
  ExportModel: MethodDefinition<_cnn_v1_ExportModelRequest, _cnn_v1_ExportChunk, _cnn_v1_ExportModelRequest__Output, _cnn_v1_ExportChunk__Output>
  GetModel: MethodDefinition<_cnn_v1_GetModelRequest, _cnn_v1_Model, _cnn_v1_GetModelRequest__Output, _cnn_v1_Model__Output>
  ImportModel: MethodDefinition<_cnn_v1_ImportModelRequest, _cnn_v1_Model, _cnn_v1_ImportModelRequest__Output, _cnn_v1_Model__Output>
  ListModels: MethodDefinition<_cnn_v1_ListModelsRequest, _cnn_v1_ListModelsResponse, _cnn_v1_ListModelsRequest__Output, _cnn_v1_ListModelsResponse__Output>
  Predict: MethodDefinition<_cnn_v1_PredictRequest, _cnn_v1_PredictResponse, _cnn_v1_PredictRequest__Output, _cnn_v1_PredictResponse__Output>
}
