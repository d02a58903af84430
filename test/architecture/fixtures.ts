/** Small builders for specs used across the spec tests. */
import type { ModelSpecInput } from '../../src/architecture/index.js';

export type RawLayer = Record<string, unknown>;

export function specOf(shape: [number, number, number], layers: RawLayer[]): ModelSpecInput {
  return { input: { shape }, layers } as unknown as ModelSpecInput;
}

/** The tutorial's MNIST CNN (same padding), as in DESIGN.md and examples/mnist-cnn.json. */
export const MNIST_CNN = specOf(
  [28, 28, 1],
  [
    { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
);

/** The tutorial's section 4.1 model: three valid-padding convs. */
export const TUTORIAL_3CONV = specOf(
  [28, 28, 1],
  [
    { type: 'conv2d', filters: 32, kernelSize: [3, 3], activation: 'relu' },
    { type: 'maxPool2d', poolSize: [2, 2] },
    { type: 'conv2d', filters: 64, kernelSize: [3, 3], activation: 'relu' },
    { type: 'maxPool2d', poolSize: [2, 2] },
    { type: 'conv2d', filters: 64, kernelSize: [3, 3], activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
);
