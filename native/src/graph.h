// The model: a normalized graph (native/GRAPH.md) turned into named tensors
// and a functional forward pass.
//
// Layers are not torch::nn::Modules: their names contain dots, which module
// registration rejects, and the graph already fixes every shape. Each layer
// keeps an ordered list of named tensors (parameters, then buffers), named
// exactly like a torchvision state_dict so published weights load unchanged.
#pragma once

#include <ATen/ATen.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

enum class LayerType {
  Conv2d,
  Dense,
  BatchNorm,
  MaxPool2d,
  AvgPool2d,
  GlobalAvgPool2d,
  GlobalMaxPool2d,
  AdaptiveAvgPool2d,
  ZeroPadding2d,
  Flatten,
  Dropout,
  DropPath,
  Activation,
  Add,
  Concat,
  Multiply,
};

enum class Activation { Linear, Relu, Relu6, Sigmoid, Tanh, Softmax, Silu, Gelu, LeakyRelu, Elu, HardSwish, HardSigmoid };

struct NamedTensor {
  std::string name;  // full name: layer name + ".weight" etc.
  at::Tensor value;
  bool buffer = false;  // running statistics: saved, never trained
};

using Pair = std::array<int64_t, 2>;
using Quad = std::array<int64_t, 4>;  // top, bottom, left, right

struct Layer {
  std::string name;
  LayerType type = LayerType::Activation;
  std::vector<int> inputs;  // -1 is the model input
  std::vector<int64_t> outShape;
  bool trainable = true;

  // conv2d / dense
  int64_t inChannels = 0, filters = 0, groups = 1;  // dense: inFeatures, units
  Pair kernel{1, 1}, stride{1, 1}, dilation{1, 1};
  Quad padding{0, 0, 0, 0};
  bool useBias = false;
  // batchNorm
  double epsilon = 1e-5, momentum = 0.1;
  // pooling
  bool ceilMode = false, countIncludePad = true;
  Pair outputSize{1, 1};
  // dropout / dropPath
  double rate = 0;
  // layers with an activation
  Activation activation = Activation::Linear;
  double alpha = 0;
  // relu(maxPool(x)) == maxPool(relu(x)), with the same gradients: a relu whose only reader is a
  // max pool runs after the pool, on a quarter of the values (set by parseGraph).
  bool reluAfterPool = false;  // on the producer: its relu is left to the pool
  bool poolAppliesRelu = false;  // on the max pool

  std::vector<NamedTensor> tensors;  // parameters first, then buffers (GRAPH.md order)
  at::Tensor weight, bias, runningMean, runningVar, numBatchesTracked;  // aliases into `tensors`
};

struct Graph {
  std::vector<int64_t> inputShape;  // [C, H, W]
  std::vector<Layer> layers;
  int output = 0;
  bool outputSoftmax = false;
  std::vector<int> lastUse;  // per layer: index of the last layer reading its output (frees activations early)
  bool hasTrainableBatchNorm = false;
  at::Device device{at::kCPU};  // where every tensor lives, set by initGraph
  // Conv weights and input batches in NHWC memory order (faster convolutions on CUDA, with tensor cores).
  at::MemoryFormat memoryFormat = at::MemoryFormat::Contiguous;

  /** Classes of a classifier: the output layer's size when the output is a vector, else 0. */
  int64_t numClasses() const;
};

/** Parses and checks a normalized graph; throws EngineError(ENGINE_BAD_ARGUMENT) naming the layer and field. */
Graph parseGraph(const std::string& jsonText);

/**
 * Creates every tensor with PyTorch's default initialization, repeatable for
 * a seed, then moves it to `device` (4-D weights in NHWC order if `channelsLast`).
 */
void initGraph(Graph& graph, uint64_t seed, const at::Device& device, bool channelsLast);

/** Runs the graph on an NCHW batch. `training` enables dropout and batch statistics (except in frozen layers). */
at::Tensor forward(Graph& graph, const at::Tensor& input, bool training);

/** Runs one sample through the graph and compares every layer's output with its declared outShape. */
void checkShapes(Graph& graph);

struct ParamCounts {
  int64_t total = 0, trainable = 0, frozen = 0, buffers = 0;
};
ParamCounts countParams(const Graph& graph);

/** Multiply-accumulates per sample of the convolutions and of the dense layers. */
struct MacCounts {
  double conv = 0, dense = 0;
};
MacCounts countMacs(const Graph& graph);

/** Every trainable parameter, in graph order (what the optimizer sees). */
std::vector<at::Tensor> trainableParameters(const Graph& graph);

std::string deviceName(const at::Device& device);

/** Resolves 'cpu' | 'cuda' | 'cuda:N' | 'auto'; throws ENGINE_DEVICE_UNAVAILABLE for CUDA without one. */
at::Device resolveDevice(const std::string& name);

}  // namespace cnn
