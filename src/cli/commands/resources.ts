/**
 * `cnn datasets|models|jobs …`: list, show, delete; jobs also watch, cancel,
 * stop. Human output is aligned tables on stdout; --json prints the records
 * as the REST API returns them.
 */
import type { EvalMetrics, JobRecord } from '../../store/job-schemas.js';
import type { Interrupt } from '../interrupt.js';
import { fixed, int, pct, table, type CliIo } from '../output.js';
import { datasetReport, metricsReport, preflightReport, type DatasetView } from '../report.js';
import type { Server } from '../server.js';
import { EXIT_OK, finishJob, printJson } from './common.js';

/** Most records a listing reads (pages of PAGE_LIMIT). */
const LIST_MAX = 1000;
const PAGE_LIMIT = 100;

async function listAll<T>(server: Server, path: string, query: Record<string, string> = {}): Promise<{ items: T[]; total: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let total = 0;
  do {
    const q = new URLSearchParams({ ...query, limit: String(PAGE_LIMIT), ...(cursor ? { cursor } : {}) });
    const page = await server.json<{ items: T[]; nextCursor?: string; total: number }>(`${path}?${q}`);
    items.push(...page.items);
    total = page.total;
    cursor = page.nextCursor;
  } while (cursor && items.length < LIST_MAX);
  return { items, total };
}

const day = (iso: string | undefined) => (iso ? iso.slice(0, 19).replace('T', ' ') : '');
const more = (shown: number, total: number) => (total > shown ? `(${int(shown)} of ${int(total)} shown)\n` : '');

export async function runDatasets(c: { action: 'ls' | 'show' | 'rm'; id?: string; json: boolean }, server: Server, io: CliIo): Promise<number> {
  if (c.action === 'ls') {
    const { items, total } = await listAll<DatasetView>(server, '/v1/datasets');
    if (c.json) return printJson(io, { items, total }), EXIT_OK;
    const sum = (a: number[] | undefined) => (a ?? []).reduce((s, n) => s + n, 0);
    const rows = items.map((d) => [
      d.id,
      d.name ?? '',
      String(d.classes.length),
      int(sum(d.counts.train)),
      d.counts.test ? int(sum(d.counts.test)) : '—',
      String((d.preflight?.findings ?? []).filter((f) => f.severity === 'error').length || ''),
      day(d.createdAt),
    ]);
    io.stdout(table(['id', 'name', 'classes', 'train', 'test', 'errors', 'created'], rows, ['left', 'left', 'right', 'right', 'right', 'right']) + more(items.length, total));
    return EXIT_OK;
  }
  const path = `/v1/datasets/${encodeURIComponent(c.id!)}`;
  if (c.action === 'rm') {
    await server.fetch(path, { method: 'DELETE' });
    if (c.json) printJson(io, { id: c.id, deleted: true });
    else io.stdout(`deleted dataset ${c.id}\n`);
    return EXIT_OK;
  }
  const ds = await server.json<DatasetView>(path);
  if (c.json) printJson(io, ds);
  else io.stdout(datasetReport(ds) + preflightReport(ds));
  return EXIT_OK;
}

interface ModelView {
  id: string;
  name: string;
  source: string;
  jobId?: string;
  datasetId?: string;
  classes: string[];
  params: { total: number; trainable?: number };
  metrics?: EvalMetrics;
  device?: string;
  createdAt?: string;
  spec?: { zoo?: string; name?: string; input?: { shape?: number[] }; inputShape?: number[] };
  exports?: Record<string, unknown>;
}

export async function runModels(c: { action: 'ls' | 'show' | 'rm'; id?: string; json: boolean }, server: Server, io: CliIo): Promise<number> {
  if (c.action === 'ls') {
    const { items, total } = await listAll<ModelView>(server, '/v1/models');
    if (c.json) return printJson(io, { items, total }), EXIT_OK;
    const rows = items.map((m) => [m.id, m.name, m.source, String(m.classes.length), int(m.params.total), pct(m.metrics?.accuracy), m.datasetId ?? '', day(m.createdAt)]);
    io.stdout(table(['id', 'name', 'source', 'classes', 'params', 'accuracy', 'dataset', 'created'], rows, ['left', 'left', 'left', 'right', 'right', 'right']) + more(items.length, total));
    return EXIT_OK;
  }
  const path = `/v1/models/${encodeURIComponent(c.id!)}`;
  if (c.action === 'rm') {
    await server.fetch(path, { method: 'DELETE' });
    if (c.json) printJson(io, { id: c.id, deleted: true });
    else io.stdout(`deleted model ${c.id}\n`);
    return EXIT_OK;
  }
  const m = await server.json<ModelView>(path);
  if (c.json) return printJson(io, m), EXIT_OK;
  const shape = m.spec?.inputShape ?? m.spec?.input?.shape;
  const rows: [string, string][] = [
    ['id', m.id],
    ['name', m.name],
    ['source', m.source],
    ...(m.jobId ? ([['job', m.jobId]] as [string, string][]) : []),
    ...(m.datasetId ? ([['dataset', m.datasetId]] as [string, string][]) : []),
    ['architecture', `${m.spec?.zoo ?? m.spec?.name ?? 'spec'}${shape ? ` on ${shape.join('×')}` : ''}`],
    ['classes', m.classes.join(', ')],
    ['parameters', int(m.params.total)],
    ...(m.device ? ([['device', m.device]] as [string, string][]) : []),
    ['created', day(m.createdAt)],
  ];
  io.stdout(table(['field', 'value'], rows));
  if (m.metrics) io.stdout('\n' + metricsReport(m.metrics));
  return EXIT_OK;
}

