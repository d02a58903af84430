/**
 * How the CLI reaches the service: `--server URL` or CNN_URL with `--key KEY`
 * or CNN_KEY, else the dev key that `npm start` wrote to ./data/api-key. With
 * neither --server nor CNN_URL, `openService` starts the embedded default
 * (embedded.ts) for the command's duration. Errors from the service keep
 * their code and message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerOptions {
  server?: string;
  key?: string;
}

export interface Server {
  url: string;
  key: string;
  /** Started by this command (stops with it) rather than reached at a URL. */
  embedded: boolean;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Parsed JSON of a successful response. */
  json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<T>;
  /** Stops the embedded service; nothing for a remote one. */
  close(): Promise<void>;
}

/** A failure the service reported (its error code) or that reaching it caused; exit code 1. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    /** The error body's `details`, when the service sent any. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** True when the command names a service; otherwise it runs on the embedded default. */
export function isRemote(opts: ServerOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  return opts.server !== undefined || (env.CNN_URL !== undefined && env.CNN_URL !== '');
}

/** The service at --server / CNN_URL, or the embedded default started now (see embedded.ts). */
export async function openService(opts: ServerOptions, env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  if (isRemote(opts, env)) return connect(opts, env);
  const { startEmbedded } = await import('./embedded.js');
  let svc;
  try {
    svc = await startEmbedded(env);
  } catch (e) {
    throw new ServerError(`could not start the embedded service (${(e as Error).message}); pass --server URL or set CNN_URL to use a running one`);
  }
  return client(svc.url, svc.key, true, () => svc.close());
}

export function connect(opts: ServerOptions, env: NodeJS.ProcessEnv = process.env): Server {
  const url = (opts.server ?? env.CNN_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const devKey = join(env.CNN_DATA_DIR ?? 'data', 'api-key');
  const key = opts.key ?? env.CNN_KEY ?? (existsSync(devKey) ? readFileSync(devKey, 'utf8').trim() : undefined);
  if (!key) throw new ServerError(`no API key: pass --key or set CNN_KEY (npm start prints a dev key and writes it to ${devKey})`);
  return client(url, key, false, async () => undefined);
}

function client(url: string, key: string, embedded: boolean, close: () => Promise<void>): Server {
  const server: Server = {
    url,
    key,
    embedded,
    close,
    async json<T>(path: string, init?: RequestInit): Promise<T> {
      const res = await server.fetch(path, init);
      return (await res.json()) as T;
    },
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${key}`);
      let res: Response;
      try {
        res = await fetch(url + path, { ...init, headers });
      } catch (e) {
        if (init.signal?.aborted) throw e;
        throw new ServerError(`cannot reach ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}; is the service running (npm start), and is --server / CNN_URL right?`);
      }
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string; path?: string; details?: unknown } } | undefined;
        const err = body?.error;
        throw new ServerError(err ? `${err.code}: ${err.message}${err.path ? ` (at ${err.path})` : ''}` : `HTTP ${res.status} from ${url}${path}`, err?.code, err?.details);
      }
      return res;
    },
  };
  return server;
}
