/**
 * Entry point of the `cnn` command line (bin/cnn.js runs `main`).
 * Exit codes: 0 ok, 2 bad usage or bad input (spec, file), 1 a failure of
 * the service, a failed job or an unexpected failure, 130 interrupted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { isCnnError } from '../errors.js';
import { formatSummary, summarize } from '../architecture/index.js';
import { parseCommand, USAGE, UsageError, type Command, type Connection, type SpecSource } from './args.js';
import { BadInput, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK } from './commands/common.js';
import { runEvaluate, runPredict, readImages } from './commands/predict.js';
import { runDatasets, runJobs, runModels } from './commands/resources.js';
import { prepareTrain, runTrain } from './commands/train.js';
import { EXIT_INTERRUPTED, Interrupt, Interrupted } from './interrupt.js';
import type { CliIo } from './output.js';
import { openService, ServerError, type Server } from './server.js';

export type { CliIo } from './output.js';
export { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK } from './commands/common.js';

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
};

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const command = parseCommand(argv);
    return await run(command, io);
  } catch (e) {
    if (e instanceof Interrupted) return EXIT_INTERRUPTED;
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
    if (e instanceof InputFileError || e instanceof BadInput) {
      io.stderr(`cnn: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr(`cnn: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_FAILURE;
  }
}

async function run(command: Command, io: CliIo): Promise<number> {
  switch (command.kind) {
    case 'help':
      io.stdout(USAGE);
      return EXIT_OK;
    case 'summary': {
      const spec = await loadSpec(command.source);
      const opts = command.maxParams !== undefined ? { maxParams: command.maxParams } : {};
      const summary = summarize(spec, opts);
      io.stdout(command.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
      return EXIT_OK;
    }
    case 'train': {
      // Local files first: a bad path or spec is exit 2 before any service starts.
      const prepared = await prepareTrain(command);
      return withService(command, io, (server, interrupt) => runTrain(command, prepared, server, io, interrupt));
    }
    case 'datasets':
      return withService(command, io, (server) => runDatasets(command, server, io));
    case 'models':
      return withService(command, io, (server) => runModels(command, server, io));
    case 'jobs':
      return withService(command, io, (server, interrupt) => runJobs(command, server, io, interrupt));
    case 'predict': {
      const images = await readImages(command.images);
      return withService(command, io, (server) => runPredict(command, images, server, io));
    }
    case 'evaluate':
      return withService(command, io, (server, interrupt) => runEvaluate(command, server, io, interrupt));
    case 'export':
      return withService(command, io, async (server) => {
        await exportOnnx(command, server, io);
        return EXIT_OK;
      });
  }
}

/**
 * Runs a command against the service (the embedded one is started here and
 * always stopped before the command returns), with Ctrl-C handled.
 */
async function withService(conn: Connection, io: CliIo, body: (server: Server, interrupt: Interrupt) => Promise<number>): Promise<number> {
  const interrupt = new Interrupt();
  let server: Server | undefined;
  try {
    server = await openService(conn);
    if (server.embedded && io.isTTY) io.stderr(`(embedded service on ${server.url}, data dir ${process.env.CNN_DATA_DIR ?? './data'})\n`);
    interrupt.check();
    return await body(server, interrupt);
  } catch (e) {
    if (e instanceof Interrupted || (interrupt.interrupted && !(e instanceof ServerError))) return EXIT_INTERRUPTED;
    throw e;
  } finally {
    try {
      await server?.close();
    } finally {
      interrupt.dispose();
    }
  }
}

async function exportOnnx(command: Extract<Command, { kind: 'export' }>, server: Server, io: CliIo): Promise<void> {
  const res = await server.fetch(`/v1/models/${encodeURIComponent(command.modelId)}/onnx?input=${command.input}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  await writeFile(command.out, bytes);
  const parity = JSON.parse(res.headers.get('x-cnn-parity') ?? '{}') as { n?: number; source?: string; maxAbsLogitDiff?: number; top1Agreement?: number };
  io.stderr(
    `wrote ${command.out} (${bytes.length.toLocaleString('en-US')} bytes); checked against the engine on ${parity.n} ${parity.source} images: max |logit difference| ${parity.maxAbsLogitDiff?.toExponential(2)}, top-1 agreement ${((parity.top1Agreement ?? 0) * 100).toFixed(1)}%\n`,
  );
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
