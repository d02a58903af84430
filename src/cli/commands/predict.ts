/**
 * `cnn predict MODEL IMG…` (the top-k classes of each image) and
 * `cnn evaluate MODEL DATASET` (an evaluate job, followed to its metrics).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Interrupt } from '../interrupt.js';
import { table, type CliIo } from '../output.js';
import type { Server } from '../server.js';
import { BadInput, EXIT_OK, finishJob, printJson } from './common.js';

interface Prediction {
  modelId: string;
  predictions: { image: string; top: { className: string; classIndex: number; probability: number }[] }[];
}

/** Reads every image first, so a missing file is exit 2 before anything is sent. */
export async function readImages(paths: readonly string[]): Promise<{ name: string; data: Buffer }[]> {
  return Promise.all(
    paths.map(async (p) => {
      try {
        return { name: basename(p), data: await readFile(p) };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new BadInput(`cannot read image '${p}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
      }
    }),
  );
}

export async function runPredict(c: { modelId: string; topK: number; json: boolean }, images: { name: string; data: Buffer }[], server: Server, io: CliIo): Promise<number> {
  const form = new FormData();
  for (const img of images) form.append('image', new Blob([new Uint8Array(img.data)]), img.name);
  form.append('topK', String(c.topK));
  const r = await server.json<Prediction>(`/v1/models/${encodeURIComponent(c.modelId)}/predict`, { method: 'POST', body: form });
  if (c.json) return printJson(io, r), EXIT_OK;
  const rows: string[][] = [];
  for (const p of r.predictions) {
    p.top.forEach((t, rank) => rows.push([rank === 0 ? p.image : '', String(rank + 1), t.className, `${(t.probability * 100).toFixed(2)}%`]));
  }
  io.stdout(table(['image', 'rank', 'class', 'probability'], rows, ['left', 'right', 'left', 'right']));
  return EXIT_OK;
}

export async function runEvaluate(
  c: { modelId: string; datasetId: string; split: string; wait: boolean; json: boolean },
  server: Server,
  io: CliIo,
  interrupt: Interrupt,
): Promise<number> {
  const submitted = await server.json<{ id: string; job: { state: string } }>('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'evaluate', modelId: c.modelId, datasetId: c.datasetId, split: c.split }),
  });
  if (!c.wait) {
    if (c.json) printJson(io, { jobId: submitted.id, state: submitted.job.state });
    else io.stdout(`${submitted.id}\n`);
    return EXIT_OK;
  }
  if (!c.json) io.stderr(`job ${submitted.id} queued (evaluate ${c.modelId} on ${c.datasetId}, ${c.split})\n`);
  return finishJob(server, submitted.id, io, interrupt, { json: c.json, datasetId: c.datasetId });
}
