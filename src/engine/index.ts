/**
 * The engine: typed access to the native libtorch addon. The only module
 * that imports it (through ./native.js).
 *
 * Build a model from a normalized graph, hand it a dataset once, then train
 * epochs, evaluate, predict, and save or load weights (safetensors) and
 * optimizer state. Every heavy call returns a promise and runs off the event
 * loop; one call per model runs at a time (a second one fails with
 * ENGINE_BAD_ARGUMENT "model is busy"). Native failures arrive as CnnError
 * with the addon's ENGINE_* code.
 */
import { CnnError, ERROR_TABLE, type ErrorCode } from '../errors.js';
import type { NormalizedGraph } from './graph.js';
import { loadNative, type NativeDataset, type NativeModel } from './native.js';
import type { EngineInfo, EngineRuntimeInfo, EpochResult, EvaluateResult, ImageShape, ParamCounts, TensorInfo, TrainProgress, WeightsReport } from './types.js';

export type { EngineInfo, EngineRuntimeInfo, EpochResult, EvaluateResult, ImageShape, ParamCounts, TensorInfo, TrainProgress, WeightsReport } from './types.js';

export type { EngineActivation, LayerOp, LayerType, NormalizedGraph, NormalizedLayer, Padding, Pair } from './graph.js';

/** 'auto' is CUDA when libtorch sees a device, else the CPU. */
export type EngineDevice = 'cpu' | 'cuda' | 'auto' | `cuda:${number}`;

/** A Keras-style symmetric range `r` (meaning ±r; zoom `z` means [1-z, 1+z]) or an explicit [lo, hi]. */
export type AugmentRange = number | readonly [number, number];

/** ImageDataGenerator knobs, applied per sample on the device during training. */
export interface AugmentOptions {
  /** Degrees. */
  rotationRange?: AugmentRange;
  /** Fraction of the width; positive moves the content right. */
  widthShiftRange?: AugmentRange;
  /** Fraction of the height; positive moves the content down. */
  heightShiftRange?: AugmentRange;
  /** Shear angle in degrees. */
  shearRange?: AugmentRange;
  /** Scale factors per axis, drawn independently; below 1 zooms in. */
  zoomRange?: AugmentRange;
  /** true flips half of the samples; a number is the probability. */
  horizontalFlip?: boolean | number;
  verticalFlip?: boolean | number;
  /** Pixel multiplier drawn in [lo, hi], clipped to the valid range. */
  brightnessRange?: readonly [number, number];
  /**
   * torchvision's RandomResizedCrop, before the transforms above: a crop of a
   * random share of the area (default [0.08, 1]) and aspect ratio (default
   * [3/4, 4/3]), resized back to the input size.
   */
  randomResizedCrop?: { scale?: readonly [number, number]; ratio?: readonly [number, number] };
  /** How points outside the image are filled: edge pixels, `cval`, or a mirror image. */
  fillMode?: 'nearest' | 'constant' | 'reflect';
  /** Fill value for 'constant', in [0, 1] pixel units. */
  cval?: number;
}

export type OptimizerType = 'sgd' | 'adam' | 'adamw' | 'rmsprop';

export interface OptimizerOptions {
  type: OptimizerType;
  learningRate: number;
  /** sgd, rmsprop */
  momentum?: number;
  /** sgd */
  nesterov?: boolean;
  /** L2 penalty (adamw: decoupled decay, default 0.01). */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** rmsprop smoothing constant (PyTorch's alpha, default 0.99). */
  rho?: number;
  /**
   * Layers that learn at their own rate (e.g. a fine-tuned base under a new
   * head); every other trainable layer uses `learningRate`. setLearningRate
   * keeps each group's ratio to the base rate.
   */
  groups?: readonly { layers: readonly string[]; learningRate: number }[];
  /**
   * Step all parameters with multi-tensor (_foreach_*) ops: same arithmetic,
   * bit for bit, as the per-tensor step, with less per-parameter overhead.
   * Default true; sgd, adam and adamw have one (not amsgrad, not rmsprop).
   */
  foreach?: boolean;
}

/** Per-channel normalization after scaling pixels to [0, 1]: (x / 255 - mean) / std. */
export interface Normalization {
  mean?: readonly number[];
  std?: readonly number[];
}

export interface TrainEpochOptions extends Normalization {
  batchSize?: number;
  shuffle?: boolean;
  /** Makes shuffling, dropout and augmentation repeatable; default: derived from the model seed and epoch count. */
  seed?: number;
  augment?: AugmentOptions;
  labelSmoothing?: number;
  /** One loss weight per class (PyTorch's cross-entropy `weight`: the mean is over the weights). */
  classWeights?: readonly number[];
  /** Scale gradients so that their global L2 norm is at most this. */
  gradClipNorm?: number;
  /** Stop after this many steps (0: the whole epoch). */
  maxSteps?: number;
  /** Train on these samples only (e.g. the training part of a split). */
  indices?: Int32Array;
  /** Least time between progress callbacks; default 1000. */
  progressIntervalMs?: number;
}

export interface EvaluateOptions extends Normalization {
  batchSize?: number;
  indices?: Int32Array;
}

export interface PredictOptions extends ImageShape, Normalization {
  batchSize?: number;
}

// ---------------------------------------------------------------------------

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TABLE, code);
}

