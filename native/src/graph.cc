#include "graph.h"

#include <c10/core/GradMode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>

#include <cmath>
#include <functional>
#include <limits>
#include <unordered_set>

#include "errors.h"
#include "json.h"

namespace cnn {

namespace {

// ---------------------------------------------------------------------------
// Parsing

// Reads typed fields of one JSON object, naming the object in every error.
class Fields {
 public:
  Fields(const json::Value& object, std::string where) : obj_(object), where_(std::move(where)) {
    if (!obj_.isObject()) badArgument(where_ + ": expected an object");
  }

  const std::string& where() const { return where_; }
  bool has(const char* key) const { return obj_.find(key) != nullptr; }

  const json::Value& get(const char* key) const {
    const json::Value* v = obj_.find(key);
    if (v == nullptr) badArgument(where_ + ": missing field '" + key + "'");
    return *v;
  }

  int64_t integer(const char* key, int64_t min) const { return toInteger(get(key), key, min); }

  double number(const char* key) const {
    const json::Value& v = get(key);
    if (!v.isNumber()) badArgument(where_ + ": field '" + key + "' must be a number");
    return v.number;
  }

  bool flag(const char* key) const {
    const json::Value& v = get(key);
    if (!v.isBool()) badArgument(where_ + ": field '" + key + "' must be a boolean");
    return v.boolean;
  }

  std::string text(const char* key) const {
    const json::Value& v = get(key);
    if (!v.isString()) badArgument(where_ + ": field '" + key + "' must be a string");
    return v.string;
  }

  std::vector<int64_t> integers(const char* key, int64_t min) const {
    const json::Value& v = get(key);
    if (!v.isArray()) badArgument(where_ + ": field '" + key + "' must be an array of integers");
    std::vector<int64_t> out;
    for (const auto& item : v.items) out.push_back(toInteger(item, key, min));
    return out;
  }

  Pair pair(const char* key, int64_t min) const {
    auto v = integers(key, min);
    if (v.size() != 2) badArgument(where_ + ": field '" + key + "' must have 2 entries");
    return {v[0], v[1]};
  }

  Quad quad(const char* key) const {
    auto v = integers(key, 0);
    if (v.size() != 4) badArgument(where_ + ": field '" + key + "' must have 4 entries [top, bottom, left, right]");
    return {v[0], v[1], v[2], v[3]};
  }

 private:
  const json::Value& obj_;
  std::string where_;

