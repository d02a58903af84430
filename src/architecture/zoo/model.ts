/** What every zoo model declares: its name, defaults, smallest input, and how to write its spec. */
import type { ModelSpecInput } from '../schema.js';

/** [height, width, channels] */
export type InputShape = [number, number, number];

export interface ZooBuildOptions {
  numClasses: number;
  inputShape: InputShape;
}

export interface ZooModel {
  description: string;
  defaultInput: InputShape;
  defaultClasses: number;
  /** Smallest height and width the model (with its small-input adaptation) accepts. */
  minInputPx: number;
  build(opts: ZooBuildOptions): ModelSpecInput;
}
