/** Architecture use cases: the summary `cnn summary --json` prints, for a posted spec. */
import { isCnnError } from '../errors.js';
import { compileSpec, listZoo, summarize, type CompiledSpec, type Summary } from '../spec/index.js';
import type { ServiceContext } from './context.js';

export function summarizeArchitecture(ctx: ServiceContext, spec: unknown): Summary {
  return summarize(spec, { maxParams: ctx.config.limits.maxParams });
}

/** Compiles a spec nested in a request, so its errors carry the full path (`model.spec.layers[2]…`). */
export function compileNested(ctx: ServiceContext, spec: unknown, at: string): CompiledSpec {
  try {
    return compileSpec(spec, { maxParams: ctx.config.limits.maxParams });
  } catch (e) {
    if (isCnnError(e)) throw e.nestedUnder(at);
    throw e;
  }
}

/** The zoo: each model's name, description, default input, parameters and MACs at its defaults. */
export function listZooModels(): ReturnType<typeof listZoo> {
  return listZoo();
}
