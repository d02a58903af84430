import { ChildProcess } from 'node:child_process';
import { defineConfig } from 'vitest/config';

// vitest 3's fork pool (tinypool) forwards messages to a test child without checking that the
// child is still connected; when a child has just gone, the send throws ERR_IPC_CHANNEL_CLOSED in
// this process and the whole run stops, although no test failed. A message for a child that is
// gone has nowhere to go: drop it, and let the pool see the child's exit as it does anyway.
const send = ChildProcess.prototype.send;
ChildProcess.prototype.send = function (this: ChildProcess, ...args: unknown[]): boolean {
  if (!this.connected) return false;
  return (send as (...a: unknown[]) => boolean).apply(this, args);
} as typeof send;

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
