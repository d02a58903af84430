/**
 * Bounded concurrency for decode work. A producer (an archive walker) waits
 * for a free slot before reading the next entry, so at most `limit` decoded
 * images are in memory; the first failure stops the producer.
 */
export class TaskPool {
  private running = 0;
  private waiters: Array<() => void> = [];
  private firstError: unknown = undefined;
  private failed = false;

  constructor(private readonly limit: number) {}

  /** The first error a task threw, if any; producers check it to stop early. */
  get error(): unknown {
    return this.firstError;
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  /** Resolves when a slot is free. */
  async slot(): Promise<void> {
    while (this.running >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Starts `task` in a free slot (call `slot()` first); never rejects, errors are kept. */
  spawn(task: () => Promise<void>): void {
    this.running++;
    task()
      .catch((e: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.firstError = e;
        }
      })
      .finally(() => {
        this.running--;
        const woken = this.waiters;
        this.waiters = [];
        for (const wake of woken) wake();
      });
  }

  /** Waits for every started task; throws the first error. */
  async drain(): Promise<void> {
    while (this.running > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failed) throw this.firstError;
  }

  /** Waits for every started task without throwing (cleanup paths). */
  async settle(): Promise<void> {
    while (this.running > 0) await new Promise<void>((r) => this.waiters.push(r));
  }
}

/** Maps `items` through `fn`, at most `limit` at a time, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  const pool = new TaskPool(limit);
  for (let i = 0; i < items.length && !pool.hasFailed; i++) {
    await pool.slot();
    const idx = i;
    pool.spawn(async () => {
      out[idx] = await fn(items[idx]!, idx);
    });
  }
  await pool.drain();
  return out;
}
