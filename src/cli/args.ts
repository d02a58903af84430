/**
 * Command-line parsing for `cnn`: argv → a typed command, or a UsageError.
 * Each subcommand declares its own options; running them is main.ts's job.
 */
import { parseArgs } from 'node:util';
import { ZOO_NAMES } from '../architecture/index.js';

export const USAGE = `usage: cnn <command> [options]

commands:
  summary <spec.json> [--json] [--max-params N]
      Validate an architecture spec and print its Keras-style summary
      (output shapes, parameters, MACs); --json prints the summary object.
  summary --zoo NAME [--classes K] [--input H,W,C] [--json] [--max-params N]
      The same for a zoo model with K output classes (default 1000;
      lenet5: 10) and an H,W,C input (default 224,224,3; inception_v3:
      299,299,3; lenet5: 32,32,1). NAME is one of:
${wrapWords(ZOO_NAMES.join(', '), '      ', 72)}
  export <modelId> [-o FILE] [--input nhwc|nchw] [--server URL] [--key KEY]
      Download a trained model as ONNX (checked against the engine by the
      service first) to FILE (default <modelId>.onnx). --input nchw: for
      normalized float NCHW input instead of raw NHWC pixels. The service is
      --server or CNN_URL (default http://127.0.0.1:8080); the key is --key,
      CNN_KEY, or the dev key in ./data/api-key.
  help
      Show this text.
`;

/** Words joined into lines of at most `width` characters, each starting with `indent`. */
function wrapWords(text: string, indent: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

/** Where a spec comes from: a JSON file, or a zoo model with optional class count and input shape. */
export type SpecSource =
  | { kind: 'file'; path: string }
  | { kind: 'zoo'; name: string; numClasses?: number; inputShape?: [number, number, number] };

export type Command =
  | { kind: 'help' }
  | { kind: 'summary'; source: SpecSource; json: boolean; maxParams?: number }
  | { kind: 'export'; modelId: string; out: string; input: 'nhwc' | 'nchw'; server?: string; key?: string };

/** Bad command line: main prints the message and the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case 'summary':
      return parseSummary(rest);
    case 'export':
      return parseExport(rest);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function parseSummary(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, {
    json: { type: 'boolean', default: false },
    zoo: { type: 'string' },
    classes: { type: 'string' },
    input: { type: 'string' },
    'max-params': { type: 'string' },
  });
  const zoo = values.zoo as string | undefined;
  if (zoo !== undefined && positionals.length > 0) throw new UsageError('give either a spec file or --zoo NAME, not both');
  if (zoo === undefined && positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'summary needs a spec file' : 'summary takes one spec file');
  }
  const classesText = values.classes as string | undefined;
  const inputText = values.input as string | undefined;
  if (zoo === undefined && (classesText !== undefined || inputText !== undefined)) {
    throw new UsageError('--classes and --input apply to --zoo models only');
  }
  const source: SpecSource = zoo !== undefined ? { kind: 'zoo', name: zoo } : { kind: 'file', path: positionals[0]! };
  if (source.kind === 'zoo') {
    if (classesText !== undefined) source.numClasses = positiveInt('--classes', classesText);
    if (inputText !== undefined) source.inputShape = inputShape(inputText);
  }
  const maxParamsText = values['max-params'] as string | undefined;
  const command: Command = { kind: 'summary', source, json: values.json === true };
  if (maxParamsText !== undefined) command.maxParams = positiveInt('--max-params', maxParamsText);
  return command;
}

function parseExport(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, {
    out: { type: 'string', short: 'o' },
    input: { type: 'string', default: 'nhwc' },
    server: { type: 'string' },
    key: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'export needs a model id' : 'export takes one model id');
  const input = values.input as string;
  if (input !== 'nhwc' && input !== 'nchw') throw new UsageError(`--input is nhwc or nchw, not '${input}'`);
  const modelId = positionals[0]!;
  return {
    kind: 'export',
    modelId,
    out: (values.out as string | undefined) ?? `${modelId}.onnx`,
    input,
    ...(values.server !== undefined ? { server: values.server as string } : {}),
    ...(values.key !== undefined ? { key: values.key as string } : {}),
  };
}

function positiveInt(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} expects a positive integer, got '${text}'`);
  return n;
}

/** `224,224,3` → [224, 224, 3] */
function inputShape(text: string): [number, number, number] {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || text.split(',').some((p) => p.trim() === '') || !parts.every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new UsageError(`--input expects H,W,C of positive integers (e.g. 28,28,1), got '${text}'`);
  }
  return [parts[0]!, parts[1]!, parts[2]!];
}

type OptionSpec = Record<string, { type: 'boolean' | 'string'; default?: boolean | string; short?: string }>;

function parseOrUsage(args: string[], options: OptionSpec) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}
