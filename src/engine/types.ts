/**
 * Shapes of what the addon returns, shared by its loader (native.ts) and the
 * facade (index.ts) so they are written once.
 */

export interface ImageShape {
  n: number;
  h: number;
  w: number;
  c: number;
}

export interface EngineInfo {
  torchVersion: string;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  numThreads: number;
  builtWithCuda: boolean;
}

/** What libtorch runs on, for start-up logs and benchmarks. */
export interface EngineRuntimeInfo {
  /** Real path of the library that provides sgemm_ (libblas.so.3 resolved through its links); '' when none is loaded. */
  blas: string;
  /** OpenBLAS's build string and core ('' for another BLAS). */
  blasConfig: string;
  /** The instruction set oneDNN dispatches to (e.g. 'avx512_core_bf16'), or what cpuid shows when oneDNN is not visible. */
  onednnIsa: string;
  onednnVersion: string;
  /** avx512_core_amx | avx512_core_bf16 | avx512_core | avx2 | baseline, from cpuid. */
  cpuIsa: string;
  /** libtorch's intra-op threads. */
  threads: number;
  /** OpenBLAS's own threads: 1 unless OPENBLAS_NUM_THREADS is set (libtorch's threads split the work); 0 for another BLAS. */
  blasThreads: number;
  /** The CPU has AVX512_BF16 or AMX-BF16 (or CNN_CPU_BF16=1): precision 'auto' picks bf16 there. */
  cpuBf16: boolean;
  torchVersion: string;
}

export interface ParamCounts {
  total: number;
  trainable: number;
  frozen: number;
  /** Batch-norm running_mean + running_var elements (Keras counts them as non-trainable parameters). */
  buffers: number;
}

export interface TensorInfo {
  name: string;
  shape: number[];
  kind: 'parameter' | 'buffer';
  trainable: boolean;
}

export interface TrainProgress {
  step: number;
  steps: number;
  /** Mean loss and accuracy over the epoch so far. */
  loss: number;
  accuracy: number;
  images: number;
  imagesPerSec: number;
}

export interface EpochResult {
  loss: number;
  accuracy: number;
  images: number;
  steps: number;
  seconds: number;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number;
  top5: number;
  count: number;
  numClasses: number;
  /** numClasses x numClasses, row-major, rows are true classes. */
  confusion: Int32Array;
}

export interface WeightsReport {
  missing: string[];
  unexpected: string[];
  mismatched: string[];
  metadata: Record<string, string>;
}
