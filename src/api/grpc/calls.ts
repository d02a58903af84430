/**
 * What every RPC handler shares: the tenant from the bearer key, errors mapped
 * through the error table, an AbortSignal that fires when the client cancels,
 * the deadline passes or the server shuts down, and the default deadline of
 * unary calls.
 *
 * Deadlines: a client's own deadline is enforced by grpc-js (the call ends
 * DEADLINE_EXCEEDED and the handler's signal aborts). A unary call without one
 * gets `unaryDeadlineMs` (60 s by default): past it the server answers
 * DEADLINE_EXCEEDED, aborts the signal and drops the late result. Streaming
 * calls (uploads, WatchJob, Health.Watch) get no default deadline: an upload
 * is bounded by the byte limit and a watch by the job's life; clients set
 * their own when they want one.
 */
import type {
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerErrorResponse,
  ServerReadableStream,
  Metadata,
  ServerWritableStream,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isCnnError } from '../../errors.js';
import type { ServiceContext } from '../../service/context.js';
import { tenantOfCall } from './auth.js';
import { cancelled, deadlineExceeded, shuttingDown, toServiceError } from './status.js';

export const UNARY_DEFAULT_DEADLINE_MS = 60_000;

export interface CallScope {
  /** The caller's tenant; '' for calls that need no key (health). */
  tenant: string;
  /** Aborts when the client cancels, the deadline passes or the server shuts down. */
  signal: AbortSignal;
}

interface Options {
  /** False for calls that need no API key. */
  auth?: boolean;
}

const SHUTDOWN = new Error('server shutting down');
const DEADLINE = new Error('default deadline passed');
const CLIENT_CANCELLED = new Error('cancelled by the client');

interface Started {
  scope: CallScope;
  abort: AbortController;
  /** Why the caller may not proceed (no or unknown key), checked inside the handler body. */
  authError?: unknown;
  settle(): void;
}

export class CallKit {
  /** Calls in flight, so that shutdown can end the long-lived ones. */
  private readonly live = new Set<AbortController>();

  constructor(
    readonly ctx: ServiceContext,
    readonly log: Logger,
    private readonly unaryDeadlineMs: number = UNARY_DEFAULT_DEADLINE_MS,
  ) {}

  unary<Req, Res>(method: string, fn: (req: Req, scope: CallScope) => Promise<Res>, opts: Options = {}): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const s = this.begin(call, opts);
      let timer: NodeJS.Timeout | undefined;
      let answered = false;
      const answer = (err: ServerErrorResponse | null, value?: Res) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        s.settle();
        if (!call.cancelled) callback(err, value);
      };
      if (call.getDeadline() === Infinity) {
        timer = setTimeout(() => {
          s.abort.abort(DEADLINE);
          answer(deadlineExceeded(this.unaryDeadlineMs));
        }, this.unaryDeadlineMs);
      }
      this.run(method, s, () => fn(call.request, s.scope)).then((v) => answer(null, v), answer);
    };
  }

  clientStream<Req, Res>(method: string, fn: (call: ServerReadableStream<Req, Res>, scope: CallScope) => Promise<Res>, opts: Options = {}): handleClientStreamingCall<Req, Res> {
    return (call, callback) => {
      const s = this.begin(call, opts);
      this.run(method, s, () => fn(call, s.scope)).then(
        (v) => {
          s.settle();
          if (!call.cancelled) callback(null, v);
        },
        (err: ServerErrorResponse) => {
          s.settle();
          if (!call.cancelled) callback(err);
        },
      );
    };
  }

  /** `fn` writes messages; when it returns, the stream ends OK (UNAVAILABLE when the server is shutting down). */
  serverStream<Req, Res>(method: string, fn: (call: ServerWritableStream<Req, Res>, scope: CallScope) => Promise<void>, opts: Options = {}): handleServerStreamingCall<Req, Res> {
    return (call) => {
      const s = this.begin(call, opts);
      this.run(method, s, () => fn(call, s.scope)).then(
        () => {
          s.settle();
          if (call.cancelled) return;
          if (s.scope.signal.reason === SHUTDOWN) call.emit('error', shuttingDown());
          else call.end();
        },
        (err: ServerErrorResponse) => {
          s.settle();
          if (!call.cancelled) call.emit('error', err);
        },
      );
    };
  }

  /** Ends every call in flight: watches close with UNAVAILABLE, uploads stop and discard their files. */
  abortAll(): void {
    for (const c of this.live) c.abort(SHUTDOWN);
  }

  private begin(call: { metadata: Metadata } & NodeJS.EventEmitter, opts: Options): Started {
    const abort = new AbortController();
    this.live.add(abort);
    call.on('cancelled', () => abort.abort(CLIENT_CANCELLED));
    let tenant = '';
    let authError: unknown;
    if (opts.auth !== false) {
      try {
        tenant = tenantOfCall(this.ctx, call.metadata);
      } catch (e) {
        authError = e;
      }
    }
    return {
      scope: { tenant, signal: abort.signal },
      abort,
      ...(authError !== undefined ? { authError } : {}),
      settle: () => this.live.delete(abort),
    };
  }

  /** Runs a handler body; any failure (authentication included) becomes a mapped status. */
  private async run<T>(method: string, s: Started, body: () => Promise<T>): Promise<T> {
    try {
      if (s.authError !== undefined) throw s.authError;
      return await body();
    } catch (e) {
      const reason: unknown = s.scope.signal.reason;
      if (s.scope.signal.aborted && !isCnnError(e)) {
        // The stream broke because the call was aborted; that is not a server fault.
        if (reason === SHUTDOWN) throw shuttingDown();
        if (reason === DEADLINE) throw deadlineExceeded(this.unaryDeadlineMs);
        throw cancelled();
      }
      throw toServiceError(e, this.log, method);
    }
  }
}

/**
 * The messages of a client stream, typed. Reading stops (the loop throws) when
 * the call is aborted, so a slow or silent client cannot hold a shutdown.
 */
export async function* messages<Req>(call: ServerReadableStream<Req, unknown>, signal: AbortSignal): AsyncGenerator<Req> {
  const onAbort = () => call.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const m of call) yield m as Req;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
