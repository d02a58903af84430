#include "train.h"

#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "compute.h"
#include "errors.h"
#include "io.h"
#include "optim.h"

namespace cnn {

namespace {

using Clock = std::chrono::steady_clock;

// Key under which the optimizer kind is stored next to its state, so state is never loaded into another kind.
constexpr const char* OPTIMIZER_TYPE_KEY = "cnn_optimizer_type";
// Evaluation's top-k accuracy.
constexpr int64_t TOP_K = 5;
// NHWC on the CPU when convolutions carry at least this share of the multiply-accumulates (bench:engine).
constexpr double BF16_NHWC_MIN_CONV_SHARE = 0.5;
constexpr double FP32_NHWC_MIN_CONV_SHARE = 0.5;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// splitmix64: turns (seed, counter) into well-spread seeds for the per-epoch streams.
uint64_t mixSeed(uint64_t seed, uint64_t salt) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (salt + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void checkPositive(double v, const char* what) {
  if (!(v > 0) || !std::isfinite(v)) badArgument(std::string(what) + " must be a positive number");
}

void checkNonNegative(double v, const char* what) {
  if (!(v >= 0) || !std::isfinite(v)) badArgument(std::string(what) + " must be a non-negative number");
}

void checkBatchSize(int64_t batchSize) {
  if (batchSize < 1) badArgument("batchSize must be at least 1");
}

int64_t checkClassifier(const Model& model) {
  int64_t classes = model.graph.numClasses();
  if (classes < 1) badArgument("the model's output is not a class vector, so it cannot be trained or evaluated as a classifier");
  return classes;
}

void checkDataset(const Model& model, const Dataset& data) {
  const auto& in = model.graph.inputShape;  // [C, H, W]
  if (data.dims.c != in[0] || data.dims.h != in[1] || data.dims.w != in[2]) {
    badArgument("dataset images are " + std::to_string(data.dims.h) + "x" + std::to_string(data.dims.w) + "x" +
                std::to_string(data.dims.c) + " (HxWxC) but the model expects " + std::to_string(in[1]) + "x" +
                std::to_string(in[2]) + "x" + std::to_string(in[0]));
  }
  int64_t classes = checkClassifier(model);
  if (data.numClasses > classes) {
    badArgument("dataset has " + std::to_string(data.numClasses) + " classes but the model outputs " + std::to_string(classes));
  }
}

// The samples of one pass, in visiting order, on the dataset's device.
at::Tensor sampleOrder(const Dataset& data, bool hasIndices, const std::vector<int32_t>& indices, bool shuffle, uint64_t seed) {
  at::Tensor base = hasIndices ? subsetIndices(indices, data.dims.n, data.device)
                               : at::arange(data.dims.n, at::TensorOptions().dtype(at::kLong).device(data.device));
  if (!shuffle) return base;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Tensor perm = at::randperm(base.size(0), gen, at::TensorOptions().dtype(at::kLong));
  return base.index_select(0, perm.to(data.device));
}

/** Per-class loss weights as a device tensor, or an undefined tensor for none. */
at::Tensor lossWeights(const std::vector<double>& weights, int64_t classes, const at::Device& device) {
  if (weights.empty()) return {};
  if (static_cast<int64_t>(weights.size()) != classes) {
    badArgument("classWeights has " + std::to_string(weights.size()) + " entries but the model has " + std::to_string(classes) + " classes");
  }
  double sum = 0;
  for (double w : weights) {
    checkNonNegative(w, "classWeights entries");
    sum += w;
  }
  if (!(sum > 0)) badArgument("classWeights must not all be 0");
  std::vector<float> f(weights.begin(), weights.end());
  return at::tensor(f, at::TensorOptions().dtype(at::kFloat)).to(device);
}

/**
 * Cross-entropy on fp32 logits with PyTorch's weighted mean (the sum over the
 * batch divided by the targets' total weight). A batch of zero-weight classes
 * only would divide 0 by 0; it gets a zero loss and no gradient instead of NaN.
 */
at::Tensor classifierLoss(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& classWeights, double labelSmoothing) {
  at::Tensor x = logits.to(at::kFloat);
  if (!classWeights.defined()) return at::cross_entropy_loss(x, y, {}, at::Reduction::Mean, -100, labelSmoothing);
  at::Tensor sum = at::cross_entropy_loss(x, y, classWeights, at::Reduction::Sum, -100, labelSmoothing);
  at::Tensor weight = classWeights.index_select(0, y).sum();
  at::Tensor counted = weight > 0;
  return sum / at::where(counted, weight, at::ones_like(weight)) * counted;
}

/**
 * Kernel choice for a call: deterministic algorithms (and cuDNN without
 * benchmarking) for a deterministic model, cuDNN's fastest measured ones
 * otherwise. The flags are process-wide: the last call's model wins.
 *
 * warn_only: an op without a deterministic kernel (e.g. adaptive average
 * pooling's backward on CUDA) warns instead of failing the job; for
 * deterministic cuBLAS the worker also needs CUBLAS_WORKSPACE_CONFIG=:4096:8
 * in its environment.
 */
void applyKernelSettings(const Model& model) {
  auto& ctx = at::globalContext();
  ctx.setDeterministicAlgorithms(model.deterministic, /*warn_only=*/true);
  if (!model.graph.device.is_cuda()) return;
  ctx.setDeterministicCuDNN(model.deterministic);
  ctx.setBenchmarkCuDNN(!model.deterministic);
}

/**
 * bf16 autocast for the forward pass of a bf16 model; the state is
 * thread-local and ends with the scope, which also drops the cached bf16
 * copies of the weights (the backward pass keeps the ones it needs).
 */
class AutocastScope {
 public:
  explicit AutocastScope(const Model& model)
      : active_(model.precision == Precision::Bf16), type_(model.graph.device.type()) {
    if (active_) enable(type_, true);
  }
  ~AutocastScope() {
    if (!active_) return;
    enable(type_, false);
    at::autocast::clear_cache();
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_;
  at::DeviceType type_;

  static void enable(at::DeviceType type, bool on) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(type, at::kBFloat16);
    at::autocast::set_autocast_enabled(type, on);
#else
    if (type == at::kCUDA) {
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(on);
    } else {
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(on);
    }
#endif
  }
};

/** Scales all gradients so that their global L2 norm is at most maxNorm, without reading the norm on the host. */
void clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm) {
  c10::NoGradGuard noGrad;
  std::vector<at::Tensor> norms;
  for (const auto& p : params) {
    if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(at::kFloat));
  }
  if (norms.empty()) return;
  at::Tensor total = at::stack(norms).norm(2);
  at::Tensor scale = (maxNorm / (total + 1e-6)).clamp_max(1.0);
  for (const auto& p : params) {
    if (p.grad().defined()) p.grad().mul_(scale.to(p.grad().scalar_type()));
  }
}

template <typename Opt, typename Options>
std::unique_ptr<torch::optim::Optimizer> buildOptimizer(std::vector<std::pair<std::vector<at::Tensor>, double>>& groups,
                                                        const Options& defaults) {
  std::vector<torch::optim::OptimizerParamGroup> paramGroups;
  for (auto& g : groups) {
    Options options = defaults;
    options.lr(g.second);
    paramGroups.emplace_back(g.first, std::make_unique<Options>(options));
  }
  return std::make_unique<Opt>(std::move(paramGroups), defaults);
}

std::string joinSizes(const std::vector<int64_t>& sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

/**
 * The saved parameter groups must have the optimizer's group sizes; libtorch's
 * own check fails with an internal error. Different groups or trainable layers
 * than at saving time are the caller's mistake.
 */
void checkSavedGroups(const torch::optim::Optimizer& optimizer, torch::serialize::InputArchive& archive, const std::string& path) {
  torch::serialize::InputArchive groups;
  at::Tensor count;
  if (!archive.try_read("param_groups", groups) || !groups.try_read("param_groups/size", count)) {
    fail(IO_ERROR, "'" + path + "' holds no optimizer parameter groups");
  }
  std::vector<int64_t> saved, current;
  for (int64_t i = 0; i < count.item<int64_t>(); ++i) {
    torch::serialize::InputArchive group;
    at::Tensor size;
    if (!groups.try_read("param_groups/" + std::to_string(i), group) || !group.try_read("params/size", size)) {
      fail(IO_ERROR, "'" + path + "' has an unreadable optimizer parameter group " + std::to_string(i));
    }
    saved.push_back(size.item<int64_t>());
  }
  for (const auto& g : optimizer.param_groups()) current.push_back(static_cast<int64_t>(g.params().size()));
  if (saved != current) {
    badArgument("'" + path + "' holds optimizer state for parameter groups of " + joinSizes(saved) +
                " tensors but the optimizer's groups hold " + joinSizes(current) +
                "; configure the same layer groups and trainable layers as when it was saved");
  }
}

// libtorch's Optimizer::load restores the per-parameter state but keeps the current options;
// like PyTorch's load_state_dict, take the saved ones (learning rate, momentum, ...) too.
template <typename Options>
void restoreOptions(torch::optim::Optimizer& optimizer, torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive groups;
  if (!archive.try_read("param_groups", groups)) return;
  auto& current = optimizer.param_groups();
  for (size_t i = 0; i < current.size(); ++i) {
    torch::serialize::InputArchive group, saved;
    if (!groups.try_read("param_groups/" + std::to_string(i), group) || !group.try_read("options", saved)) return;
    Options options(0);
    options.serialize(saved);
    current[i].set_options(std::make_unique<Options>(options));
  }
}

}  // namespace

Precision resolvePrecision(const std::string& p, const at::Device& device, bool cpuBf16) {
  if (p == "fp32") return Precision::Fp32;
  if (p == "bf16") return Precision::Bf16;
  if (p != "auto") badArgument("precision must be auto, fp32 or bf16");
  bool fast = device.is_cuda() || cpuBf16;
  return fast ? Precision::Bf16 : Precision::Fp32;
}

bool bf16Trains(Model& model) {
  Graph& graph = model.graph;
  std::vector<int64_t> shape{2};
  shape.insert(shape.end(), graph.inputShape.begin(), graph.inputShape.end());
  // A fixed ramp, not random numbers: the probe must not move the default generator.
  at::Tensor x = at::linspace(0, 1, c10::multiply_integers(shape), at::TensorOptions().dtype(at::kFloat).device(graph.device))
                     .reshape(shape)
                     .contiguous(graph.memoryFormat);
  bool ok = true;
  try {
    at::Tensor out;
    {
      AutocastScope autocast(model);
      out = forward(graph, x, false);
    }
    out.to(at::kFloat).sum().backward();
  } catch (const c10::Error&) {
    ok = false;
  }
  for (auto& layer : graph.layers) {
    for (auto& t : layer.tensors) {
      if (t.value.requires_grad()) t.value.mutable_grad().reset();
    }
  }
  return ok;
}

bool preferChannelsLast(const Graph& graph, const at::Device& device, Precision precision) {
  if (device.is_cuda()) return true;
  MacCounts macs = countMacs(graph);
  double total = macs.conv + macs.dense;
  if (!(total > 0)) return false;
  double convShare = macs.conv / total;
  return precision == Precision::Bf16 ? convShare >= BF16_NHWC_MIN_CONV_SHARE : convShare >= FP32_NHWC_MIN_CONV_SHARE;
}

void configureOptimizer(Model& model, const OptimizerConfig& c) {
  checkPositive(c.learningRate, "learningRate");
  checkNonNegative(c.momentum, "momentum");
  checkNonNegative(c.weightDecay, "weightDecay");
  checkPositive(c.eps, "eps");
  if (!(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1)) badArgument("beta1 and beta2 must be in [0, 1)");
  if (!(c.rho >= 0 && c.rho < 1)) badArgument("rho must be in [0, 1)");
  if (c.type == "sgd" && c.nesterov && c.momentum <= 0) badArgument("nesterov needs a positive momentum");

  // Group 0 holds every trainable layer that no configured group names.
  std::unordered_map<std::string, size_t> groupOf;
  for (size_t g = 0; g < c.groups.size(); ++g) {
    checkPositive(c.groups[g].learningRate, "groups[].learningRate");
    for (const auto& name : c.groups[g].layers) {
      bool known = std::any_of(model.graph.layers.begin(), model.graph.layers.end(), [&](const Layer& l) { return l.name == name; });
      if (!known) badArgument("optimizer group " + std::to_string(g) + " names no layer '" + name + "'");
      if (!groupOf.emplace(name, g + 1).second) badArgument("layer '" + name + "' is in two optimizer groups");
    }
  }
  std::vector<std::vector<at::Tensor>> byGroup(c.groups.size() + 1);
  for (const Layer& l : model.graph.layers) {
    if (!l.trainable) continue;
    auto it = groupOf.find(l.name);
    for (const auto& t : l.tensors) {
      if (!t.buffer) byGroup[it == groupOf.end() ? 0 : it->second].push_back(t.value);
    }
  }
  std::vector<std::pair<std::vector<at::Tensor>, double>> groups;
  std::vector<double> factors;
  for (size_t g = 0; g < byGroup.size(); ++g) {
    if (byGroup[g].empty()) continue;
    double rate = g == 0 ? c.learningRate : c.groups[g - 1].learningRate;
    groups.emplace_back(std::move(byGroup[g]), rate);
    factors.push_back(rate / c.learningRate);
  }
  if (groups.empty()) badArgument("the model has no trainable parameters");

  namespace optim = torch::optim;
  std::unique_ptr<optim::Optimizer> opt;
  if (c.type == "sgd") {
    opt = buildOptimizer<optim::SGD>(groups, optim::SGDOptions(c.learningRate).momentum(c.momentum).nesterov(c.nesterov).weight_decay(c.weightDecay));
  } else if (c.type == "adam") {
    opt = buildOptimizer<optim::Adam>(
        groups, optim::AdamOptions(c.learningRate).betas(std::make_tuple(c.beta1, c.beta2)).eps(c.eps).weight_decay(c.weightDecay));
  } else if (c.type == "adamw") {
    opt = buildOptimizer<optim::AdamW>(
        groups, optim::AdamWOptions(c.learningRate).betas(std::make_tuple(c.beta1, c.beta2)).eps(c.eps).weight_decay(c.weightDecay));
  } else if (c.type == "rmsprop") {
    opt = buildOptimizer<optim::RMSprop>(
        groups, optim::RMSpropOptions(c.learningRate).alpha(c.rho).eps(c.eps).weight_decay(c.weightDecay).momentum(c.momentum));
  } else {
    badArgument("optimizer type '" + c.type + "' is not sgd, adam, adamw or rmsprop");
  }
  model.multiTensorStep = c.foreach != 0 && hasForeachStep(*opt, c.type);
  model.groupFactors = std::move(factors);
  model.optimizer = std::move(opt);
  model.optimizerType = c.type;
  model.learningRate.store(c.learningRate);
}

void setLearningRate(Model& model, double learningRate) {
  checkPositive(learningRate, "learningRate");
  if (!model.optimizer) badArgument("no optimizer is configured");
  auto& groups = model.optimizer->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(learningRate * model.groupFactors.at(i));
  model.learningRate.store(learningRate);
}

EpochResult trainEpoch(Model& model, const Dataset& data, const TrainOptions& o, const ProgressFn& onProgress) {
  checkBatchSize(o.batchSize);
  checkDataset(model, data);
  if (!model.optimizer) badArgument("configure an optimizer before training");
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) badArgument("labelSmoothing must be in [0, 1)");
  if (o.maxSteps < 0) badArgument("maxSteps must not be negative");
  checkNonNegative(o.gradClipNorm, "gradClipNorm");

