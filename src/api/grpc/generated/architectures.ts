import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArchitectureSummary as _cnn_v1_ArchitectureSummary, ArchitectureSummary__Output as _cnn_v1_ArchitectureSummary__Output } from './cnn/v1/ArchitectureSummary.js';
import type { ArchitecturesClient as _cnn_v1_ArchitecturesClient, ArchitecturesDefinition as _cnn_v1_ArchitecturesDefinition } from './cnn/v1/Architectures.js';
import type { LayerSummary as _cnn_v1_LayerSummary, LayerSummary__Output as _cnn_v1_LayerSummary__Output } from './cnn/v1/LayerSummary.js';
import type { ListZooModelsRequest as _cnn_v1_ListZooModelsRequest, ListZooModelsRequest__Output as _cnn_v1_ListZooModelsRequest__Output } from './cnn/v1/ListZooModelsRequest.js';
import type { ListZooModelsResponse as _cnn_v1_ListZooModelsResponse, ListZooModelsResponse__Output as _cnn_v1_ListZooModelsResponse__Output } from './cnn/v1/ListZooModelsResponse.js';
import type { SummarizeArchitectureRequest as _cnn_v1_SummarizeArchitectureRequest, SummarizeArchitectureRequest__Output as _cnn_v1_SummarizeArchitectureRequest__Output } from './cnn/v1/SummarizeArchitectureRequest.js';
import type { SummaryTotals as _cnn_v1_SummaryTotals, SummaryTotals__Output as _cnn_v1_SummaryTotals__Output } from './cnn/v1/SummaryTotals.js';
import type { ZooModel as _cnn_v1_ZooModel, ZooModel__Output as _cnn_v1_ZooModel__Output } from './cnn/v1/ZooModel.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cnn: {
    v1: {
      ArchitectureSummary: MessageTypeDefinition<_cnn_v1_ArchitectureSummary, _cnn_v1_ArchitectureSummary__Output>
      Architectures: SubtypeConstructor<typeof grpc.Client, _cnn_v1_ArchitecturesClient> & { service: _cnn_v1_ArchitecturesDefinition }
      LayerSummary: MessageTypeDefinition<_cnn_v1_LayerSummary, _cnn_v1_LayerSummary__Output>
      ListZooModelsRequest: MessageTypeDefinition<_cnn_v1_ListZooModelsRequest, _cnn_v1_ListZooModelsRequest__Output>
      ListZooModelsResponse: MessageTypeDefinition<_cnn_v1_ListZooModelsResponse, _cnn_v1_ListZooModelsResponse__Output>
      SummarizeArchitectureRequest: MessageTypeDefinition<_cnn_v1_SummarizeArchitectureRequest, _cnn_v1_SummarizeArchitectureRequest__Output>
      SummaryTotals: MessageTypeDefinition<_cnn_v1_SummaryTotals, _cnn_v1_SummaryTotals__Output>
      ZooModel: MessageTypeDefinition<_cnn_v1_ZooModel, _cnn_v1_ZooModel__Output>
    }
  }
}

