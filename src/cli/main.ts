/**
 * Entry point of the `cnn` command line (bin/cnn.js runs `main`).
 * Exit codes: 0 ok, 2 bad usage or bad input (spec, file), 1 a failure of
 * the service or an unexpected one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { isCnnError } from '../errors.js';
import { formatSummary, summarize } from '../architecture/index.js';
import { parseCommand, USAGE, UsageError, type Command, type SpecSource } from './args.js';
import { connect, ServerError } from './server.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const command = parseCommand(argv);
    await run(command, io);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`cnn: ${e.message}\n\n${USAGE}`);
      return EXIT_BAD_INPUT;
    }
    if (isCnnError(e)) {
      io.stderr(`cnn: error ${e.code}: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof ServerError) {
      io.stderr(`cnn: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    if (e instanceof InputFileError) {
      io.stderr(`cnn: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr(`cnn: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_FAILURE;
  }
}

async function run(command: Command, io: CliIo): Promise<void> {
  switch (command.kind) {
    case 'help':
      io.stdout(USAGE);
      return;
    case 'summary': {
      const spec = await loadSpec(command.source);
      const opts = command.maxParams !== undefined ? { maxParams: command.maxParams } : {};
      const summary = summarize(spec, opts);
      io.stdout(command.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
      return;
    }
    case 'export': {
      const server = connect(command);
      const res = await server.fetch(`/v1/models/${encodeURIComponent(command.modelId)}/onnx?input=${command.input}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      await writeFile(command.out, bytes);
      const parity = JSON.parse(res.headers.get('x-cnn-parity') ?? '{}') as { n?: number; source?: string; maxAbsLogitDiff?: number; top1Agreement?: number };
      io.stderr(
        `wrote ${command.out} (${bytes.length.toLocaleString('en-US')} bytes); checked against the engine on ${parity.n} ${parity.source} images: max |logit difference| ${parity.maxAbsLogitDiff?.toExponential(2)}, top-1 agreement ${((parity.top1Agreement ?? 0) * 100).toFixed(1)}%\n`,
      );
      return;
    }
  }
}

/** A spec file that cannot be read or parsed as JSON. */
class InputFileError extends Error {}

async function loadSpec(source: SpecSource): Promise<unknown> {
  if (source.kind === 'zoo') {
    // A zoo reference is a spec input like any other; summarize validates and expands it.
    return {
      zoo: source.name,
      ...(source.numClasses !== undefined ? { numClasses: source.numClasses } : {}),
      ...(source.inputShape !== undefined ? { inputShape: source.inputShape } : {}),
    };
  }
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new InputFileError(`cannot read spec file '${source.path}': ${why}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputFileError(`spec file '${source.path}' is not valid JSON: ${(e as Error).message}`);
  }
}

// Run when executed directly (node --import tsx src/cli/main.ts ...); bin/cnn.js calls main() itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
