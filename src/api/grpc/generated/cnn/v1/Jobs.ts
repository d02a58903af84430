// Original file: proto/cnn/v1/jobs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelJobRequest as _cnn_v1_CancelJobRequest, CancelJobRequest__Output as _cnn_v1_CancelJobRequest__Output } from '../../cnn/v1/CancelJobRequest.js';
import type { GetJobRequest as _cnn_v1_GetJobRequest, GetJobRequest__Output as _cnn_v1_GetJobRequest__Output } from '../../cnn/v1/GetJobRequest.js';
import type { Job as _cnn_v1_Job, Job__Output as _cnn_v1_Job__Output } from '../../cnn/v1/Job.js';
import type { JobEvent as _cnn_v1_JobEvent, JobEvent__Output as _cnn_v1_JobEvent__Output } from '../../cnn/v1/JobEvent.js';
import type { ListJobsRequest as _cnn_v1_ListJobsRequest, ListJobsRequest__Output as _cnn_v1_ListJobsRequest__Output } from '../../cnn/v1/ListJobsRequest.js';
import type { ListJobsResponse as _cnn_v1_ListJobsResponse, ListJobsResponse__Output as _cnn_v1_ListJobsResponse__Output } from '../../cnn/v1/ListJobsResponse.js';
import type { StopJobRequest as _cnn_v1_StopJobRequest, StopJobRequest__Output as _cnn_v1_StopJobRequest__Output } from '../../cnn/v1/StopJobRequest.js';
import type { SubmitJobRequest as _cnn_v1_SubmitJobRequest, SubmitJobRequest__Output as _cnn_v1_SubmitJobRequest__Output } from '../../cnn/v1/SubmitJobRequest.js';
import type { SubmitJobResponse as _cnn_v1_SubmitJobResponse, SubmitJobResponse__Output as _cnn_v1_SubmitJobResponse__Output } from '../../cnn/v1/SubmitJobResponse.js';
import type { WatchJobRequest as _cnn_v1_WatchJobRequest, WatchJobRequest__Output as _cnn_v1_WatchJobRequest__Output } from '../../cnn/v1/WatchJobRequest.js';