  Graph& graph = model.graph;
  const at::Device device = graph.device;
  at::Tensor classWeights = lossWeights(o.classWeights, graph.numClasses(), device);
  applyKernelSettings(model);
  std::vector<at::Tensor> params = trainableParameters(graph);
  uint64_t epochSeed = o.hasSeed ? o.seed : mixSeed(model.seed, model.epochsRun);
  model.epochsRun++;
  // Dropout and dropPath draw from the default generator, which is process-wide: a seed repeats an
  // epoch exactly only while no other model trains at the same time.
  at::manual_seed(epochSeed);
  std::mt19937_64 augmentRng(mixSeed(epochSeed, 1));

  at::Tensor order = sampleOrder(data, o.hasIndices, o.indices, o.shuffle, epochSeed);
  int64_t count = order.size(0);
  int64_t steps = (count + o.batchSize - 1) / o.batchSize;
  if (o.maxSteps > 0) steps = std::min(steps, o.maxSteps);
  BatchPreparer prepare(o.mean, o.std, data.dims.c, device, graph.memoryFormat);
  const AugmentOptions* augmentation = o.augment && o.augmentation.any() ? &o.augmentation : nullptr;

  // Running sums stay on the device; reading them forces a sync, so that happens only when reporting.
  at::Tensor lossSum = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device));
  at::Tensor correct = at::zeros({}, at::TensorOptions().dtype(at::kLong).device(device));
  int64_t images = 0, done = 0;
  Clock::time_point start = Clock::now(), lastReport = start;
  auto snapshot = [&](int64_t step) {
    Progress p;
    p.step = step;
    p.steps = steps;
    p.images = images;
    double n = images > 0 ? static_cast<double>(images) : 1.0;
    p.loss = lossSum.item<double>() / n;
    p.accuracy = static_cast<double>(correct.item<int64_t>()) / n;
    double seconds = secondsSince(start);
    p.imagesPerSec = seconds > 0 ? static_cast<double>(images) / seconds : 0;
    return p;
  };

  for (int64_t step = 0; step < steps; ++step) {
    int64_t begin = step * o.batchSize;
    int64_t len = std::min(o.batchSize, count - begin);
    // Batch statistics of a single sample are undefined; skip such a trailing remainder.
    if (len == 1 && graph.hasTrainableBatchNorm && step > 0) break;
    at::Tensor idx = order.narrow(0, begin, len);
    at::Tensor x = prepare(data.images.index_select(0, idx), augmentation, &augmentRng);
    at::Tensor y = data.labels.index_select(0, idx).to(device);

    at::Tensor logits;
    {
      AutocastScope autocast(model);
      logits = forward(graph, x, true);
    }
    at::Tensor loss = classifierLoss(logits, y, classWeights, o.labelSmoothing);
    // Dropping the gradients (instead of zeroing them) saves a pass over every parameter.
    for (auto& p : params) p.mutable_grad().reset();
    loss.backward();
    if (o.gradClipNorm > 0) clipGradNorm(params, o.gradClipNorm);
    if (model.multiTensorStep) {
      foreachStep(*model.optimizer, model.optimizerType);
    } else {
      model.optimizer->step();
    }
    {
      c10::NoGradGuard noGrad;
      lossSum.add_(loss.detach().to(at::kFloat), static_cast<double>(len));
      correct.add_(logits.argmax(1).eq(y).sum());
    }
    images += len;
    done = step + 1;

    // Outside every guard of the step: what runs in between starts from the thread's plain state.
    computeYield();
    if (model.cancelRequested.load()) {
      fail(CANCELLED, "training cancelled after step " + std::to_string(done) + " of " + std::to_string(steps));
    }
    if (onProgress && done < steps) {
      auto now = Clock::now();
      if (std::chrono::duration<double, std::milli>(now - lastReport).count() >= o.progressIntervalMs) {
        lastReport = now;
        onProgress(snapshot(done));
      }
    }
  }

  Progress last = snapshot(done);
  EpochResult r;
  r.loss = last.loss;
  r.accuracy = last.accuracy;
  r.images = images;
  r.steps = done;
  r.seconds = secondsSince(start);
  return r;
}