/** A native error as a CnnError: its code kept (unknown ones become ENGINE_INTERNAL), its name lists as details. */
export function toEngineError(e: unknown): CnnError {
  if (e instanceof CnnError) return e;
  const err = (e ?? {}) as { code?: unknown; message?: unknown; missing?: unknown; unexpected?: unknown; mismatched?: unknown };
  const code: ErrorCode = isErrorCode(err.code) ? err.code : 'ENGINE_INTERNAL';
  const message = typeof err.message === 'string' ? err.message : String(e);
  const details: Record<string, unknown> = {};
  for (const key of ['missing', 'unexpected', 'mismatched'] as const) {
    if (Array.isArray(err[key])) details[key] = err[key];
  }
  return new CnnError(code, message, undefined, Object.keys(details).length > 0 ? details : undefined);
}

function sync<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw toEngineError(e);
  }
}

async function later<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toEngineError(e);
  }
}

export function engineInfo(): EngineInfo {
  return sync(() => loadNative().info());
}

/** The BLAS libtorch resolved, the ISA oneDNN uses, the thread count and whether the CPU has fast bf16. */
export function engineRuntimeInfo(): EngineRuntimeInfo {
  return sync(() => loadNative().runtimeInfo());
}

/** Threads libtorch uses for one operation (all models of the process). */
export function setEngineThreads(n: number): void {
  sync(() => loadNative().setNumThreads(n));
}

// ---------------------------------------------------------------------------

const datasetHandles = new WeakMap<EngineDataset, NativeDataset>();

/** Images and labels copied once onto a device; train and evaluate read batches from it. */
export class EngineDataset {
  private constructor(handle: NativeDataset) {
    datasetHandles.set(this, handle);
  }

  /** @internal */
  static wrap(handle: NativeDataset): EngineDataset {
    return new EngineDataset(handle);
  }

  private get handle(): NativeDataset {
    return datasetHandles.get(this)!;
  }

  get n(): number {
    return sync(() => this.handle.n);
  }
  get h(): number {
    return sync(() => this.handle.h);
  }
  get w(): number {
    return sync(() => this.handle.w);
  }
  get c(): number {
    return sync(() => this.handle.c);
  }
  get numClasses(): number {
    return sync(() => this.handle.numClasses);
  }
  get device(): string {
    return sync(() => this.handle.device);
  }

  /** Frees the copy now; a call that is using it keeps it until it ends. */
  dispose(): void {
    sync(() => this.handle.dispose());
  }
}

/**
 * Copies uint8 N×H×W×C images and their labels (each in [0, numClasses)) onto
 * `device`. Leave the buffers unchanged until the promise settles.
 */
export async function createEngineDataset(
  images: Uint8Array,
  labels: Int32Array,
  shape: ImageShape,
  numClasses: number,
  options: { device?: EngineDevice } = {},
): Promise<EngineDataset> {
  return later(async () => {
    const handle = await loadNative().createDataset(images, labels, { ...shape, numClasses, device: options.device ?? 'cpu' });
    return EngineDataset.wrap(handle);
  });
}

function handleOf(data: EngineDataset): NativeDataset {
  const handle = datasetHandles.get(data);
  if (!handle) throw new CnnError('ENGINE_BAD_ARGUMENT', 'expected an EngineDataset');
  return handle;
}

// ---------------------------------------------------------------------------

export type EnginePrecision = 'fp32' | 'bf16';

export interface CreateModelOptions {
  device?: EngineDevice;
  /** Makes the initial weights (and, by default, each epoch's shuffling) repeatable. Default 0. */
  seed?: number;
  /**
   * 'auto' (default): bf16 autocast on CUDA and on CPUs with AVX512_BF16 or
   * AMX-BF16 (detected at run time; CNN_CPU_BF16=0 or 1 overrides), fp32
   * elsewhere. 'bf16' and 'fp32' force one. Loss, metrics, optimizer state
   * and the weights themselves stay fp32 either way.
   */
  precision?: EnginePrecision | 'auto';
  /**
   * NHWC memory order for the weights and batches. Default: on for CUDA; on
   * the CPU, on when convolutions carry most of the model's multiply-adds
   * (where NHWC measured faster), off for dense-heavy models.
   */
  channelsLast?: boolean;
  /** Deterministic cuDNN algorithms and no benchmarking (slower; process-wide flags, set per call). */
  deterministic?: boolean;
}

/** A model built from a normalized graph, initialized like PyTorch's defaults. */
export class EngineModel {
  private constructor(private readonly native: NativeModel) {}

  /** @internal */
  static wrap(native: NativeModel): EngineModel {
    return new EngineModel(native);
  }

  /** 'cpu' or 'cuda:N'. */
  get device(): string {
    return sync(() => this.native.device);
  }

  /** Output classes (0 when the output is not a vector). */
  get numClasses(): number {
    return sync(() => this.native.numClasses);
  }

  get outputSoftmax(): boolean {
    return sync(() => this.native.outputSoftmax);
  }

