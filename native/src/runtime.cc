#include "runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/version.h>

#include <climits>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define CNN_X86 1
#else
#define CNN_X86 0
#endif

namespace cnn {

namespace {

#if CNN_X86
// XCR0 bits: the OS saves SSE/AVX state (1, 2) and the AVX-512 opmask and ZMM state (5, 6, 7).
constexpr unsigned long long XCR0_AVX512 = 0xE6;
// XCR0 bits 17 and 18: AMX tile configuration and tile data.
constexpr unsigned long long XCR0_AMX = 0x60000;

unsigned long long readXcr0() {
  unsigned int eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  bool osxsave = (ecx >> 27) & 1;
  if (!osxsave || __get_cpuid_max(0, nullptr) < 7) return f;
  unsigned long long xcr0 = readXcr0();
  bool avx512State = (xcr0 & XCR0_AVX512) == XCR0_AVX512;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  f.avx512f = avx512State && ((ebx >> 16) & 1);
  // AMX-BF16 is EDX bit 22 and AMX-TILE bit 24 of leaf 7; Linux grants the tile state per process
  // (oneDNN asks for it), so the OS check is that the kernel enabled it in XCR0.
  f.amxBf16 = ((edx >> 22) & 1) && ((edx >> 24) & 1) && (xcr0 & XCR0_AMX) == XCR0_AMX;
  unsigned int maxSub = eax;
  if (maxSub >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    f.avx512Bf16 = f.avx512f && ((eax >> 5) & 1);
  }
  return f;
}

bool hasAvx2() {
  unsigned int eax, ebx, ecx, edx;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  return (ebx >> 5) & 1;
}
#else
CpuFeatures detect() { return {}; }
bool hasAvx2() { return false; }
#endif

std::string realPath(const char* path) {
  char buf[PATH_MAX];
  if (path == nullptr) return "";
  if (realpath(path, buf) == nullptr) return path;
  return buf;
}

// oneDNN's C API, looked up in the loaded libraries: Debian's libtorch links libdnnl.so; a libtorch
// with oneDNN inside and its symbols hidden has none, and the ISA then comes from cpuid.
struct DnnlVersion {
  int major, minor, patch;
  const char* hash;
};

std::string onednnIsaName(std::string* version) {
  using VersionFn = const DnnlVersion* (*)();
  using IsaFn = int (*)();
  using IsaStrFn = const char* (*)(int);
  auto versionFn = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "dnnl_version"));
  auto isaFn = reinterpret_cast<IsaFn>(dlsym(RTLD_DEFAULT, "dnnl_get_effective_cpu_isa"));
  auto isaStr = reinterpret_cast<IsaStrFn>(dlsym(RTLD_DEFAULT, "dnnl_cpu_isa2str"));
  if (versionFn != nullptr) {
    const DnnlVersion* v = versionFn();
    *version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  }
  if (isaFn == nullptr) return "";
  int isa = isaFn();
  if (isaStr != nullptr) {
    const char* s = isaStr(isa);
    // oneDNN 2.x names them "cpu_isa_avx512_core_bf16"; keep the ISA's own name.
    std::string name = s != nullptr ? s : "";
    if (name.rfind("cpu_isa_", 0) == 0) name = name.substr(8);
    if (!name.empty()) return name;
  }
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%x", isa);
  return hex;
}

std::string cpuIsaName(const CpuFeatures& f) {
  if (f.amxBf16) return "avx512_core_amx";
  if (f.avx512Bf16) return "avx512_core_bf16";
  if (f.avx512f) return "avx512_core";
  if (hasAvx2()) return "avx2";
  return "baseline";
}

}  // namespace

const CpuFeatures& cpuFeatures() {
  static const CpuFeatures features = detect();
  return features;
}

bool cpuHasFastBf16() {
  const char* override = std::getenv("CNN_CPU_BF16");
  if (override != nullptr && std::string(override) == "0") return false;
  if (override != nullptr && std::string(override) == "1") return true;
  const CpuFeatures& f = cpuFeatures();
  return f.avx512Bf16 || f.amxBf16;
}

void singleThreadedBlas() {
  if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr) return;
  using SetThreadsFn = void (*)(int);
  auto set = reinterpret_cast<SetThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set != nullptr) set(1);
}

RuntimeInfo runtimeInfo() {
  RuntimeInfo r;
  // The BLAS libtorch calls is whichever library provides sgemm_ in the process (libblas.so.3 is an
  // alternatives link: netlib's reference build, OpenBLAS, BLIS, ...).
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info where;
  if (sgemm != nullptr && dladdr(sgemm, &where) != 0) r.blas = realPath(where.dli_fname);
  using ConfigFn = const char* (*)();
  auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto core = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (config != nullptr) {
    r.blasConfig = config();
    if (core != nullptr) r.blasConfig += std::string(" (core ") + core() + ")";
  }
  r.cpuIsa = cpuIsaName(cpuFeatures());
  std::string isa = onednnIsaName(&r.onednnVersion);
  r.onednnIsa = !isa.empty() ? isa : r.cpuIsa + " (from cpuid)";
  r.threads = at::get_num_threads();
  using GetThreadsFn = int (*)();
  auto blasThreads = reinterpret_cast<GetThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (blasThreads != nullptr) r.blasThreads = blasThreads();
  r.cpuBf16 = cpuHasFastBf16();
  r.torchVersion = TORCH_VERSION;
  return r;
}

}  // namespace cnn