EvalResult evaluate(Model& model, const Dataset& data, const EvalOptions& o) {
  checkBatchSize(o.batchSize);
  checkDataset(model, data);
  Graph& graph = model.graph;
  const at::Device device = graph.device;
  int64_t classes = graph.numClasses();
  applyKernelSettings(model);

  at::Tensor order = sampleOrder(data, o.hasIndices, o.indices, false, 0);
  int64_t count = order.size(0);
  BatchPreparer prepare(o.mean, o.std, data.dims.c, device, graph.memoryFormat);
  auto longs = at::TensorOptions().dtype(at::kLong).device(device);
  at::Tensor lossSum = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(device));
  at::Tensor correct = at::zeros({}, longs), topk = at::zeros({}, longs);
  at::Tensor confusion = at::zeros({classes * classes}, longs);
  int64_t k = std::min(TOP_K, classes);

  for (int64_t begin = 0; begin < count; begin += o.batchSize) {
    int64_t len = std::min(o.batchSize, count - begin);
    {
      c10::InferenceMode inference;  // no autograd records, no version counters
      AutocastScope autocast(model);
      at::Tensor idx = order.narrow(0, begin, len);
      at::Tensor x = prepare(data.images.index_select(0, idx), nullptr, nullptr);
      at::Tensor y = data.labels.index_select(0, idx).to(device);
      // Metrics and loss in fp32 whatever the autocast dtype.
      at::Tensor logits = forward(graph, x, false).to(at::kFloat);
      lossSum.add_(at::cross_entropy_loss(logits, y, {}, at::Reduction::Sum, -100, 0.0).to(at::kDouble));
      at::Tensor pred = logits.argmax(1);
      correct.add_(pred.eq(y).sum());
      topk.add_(std::get<1>(logits.topk(k, 1)).eq(y.unsqueeze(1)).sum());
      confusion.add_(at::bincount(y * classes + pred, {}, classes * classes));
    }
    if (model.cancelRequested.load()) fail(CANCELLED, "evaluation cancelled");
    // Outside the guards above, as in training.
    computeYield();
  }

  EvalResult r;
  r.count = count;
  r.numClasses = classes;
  double n = static_cast<double>(count);
  r.loss = lossSum.item<double>() / n;
  r.accuracy = static_cast<double>(correct.item<int64_t>()) / n;
  r.top5 = static_cast<double>(topk.item<int64_t>()) / n;
  at::Tensor conf = confusion.to(at::kCPU).to(at::kInt).contiguous();
  r.confusion.assign(conf.data_ptr<int32_t>(), conf.data_ptr<int32_t>() + conf.numel());
  return r;
}

