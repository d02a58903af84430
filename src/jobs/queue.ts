/**
 * The BullMQ queue all API processes and workers share. Jobs are at-least-once:
 * a job whose worker dies (lock not renewed) is moved back to wait by the
 * stalled check and picked up by another worker, which resumes it from its
 * last checkpoint.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const QUEUE_NAME = 'jobs';

/** How often a job may be found stalled (its worker died) before it fails for good. */
export const MAX_STALLED_COUNT = 3;

export interface QueuedJobData {
  jobId: string;
  tenant: string;
}

export function createQueue(connection: Redis, prefix: string): Queue<QueuedJobData> {
  const queue = new Queue<QueuedJobData>(QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: {
      // Failures are final (bad input, native errors); only stalls are retried, by the stalled check.
      attempts: 1,
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  // The connection's own listener logs outages; without this one an error event would be unhandled.
  queue.on('error', () => undefined);
  return queue;
}
