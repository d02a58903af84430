// Original file: proto/cnn/v1/jobs.proto

export const JobEventKind = {
  JOB_EVENT_KIND_UNSPECIFIED: 'JOB_EVENT_KIND_UNSPECIFIED',
  /**
   * The job's state changed (the first event is always a STATE event with the current record).
   */
  JOB_EVENT_KIND_STATE: 'JOB_EVENT_KIND_STATE',
  /**
   * Progress within the same state.
   */
  JOB_EVENT_KIND_PROGRESS: 'JOB_EVENT_KIND_PROGRESS',
} as const;

export type JobEventKind =
  | 'JOB_EVENT_KIND_UNSPECIFIED'
  | 0
  /**
   * The job's state changed (the first event is always a STATE event with the current record).
   */
  | 'JOB_EVENT_KIND_STATE'
  | 1
  /**
   * Progress within the same state.
   */
  | 'JOB_EVENT_KIND_PROGRESS'
  | 2

export type JobEventKind__Output = typeof JobEventKind[keyof typeof JobEventKind]
