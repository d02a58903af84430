/**
 * Command-line parsing for `cnn`: argv → a typed command, or a UsageError.
 * Each subcommand declares its own options; running them is main.ts's job.
 */
import { parseArgs } from 'node:util';

export const USAGE = `usage: cnn <command> [options]

commands:
  summary <spec.json> [--json] [--max-params N]
      Validate an architecture spec and print its Keras-style summary
      (output shapes, parameters, MACs); --json prints the summary object.
  help
      Show this text.
`;

/** Where a spec comes from: a JSON file, or (later) a zoo model name. */
export type SpecSource = { kind: 'file'; path: string } | { kind: 'zoo'; name: string };

export type Command =
  | { kind: 'help' }
  | { kind: 'summary'; source: SpecSource; json: boolean; maxParams?: number };

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
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function parseSummary(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, {
    json: { type: 'boolean', default: false },
    zoo: { type: 'string' },
    'max-params': { type: 'string' },
  });
  const zoo = values.zoo as string | undefined;
  if (zoo !== undefined && positionals.length > 0) throw new UsageError('give either a spec file or --zoo NAME, not both');
  if (zoo === undefined && positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'summary needs a spec file' : 'summary takes one spec file');
  }
  const source: SpecSource = zoo !== undefined ? { kind: 'zoo', name: zoo } : { kind: 'file', path: positionals[0]! };
  const maxParamsText = values['max-params'] as string | undefined;
  const command: Command = { kind: 'summary', source, json: values.json === true };
  if (maxParamsText !== undefined) {
    const n = Number(maxParamsText);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--max-params expects a positive integer, got '${maxParamsText}'`);
    command.maxParams = n;
  }
  return command;
}

type OptionSpec = Record<string, { type: 'boolean' | 'string'; default?: boolean | string }>;

function parseOrUsage(args: string[], options: OptionSpec) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}
