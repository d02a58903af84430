/**
 * The process's Prometheus metrics (prom-client, one registry per process).
 * The API serves them at GET /metrics; a worker process on
 * CNN_WORKER_METRICS_PORT; `npm start`'s in-process workers share the API's
 * registry. Labels hold bounded values only: route patterns, states, types,
 * devices, worker slots — never ids. Imports nothing of the project, so any
 * layer may record into it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
let enabled = false;

export const httpRequests = new Counter({ name: 'cnn_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status.', labelNames: ['method', 'route', 'status'], registers: [registry] });
export const httpDuration = new Histogram({
  name: 'cnn_http_request_duration_seconds',
  help: 'Time to answer an HTTP request (to the end of the response), by method and route pattern.',
  labelNames: ['method', 'route'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
export const jobsTotal = new Counter({ name: 'cnn_jobs_total', help: 'Jobs that reached a final state (completed, failed, cancelled), by type.', labelNames: ['type', 'state'], registers: [registry] });
export const jobDuration = new Histogram({
  name: 'cnn_job_duration_seconds',
  help: 'Run time of a job from its first start to its final state, by type.',
  labelNames: ['type'],
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
  registers: [registry],
});
export const trainImagesPerSecond = new Gauge({ name: 'cnn_train_images_per_second', help: 'Training throughput of the job in hand, by worker slot in this process.', labelNames: ['worker'], registers: [registry] });
export const trainEpoch = new Gauge({ name: 'cnn_train_epoch', help: 'Epoch of the job in hand, by worker slot.', labelNames: ['worker'], registers: [registry] });
export const trainLoss = new Gauge({ name: 'cnn_train_loss', help: 'Latest training loss of the job in hand, by worker slot.', labelNames: ['worker'], registers: [registry] });
export const workerDevice = new Gauge({ name: 'cnn_worker_device', help: 'Workers in this process, by the device they train on (cpu, cuda, auto).', labelNames: ['device'], registers: [registry] });
export const gpuMemory = new Gauge({ name: 'cnn_gpu_memory_bytes', help: 'CUDA memory of this process, by kind (allocated, reserved); absent on CPU.', labelNames: ['kind'], registers: [registry] });

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
let queueCounts: (() => Promise<Record<string, number>>) | undefined;
export const queueJobs = new Gauge({
  name: 'cnn_queue_jobs',
  help: 'Jobs in the BullMQ queue, by state (read from Redis at scrape time; absent while Redis is away).',
  labelNames: ['state'],
  registers: [registry],
  async collect() {
    this.reset();
    if (!queueCounts) return;
    const counts = await queueCounts().catch(() => undefined);
    if (counts) for (const s of QUEUE_STATES) this.set({ state: s }, counts[s] ?? 0);
  },
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
export const eventLoopLag = new Gauge({
  name: 'cnn_event_loop_lag_seconds',
  help: 'Longest event-loop delay since the previous scrape (BullMQ renews job locks from the loop).',
  registers: [registry],
  collect() {
    this.set(loopDelay.max / 1e9);
    loopDelay.reset();
  },
});

/** Turns collection on (CNN_METRICS=on), with prom-client's default process metrics. Idempotent. */
export function enableMetrics(): void {
  if (enabled) return;
  enabled = true;
  loopDelay.enable();
  collectDefaultMetrics({ register: registry });
}

export function metricsEnabled(): boolean {
  return enabled;
}

/** Where cnn_queue_jobs reads its counts (the API process sets it). */
export function setQueueCounts(fn: () => Promise<Record<string, number>>): void {
  queueCounts = fn;
}

/** Bounded HTTP method label. */
export function methodLabel(method: string): string {
  return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].includes(method) ? method : 'OTHER';
}
