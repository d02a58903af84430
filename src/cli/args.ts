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
  train <folder|archive|datasetId> [options]
      Upload a folder of class folders (<class>/<image>, optionally under
      train/ and test/; zipped while it is sent), an archive (zip, tar,
      tar.gz) or an uploaded dataset's id; print its pre-flight report; train;
      print the metrics, per-class P/R/F1 and the confusion matrix.
        --spec FILE | --zoo NAME   the model (default: the design-guide CNN
                                   at the data's size and class count)
        --epochs N  --batch-size N  --lr RATE  --optimizer sgd|adam|adamw|rmsprop
        --seed N  --augment light|standard|strong|FILE.json
        --finetune-from MODEL [--strategy featureExtraction|fineTune|twoStage|FILE.json]
        --name NAME                the dataset's name (default: the folder's)
        --out DIR                  write <model>.tar (and <model>.onnx) there
        --force                    train despite pre-flight errors
        --no-wait                  print the job id once it is queued
  datasets [ls | show ID | rm ID]
  jobs [ls [--state S] [--type T] | show ID | watch ID | cancel ID | stop ID]
  models [ls | show ID | rm ID]
      List, read or delete; jobs watch follows a job to its end, stop
      ends it at the next epoch and keeps its model, cancel without one.
  predict <modelId> <image>... [--top-k K]
      Classify images; prints the top K classes of each (default 3).
  evaluate <modelId> <datasetId> [--split test|train|all] [--no-wait]
      Score a model on a dataset; prints the metrics as train does.
  export <modelId> [-o FILE] [--input nhwc|nchw]
      Download a trained model as ONNX (checked against the engine by the
      service first) to FILE (default <modelId>.onnx). --input nchw: for
      normalized float NCHW input instead of raw NHWC pixels.
  help
      Show this text.

Commands that use the service take --server URL (or CNN_URL) and --key KEY
(or CNN_KEY; default: the dev key in ./data/api-key), and --json for the
result as JSON on stdout. With neither --server nor CNN_URL they run on the
embedded default: the service starts for the command's duration as npm start
runs it (embedded Redis, data dir CNN_DATA_DIR or ./data) and stops after it.
Ctrl-C while waiting for a job asks whether to cancel it or leave it running
(without a terminal it is left running, or, on the embedded default, handed
back to the queue to resume at the next start); exit code 130.
Exit codes: 0 done, 1 failed (service error, failed job), 2 bad usage, 130
interrupted.
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
  | ({ kind: 'export'; modelId: string; out: string; input: 'nhwc' | 'nchw' } & Connection)
  | ({ kind: 'train' } & TrainOptions & Connection & Output)
  | ({ kind: 'datasets'; action: 'ls' | 'show' | 'rm'; id?: string } & Connection & Output)
  | ({ kind: 'jobs'; action: 'ls' | 'show' | 'watch' | 'cancel' | 'stop'; id?: string; state?: string; type?: string } & Connection & Output)
  | ({ kind: 'models'; action: 'ls' | 'show' | 'rm'; id?: string } & Connection & Output)
  | ({ kind: 'predict'; modelId: string; images: string[]; topK: number } & Connection & Output)
  | ({ kind: 'evaluate'; modelId: string; datasetId: string; split: 'test' | 'train' | 'all'; wait: boolean } & Connection & Output);

/** Where the service is: see server.ts. */
export interface Connection {
  server?: string;
  key?: string;
}

export interface Output {
  json: boolean;
}

export interface TrainOptions {
  /** A folder, an archive file, or a dataset id. */
  input: string;
  spec?: string;
  zoo?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: 'sgd' | 'adam' | 'adamw' | 'rmsprop';
  seed?: number;
  /** A preset name or a JSON file of augmentation knobs. */
  augment?: string;
  finetuneFrom?: string;
  /** A strategy name or a JSON file. */
  strategy?: string;
  name?: string;
  out?: string;
  force: boolean;
  wait: boolean;
}

export const AUGMENT_PRESETS = ['none', 'light', 'standard', 'strong'] as const;
export const STRATEGIES = ['featureExtraction', 'fineTune', 'twoStage'] as const;
const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop'] as const;

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
    case 'train':
      return parseTrain(rest);
    case 'datasets':
    case 'models':
      return parseResource(command, rest);
    case 'jobs':
      return parseJobs(rest);
    case 'predict':
      return parsePredict(rest);
    case 'evaluate':
      return parseEvaluate(rest);
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

const CONNECTION: OptionSpec = {
  server: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
};

function connection(values: Record<string, unknown>): Connection & Output {
  return {
    json: values.json === true,
    ...(values.server !== undefined ? { server: values.server as string } : {}),
    ...(values.key !== undefined ? { key: values.key as string } : {}),
  };
}

/** `--wait` (the default) or `--no-wait`; the last one given wins. */
function waitFlag(args: string[]): boolean {
  let wait = true;
  for (const a of args) {
    if (a === '--') break;
    if (a === '--wait') wait = true;
    if (a === '--no-wait') wait = false;
  }
  return wait;
}

