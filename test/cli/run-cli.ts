/** Runs `node bin/cnn.js …` as a child process without blocking the event loop (an in-process service must keep answering). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/** `env` replaces the CNN_* and REDIS_URL variables of this process (unset ones stay unset). */
export function startCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 180_000): RunningCli {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CNN_') && k !== 'REDIS_URL'));
  const child = spawn(process.execPath, ['bin/cnn.js', ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d.toString()));
  child.stderr!.on('data', (d) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function cli(args: readonly string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<CliResult> {
  return startCli(args, env, timeoutMs).done;
}

/** Resolves once `test` holds for the child's stderr (polled), or rejects after `timeoutMs`. */
export async function untilStderr(run: RunningCli, test: (stderr: string) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test(run.stderr())) {
    if (run.child.exitCode !== null) throw new Error(`cnn exited (${run.child.exitCode}) first:\n${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting on stderr:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