  int64_t toInteger(const json::Value& v, const char* key, int64_t min) const {
    // 2^53: the largest integer a JSON number carries exactly.
    constexpr double MAX_EXACT = 9007199254740992.0;
    if (!v.isNumber() || std::floor(v.number) != v.number || std::fabs(v.number) > MAX_EXACT) {
      badArgument(where_ + ": field '" + key + "' must be an integer");
    }
    auto i = static_cast<int64_t>(v.number);
    if (i < min) badArgument(where_ + ": field '" + key + "' must be at least " + std::to_string(min));
    return i;
  }
};

LayerType parseLayerType(const std::string& s, const std::string& where) {
  static const std::pair<const char*, LayerType> TYPES[] = {
      {"conv2d", LayerType::Conv2d},
      {"dense", LayerType::Dense},
      {"batchNorm", LayerType::BatchNorm},
      {"maxPool2d", LayerType::MaxPool2d},
      {"avgPool2d", LayerType::AvgPool2d},
      {"globalAvgPool2d", LayerType::GlobalAvgPool2d},
      {"globalMaxPool2d", LayerType::GlobalMaxPool2d},
      {"adaptiveAvgPool2d", LayerType::AdaptiveAvgPool2d},
      {"zeroPadding2d", LayerType::ZeroPadding2d},
      {"flatten", LayerType::Flatten},
      {"dropout", LayerType::Dropout},
      {"dropPath", LayerType::DropPath},
      {"activation", LayerType::Activation},
      {"add", LayerType::Add},
      {"concat", LayerType::Concat},
      {"multiply", LayerType::Multiply},
  };
  for (const auto& t : TYPES) {
    if (s == t.first) return t.second;
  }
  badArgument(where + ": unknown layer type '" + s + "'");
}

Activation parseActivation(const std::string& s, const std::string& where) {
  static const std::pair<const char*, Activation> ACTIVATIONS[] = {
      {"linear", Activation::Linear},       {"relu", Activation::Relu},           {"relu6", Activation::Relu6},
      {"sigmoid", Activation::Sigmoid},     {"tanh", Activation::Tanh},           {"softmax", Activation::Softmax},
      {"silu", Activation::Silu},           {"gelu", Activation::Gelu},           {"leakyRelu", Activation::LeakyRelu},
      {"elu", Activation::Elu},             {"hardSwish", Activation::HardSwish}, {"hardSigmoid", Activation::HardSigmoid},
  };
  for (const auto& a : ACTIVATIONS) {
    if (s == a.first) return a.second;
  }
  badArgument(where + ": unknown activation '" + s + "'");
}

void readActivation(const Fields& f, Layer& layer) {
  layer.activation = parseActivation(f.text("activation"), f.where());
  bool needsAlpha = layer.activation == Activation::LeakyRelu || layer.activation == Activation::Elu;
  if (needsAlpha || f.has("alpha")) layer.alpha = f.number("alpha");
}

double readRate(const Fields& f) {
  double rate = f.number("rate");
  if (!(rate >= 0 && rate < 1)) badArgument(f.where() + ": field 'rate' must be in [0, 1)");
  return rate;
}

void readLayerFields(const Fields& f, Layer& layer) {
  switch (layer.type) {
    case LayerType::Conv2d:
      layer.inChannels = f.integer("inChannels", 1);
      layer.filters = f.integer("filters", 1);
      layer.kernel = f.pair("kernel", 1);
      layer.stride = f.pair("stride", 1);
      layer.padding = f.quad("padding");
      layer.dilation = f.pair("dilation", 1);
      layer.groups = f.integer("groups", 1);
      layer.useBias = f.flag("useBias");
      readActivation(f, layer);
      if (layer.inChannels % layer.groups != 0 || layer.filters % layer.groups != 0) {
        badArgument(f.where() + ": inChannels and filters must be divisible by groups");
      }
      break;
    case LayerType::Dense:
      layer.inChannels = f.integer("inFeatures", 1);
      layer.filters = f.integer("units", 1);
      layer.useBias = f.flag("useBias");
      readActivation(f, layer);
      break;
    case LayerType::BatchNorm:
      layer.filters = f.integer("features", 1);
      layer.epsilon = f.number("epsilon");
      layer.momentum = f.number("momentum");
      if (!(layer.epsilon > 0)) badArgument(f.where() + ": field 'epsilon' must be positive");
      if (!(layer.momentum >= 0 && layer.momentum <= 1)) badArgument(f.where() + ": field 'momentum' must be in [0, 1]");
      readActivation(f, layer);
      break;
    case LayerType::MaxPool2d:
    case LayerType::AvgPool2d:
      layer.kernel = f.pair("pool", 1);
      layer.stride = f.pair("stride", 1);
      layer.padding = f.quad("padding");
      layer.ceilMode = f.flag("ceilMode");
      if (layer.type == LayerType::AvgPool2d) layer.countIncludePad = f.flag("countIncludePad");
      break;
    case LayerType::AdaptiveAvgPool2d:
      layer.outputSize = f.pair("outputSize", 1);
      break;
    case LayerType::ZeroPadding2d:
      layer.padding = f.quad("padding");
      break;
    case LayerType::Dropout:
    case LayerType::DropPath:
      layer.rate = readRate(f);
      break;
    case LayerType::Activation:
      readActivation(f, layer);
      break;
    case LayerType::GlobalAvgPool2d:
    case LayerType::GlobalMaxPool2d:
    case LayerType::Flatten:
    case LayerType::Add:
    case LayerType::Concat:
    case LayerType::Multiply:
      break;
  }
}

void checkInputs(const Fields& f, const Layer& layer, int index) {
  size_t n = layer.inputs.size();
  bool merge = layer.type == LayerType::Add || layer.type == LayerType::Concat || layer.type == LayerType::Multiply;
  if (!merge && n != 1) badArgument(f.where() + ": expected exactly 1 input");
  if (merge && n < 2) badArgument(f.where() + ": expected at least 2 inputs");
  if (layer.type == LayerType::Multiply && n != 2) badArgument(f.where() + ": multiply takes exactly 2 inputs");
  for (int in : layer.inputs) {
    if (in < -1 || in >= index) badArgument(f.where() + ": input " + std::to_string(in) + " is not an earlier layer");
  }
}

Layer parseLayer(const json::Value& value, int index) {
  Fields f(value, "layers[" + std::to_string(index) + "]");
  Layer layer;
  layer.name = f.text("name");
  if (layer.name.empty()) badArgument(f.where() + ": name must not be empty");
  Fields named(value, f.where() + " (" + layer.name + ")");
  layer.type = parseLayerType(named.text("type"), named.where());
  for (int64_t in : named.integers("inputs", -1)) layer.inputs.push_back(static_cast<int>(in));
  layer.outShape = named.integers("outShape", 1);
  if (layer.outShape.empty()) badArgument(named.where() + ": outShape must not be empty");
  layer.trainable = named.flag("trainable");
  readLayerFields(named, layer);
  checkInputs(named, layer, index);
  return layer;
}

// ---------------------------------------------------------------------------
// Initialization

at::TensorOptions floatCpu() { return at::TensorOptions().dtype(at::kFloat).device(at::kCPU); }

// PyTorch's default for conv and linear layers: kaiming_uniform(a=sqrt(5)) on the weight, which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
void initWeighted(Layer& layer, std::vector<int64_t> weightShape, int64_t fanIn, at::Generator& gen) {
  double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
  at::Tensor w = at::empty(weightShape, floatCpu());
  w.uniform_(-bound, bound, gen);
  layer.tensors.push_back({layer.name + ".weight", w, false});
  if (layer.useBias) {
    at::Tensor b = at::empty({layer.filters}, floatCpu());
    b.uniform_(-bound, bound, gen);
    layer.tensors.push_back({layer.name + ".bias", b, false});
  }
}

void initBatchNorm(Layer& layer) {
  int64_t c = layer.filters;
  layer.tensors.push_back({layer.name + ".weight", at::ones({c}, floatCpu()), false});
  layer.tensors.push_back({layer.name + ".bias", at::zeros({c}, floatCpu()), false});
  layer.tensors.push_back({layer.name + ".running_mean", at::zeros({c}, floatCpu()), true});
  layer.tensors.push_back({layer.name + ".running_var", at::ones({c}, floatCpu()), true});
  layer.tensors.push_back({layer.name + ".num_batches_tracked", at::zeros({}, at::TensorOptions().dtype(at::kLong)), true});
}

void bindAliases(Layer& layer) {
  for (auto& t : layer.tensors) {
    const std::string& n = t.name;
    std::string suffix = n.substr(layer.name.size());
    if (suffix == ".weight") layer.weight = t.value;
    else if (suffix == ".bias") layer.bias = t.value;
    else if (suffix == ".running_mean") layer.runningMean = t.value;
    else if (suffix == ".running_var") layer.runningVar = t.value;
    else if (suffix == ".num_batches_tracked") layer.numBatchesTracked = t.value;
  }
}

// ---------------------------------------------------------------------------
// Forward

bool symmetric(const Quad& p) { return p[0] == p[1] && p[2] == p[3]; }
bool anyPadding(const Quad& p) { return p[0] || p[1] || p[2] || p[3]; }

at::Tensor padExplicit(const at::Tensor& x, const Quad& p, double value) {
  // constant_pad_nd takes the last dimension first: left, right, top, bottom.
  return at::constant_pad_nd(x, {p[2], p[3], p[0], p[1]}, value);
}

// In-place variants are used only on a layer's own fresh output, which no backward formula needs.
at::Tensor activate(const at::Tensor& x, Activation a, double alpha, bool inPlace) {
  switch (a) {
    case Activation::Linear: return x;
    case Activation::Relu: return inPlace ? x.relu_() : at::relu(x);
    case Activation::Relu6:
      // libtorch 1.13 has no bf16 CPU kernel for hardtanh's backward: under bf16 autocast it runs in fp32.
      if (x.scalar_type() == at::kBFloat16 && x.device().is_cpu()) return at::hardtanh(x.to(at::kFloat), 0, 6).to(at::kBFloat16);
      return at::hardtanh(x, 0, 6);
    case Activation::Sigmoid: return at::sigmoid(x);
    case Activation::Tanh: return at::tanh(x);
    case Activation::Softmax: return at::softmax(x, 1);
    case Activation::Silu: return at::silu(x);
    case Activation::Gelu: return at::gelu(x);
    case Activation::LeakyRelu: return at::leaky_relu(x, alpha);
    case Activation::Elu: return at::elu(x, alpha);
    case Activation::HardSwish: return at::hardswish(x);
    case Activation::HardSigmoid: return at::hardsigmoid(x);
  }
  return x;
}

at::Tensor conv(const Layer& l, at::Tensor x) {
  std::vector<int64_t> pad{l.padding[0], l.padding[2]};
  if (!symmetric(l.padding)) {
    x = padExplicit(x, l.padding, 0);
    pad = {0, 0};
  }
  return at::conv2d(x, l.weight, l.bias, {l.stride[0], l.stride[1]}, pad, {l.dilation[0], l.dilation[1]}, l.groups);
}

// The pooling ops accept only symmetric padding of at most half the window.
bool poolPaddingNative(const Layer& l) {
  return symmetric(l.padding) && l.padding[0] <= l.kernel[0] / 2 && l.padding[2] <= l.kernel[1] / 2;
}

at::Tensor maxPool(const Layer& l, at::Tensor x) {
  std::vector<int64_t> pad{l.padding[0], l.padding[2]};
  if (!poolPaddingNative(l)) {
    x = padExplicit(x, l.padding, -std::numeric_limits<double>::infinity());
    pad = {0, 0};
  }
  return at::max_pool2d(x, {l.kernel[0], l.kernel[1]}, {l.stride[0], l.stride[1]}, pad, {1, 1}, l.ceilMode);
}

at::Tensor avgPool(const Layer& l, const at::Tensor& x) {
  std::vector<int64_t> k{l.kernel[0], l.kernel[1]}, s{l.stride[0], l.stride[1]};
  if (poolPaddingNative(l)) {
    return at::avg_pool2d(x, k, s, {l.padding[0], l.padding[2]}, l.ceilMode, l.countIncludePad);
  }
  at::Tensor sum = at::avg_pool2d(padExplicit(x, l.padding, 0), k, s, {0, 0}, l.ceilMode, true);
  if (l.countIncludePad) return sum;
  // Divide by the share of each window that lies inside the image instead of the full window.
  at::Tensor ones = at::ones({1, 1, x.size(2), x.size(3)}, x.options());
  at::Tensor share = at::avg_pool2d(padExplicit(ones, l.padding, 0), k, s, {0, 0}, l.ceilMode, true);
  return sum / share;
}

at::Tensor dropPath(const Layer& l, const at::Tensor& x) {
  double keep = 1.0 - l.rate;
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  at::Tensor mask = at::empty(shape, x.options()).bernoulli_(keep).div_(keep);
  return x * mask;
}

at::Tensor runLayer(Layer& l, const std::vector<at::Tensor>& in, bool training) {
  const at::Tensor& x = in[0];
  switch (l.type) {
    case LayerType::Conv2d: return l.reluAfterPool ? conv(l, x) : activate(conv(l, x), l.activation, l.alpha, true);
    case LayerType::Dense: return activate(at::linear(x, l.weight, l.bias), l.activation, l.alpha, true);
    case LayerType::BatchNorm: {
      // A frozen layer keeps its statistics: it normalizes like at inference.
      bool batchStats = training && l.trainable;
      at::Tensor y = at::batch_norm(x, l.weight, l.bias, l.runningMean, l.runningVar, batchStats, l.momentum, l.epsilon,
                                    at::globalContext().userEnabledCuDNN());
      if (batchStats) {
        c10::NoGradGuard noGrad;
        l.numBatchesTracked.add_(1);
      }
      return l.reluAfterPool ? y : activate(y, l.activation, l.alpha, true);
    }
    case LayerType::MaxPool2d: return l.poolAppliesRelu ? maxPool(l, x).relu_() : maxPool(l, x);
    case LayerType::AvgPool2d: return avgPool(l, x);
    case LayerType::GlobalAvgPool2d: return x.mean({2, 3});
    case LayerType::GlobalMaxPool2d: return x.amax({2, 3});
    case LayerType::AdaptiveAvgPool2d: return at::adaptive_avg_pool2d(x, {l.outputSize[0], l.outputSize[1]});
    case LayerType::ZeroPadding2d: return anyPadding(l.padding) ? padExplicit(x, l.padding, 0) : x;
    case LayerType::Flatten: return x.flatten(1);
    case LayerType::Dropout: return training && l.rate > 0 ? at::dropout(x, l.rate, true) : x;
    case LayerType::DropPath: return training && l.rate > 0 ? dropPath(l, x) : x;
    case LayerType::Activation: return activate(x, l.activation, l.alpha, false);
    case LayerType::Add: {
      at::Tensor sum = in[0] + in[1];
      for (size_t i = 2; i < in.size(); ++i) sum.add_(in[i]);
      return sum;
    }
    case LayerType::Concat: return at::cat(in, 1);
    case LayerType::Multiply: return in[0] * in[1];
  }
  return x;
}

/** Marks each relu conv or batch norm read only by a max pool (see Layer::reluAfterPool). */
void deferReluToPools(Graph& graph) {
  std::vector<int> readers(graph.layers.size(), 0);
  for (const Layer& l : graph.layers) {
    for (int j : l.inputs) {
      if (j >= 0) readers[static_cast<size_t>(j)]++;
    }
  }
  for (Layer& pool : graph.layers) {
    if (pool.type != LayerType::MaxPool2d || pool.inputs.size() != 1 || pool.inputs[0] < 0) continue;
    size_t j = static_cast<size_t>(pool.inputs[0]);
    Layer& producer = graph.layers[j];
    bool fused = producer.type == LayerType::Conv2d || producer.type == LayerType::BatchNorm;
    if (!fused || producer.activation != Activation::Relu || readers[j] != 1 || static_cast<int>(j) == graph.output) continue;
    producer.reluAfterPool = true;
    pool.poolAppliesRelu = true;
  }
}

using LayerObserver = std::function<void(size_t, const at::Tensor&)>;

at::Tensor forwardImpl(Graph& graph, const at::Tensor& input, bool training, const LayerObserver* observe) {
  std::vector<at::Tensor> outs(graph.layers.size());
  std::vector<at::Tensor> in;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    Layer& layer = graph.layers[i];
    in.clear();
    for (int j : layer.inputs) in.push_back(j < 0 ? input : outs[static_cast<size_t>(j)]);
    try {
      outs[i] = runLayer(layer, in, training);
    } catch (const c10::Error& e) {
      std::string message = e.what_without_backtrace();
      fail(classifyTorchMessage(message), "layer '" + layer.name + "': " + message);
    }
    if (observe) (*observe)(i, outs[i]);
    // Drop activations nobody reads any more; autograd keeps what backward needs.
    for (int j : layer.inputs) {
      if (j >= 0 && graph.lastUse[static_cast<size_t>(j)] == static_cast<int>(i)) outs[static_cast<size_t>(j)].reset();
    }
  }
  return outs[static_cast<size_t>(graph.output)];
}

}  // namespace