export async function runJobs(
  c: { action: 'ls' | 'show' | 'watch' | 'cancel' | 'stop'; id?: string; state?: string; type?: string; json: boolean },
  server: Server,
  io: CliIo,
  interrupt: Interrupt,
): Promise<number> {
  if (c.action === 'ls') {
    const query: Record<string, string> = { ...(c.state ? { state: c.state } : {}), ...(c.type ? { type: c.type } : {}) };
    const { items, total } = await listAll<JobRecord>(server, '/v1/jobs', query);
    if (c.json) return printJson(io, { items, total }), EXIT_OK;
    const rows = items.map((j) => {
      const r = (j.result ?? {}) as { modelId?: string; metrics?: { accuracy?: number } };
      return [j.id, j.type, j.state, progressText(j), r.metrics ? pct(r.metrics.accuracy) : '', r.modelId ?? '', day(j.createdAt)];
    });
    io.stdout(table(['id', 'type', 'state', 'progress', 'accuracy', 'model', 'created'], rows, ['left', 'left', 'left', 'left', 'right']) + more(items.length, total));
    return EXIT_OK;
  }
  const id = encodeURIComponent(c.id!);
  if (c.action === 'watch') return finishJob(server, c.id!, io, interrupt, { json: c.json });
  if (c.action === 'cancel' || c.action === 'stop') {
    const job = await server.json<JobRecord>(`/v1/jobs/${id}/${c.action}`, { method: 'POST' });
    if (c.json) return printJson(io, job), EXIT_OK;
    io.stdout(
      c.action === 'cancel'
        ? `job ${job.id}: cancel requested (${job.state})\n`
        : `job ${job.id}: stop requested (${job.state}); it ends at the next epoch boundary and keeps its model\n`,
    );
    return EXIT_OK;
  }
  const job = await server.json<JobRecord>(`/v1/jobs/${id}`);
  if (c.json) return printJson(io, job), EXIT_OK;
  const r = (job.result ?? {}) as { modelId?: string; metrics?: EvalMetrics };
  const rows: [string, string][] = [
    ['id', job.id],
    ['type', job.type],
    ['state', job.state],
    ['dataset', job.request.datasetId],
    ['progress', progressText(job)],
    ['created', day(job.createdAt)],
    ...(job.startedAt ? ([['started', day(job.startedAt)]] as [string, string][]) : []),
    ...(job.finishedAt ? ([['finished', day(job.finishedAt)]] as [string, string][]) : []),
    ...(job.error ? ([['error', `${job.error.code}: ${job.error.message}`]] as [string, string][]) : []),
    ...(r.modelId ? ([['model', r.modelId]] as [string, string][]) : []),
  ];
  io.stdout(table(['field', 'value'], rows));
  if (job.history && job.history.length > 0) {
    io.stdout(
      '\n' +
        table(
          ['epoch', 'loss', 'accuracy', 'val_loss', 'val_acc', 'img/s', 'seconds'],
          job.history.map((e) => [String(e.epoch), fixed(e.loss), fixed(e.accuracy), fixed(e.valLoss), fixed(e.valAccuracy), int(e.imagesPerSec), e.seconds.toFixed(1)]),
          ['right', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
    );
  }
  if (r.metrics) io.stdout('\n' + metricsReport(r.metrics));
  return EXIT_OK;
}

function progressText(j: JobRecord): string {
  const p = j.progress;
  if (!p || j.state === 'completed') return j.history?.length ? `${j.history.length} epochs` : '';
  return `${p.stage}${p.epoch !== undefined ? ` ${p.epoch}/${p.epochs ?? '?'}` : ''} (${Math.round(p.fraction * 100)}%)`;
}
