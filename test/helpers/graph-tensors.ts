/**
 * The tensors the addon allocates for a normalized graph (native/GRAPH.md),
 * by name, with PyTorch shapes: what a state_dict or a weights file must hold.
 */
import type { NormalizedGraph } from '../../src/architecture/index.js';

export function graphTensorShapes(graph: NormalizedGraph): Map<string, number[]> {
  const tensors = new Map<string, number[]>();
  const put = (name: string, shape: number[]): void => {
    if (tensors.has(name)) throw new Error(`tensor '${name}' is allocated twice`);
    tensors.set(name, shape);
  };
  for (const l of graph.layers) {
    if (l.type === 'conv2d') {
      put(`${l.name}.weight`, [l.filters, l.inChannels / l.groups, l.kernel[0], l.kernel[1]]);
      if (l.useBias) put(`${l.name}.bias`, [l.filters]);
    } else if (l.type === 'dense') {
      put(`${l.name}.weight`, [l.units, l.inFeatures]);
      if (l.useBias) put(`${l.name}.bias`, [l.units]);
    } else if (l.type === 'batchNorm') {
      for (const t of ['weight', 'bias', 'running_mean', 'running_var']) put(`${l.name}.${t}`, [l.features]);
      put(`${l.name}.num_batches_tracked`, []);
    }
  }
  return tensors;
}