// ---------------------------------------------------------------------------

int64_t Graph::numClasses() const {
  const auto& shape = layers[static_cast<size_t>(output)].outShape;
  return shape.size() == 1 ? shape[0] : 0;
}

Graph parseGraph(const std::string& jsonText) {
  json::Value root = json::parse(jsonText);
  Fields top(root, "graph");
  Graph graph;
  Fields input(top.get("input"), "input");
  graph.inputShape = input.integers("shape", 1);
  if (graph.inputShape.size() != 3) badArgument("input: shape must be [C, H, W]");

  const json::Value& layers = top.get("layers");
  if (!layers.isArray() || layers.items.empty()) badArgument("graph: layers must be a non-empty array");
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < layers.items.size(); ++i) {
    Layer layer = parseLayer(layers.items[i], static_cast<int>(i));
    if (!names.insert(layer.name).second) badArgument("layers[" + std::to_string(i) + "]: duplicate name '" + layer.name + "'");
    graph.layers.push_back(std::move(layer));
  }
  int64_t output = top.integer("output", 0);
  if (output >= static_cast<int64_t>(graph.layers.size())) badArgument("graph: output is not a layer index");
  graph.output = static_cast<int>(output);
  graph.outputSoftmax = top.flag("outputSoftmax");

  graph.lastUse.assign(graph.layers.size(), -1);
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    for (int j : graph.layers[i].inputs) {
      if (j >= 0) graph.lastUse[static_cast<size_t>(j)] = static_cast<int>(i);
    }
    const Layer& l = graph.layers[i];
    if (l.type == LayerType::BatchNorm && l.trainable) graph.hasTrainableBatchNorm = true;
  }
  graph.lastUse[static_cast<size_t>(graph.output)] = std::numeric_limits<int>::max();
  deferReluToPools(graph);
  return graph;
}

