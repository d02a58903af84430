// Files: safetensors weights (own reader and writer, no Python needed) and
// the crash-safe write path every file of the engine goes through.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "graph.h"

namespace cnn {

using Metadata = std::vector<std::pair<std::string, std::string>>;

/** Writes via `write(tmpPath)` to `path.tmp-<pid>`, fsyncs it, renames it over `path` and fsyncs the directory. */
void writeFileAtomic(const std::string& path, const std::function<void(const std::string& tmpPath)>& write);

struct NamedCpuTensor {
  std::string name;
  at::Tensor value;
};

/** Writes tensors (any device; copied to CPU) and string metadata as a safetensors file, atomically. */
void writeSafetensors(const std::string& path, const std::vector<NamedCpuTensor>& tensors, const Metadata& metadata);

struct SafetensorsFile {
  std::vector<NamedCpuTensor> tensors;  // CPU, in the file's own dtypes
  Metadata metadata;
};

/** Reads and checks a safetensors file; a malformed file gives ENGINE_IO_ERROR. */
SafetensorsFile readSafetensors(const std::string& path);

/** What a weights file lacked, had extra, or had in another shape. Shapes are in the error message. */
struct WeightsReport {
  std::vector<std::string> missing, unexpected, mismatched;
  Metadata metadata;
};

/** Saves every parameter and buffer of the graph under its state_dict name. */
void saveWeights(const Graph& graph, const std::string& path, const Metadata& metadata);

/**
 * Loads a weights file into the graph, converting dtypes. Strict: any missing,
 * unexpected or mis-shaped tensor fails with ENGINE_WEIGHTS_MISMATCH and
 * nothing is changed. Not strict: loads what fits and reports the rest.
 */
WeightsReport loadWeights(Graph& graph, const std::string& path, bool strict);

}  // namespace cnn
