/**
 * Ctrl-C for commands that talk to the service: the first SIGINT (or SIGTERM)
 * aborts `signal`, so the phase in progress (an upload, a watch) ends and the
 * command decides what to do with its job; a second one while the command is
 * still deciding exits at once with 130.
 */
import { createInterface } from 'node:readline';

export const EXIT_INTERRUPTED = 130;

/** Thrown out of a phase that the user interrupted. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}

export class Interrupt {
  private readonly controller = new AbortController();
  private readonly handler = () => {
    if (this.controller.signal.aborted) {
      if (!this.prompting) process.exit(EXIT_INTERRUPTED);
      return;
    }
    this.controller.abort(new Interrupted());
  };
  private prompting = false;

  constructor() {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Throws Interrupted when Ctrl-C came. */
  check(): void {
    if (this.interrupted) throw new Interrupted();
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }

  /**
   * Asks on the terminal and resolves to the answer's first letter (lower
   * case), or to `fallback` on an empty answer, a closed input or another Ctrl-C.
   */
  async ask(question: string, fallback: string): Promise<string> {
    this.prompting = true;
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      return await new Promise<string>((resolve) => {
        rl.on('SIGINT', () => resolve(fallback));
        rl.on('close', () => resolve(fallback));
        rl.question(question, (answer) => resolve(answer.trim().toLowerCase().slice(0, 1) || fallback));
      });
    } finally {
      rl.close();
      this.prompting = false;
    }
  }
}

/** A prompt is possible: both ends of the conversation are a terminal. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}