void initGraph(Graph& graph, uint64_t seed, const at::Device& device, bool channelsLast) {
  graph.memoryFormat = channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  // A private generator: two models built at once each get their own repeatable stream.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (Layer& layer : graph.layers) {
    layer.tensors.clear();
    if (layer.type == LayerType::Conv2d) {
      int64_t perGroup = layer.inChannels / layer.groups;
      initWeighted(layer, {layer.filters, perGroup, layer.kernel[0], layer.kernel[1]}, perGroup * layer.kernel[0] * layer.kernel[1], gen);
    } else if (layer.type == LayerType::Dense) {
      initWeighted(layer, {layer.filters, layer.inChannels}, layer.inChannels, gen);
    } else if (layer.type == LayerType::BatchNorm) {
      initBatchNorm(layer);
    }
    for (auto& t : layer.tensors) {
      t.value = t.value.to(device);
      if (t.value.dim() == 4) t.value = t.value.contiguous(graph.memoryFormat);
      if (!t.buffer) t.value.set_requires_grad(layer.trainable);
    }
    bindAliases(layer);
  }
  graph.device = device;
}

at::Tensor forward(Graph& graph, const at::Tensor& input, bool training) {
  return forwardImpl(graph, input, training, nullptr);
}

void checkShapes(Graph& graph) {
  c10::NoGradGuard noGrad;
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), graph.inputShape.begin(), graph.inputShape.end());
  at::Tensor x = at::zeros(shape, at::TensorOptions().dtype(at::kFloat).device(graph.device).memory_format(graph.memoryFormat));
  LayerObserver observe = [&graph](size_t i, const at::Tensor& out) {
    const Layer& l = graph.layers[i];
    std::vector<int64_t> got(out.sizes().begin() + 1, out.sizes().end());
    if (got != l.outShape) {
      fail(SHAPE_ERROR, "layer '" + l.name + "': the graph declares outShape " + json::formatShape(l.outShape) +
                            " but the layer computes " + json::formatShape(got));
    }
  };
  forwardImpl(graph, x, false, &observe);
}

