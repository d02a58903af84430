import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArtifactChunk as _cnn_v1_ArtifactChunk, ArtifactChunk__Output as _cnn_v1_ArtifactChunk__Output } from './cnn/v1/ArtifactChunk.js';
import type { ClassScore as _cnn_v1_ClassScore, ClassScore__Output as _cnn_v1_ClassScore__Output } from './cnn/v1/ClassScore.js';
import type { DeleteModelRequest as _cnn_v1_DeleteModelRequest, DeleteModelRequest__Output as _cnn_v1_DeleteModelRequest__Output } from './cnn/v1/DeleteModelRequest.js';
import type { DeleteModelResponse as _cnn_v1_DeleteModelResponse, DeleteModelResponse__Output as _cnn_v1_DeleteModelResponse__Output } from './cnn/v1/DeleteModelResponse.js';
import type { DownloadModelArtifactRequest as _cnn_v1_DownloadModelArtifactRequest, DownloadModelArtifactRequest__Output as _cnn_v1_DownloadModelArtifactRequest__Output } from './cnn/v1/DownloadModelArtifactRequest.js';
import type { ExportCheck as _cnn_v1_ExportCheck, ExportCheck__Output as _cnn_v1_ExportCheck__Output } from './cnn/v1/ExportCheck.js';
import type { ExportChunk as _cnn_v1_ExportChunk, ExportChunk__Output as _cnn_v1_ExportChunk__Output } from './cnn/v1/ExportChunk.js';
import type { ExportModelRequest as _cnn_v1_ExportModelRequest, ExportModelRequest__Output as _cnn_v1_ExportModelRequest__Output } from './cnn/v1/ExportModelRequest.js';
import type { GetModelRequest as _cnn_v1_GetModelRequest, GetModelRequest__Output as _cnn_v1_GetModelRequest__Output } from './cnn/v1/GetModelRequest.js';
import type { ImportModelHeader as _cnn_v1_ImportModelHeader, ImportModelHeader__Output as _cnn_v1_ImportModelHeader__Output } from './cnn/v1/ImportModelHeader.js';
import type { ImportModelRequest as _cnn_v1_ImportModelRequest, ImportModelRequest__Output as _cnn_v1_ImportModelRequest__Output } from './cnn/v1/ImportModelRequest.js';
import type { ListModelsRequest as _cnn_v1_ListModelsRequest, ListModelsRequest__Output as _cnn_v1_ListModelsRequest__Output } from './cnn/v1/ListModelsRequest.js';
import type { ListModelsResponse as _cnn_v1_ListModelsResponse, ListModelsResponse__Output as _cnn_v1_ListModelsResponse__Output } from './cnn/v1/ListModelsResponse.js';
import type { Model as _cnn_v1_Model, Model__Output as _cnn_v1_Model__Output } from './cnn/v1/Model.js';
import type { ModelsClient as _cnn_v1_ModelsClient, ModelsDefinition as _cnn_v1_ModelsDefinition } from './cnn/v1/Models.js';
import type { ParamCounts as _cnn_v1_ParamCounts, ParamCounts__Output as _cnn_v1_ParamCounts__Output } from './cnn/v1/ParamCounts.js';
import type { PredictRequest as _cnn_v1_PredictRequest, PredictRequest__Output as _cnn_v1_PredictRequest__Output } from './cnn/v1/PredictRequest.js';
import type { PredictResponse as _cnn_v1_PredictResponse, PredictResponse__Output as _cnn_v1_PredictResponse__Output } from './cnn/v1/PredictResponse.js';
import type { Prediction as _cnn_v1_Prediction, Prediction__Output as _cnn_v1_Prediction__Output } from './cnn/v1/Prediction.js';
import type { Preprocessing as _cnn_v1_Preprocessing, Preprocessing__Output as _cnn_v1_Preprocessing__Output } from './cnn/v1/Preprocessing.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cnn: {
    v1: {
      ArtifactChunk: MessageTypeDefinition<_cnn_v1_ArtifactChunk, _cnn_v1_ArtifactChunk__Output>
      ClassScore: MessageTypeDefinition<_cnn_v1_ClassScore, _cnn_v1_ClassScore__Output>
      DeleteModelRequest: MessageTypeDefinition<_cnn_v1_DeleteModelRequest, _cnn_v1_DeleteModelRequest__Output>
      DeleteModelResponse: MessageTypeDefinition<_cnn_v1_DeleteModelResponse, _cnn_v1_DeleteModelResponse__Output>
      DownloadModelArtifactRequest: MessageTypeDefinition<_cnn_v1_DownloadModelArtifactRequest, _cnn_v1_DownloadModelArtifactRequest__Output>
      ExportCheck: MessageTypeDefinition<_cnn_v1_ExportCheck, _cnn_v1_ExportCheck__Output>
      ExportChunk: MessageTypeDefinition<_cnn_v1_ExportChunk, _cnn_v1_ExportChunk__Output>
      ExportModelRequest: MessageTypeDefinition<_cnn_v1_ExportModelRequest, _cnn_v1_ExportModelRequest__Output>
      GetModelRequest: MessageTypeDefinition<_cnn_v1_GetModelRequest, _cnn_v1_GetModelRequest__Output>
      ImportModelHeader: MessageTypeDefinition<_cnn_v1_ImportModelHeader, _cnn_v1_ImportModelHeader__Output>
      ImportModelRequest: MessageTypeDefinition<_cnn_v1_ImportModelRequest, _cnn_v1_ImportModelRequest__Output>
      ListModelsRequest: MessageTypeDefinition<_cnn_v1_ListModelsRequest, _cnn_v1_ListModelsRequest__Output>
      ListModelsResponse: MessageTypeDefinition<_cnn_v1_ListModelsResponse, _cnn_v1_ListModelsResponse__Output>
      Model: MessageTypeDefinition<_cnn_v1_Model, _cnn_v1_Model__Output>
      Models: SubtypeConstructor<typeof grpc.Client, _cnn_v1_ModelsClient> & { service: _cnn_v1_ModelsDefinition }
      ParamCounts: MessageTypeDefinition<_cnn_v1_ParamCounts, _cnn_v1_ParamCounts__Output>
      PredictRequest: MessageTypeDefinition<_cnn_v1_PredictRequest, _cnn_v1_PredictRequest__Output>
      PredictResponse: MessageTypeDefinition<_cnn_v1_PredictResponse, _cnn_v1_PredictResponse__Output>
      Prediction: MessageTypeDefinition<_cnn_v1_Prediction, _cnn_v1_Prediction__Output>
      Preprocessing: MessageTypeDefinition<_cnn_v1_Preprocessing, _cnn_v1_Preprocessing__Output>
    }
  }
}

