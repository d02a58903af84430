/**
 * Following a job to its end over its event stream: a bar for the epoch in
 * progress (loss, accuracy, images/s, ETA) on a terminal, and one line per
 * finished epoch. A dropped stream is opened again; the job record is the
 * truth at the end.
 */
import type { EpochRecord, JobProgress, JobRecord } from '../store/job-schemas.js';
import { FINAL_STATES } from '../store/job-schemas.js';
import { Interrupted, type Interrupt } from './interrupt.js';
import { bar, duration, fixed, int, StatusLine, type CliIo } from './output.js';
import type { Server } from './server.js';
import { sseEvents } from './sse.js';

const RECONNECT_DELAY_MS = 1_000;

export interface WatchOptions {
  /** Print epoch lines and bars (false under --json). */
  human: boolean;
}

export async function watchJob(server: Server, jobId: string, io: CliIo, interrupt: Interrupt, opts: WatchOptions): Promise<JobRecord> {
  const status = new StatusLine(io);
  let printed = 0;
  let epochStarted = Date.now();
  let currentEpoch: number | undefined;
  const showEpochs = (history: readonly EpochRecord[] | undefined, epochs: number | undefined) => {
    if (!opts.human || !history) return;
    for (; printed < history.length; printed++) status.log(epochLine(history[printed]!, epochs));
  };
  const draw = (state: string, p: JobProgress | undefined) => {
    if (!opts.human) return;
    if (p?.epoch !== currentEpoch) {
      currentEpoch = p?.epoch;
      epochStarted = Date.now();
    }
    status.update(progressLine(state, p, epochStarted));
  };
  try {
    let last: JobRecord | undefined;
    for (;;) {
      interrupt.check();
      let res: Response;
      try {
        res = await server.fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`, { signal: interrupt.signal, headers: { accept: 'text/event-stream' } });
      } catch (e) {
        if (interrupt.interrupted) throw new Interrupted();
        throw e;
      }
      let epochs: number | undefined;
      try {
        for await (const ev of sseEvents(res.body!)) {
          if (ev.event === 'state') {
            last = ev.data as JobRecord;
            epochs = (last.request as { training?: { epochs?: number } }).training?.epochs ?? epochs;
            showEpochs(last.history, last.progress?.epochs ?? epochs);
            if (FINAL_STATES.has(last.state)) break;
            draw(last.state, last.progress);
          } else if (ev.event === 'progress') {
            const p = ev.data as { state: string; progress?: JobProgress; lastEpoch?: EpochRecord };
            if (p.lastEpoch && p.lastEpoch.epoch > printed && opts.human) {
              status.log(epochLine(p.lastEpoch, p.progress?.epochs));
              printed = p.lastEpoch.epoch;
            }
            draw(p.state, p.progress);
          } else if (ev.event === 'end') {
            break;
          }
        }
      } catch (e) {
        if (interrupt.interrupted) throw new Interrupted();
        // A stream cut by the network: read the record and, unless it is final, open it again.
        if (!(e instanceof TypeError) && (e as Error).name !== 'AbortError') throw e;
      }
      if (last && FINAL_STATES.has(last.state)) return last;
      interrupt.check();
      last = await server.json<JobRecord>(`/v1/jobs/${encodeURIComponent(jobId)}`);
      if (FINAL_STATES.has(last.state)) {
        showEpochs(last.history, last.progress?.epochs);
        return last;
      }
      await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
    }
  } finally {
    status.clear();
  }
}

function progressLine(state: string, p: JobProgress | undefined, epochStarted: number): string {
  if (!p) return `${state}…`;
  if (p.epoch !== undefined && p.steps !== undefined && p.step !== undefined) {
    const f = p.step / Math.max(1, p.steps);
    const elapsed = (Date.now() - epochStarted) / 1000;
    const eta = f > 0 ? (elapsed * (1 - f)) / f : NaN;
    return [
      `epoch ${p.epoch}/${p.epochs ?? '?'}`,
      bar(f),
      `${p.step}/${p.steps}`,
      `loss ${fixed(p.loss)}`,
      `acc ${fixed(p.accuracy)}`,
      p.imagesPerSec !== undefined ? `${int(p.imagesPerSec)} img/s` : '',
      `ETA ${duration(eta)}`,
    ]
      .filter(Boolean)
      .join('  ');
  }
  const stage = p.stage === 'epoch done' ? `epoch ${p.epoch}/${p.epochs ?? '?'} done` : `${p.stage}${p.epoch !== undefined ? ` (epoch ${p.epoch}/${p.epochs ?? '?'})` : ''}`;
  return `${stage}  ${bar(p.fraction)} ${Math.round(p.fraction * 100)}% of the job`;
}

export function epochLine(e: EpochRecord, epochs: number | undefined): string {
  return [
    `epoch ${e.epoch}${epochs !== undefined ? `/${epochs}` : ''}${e.stage ? ` (${e.stage})` : ''}`,
    `loss ${fixed(e.loss)}`,
    `acc ${fixed(e.accuracy)}`,
    e.valLoss !== undefined ? `val_loss ${fixed(e.valLoss)}` : '',
    e.valAccuracy !== undefined ? `val_acc ${fixed(e.valAccuracy)}` : '',
    `lr ${e.lr.toPrecision(3)}`,
    `${int(e.imagesPerSec)} img/s`,
    `${e.seconds.toFixed(1)} s`,
  ]
    .filter(Boolean)
    .join('  ');
}
