/**
 * The embedded default: with neither --server nor CNN_URL, a command starts
 * the service for its own duration, as `npm start` does (the runtime with an
 * embedded redis-server when REDIS_URL is unset, data dir CNN_DATA_DIR or
 * ./data, CNN_WORKERS in-process workers), with the REST API on a free port
 * of 127.0.0.1 that only this process talks to. `close` stops it in
 * `npm start`'s order: workers hand their jobs back, the API closes, Redis
 * gets SHUTDOWN last.
 */
import { buildHttpApp } from '../api/http/app.js';
import { createRuntime, startWorkers } from '../runtime.js';

export interface EmbeddedService {
  url: string;
  key: string;
  dataDir: string;
  close(): Promise<void>;
}

/** CLI-only variables; the service's configuration refuses CNN_* names it does not know. */
const CLI_ONLY_ENV = ['CNN_URL', 'CNN_KEY'];

export async function startEmbedded(env: NodeJS.ProcessEnv): Promise<EmbeddedService> {
  const serviceEnv: NodeJS.ProcessEnv = { ...env };
  for (const name of CLI_ONLY_ENV) delete serviceEnv[name];
  // The service logs to stdout, which holds the command's own output here.
  serviceEnv.CNN_LOG_LEVEL ??= 'silent';
  const rt = await createRuntime(serviceEnv, { embeddedRedis: true });
  try {
    const app = await buildHttpApp(rt.ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const workers = await startWorkers(rt, rt.config.workers);
    const port = (app.server.address() as { port: number }).port;
    const key = rt.devKey ?? [...(rt.config.apiKeys?.keys() ?? [])][0];
    if (!key) throw new Error('the embedded service has no API key');
    let closing: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      key,
      dataDir: rt.config.dataDir,
      close() {
        closing ??= (async () => {
          await Promise.all(workers.map((w) => w.shutdown()));
          const closed = app.close();
          // Event streams of this process are the only open connections; cut them.
          app.server.closeAllConnections();
          await closed;
          await rt.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await rt.close().catch(() => undefined);
    throw err;
  }
}
