/**
 * Loads the native addon (native/build/Release/cnn_native.node) and types
 * its raw surface. Only src/engine/index.ts uses this module; everything
 * else goes through the typed facade there.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CnnError } from '../errors.js';
import type { EngineInfo, EngineRuntimeInfo, EpochResult, EvaluateResult, ImageShape, ParamCounts, TensorInfo, TrainProgress, WeightsReport } from './types.js';

const ADDON_PATH = join('native', 'build', 'Release', 'cnn_native.node');

export interface NativeModel {
  readonly device: string;
  readonly numClasses: number;
  readonly outputSoftmax: boolean;
  readonly learningRate: number | null;
  readonly precision: 'fp32' | 'bf16';
  readonly channelsLast: boolean;
  readonly multiTensorStep: boolean;
  paramCounts(): ParamCounts;
  tensors(): TensorInfo[];
  configureOptimizer(options: Record<string, unknown>): void;
  setLearningRate(lr: number): void;
  setPrecision(precision: 'fp32' | 'bf16'): void;
  trainEpoch(dataset: NativeDataset, options: Record<string, unknown>, onProgress?: (p: TrainProgress) => void): Promise<EpochResult>;
  evaluate(dataset: NativeDataset, options: Record<string, unknown>): Promise<EvaluateResult>;
  predict(images: Uint8Array, options: ImageShape & Record<string, unknown>): Promise<Float32Array>;
  forward(input: Float32Array, options: { n: number }): Promise<Float32Array>;
  saveWeights(path: string, metadata?: Record<string, string>): Promise<void>;
  loadWeights(path: string, options?: { strict?: boolean }): Promise<WeightsReport>;
  saveOptimizer(path: string): Promise<void>;
  loadOptimizer(path: string): Promise<void>;
  cancel(): boolean;
  dispose(): void;
}

export interface NativeDataset {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly numClasses: number;
  readonly device: string;
  dispose(): void;
}

export interface NativeAddon {
  info(): EngineInfo;
  runtimeInfo(): EngineRuntimeInfo;
  setNumThreads(n: number): void;
  createModel(
    graphJson: string,
    options: { device?: string; seed?: number; precision?: string; channelsLast?: boolean; deterministic?: boolean },
  ): Promise<NativeModel>;
  createDataset(images: Uint8Array, labels: Int32Array, options: ImageShape & { numClasses: number; device?: string }): Promise<NativeDataset>;
  augmentBatch(images: Uint8Array, dims: ImageShape, augment: Record<string, unknown>, seed: number): Promise<Float32Array>;
}

/** The repository root: the first directory above this module that holds native/ (works from src/ and dist/). */
function findAddon(): string | undefined {
  if (process.env.CNN_NATIVE_ADDON) return process.env.CNN_NATIVE_ADDON;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let addon: NativeAddon | undefined;

/** The loaded addon; throws ENGINE_UNAVAILABLE when it is not built or libtorch cannot be loaded. */
export function loadNative(): NativeAddon {
  if (addon) return addon;
  const path = findAddon();
  if (!path) {
    throw new CnnError('ENGINE_UNAVAILABLE', `the native addon is not built (${ADDON_PATH} not found); run \`npm run bootstrap\``);
  }
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    throw new CnnError('ENGINE_UNAVAILABLE', `the native addon at ${path} does not load (${(e as Error).message}); run \`npm run bootstrap\``);
  }
  return addon;
}