function parseTrain(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, {
    ...CONNECTION,
    spec: { type: 'string' },
    zoo: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string' },
    seed: { type: 'string' },
    augment: { type: 'string' },
    'finetune-from': { type: 'string' },
    strategy: { type: 'string' },
    name: { type: 'string' },
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean', default: false },
    wait: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'train needs a folder, an archive or a dataset id' : 'train takes one folder, archive or dataset id');
  const v = values as Record<string, string | boolean | undefined>;
  const str = (k: string) => v[k] as string | undefined;
  const given = ['spec', 'zoo', 'finetune-from'].filter((k) => str(k) !== undefined);
  if (given.length > 1) throw new UsageError(`give one of --spec, --zoo and --finetune-from, not ${given.map((k) => `--${k}`).join(' and ')}`);
  if (str('strategy') !== undefined && str('finetune-from') === undefined) throw new UsageError('--strategy applies to --finetune-from only');
  const optimizer = str('optimizer');
  if (optimizer !== undefined && !(OPTIMIZERS as readonly string[]).includes(optimizer)) throw new UsageError(`--optimizer is one of ${OPTIMIZERS.join(', ')}, not '${optimizer}'`);
  const augment = str('augment');
  if (augment !== undefined && !(AUGMENT_PRESETS as readonly string[]).includes(augment) && !augment.endsWith('.json')) {
    throw new UsageError(`--augment is a preset (${AUGMENT_PRESETS.join(', ')}) or a .json file of augmentation knobs, not '${augment}'`);
  }
  const strategy = str('strategy');
  if (strategy !== undefined && !(STRATEGIES as readonly string[]).includes(strategy) && !strategy.endsWith('.json')) {
    throw new UsageError(`--strategy is one of ${STRATEGIES.join(', ')} or a .json file, not '${strategy}'`);
  }
  const lrText = str('lr');
  let lr: number | undefined;
  if (lrText !== undefined) {
    lr = Number(lrText);
    if (lrText.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr expects a positive number, got '${lrText}'`);
  }
  const opt = (k: string, n: number | undefined) => (n !== undefined ? { [k]: n } : {});
  const num = (k: string) => (str(k) !== undefined ? positiveInt(`--${k}`, str(k)!) : undefined);
  const seedText = str('seed');
  const seed = seedText !== undefined ? nonNegativeInt('--seed', seedText) : undefined;
  return {
    kind: 'train',
    input: positionals[0]!,
    ...connection(values),
    force: v.force === true,
    wait: waitFlag(args),
    ...(str('spec') !== undefined ? { spec: str('spec')! } : {}),
    ...(str('zoo') !== undefined ? { zoo: str('zoo')! } : {}),
    ...opt('epochs', num('epochs')),
    ...opt('batchSize', num('batch-size')),
    ...opt('lr', lr),
    ...opt('seed', seed),
    ...(optimizer !== undefined ? { optimizer: optimizer as TrainOptions['optimizer'] } : {}),
    ...(augment !== undefined ? { augment } : {}),
    ...(str('finetune-from') !== undefined ? { finetuneFrom: str('finetune-from')! } : {}),
    ...(strategy !== undefined ? { strategy } : {}),
    ...(str('name') !== undefined ? { name: str('name')! } : {}),
    ...(str('out') !== undefined ? { out: str('out')! } : {}),
  };
}

/** `datasets` and `models`: ls, show ID, rm ID. */
function parseResource(kind: 'datasets' | 'models', args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, CONNECTION);
  const [action = 'ls', id, ...extra] = positionals;
  if (action !== 'ls' && action !== 'show' && action !== 'rm') throw new UsageError(`${kind}: unknown action '${action}' (ls, show, rm)`);
  if (action === 'ls' && id !== undefined) throw new UsageError(`${kind} ls takes no id`);
  if (action !== 'ls' && id === undefined) throw new UsageError(`${kind} ${action} needs an id`);
  if (extra.length > 0) throw new UsageError(`${kind} ${action} takes one id`);
  return { kind, action, ...(id !== undefined ? { id } : {}), ...connection(values) };
}

function parseJobs(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, { ...CONNECTION, state: { type: 'string' }, type: { type: 'string' } });
  const [action = 'ls', id, ...extra] = positionals;
  const actions = ['ls', 'show', 'watch', 'cancel', 'stop'] as const;
  if (!(actions as readonly string[]).includes(action)) throw new UsageError(`jobs: unknown action '${action}' (${actions.join(', ')})`);
  if (action === 'ls' && id !== undefined) throw new UsageError('jobs ls takes no id');
  if (action !== 'ls' && id === undefined) throw new UsageError(`jobs ${action} needs a job id`);
  if (extra.length > 0) throw new UsageError(`jobs ${action} takes one id`);
  if (action !== 'ls' && (values.state !== undefined || values.type !== undefined)) throw new UsageError('--state and --type apply to jobs ls only');
  return {
    kind: 'jobs',
    action: action as (typeof actions)[number],
    ...(id !== undefined ? { id } : {}),
    ...(values.state !== undefined ? { state: values.state as string } : {}),
    ...(values.type !== undefined ? { type: values.type as string } : {}),
    ...connection(values),
  };
}

function parsePredict(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, { ...CONNECTION, 'top-k': { type: 'string', default: '3' } });
  const [modelId, ...images] = positionals;
  if (modelId === undefined || images.length === 0) throw new UsageError('predict needs a model id and at least one image');
  return { kind: 'predict', modelId, images, topK: positiveInt('--top-k', values['top-k'] as string), ...connection(values) };
}

function parseEvaluate(args: string[]): Command {
  const { values, positionals } = parseOrUsage(args, { ...CONNECTION, split: { type: 'string', default: 'test' }, wait: { type: 'boolean' }, 'no-wait': { type: 'boolean' } });
  if (positionals.length !== 2) throw new UsageError('evaluate needs a model id and a dataset id');
  const split = values.split as string;
  if (split !== 'test' && split !== 'train' && split !== 'all') throw new UsageError(`--split is test, train or all, not '${split}'`);
  return { kind: 'evaluate', modelId: positionals[0]!, datasetId: positionals[1]!, split, wait: waitFlag(args), ...connection(values) };
}

function nonNegativeInt(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`${option} expects a whole number, got '${text}'`);
  return n;
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
