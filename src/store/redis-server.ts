/**
 * Runs a local redis-server as a child process: the embedded default of
 * `npm start` and the private Redis of every integration test. Picks a free
 * port, waits until the server answers, stops it on request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';

export interface LocalRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
/** How long stop() waits for the server to exit before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    sock.setTimeout(500);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        sock.destroy();
        res(buf.startsWith('+PONG'));
      }
    });
    sock.on('error', () => res(false));
    sock.on('timeout', () => {
      sock.destroy();
      res(false);
    });
  });
}

/** Sends SHUTDOWN; true when it was written (the server closes the connection as it exits). */
function sendShutdown(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.on('connect', () => sock.end('SHUTDOWN\r\n', () => res(true)));
    sock.on('error', () => res(false));
    sock.on('timeout', () => {
      sock.destroy();
      res(false);
    });
  });
}

/**
 * Starts redis-server bound to 127.0.0.1.
 * @param dir working dir for its files; with `persist`, AOF is on (appendfsync everysec).
 */
export async function startLocalRedis(opts: { dir: string; persist: boolean; port?: number }): Promise<LocalRedis> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', opts.dir,
    '--save', '',
    '--appendonly', opts.persist ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--logfile', '',
  ];
  // Its own process group: a terminal's Ctrl-C reaches the service, which shuts Redis down last.
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  // Detached, it would outlive a parent that exits without stop(); take it along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const spawnError = new Promise<Error>((res) => child.once('error', res));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([
      ping(port).then((ok) => (ok ? 'ready' : 'wait')),
      exited.then(() => 'exited' as const),
      spawnError.then((e) => e),
    ]);
    if (outcome === 'ready') break;
    if (outcome instanceof Error) throw new Error(`redis-server could not start (${outcome.message}); install redis-server or set REDIS_URL`);
    if (outcome === 'exited') throw new Error(`redis-server exited at start: ${stderr.trim().slice(0, 500)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port} within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SHUTDOWN flushes and fsyncs the AOF before the server exits; SIGTERM if it cannot be sent.
      if (!(await sendShutdown(port))) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