ParamCounts countParams(const Graph& graph) {
  ParamCounts c;
  for (const Layer& l : graph.layers) {
    for (const auto& t : l.tensors) {
      int64_t n = t.value.numel();
      if (t.buffer) {
        // num_batches_tracked is bookkeeping, not a statistic of the data.
        if (t.value.dim() > 0) c.buffers += n;
      } else {
        c.total += n;
        (l.trainable ? c.trainable : c.frozen) += n;
      }
    }
  }
  return c;
}

MacCounts countMacs(const Graph& graph) {
  MacCounts m;
  for (const Layer& l : graph.layers) {
    double outputs = 1;
    for (int64_t d : l.outShape) outputs *= static_cast<double>(d);
    if (l.type == LayerType::Conv2d) {
      m.conv += outputs * static_cast<double>(l.inChannels / l.groups * l.kernel[0] * l.kernel[1]);
    } else if (l.type == LayerType::Dense) {
      m.dense += outputs * static_cast<double>(l.inChannels);
    }
  }
  return m;
}

std::vector<at::Tensor> trainableParameters(const Graph& graph) {
  std::vector<at::Tensor> params;
  for (const Layer& l : graph.layers) {
    if (!l.trainable) continue;
    for (const auto& t : l.tensors) {
      if (!t.buffer) params.push_back(t.value);
    }
  }
  return params;
}

std::string deviceName(const at::Device& device) {
  if (device.is_cuda()) return "cuda:" + std::to_string(device.has_index() ? device.index() : 0);
  return "cpu";
}

at::Device resolveDevice(const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  bool available = torch::cuda::is_available();
  if (name == "auto") return available ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!available) fail(DEVICE_UNAVAILABLE, "device '" + name + "' requested but libtorch sees no CUDA device");
    int64_t index = 0;
    if (name.size() > 5) {
      std::string digits = name.substr(5);
      if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
        badArgument("device '" + name + "' is not cpu, cuda, cuda:N or auto");
      }
      index = std::stoll(digits);
    }
    int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (index >= count) fail(DEVICE_UNAVAILABLE, "device '" + name + "' requested but only " + std::to_string(count) + " CUDA device(s) exist");
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  badArgument("device '" + name + "' is not cpu, cuda, cuda:N or auto");
}

}  // namespace cnn
