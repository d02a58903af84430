// What the CPU and the libraries under libtorch offer, found at run time:
// bf16 instructions (cpuid), the BLAS that resolved libblas.so.3, the ISA
// oneDNN dispatches to, and libtorch's thread count.
#pragma once

#include <string>

namespace cnn {

struct CpuFeatures {
  bool avx512f = false;     // usable: the CPU has it and the OS saves the registers
  bool avx512Bf16 = false;  // AVX512_BF16 (Cooper Lake, Sapphire Rapids, Zen 4)
  bool amxBf16 = false;     // AMX-BF16 tiles (Sapphire Rapids)
};

/** The CPU's features, read once. */
const CpuFeatures& cpuFeatures();

/**
 * Whether bf16 autocast is fast on this CPU: AVX512_BF16 or AMX-BF16.
 * CNN_CPU_BF16=0 or =1 overrides the detection (=0 keeps `auto` at fp32).
 */
bool cpuHasFastBf16();

struct RuntimeInfo {
  std::string blas;        // the library that provides sgemm_, as its real path ("" when none is loaded)
  std::string blasConfig;  // OpenBLAS's build and core ("" for other BLAS)
  std::string onednnIsa;   // e.g. "avx512_core_bf16"; "unavailable" without oneDNN
  std::string onednnVersion;
  std::string cpuIsa;      // what cpuid shows: avx512_core_amx | avx512_core_bf16 | avx512_core | avx2 | baseline
  int threads = 0;
  int blasThreads = 0;     // the BLAS's own threads (OpenBLAS); 0 when it does not say
  bool cpuBf16 = false;
  std::string torchVersion;
};

RuntimeInfo runtimeInfo();

// OpenBLAS runs each call on the calling thread, unless OPENBLAS_NUM_THREADS says otherwise.
// libtorch already splits work over its own intra-op threads; OpenBLAS's thread server on top
// of them spins against them, and two threads calling into it at once (training beside a
// prediction in one process) can leave a call spinning forever. A no-op for other BLAS.
void singleThreadedBlas();

}  // namespace cnn
