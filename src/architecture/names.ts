/**
 * Layer names and ids: Keras-ish default names (`conv2d_1`, `dense_2`, one
 * counter per type), uniqueness of names and ids, and the reserved id of the
 * model input.
 */
import { CnnError } from '../errors.js';
import { MODEL_INPUT_ID, type LayerSpec } from './schema.js';

export interface LayerIdentity {
  name: string;
  /** What other layers' `inputs` refer to; defaults to the name. */
  id: string;
}

/** Assigns a name and id to every layer; throws SPEC_DUPLICATE_ID on a clash. */
export function assignIdentities(layers: readonly LayerSpec[]): LayerIdentity[] {
  // Default names skip every name and id the user wrote, so they never clash with them.
  const taken = new Set<string>();
  for (const layer of layers) {
    if (layer.name !== undefined) taken.add(layer.name);
    if (layer.id !== undefined) taken.add(layer.id);
  }
  const counters = new Map<string, number>();
  const result: LayerIdentity[] = [];
  const nameOwner = new Map<string, number>();
  const idOwner = new Map<string, number>();

  layers.forEach((layer, i) => {
    const name = layer.name ?? nextDefaultName(layer.type, counters, taken);
    const id = layer.id ?? name;
    const namePath = `layers[${i}].name`;
    const idPath = layer.id !== undefined ? `layers[${i}].id` : namePath;

    if (name === MODEL_INPUT_ID) {
      throw new CnnError('SPEC_DUPLICATE_ID', `'${MODEL_INPUT_ID}' is reserved for the model input; choose another name`, namePath);
    }
    if (id === MODEL_INPUT_ID) {
      throw new CnnError('SPEC_DUPLICATE_ID', `'${MODEL_INPUT_ID}' is reserved for the model input; choose another id`, idPath);
    }
    const nameClash = nameOwner.get(name);
    if (nameClash !== undefined) {
      throw new CnnError(
        'SPEC_DUPLICATE_ID',
        `name '${name}' is already used by layers[${nameClash}]; layer names must be unique`,
        namePath,
      );
    }
    const idClash = idOwner.get(id);
    if (idClash !== undefined) {
      const source = layer.id !== undefined ? `id '${id}'` : `id '${id}' (taken from the name)`;
      throw new CnnError(
        'SPEC_DUPLICATE_ID',
        `${source} is already the id of layers[${idClash}]; ids must be unique`,
        idPath,
      );
    }
    nameOwner.set(name, i);
    idOwner.set(id, i);
    result.push({ name, id });
  });
  return result;
}

function nextDefaultName(type: string, counters: Map<string, number>, taken: ReadonlySet<string>): string {
  let n = counters.get(type) ?? 0;
  let name: string;
  do {
    n += 1;
    name = `${type}_${n}`;
  } while (taken.has(name));
  counters.set(type, n);
  return name;
}
