/**
 * What the service commands share: exit codes, reading local JSON files,
 * and the end of a job (follow it, print its metrics, write its files, or
 * say what happens to it after Ctrl-C).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EvalMetrics, JobRecord } from '../../store/job-schemas.js';
import { canAsk, EXIT_INTERRUPTED, Interrupted, type Interrupt } from '../interrupt.js';
import { duration, type CliIo } from '../output.js';
import { metricsReport } from '../report.js';
import { ServerError, type Server } from '../server.js';
import { watchJob } from '../watch.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** A local file or argument that cannot be used: exit code 2. */
export class BadInput extends Error {
  override readonly name = 'BadInput';
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BadInput(`cannot read ${what} '${path}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BadInput(`${what} '${path}' is not valid JSON: ${(e as Error).message}`);
  }
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export interface FinishOptions {
  json: boolean;
  datasetId?: string;
  /** Write the model's artifact tar and ONNX file here. */
  out?: string;
}

/**
 * Follows a job to its end and reports it: exit 0 when it completed, 1 when it
 * failed or was cancelled, 130 on Ctrl-C (after asking, on a terminal,
 * whether to cancel it).
 */
export async function finishJob(server: Server, jobId: string, io: CliIo, interrupt: Interrupt, opts: FinishOptions): Promise<number> {
  let job: JobRecord;
  try {
    job = await watchJob(server, jobId, io, interrupt, { human: !opts.json });
  } catch (e) {
    if (e instanceof Interrupted) return interrupted(server, jobId, io, interrupt);
    throw e;
  }
  const result = (job.result ?? {}) as { modelId?: string; metrics?: EvalMetrics; epochsRun?: number; durations?: { totalSeconds?: number }; stopReason?: string; params?: { total?: number } };
  if (job.state !== 'completed') {
    const why = job.error ? `${job.error.code}: ${job.error.message}${job.error.path ? ` (at ${job.error.path})` : ''}` : job.state;
    if (opts.json) printJson(io, { jobId, state: job.state, ...(opts.datasetId ? { datasetId: opts.datasetId } : {}), ...(job.error ? { error: job.error } : {}) });
    io.stderr(`cnn: job ${jobId} ${job.state}: ${why}\n`);
    return EXIT_FAILURE;
  }
  const files: Record<string, string> = {};
  if (opts.out !== undefined && result.modelId) {
    try {
      Object.assign(files, await writeModelFiles(server, result.modelId, opts.out, io, interrupt, !opts.json));
    } catch (e) {
      if (e instanceof Interrupted || interrupt.interrupted) return EXIT_INTERRUPTED;
      throw e;
    }
  }
  if (opts.json) {
    printJson(io, {
      jobId,
      state: job.state,
      ...(opts.datasetId ? { datasetId: opts.datasetId } : {}),
      ...(result.modelId ? { modelId: result.modelId } : {}),
      metrics: result.metrics,
      ...(Object.keys(files).length > 0 ? { files } : {}),
      result,
    });
    return EXIT_OK;
  }
  const extra: [string, string][] = [];
  if (result.params?.total !== undefined) extra.push(['parameters', result.params.total.toLocaleString('en-US')]);
  if (result.epochsRun !== undefined) extra.push(['epochs', String(result.epochsRun)]);
  if (result.stopReason) extra.push(['stopped by', result.stopReason]);
  if (result.durations?.totalSeconds !== undefined) extra.push(['time', duration(result.durations.totalSeconds)]);
  if (result.metrics) io.stdout(metricsReport(result.metrics, extra));
  if (result.modelId) io.stdout(`\nmodel ${result.modelId}\n`);
  for (const [kind, path] of Object.entries(files)) io.stdout(`${kind} ${path}\n`);
  return EXIT_OK;
}

/** After Ctrl-C: on a terminal, ask; otherwise leave the job to the service. Always exit 130. */
async function interrupted(server: Server, jobId: string, io: CliIo, interrupt: Interrupt): Promise<number> {
  let cancel = false;
  if (canAsk()) {
    const leave = server.embedded ? 'leave it queued to resume later' : 'leave it running';
    cancel = (await interrupt.ask(`\njob ${jobId}: [c]ancel it, or [l]${leave.slice(1)}? (l) `, 'l')) === 'c';
  }
  if (cancel) {
    try {
      await server.fetch(`/v1/jobs/${encodeURIComponent(jobId)}/cancel`, { method: 'POST' });
      io.stderr(`cancelled job ${jobId}\n`);
    } catch (e) {
      io.stderr(`cnn: could not cancel job ${jobId}: ${(e as Error).message}\n`);
    }
  } else if (server.embedded) {
    io.stderr(
      `job ${jobId} goes back to the queue as the embedded service stops; it resumes from its last checkpoint the next time the service runs on this data dir (npm start, or: cnn jobs watch ${jobId}); to drop it: cnn jobs cancel ${jobId}\n`,
    );
  } else {
    io.stderr(`job ${jobId} keeps running on ${server.url}; follow it with: cnn jobs watch ${jobId}; cancel it with: cnn jobs cancel ${jobId}\n`);
  }
  return EXIT_INTERRUPTED;
}

/** <out>/<modelId>.tar (the artifact) and <out>/<modelId>.onnx (the checked export; a warning when the export is refused). */
export async function writeModelFiles(server: Server, modelId: string, out: string, io: CliIo, interrupt: Interrupt, human: boolean): Promise<Record<string, string>> {
  await mkdir(out, { recursive: true });
  const files: Record<string, string> = {};
  const id = encodeURIComponent(modelId);
  files.artifact = await download(server, `/v1/models/${id}/artifact`, join(out, `${modelId}.tar`), interrupt);
  if (human) io.stderr(`wrote ${files.artifact}\n`);
  try {
    files.onnx = await download(server, `/v1/models/${id}/onnx`, join(out, `${modelId}.onnx`), interrupt);
    if (human) io.stderr(`wrote ${files.onnx}\n`);
  } catch (e) {
    if (!(e instanceof ServerError)) throw e;
    io.stderr(`cnn: warning: no ONNX file: ${e.message}\n`);
  }
  return files;
}

/** Streams a response body to `dest` through a temp file and a rename. */
async function download(server: Server, path: string, dest: string, interrupt: Interrupt): Promise<string> {
  const res = await server.fetch(path, { signal: interrupt.signal });
  const tmp = `${dest}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream), createWriteStream(tmp));
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw interrupt.interrupted ? new Interrupted() : e;
  }
  return dest;
}