at::Tensor predict(Model& model, const at::Tensor& images, const std::vector<double>& mean, const std::vector<double>& std,
                   int64_t batchSize) {
  checkBatchSize(batchSize);
  Graph& graph = model.graph;
  const auto& in = graph.inputShape;
  if (images.size(3) != in[0] || images.size(1) != in[1] || images.size(2) != in[2]) {
    badArgument("images do not match the model input (expected HxWxC " + std::to_string(in[1]) + "x" + std::to_string(in[2]) +
                "x" + std::to_string(in[0]) + ")");
  }
  c10::InferenceMode inference;  // no autograd records, no version counters
  applyKernelSettings(model);
  AutocastScope autocast(model);
  BatchPreparer prepare(mean, std, in[0], graph.device, graph.memoryFormat);
  std::vector<at::Tensor> outputs;
  int64_t n = images.size(0);
  for (int64_t begin = 0; begin < n; begin += batchSize) {
    int64_t len = std::min(batchSize, n - begin);
    at::Tensor out = forward(graph, prepare(images.narrow(0, begin, len), nullptr, nullptr), false).reshape({len, -1});
    // Probabilities from fp32 logits, so they sum to 1 to fp32 precision under bf16 autocast too.
    out = out.to(at::kFloat);
    if (graph.outputSoftmax) out = at::softmax(out, 1);
    outputs.push_back(out.to(at::kCPU));
    if (model.cancelRequested.load()) fail(CANCELLED, "prediction cancelled");
  }
  return at::cat(outputs, 0).contiguous();
}

