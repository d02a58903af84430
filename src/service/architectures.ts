/** Architecture use cases: the summary `cnn summary --json` prints, for a posted spec. */
import { listZoo, summarize, type Summary } from '../architecture/index.js';
import type { ServiceContext } from './context.js';

export function summarizeArchitecture(ctx: ServiceContext, spec: unknown): Summary {
  return summarize(spec, { maxParams: ctx.config.limits.maxParams });
}

/** The zoo: each model's name, description, default input, parameters and MACs at its defaults. */
export function listZooModels(): ReturnType<typeof listZoo> {
  return listZoo();
}
