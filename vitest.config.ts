import childProcess, { type ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { defineConfig } from 'vitest/config';

// vitest 3's fork pool (tinypool) forwards messages to a test child without checking that the
// child is still connected. When a child has gone, that send raises ERR_IPC_CHANNEL_CLOSED in
// this process, which hides why the child went. `send` is an own property of each forked child,
// so it is wrapped per child here: a message for a child that is gone is dropped, and the
// child's own exit is reported with the test file it was running.
const fork = childProcess.fork;
childProcess.fork = function (this: unknown, ...args: Parameters<typeof fork>): ChildProcess {
  const child = fork.apply(this, args);
  const send = child.send;
  let running = '';
  child.send = function (this: ChildProcess, ...a: unknown[]): boolean {
    if (!this.connected) return false;
    const message = a[0] as { task?: unknown } | undefined;
    if (message?.task) {
      const file = /test\/[\w./-]+\.test\.ts/.exec(JSON.stringify(message));
      if (file) running = file[0];
    }
    return (send as (...x: unknown[]) => boolean).apply(this, a);
  } as typeof child.send;
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null) console.error(`[vitest] test child ${child.pid} (${running || 'no file yet'}) exited with code ${code}`);
    else if (signal && signal !== 'SIGTERM') console.error(`[vitest] test child ${child.pid} (${running || 'no file yet'}) was killed by ${signal}`);
  });
  return child;
} as typeof fork;
syncBuiltinESMExports();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Training tests share 2 CPU cores; running files in parallel only slows each one down.
    fileParallelism: false,
    pool: 'forks',
  },
});
