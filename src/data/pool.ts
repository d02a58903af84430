/**
 * Bounded concurrency for decode work. A producer (an archive walker) waits
 * for a free slot before reading the next entry, so at most `limit` decoded
 * images are in memory; the first failure stops the producer.
 */
export class TaskPool {
  private running = 0;
  private bytes = 0;
  private waiters: Array<() => void> = [];
  private firstError: unknown = undefined;
  private failed = false;

  /**
   * At most `limit` tasks at once. With `budget`, tasks past the first
   * `budget.always` also wait while the bytes of the running ones (as given
   * to `slot` and `spawn`) would pass `budget.bytes`: many small images in
   * flight at once, few large ones.
   */
  constructor(
    private readonly limit: number,
    private readonly budget?: { bytes: number; always: number },
  ) {}

  /** The first error a task threw, if any; producers check it to stop early. */
  get error(): unknown {
    return this.firstError;
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  private full(bytes: number): boolean {
    if (this.running >= this.limit) return true;
    const b = this.budget;
    return b !== undefined && this.running >= b.always && this.bytes + bytes > b.bytes;
  }

  /** Resolves when a slot is free for a task of `bytes`. */
  async slot(bytes = 0): Promise<void> {
    while (this.full(bytes)) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Starts `task` in a free slot (call `slot()` first); never rejects, errors are kept. */
  spawn(task: () => Promise<void>, bytes = 0): void {
    this.running++;
    this.bytes += bytes;
    task()
      .catch((e: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.firstError = e;
        }
      })
      .finally(() => {
        this.running--;
        this.bytes -= bytes;
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

/**
 * Hands out turns in sequence order: `wait(seq)` resolves once every earlier
 * sequence number has called `done`. Lets concurrent tasks finish their work
 * in any order but commit results in the order they were started.
 */
export class Turns {
  private next = 0;
  private finished = new Set<number>();
  private waiters = new Map<number, () => void>();

  /** Resolves when it is `seq`'s turn (all of 0…seq-1 are done). */
  wait(seq: number): Promise<void> {
    if (seq === this.next) return Promise.resolve();
    return new Promise<void>((r) => this.waiters.set(seq, r));
  }

  /** Marks `seq` done, whether or not it waited for its turn; call exactly once per seq. */
  done(seq: number): void {
    this.finished.add(seq);
    while (this.finished.delete(this.next)) this.next++;
    const wake = this.waiters.get(this.next);
    if (wake) {
      this.waiters.delete(this.next);
      wake();
    }
  }
}
