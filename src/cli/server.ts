/**
 * How the CLI reaches a running service: `--server URL` or CNN_URL (default
 * http://127.0.0.1:8080), `--key KEY` or CNN_KEY, else the dev key that
 * `npm start` wrote to ./data/api-key. Errors from the service keep their
 * code and message.
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
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** A failure the service reported (its error code) or that reaching it caused; exit code 1. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function connect(opts: ServerOptions, env: NodeJS.ProcessEnv = process.env): Server {
  const url = (opts.server ?? env.CNN_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const devKey = join(env.CNN_DATA_DIR ?? 'data', 'api-key');
  const key = opts.key ?? env.CNN_KEY ?? (existsSync(devKey) ? readFileSync(devKey, 'utf8').trim() : undefined);
  if (!key) throw new ServerError(`no API key: pass --key or set CNN_KEY (npm start prints a dev key and writes it to ${devKey})`);
  return {
    url,
    key,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${key}`);
      let res: Response;
      try {
        res = await fetch(url + path, { ...init, headers });
      } catch (e) {
        throw new ServerError(`cannot reach ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}; is the service running (npm start), and is --server / CNN_URL right?`);
      }
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
        throw new ServerError(body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status} from ${url}${path}`, body?.error?.code);
      }
      return res;
    },
  };
}