  /** 'bf16' when the forward pass runs under bf16 autocast. */
  get precision(): EnginePrecision {
    return sync(() => this.native.precision);
  }

  get channelsLast(): boolean {
    return sync(() => this.native.channelsLast);
  }

  /** Whether the configured optimizer steps with multi-tensor ops (see OptimizerOptions.foreach). */
  get multiTensorStep(): boolean {
    return sync(() => this.native.multiTensorStep);
  }

  /** The optimizer's current learning rate; 0 before configureOptimizer. */
  get learningRate(): number {
    return sync(() => this.native.learningRate ?? 0);
  }

  paramCounts(): ParamCounts {
    return sync(() => this.native.paramCounts());
  }

  /** Every parameter and buffer with its state_dict name, in graph order. */
  tensors(): TensorInfo[] {
    return sync(() => this.native.tensors());
  }

  /** A dataset on this model's device. */
  dataset(images: Uint8Array, labels: Int32Array, shape: ImageShape, numClasses: number): Promise<EngineDataset> {
    return createEngineDataset(images, labels, shape, numClasses, { device: this.device as EngineDevice });
  }

  /** Replaces the optimizer (and its state) over the trainable parameters. */
  configureOptimizer(options: OptimizerOptions): void {
    sync(() => this.native.configureOptimizer({ ...options }));
  }

  /** For schedules: call between epochs. */
  setLearningRate(lr: number): void {
    sync(() => this.native.setLearningRate(lr));
  }

  /** Switches the autocast of later calls (a bf16-trained model evaluates and serves in fp32; its weights are fp32 throughout). */
  setPrecision(precision: EnginePrecision): void {
    sync(() => this.native.setPrecision(precision));
  }

  /** One pass over the dataset (or `indices`); rejects with ENGINE_CANCELLED after cancel(). */
  trainEpoch(data: EngineDataset, options: TrainEpochOptions = {}, onProgress?: (p: TrainProgress) => void): Promise<EpochResult> {
    return later(() => this.native.trainEpoch(handleOf(data), { ...options }, onProgress));
  }

  evaluate(data: EngineDataset, options: EvaluateOptions = {}): Promise<EvaluateResult> {
    return later(() => this.native.evaluate(handleOf(data), { ...options }));
  }

  /** n × outputs probabilities (softmax applied when the spec ended in softmax) for uint8 N×H×W×C images. */
  predict(images: Uint8Array, options: PredictOptions): Promise<Float32Array> {
    return later(() => this.native.predict(images, { ...options }));
  }

  /**
   * Raw outputs (logits) for a float N×C×H×W batch, in inference mode and in
   * fp32 whatever `precision` is: what the fp32 weights compute, the
   * reference an fp32 export is checked against.
   */
  forward(input: Float32Array, n: number): Promise<Float32Array> {
    return later(() => this.native.forward(input, { n }));
  }

  /** Writes every parameter and buffer as safetensors (atomically), with string metadata. */
  saveWeights(path: string, metadata: Record<string, string> = {}): Promise<void> {
    return later(() => this.native.saveWeights(path, metadata));
  }

  /**
   * Loads safetensors weights, converting dtypes. Strict (default): a missing,
   * unexpected or mis-shaped tensor rejects with ENGINE_WEIGHTS_MISMATCH (its
   * details list the names) and nothing changes. `strict: false` loads what
   * fits and reports the rest, e.g. for a replaced classifier head.
   */
  loadWeights(path: string, options: { strict?: boolean } = {}): Promise<WeightsReport> {
    return later(() => this.native.loadWeights(path, { strict: options.strict ?? true }));
  }

  /** Optimizer state (moments, step counts, learning rate) for resuming, written atomically. */
  saveOptimizer(path: string): Promise<void> {
    return later(() => this.native.saveOptimizer(path));
  }

  /** Needs configureOptimizer with the same optimizer type first. */
  loadOptimizer(path: string): Promise<void> {
    return later(() => this.native.loadOptimizer(path));
  }

  /** Stops a running call after its current step; true when one was running. */
  cancel(): boolean {
    return sync(() => this.native.cancel());
  }

  /** Frees the model's tensors; a running call is cancelled and frees them when it settles. */
  dispose(): void {
    sync(() => this.native.dispose());
  }
}

/** Builds and initializes a model; rejects with ENGINE_DEVICE_UNAVAILABLE when the device is missing. */
export async function createEngineModel(graph: NormalizedGraph, options: CreateModelOptions = {}): Promise<EngineModel> {
  return later(async () => {
    const native = await loadNative().createModel(JSON.stringify(graph), { ...options, device: options.device ?? 'cpu', seed: options.seed ?? 0 });
    return EngineModel.wrap(native);
  });
}

/**
 * Applies one random augmentation per sample to uint8 N×H×W×C images and
 * returns float N×C×H×W values in [0, 1], as training would see them before
 * normalization. For tests and previews.
 */
export function augmentBatch(images: Uint8Array, shape: ImageShape, augment: AugmentOptions, seed: number): Promise<Float32Array> {
  return later(() => loadNative().augmentBatch(images, shape, { ...augment }, seed));
}