at::Tensor forwardBatch(Model& model, const at::Tensor& input) {
  c10::InferenceMode inference;  // no autograd records, no version counters
  applyKernelSettings(model);
  // fp32 whatever the model's precision: the master weights' own outputs, which an fp32 export must match.
  at::Tensor out = forward(model.graph, input.to(model.graph.device).contiguous(model.graph.memoryFormat), false);
  return out.to(at::kCPU, at::kFloat).contiguous();
}

void saveOptimizer(Model& model, const std::string& path) {
  if (!model.optimizer) badArgument("no optimizer is configured");
  torch::serialize::OutputArchive archive;
  model.optimizer->save(archive);
  archive.write(OPTIMIZER_TYPE_KEY, c10::IValue(model.optimizerType));
  writeFileAtomic(path, [&](const std::string& tmp) { archive.save_to(tmp); });
}

void loadOptimizer(Model& model, const std::string& path) {
  if (!model.optimizer) badArgument("configure the optimizer before loading its state");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, model.graph.device);
  } catch (const c10::Error& e) {
    fail(IO_ERROR, "cannot read optimizer state '" + path + "': " + e.what_without_backtrace());
  }
  c10::IValue type;
  if (!archive.try_read(OPTIMIZER_TYPE_KEY, type) || !type.isString()) {
    fail(IO_ERROR, "'" + path + "' is not an optimizer state written by this engine");
  }
  if (type.toStringRef() != model.optimizerType) {
    badArgument("'" + path + "' holds " + type.toStringRef() + " state but the model uses " + model.optimizerType);
  }
  checkSavedGroups(*model.optimizer, archive, path);
  model.optimizer->load(archive);
  if (model.optimizerType == "sgd") restoreOptions<torch::optim::SGDOptions>(*model.optimizer, archive);
  else if (model.optimizerType == "adam") restoreOptions<torch::optim::AdamOptions>(*model.optimizer, archive);
  else if (model.optimizerType == "adamw") restoreOptions<torch::optim::AdamWOptions>(*model.optimizer, archive);
  else if (model.optimizerType == "rmsprop") restoreOptions<torch::optim::RMSpropOptions>(*model.optimizer, archive);
  // The saved rates win, as with PyTorch's load_state_dict, and so do their ratios for later setLearningRate calls.
  const auto& groups = model.optimizer->param_groups();
  double base = groups.front().options().get_lr() / model.groupFactors.at(0);
  if (!(base > 0) || !std::isfinite(base)) return;
  for (size_t i = 0; i < groups.size(); ++i) model.groupFactors.at(i) = groups[i].options().get_lr() / base;
  model.learningRate.store(base);
}

}  // namespace cnn
