import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelJobRequest as _cnn_v1_CancelJobRequest, CancelJobRequest__Output as _cnn_v1_CancelJobRequest__Output } from './cnn/v1/CancelJobRequest.js';
import type { GetJobRequest as _cnn_v1_GetJobRequest, GetJobRequest__Output as _cnn_v1_GetJobRequest__Output } from './cnn/v1/GetJobRequest.js';
import type { Job as _cnn_v1_Job, Job__Output as _cnn_v1_Job__Output } from './cnn/v1/Job.js';
import type { JobError as _cnn_v1_JobError, JobError__Output as _cnn_v1_JobError__Output } from './cnn/v1/JobError.js';
import type { JobEvent as _cnn_v1_JobEvent, JobEvent__Output as _cnn_v1_JobEvent__Output } from './cnn/v1/JobEvent.js';
import type { JobProgress as _cnn_v1_JobProgress, JobProgress__Output as _cnn_v1_JobProgress__Output } from './cnn/v1/JobProgress.js';
import type { JobsClient as _cnn_v1_JobsClient, JobsDefinition as _cnn_v1_JobsDefinition } from './cnn/v1/Jobs.js';
import type { ListJobsRequest as _cnn_v1_ListJobsRequest, ListJobsRequest__Output as _cnn_v1_ListJobsRequest__Output } from './cnn/v1/ListJobsRequest.js';
import type { ListJobsResponse as _cnn_v1_ListJobsResponse, ListJobsResponse__Output as _cnn_v1_ListJobsResponse__Output } from './cnn/v1/ListJobsResponse.js';
import type { StopJobRequest as _cnn_v1_StopJobRequest, StopJobRequest__Output as _cnn_v1_StopJobRequest__Output } from './cnn/v1/StopJobRequest.js';
import type { SubmitJobRequest as _cnn_v1_SubmitJobRequest, SubmitJobRequest__Output as _cnn_v1_SubmitJobRequest__Output } from './cnn/v1/SubmitJobRequest.js';
import type { SubmitJobResponse as _cnn_v1_SubmitJobResponse, SubmitJobResponse__Output as _cnn_v1_SubmitJobResponse__Output } from './cnn/v1/SubmitJobResponse.js';
import type { WatchJobRequest as _cnn_v1_WatchJobRequest, WatchJobRequest__Output as _cnn_v1_WatchJobRequest__Output } from './cnn/v1/WatchJobRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cnn: {
    v1: {
      CancelJobRequest: MessageTypeDefinition<_cnn_v1_CancelJobRequest, _cnn_v1_CancelJobRequest__Output>
      GetJobRequest: MessageTypeDefinition<_cnn_v1_GetJobRequest, _cnn_v1_GetJobRequest__Output>
      Job: MessageTypeDefinition<_cnn_v1_Job, _cnn_v1_Job__Output>
      JobError: MessageTypeDefinition<_cnn_v1_JobError, _cnn_v1_JobError__Output>
      JobEvent: MessageTypeDefinition<_cnn_v1_JobEvent, _cnn_v1_JobEvent__Output>
      JobEventKind: EnumTypeDefinition
      JobProgress: MessageTypeDefinition<_cnn_v1_JobProgress, _cnn_v1_JobProgress__Output>
      JobState: EnumTypeDefinition
      Jobs: SubtypeConstructor<typeof grpc.Client, _cnn_v1_JobsClient> & { service: _cnn_v1_JobsDefinition }
      ListJobsRequest: MessageTypeDefinition<_cnn_v1_ListJobsRequest, _cnn_v1_ListJobsRequest__Output>
      ListJobsResponse: MessageTypeDefinition<_cnn_v1_ListJobsResponse, _cnn_v1_ListJobsResponse__Output>
      StopJobRequest: MessageTypeDefinition<_cnn_v1_StopJobRequest, _cnn_v1_StopJobRequest__Output>
      SubmitJobRequest: MessageTypeDefinition<_cnn_v1_SubmitJobRequest, _cnn_v1_SubmitJobRequest__Output>
      SubmitJobResponse: MessageTypeDefinition<_cnn_v1_SubmitJobResponse, _cnn_v1_SubmitJobResponse__Output>
      WatchJobRequest: MessageTypeDefinition<_cnn_v1_WatchJobRequest, _cnn_v1_WatchJobRequest__Output>
    }
  }
}