export interface JobsClient extends grpc.Client {
  /**
   * A queued job ends cancelled at once; a running one stops within one
   * training step (the returned job then has cancel_requested set).
   * FAILED_PRECONDITION (JOB_FINISHED) for a job that has already ended.
   */
  CancelJob(argument: _cnn_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _cnn_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _cnn_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _cnn_v1_CancelJobRequest, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * A queued job ends cancelled at once; a running one stops within one
   * training step (the returned job then has cancel_requested set).
   * FAILED_PRECONDITION (JOB_FINISHED) for a job that has already ended.
   */
  cancelJob(argument: _cnn_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _cnn_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _cnn_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _cnn_v1_CancelJobRequest, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  
  GetJob(argument: _cnn_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _cnn_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _cnn_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _cnn_v1_GetJobRequest, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _cnn_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _cnn_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _cnn_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _cnn_v1_GetJobRequest, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _cnn_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _cnn_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _cnn_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _cnn_v1_ListJobsRequest, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _cnn_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _cnn_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _cnn_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _cnn_v1_ListJobsRequest, callback: grpc.requestCallback<_cnn_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A train or finetune job ends at the next epoch boundary (a queued one
   * after its first epoch) and completes with its model: the result has
   * `stoppedEarly: true` and `stopReason: "stopRequested"`. The returned job
   * has stop_requested set. FAILED_PRECONDITION: JOB_FINISHED for a job that
   * has already ended, JOB_NOT_STOPPABLE for an evaluate job.
   */
  StopJob(argument: _cnn_v1_StopJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  StopJob(argument: _cnn_v1_StopJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  StopJob(argument: _cnn_v1_StopJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  StopJob(argument: _cnn_v1_StopJobRequest, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * A train or finetune job ends at the next epoch boundary (a queued one
   * after its first epoch) and completes with its model: the result has
   * `stoppedEarly: true` and `stopReason: "stopRequested"`. The returned job
   * has stop_requested set. FAILED_PRECONDITION: JOB_FINISHED for a job that
   * has already ended, JOB_NOT_STOPPABLE for an evaluate job.
   */
  stopJob(argument: _cnn_v1_StopJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  stopJob(argument: _cnn_v1_StopJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  stopJob(argument: _cnn_v1_StopJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  stopJob(argument: _cnn_v1_StopJobRequest, callback: grpc.requestCallback<_cnn_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Validated completely before it is queued (INVALID_ARGUMENT with
   * cnn-error-path, e.g. `model.spec.layers[2].kernelSize`; NOT_FOUND for an
   * unknown dataset or model; FAILED_PRECONDITION when the dataset does not fit).
   */
  SubmitJob(argument: _cnn_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _cnn_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _cnn_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _cnn_v1_SubmitJobRequest, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Validated completely before it is queued (INVALID_ARGUMENT with
   * cnn-error-path, e.g. `model.spec.layers[2].kernelSize`; NOT_FOUND for an
   * unknown dataset or model; FAILED_PRECONDITION when the dataset does not fit).
   */
  submitJob(argument: _cnn_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _cnn_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _cnn_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _cnn_v1_SubmitJobRequest, callback: grpc.requestCallback<_cnn_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Server-streaming: the current state first, then each progress and state
   * change, ending with the final state (completed, failed or cancelled), after
   * which the server closes the stream with OK. Cancel the call to stop watching.
   */
  WatchJob(argument: _cnn_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_JobEvent__Output>;
  WatchJob(argument: _cnn_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_JobEvent__Output>;
  /**
   * Server-streaming: the current state first, then each progress and state
   * change, ending with the final state (completed, failed or cancelled), after
   * which the server closes the stream with OK. Cancel the call to stop watching.
   */
  watchJob(argument: _cnn_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_JobEvent__Output>;
  watchJob(argument: _cnn_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cnn_v1_JobEvent__Output>;
  
}

export interface JobsHandlers extends grpc.UntypedServiceImplementation {
  /**
   * A queued job ends cancelled at once; a running one stops within one
   * training step (the returned job then has cancel_requested set).
   * FAILED_PRECONDITION (JOB_FINISHED) for a job that has already ended.
   */
  CancelJob: grpc.handleUnaryCall<_cnn_v1_CancelJobRequest__Output, _cnn_v1_Job>;
  
  GetJob: grpc.handleUnaryCall<_cnn_v1_GetJobRequest__Output, _cnn_v1_Job>;
  
  ListJobs: grpc.handleUnaryCall<_cnn_v1_ListJobsRequest__Output, _cnn_v1_ListJobsResponse>;
  
  /**
   * A train or finetune job ends at the next epoch boundary (a queued one
   * after its first epoch) and completes with its model: the result has
   * `stoppedEarly: true` and `stopReason: "stopRequested"`. The returned job
   * has stop_requested set. FAILED_PRECONDITION: JOB_FINISHED for a job that
   * has already ended, JOB_NOT_STOPPABLE for an evaluate job.
   */
  StopJob: grpc.handleUnaryCall<_cnn_v1_StopJobRequest__Output, _cnn_v1_Job>;
  
  /**
   * Validated completely before it is queued (INVALID_ARGUMENT with
   * cnn-error-path, e.g. `model.spec.layers[2].kernelSize`; NOT_FOUND for an
   * unknown dataset or model; FAILED_PRECONDITION when the dataset does not fit).
   */
  SubmitJob: grpc.handleUnaryCall<_cnn_v1_SubmitJobRequest__Output, _cnn_v1_SubmitJobResponse>;
  
  /**
   * Server-streaming: the current state first, then each progress and state
   * change, ending with the final state (completed, failed or cancelled), after
   * which the server closes the stream with OK. Cancel the call to stop watching.
   */
  WatchJob: grpc.handleServerStreamingCall<_cnn_v1_WatchJobRequest__Output, _cnn_v1_JobEvent>;
  
}

export interface JobsDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<_cnn_v1_CancelJobRequest, _cnn_v1_Job, _cnn_v1_CancelJobRequest__Output, _cnn_v1_Job__Output>
  GetJob: MethodDefinition<_cnn_v1_GetJobRequest, _cnn_v1_Job, _cnn_v1_GetJobRequest__Output, _cnn_v1_Job__Output>
  ListJobs: MethodDefinition<_cnn_v1_ListJobsRequest, _cnn_v1_ListJobsResponse, _cnn_v1_ListJobsRequest__Output, _cnn_v1_ListJobsResponse__Output>
  StopJob: MethodDefinition<_cnn_v1_StopJobRequest, _cnn_v1_Job, _cnn_v1_StopJobRequest__Output, _cnn_v1_Job__Output>
  SubmitJob: MethodDefinition<_cnn_v1_SubmitJobRequest, _cnn_v1_SubmitJobResponse, _cnn_v1_SubmitJobRequest__Output, _cnn_v1_SubmitJobResponse__Output>
  WatchJob: MethodDefinition<_cnn_v1_WatchJobRequest, _cnn_v1_JobEvent, _cnn_v1_WatchJobRequest__Output, _cnn_v1_JobEvent__Output>
}
