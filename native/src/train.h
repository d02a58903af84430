// Training and inference on a Model: optimizers, one training epoch,
// evaluation with metrics, prediction, and the optimizer's checkpoint state.
#pragma once

#include <ATen/ATen.h>
#include <torch/optim.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data.h"
#include "graph.h"

namespace cnn {

/** Layers whose parameters learn at their own rate (e.g. a fine-tuned base under a new head). */
struct ParamGroupConfig {
  std::vector<std::string> layers;
  double learningRate = 0;
};

struct OptimizerConfig {
  std::string type = "adam";  // sgd | adam | adamw | rmsprop
  double learningRate = 1e-3;
  double momentum = 0;     // sgd, rmsprop
  bool nesterov = false;   // sgd
  double weightDecay = 0;  // all (adamw: decoupled)
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double rho = 0.99;  // rmsprop smoothing constant (PyTorch's alpha)
  std::vector<ParamGroupConfig> groups;  // every other trainable layer learns at learningRate
  int foreach = -1;                       // multi-tensor step: -1 where one exists, 0 never, 1 where one exists
};

enum class Precision { Fp32, Bf16 };

/**
 * 'fp32', 'bf16' (autocast, on any device), or 'auto': bf16 on CUDA and on a
 * CPU with fast bf16 (`cpuBf16`: AVX512_BF16 or AMX), else fp32.
 */
Precision resolvePrecision(const std::string& requested, const at::Device& device, bool cpuBf16);

/** NHWC memory order where it is faster for the layer mix: always on CUDA; on the CPU, see train.cc. */
bool preferChannelsLast(const Graph& graph, const at::Device& device, Precision precision);

class Model {
 public:
  Graph graph;
  uint64_t seed = 0;
  uint64_t epochsRun = 0;  // varies the default shuffle order from epoch to epoch
  Precision precision = Precision::Fp32;  // Bf16: the forward pass under bf16 autocast
  bool deterministic = false;             // cuDNN: deterministic algorithms, no benchmarking
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::string optimizerType;
  bool multiTensorStep = false;  // optimizer steps through foreachStep (optim.h)
  // Each optimizer group's rate relative to the base rate, kept when setLearningRate changes it.
  std::vector<double> groupFactors;
  // The base rate, copied for the JS thread to read while a call runs (0: no optimizer).
  std::atomic<double> learningRate{0};

  // One async call at a time: set on the JS thread when a call starts, cleared when it settles.
  std::atomic<bool> busy{false};
  // Set by cancel(); a running epoch stops after its current step.
  std::atomic<bool> cancelRequested{false};
};

/**
 * Whether a forward and backward pass of this model runs under bf16 autocast:
 * some libtorch releases lack bf16 CPU kernels for a few ops (e.g. relu6's
 * backward in 1.13), and `auto` then keeps the model in fp32.
 */
bool bf16Trains(Model& model);

void configureOptimizer(Model& model, const OptimizerConfig& config);
void setLearningRate(Model& model, double learningRate);

struct TrainOptions {
  int64_t batchSize = 32;
  bool shuffle = true;
  bool hasSeed = false;
  uint64_t seed = 0;
  std::vector<double> mean, std;
  AugmentOptions augmentation;
  bool augment = false;
  double labelSmoothing = 0;
  std::vector<double> classWeights;  // empty, or one loss weight per model output
  double gradClipNorm = 0;           // 0: no clipping of the global gradient norm
  int64_t maxSteps = 0;              // 0: the whole epoch
  bool hasIndices = false;
  std::vector<int32_t> indices;
  double progressIntervalMs = 1000;
};

struct Progress {
  int64_t step = 0, steps = 0, images = 0;
  double loss = 0, accuracy = 0, imagesPerSec = 0;
};

struct EpochResult {
  double loss = 0, accuracy = 0, seconds = 0;
  int64_t images = 0, steps = 0;
};

using ProgressFn = std::function<void(const Progress&)>;

/** One pass over the dataset (or `indices`). Stops with ENGINE_CANCELLED after the step during which cancel was asked. */
EpochResult trainEpoch(Model& model, const Dataset& data, const TrainOptions& options, const ProgressFn& onProgress);

struct EvalOptions {
  int64_t batchSize = 256;
  std::vector<double> mean, std;
  bool hasIndices = false;
  std::vector<int32_t> indices;
};

struct EvalResult {
  double loss = 0, accuracy = 0, top5 = 0;
  int64_t count = 0, numClasses = 0;
  std::vector<int32_t> confusion;  // numClasses x numClasses, row = true class
};

EvalResult evaluate(Model& model, const Dataset& data, const EvalOptions& options);

/** Class probabilities (softmax when the spec ended in softmax, else raw outputs) as a CPU float [n, outputs] tensor. */
at::Tensor predict(Model& model, const at::Tensor& images, const std::vector<double>& mean, const std::vector<double>& std,
                   int64_t batchSize);

/** The graph's output for a float NCHW batch, in inference mode and in fp32 (no autocast), as a CPU float tensor. */
at::Tensor forwardBatch(Model& model, const at::Tensor& input);

void saveOptimizer(Model& model, const std::string& path);
void loadOptimizer(Model& model, const std::string& path);

}  // namespace cnn
