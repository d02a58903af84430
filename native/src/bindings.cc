// N-API surface of cnn_native. src/engine is its only caller.
//
// Every heavy call runs on the libuv thread pool (Napi::AsyncWorker) and
// returns a Promise; Execute() touches no JavaScript. Every entry point runs
// inside guard()/guardAsync() (errors.h): failures become Errors with a `code`
// from src/errors.ts, never a crash. Buffers passed in are read by the worker:
// do not mutate or transfer them until the promise settles.
//
//   info(): { torchVersion, cudaAvailable, cudaDeviceCount, numThreads, builtWithCuda }
//   setNumThreads(n: number): void
//   createModel(graphJson: string, { device?: 'cpu'|'cuda'|'cuda:N'|'auto', seed?: number,
//               precision?: 'auto'|'fp32'|'bf16' /* auto: bf16 autocast on CUDA and bf16-capable CPUs */,
//               channelsLast?: boolean /* default: on for CUDA, by layer mix on the CPU */,
//               deterministic?: boolean }): Promise<Model>
//   runtimeInfo(): { blas, blasConfig, onednnIsa, onednnVersion, cpuIsa, threads, cpuBf16, torchVersion }
//   createDataset(images: Uint8Array /* NHWC */, labels: Int32Array,
//                 { n, h, w, c, numClasses, device? }): Promise<Dataset>
//   augmentBatch(images: Uint8Array, { n, h, w, c }, augment: AugmentOptions, seed: number)
//       : Promise<Float32Array /* NCHW in [0, 1] */>
//
//   class Model (made by createModel only)
//     readonly device: string; readonly numClasses: number; readonly outputSoftmax: boolean
//     readonly precision: 'fp32'|'bf16'; readonly channelsLast: boolean
//     paramCounts(): { total, trainable, frozen, buffers }
//     tensors(): Array<{ name, shape: number[], kind: 'parameter'|'buffer', trainable: boolean }>
//     configureOptimizer({ type: 'sgd'|'adam'|'adamw'|'rmsprop', learningRate, momentum?, nesterov?,
//                          weightDecay?, beta1?, beta2?, eps?, rho?,
//                          groups?: Array<{ layers: string[], learningRate }>,
//                          foreach?: boolean /* multi-tensor step; default: where one exists */ }): void
//     readonly multiTensorStep: boolean
//     setLearningRate(lr: number): void   // groups keep their ratio to the base rate
//     trainEpoch(dataset, { batchSize?, shuffle?, seed?, mean?, std?, augment?: AugmentOptions,
//                labelSmoothing?, classWeights?: number[], gradClipNorm?, maxSteps?,
//                indices?: Int32Array, progressIntervalMs? },
//                onProgress?: (p: { step, steps, loss, accuracy, images, imagesPerSec }) => void)
//         : Promise<{ loss, accuracy, images, steps, seconds }>
//     evaluate(dataset, { batchSize?, mean?, std?, indices?: Int32Array })
//         : Promise<{ loss, accuracy, top5, count, numClasses, confusion: Int32Array }>
//     predict(images: Uint8Array, { n, h, w, c, mean?, std?, batchSize? }): Promise<Float32Array /* n x outputs */>
//     forward(input: Float32Array /* NCHW */, { n }): Promise<Float32Array /* n x outputs, no softmax */>
//     saveWeights(path: string, metadata?: Record<string, string>): Promise<void>
//     loadWeights(path: string, { strict? }): Promise<{ missing, unexpected, mismatched: string[],
//                                                       metadata: Record<string, string> }>
//     saveOptimizer(path: string): Promise<void>;  loadOptimizer(path: string): Promise<void>
//     readonly learningRate: number | null   // null until configureOptimizer
//     cancel(): boolean      // true when a call was running; it stops after its current step
//     dispose(): void        // frees the tensors now (a running call is cancelled; it frees them when it settles)
//
//   class Dataset (made by createDataset only)
//     readonly n, h, w, c, numClasses: number; readonly device: string; dispose(): void
//
//   AugmentOptions: { rotationRange?, widthShiftRange?, heightShiftRange?, shearRange?, zoomRange?,
//                     horizontalFlip?, verticalFlip?, brightnessRange?, fillMode?, cval?,
//                     randomResizedCrop?: { scale?: [lo, hi], ratio?: [lo, hi] } }
//     ranges are [lo, hi] or Keras's symmetric r (zoom z: [1-z, 1+z]); shifts are fractions of the
//     size, positive moves content right/down; angles in degrees; flips are a probability or a
//     boolean (true: 0.5); fillMode 'nearest'|'constant'|'reflect'; cval in [0, 1].
//
// One async call per model at a time: a second one rejects with ENGINE_BAD_ARGUMENT "model is busy".
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "args.h"
#include "errors.h"
#include "runtime.h"
#include "workers.h"

namespace cnn {
namespace {

struct AddonData {
  Napi::FunctionReference modelClass;
  Napi::FunctionReference datasetClass;
};

// ---------------------------------------------------------------------------
// Options

ImageDims readDims(const Options& o) {
  ImageDims d;
  d.n = o.requiredInteger("n", 1);
  d.h = o.requiredInteger("h", 1);
  d.w = o.requiredInteger("w", 1);
  d.c = o.requiredInteger("c", 1);
  return d;
}

Range toRange(std::pair<double, double> p) { return {p.first, p.second}; }

double flipProbability(const Options& o, const char* key) {
  if (!o.has(key)) return 0;
  Napi::Value v = o.get(key);
  // Keras's boolean flips happen to half of the samples.
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 0.5 : 0;
  double p = o.number(key, 0);
  if (p < 0 || p > 1) badArgument(o.field(key) + " must be a boolean or a probability in [0, 1]");
  return p;
}

AugmentOptions readAugment(const Napi::Value& value, const std::string& where) {
  Options o(value, where);
  AugmentOptions a;
  a.rotation = toRange(o.range("rotationRange", {0, 0}, 0));
  a.widthShift = toRange(o.range("widthShiftRange", {0, 0}, 0));
  a.heightShift = toRange(o.range("heightShiftRange", {0, 0}, 0));
  a.shear = toRange(o.range("shearRange", {0, 0}, 0));
  a.zoom = toRange(o.range("zoomRange", {1, 1}, 1));
  if (a.zoom.lo <= 0) badArgument(o.field("zoomRange") + " must stay above 0");
  a.horizontalFlip = flipProbability(o, "horizontalFlip");
  a.verticalFlip = flipProbability(o, "verticalFlip");
  if (o.has("brightnessRange")) {
    a.brightness = true;
    a.brightnessRange = toRange(o.range("brightnessRange", {1, 1}, 1));
    if (a.brightnessRange.lo < 0) badArgument(o.field("brightnessRange") + " must not be negative");
  }
  std::string fill = o.text("fillMode", "nearest");
  if (fill == "nearest") a.fill = FillMode::Nearest;
  else if (fill == "constant") a.fill = FillMode::Constant;
  else if (fill == "reflect") a.fill = FillMode::Reflect;
  else badArgument(o.field("fillMode") + " must be 'nearest', 'constant' or 'reflect'");
  a.cval = o.number("cval", 0);
  if (o.has("randomResizedCrop")) {
    Options crop(o.get("randomResizedCrop"), o.field("randomResizedCrop"));
    a.randomResizedCrop = true;
    a.cropScale = toRange(crop.range("scale", {0.08, 1.0}, 0));
    a.cropRatio = toRange(crop.range("ratio", {3.0 / 4.0, 4.0 / 3.0}, 1));
    if (!(a.cropScale.lo > 0 && a.cropScale.hi <= 1)) badArgument(crop.field("scale") + " must lie in (0, 1]");
    if (!(a.cropRatio.lo > 0)) badArgument(crop.field("ratio") + " must be positive");
  }
  return a;
}

std::vector<ParamGroupConfig> readGroups(const Options& o) {
  std::vector<ParamGroupConfig> groups;
  if (!o.has("groups")) return groups;
  Napi::Value v = o.get("groups");
  if (!v.IsArray()) badArgument(o.field("groups") + " must be an array of { layers, learningRate }");
  Napi::Array arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Options g(arr.Get(i), o.field("groups") + "[" + std::to_string(i) + "]");
    ParamGroupConfig group;
    if (!g.has("layers") || !g.get("layers").IsArray()) badArgument(g.field("layers") + " must be an array of layer names");
    Napi::Array layers = g.get("layers").As<Napi::Array>();
    for (uint32_t j = 0; j < layers.Length(); ++j) group.layers.push_back(stringArg(layers.Get(j), g.field("layers")));
    if (!g.has("learningRate")) badArgument(g.field("learningRate") + " is required");
    group.learningRate = g.number("learningRate", 0);
    groups.push_back(std::move(group));
  }
  return groups;
}

uint64_t readSeed(const Options& o, const char* key, uint64_t fallback) {
  return static_cast<uint64_t>(o.integer(key, static_cast<int64_t>(fallback), 0));
}

void readIndices(const Options& o, bool& has, std::vector<int32_t>& out) {
  if (!o.has("indices")) return;
  BufferView v = typedArrayArg(o.get("indices"), napi_int32_array, "Int32Array", o.field("indices"));
  has = true;
  const auto* p = reinterpret_cast<const int32_t*>(v.data);
  out.assign(p, p + v.length);
}

// ---------------------------------------------------------------------------
// Dataset

class DatasetWrap : public Napi::ObjectWrap<DatasetWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Dataset",
                       {
                           InstanceAccessor<&DatasetWrap::getN>("n"),
                           InstanceAccessor<&DatasetWrap::getH>("h"),
                           InstanceAccessor<&DatasetWrap::getW>("w"),
                           InstanceAccessor<&DatasetWrap::getC>("c"),
                           InstanceAccessor<&DatasetWrap::getNumClasses>("numClasses"),
                           InstanceAccessor<&DatasetWrap::getDevice>("device"),
                           InstanceMethod<&DatasetWrap::dispose>("dispose"),
                       });
  }

  explicit DatasetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatasetWrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw toJsError(info.Env(), {BAD_ARGUMENT, "use createDataset() to make a Dataset", {}});
    }
    data_ = *info[0].As<Napi::External<std::shared_ptr<Dataset>>>().Data();
  }

  /** The dataset behind a JS value, which must be a live Dataset. */
  static std::shared_ptr<Dataset> from(Napi::Env env, const Napi::Value& value) {
    auto* addon = env.GetInstanceData<AddonData>();
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(addon->datasetClass.Value())) {
      badArgument("expected a Dataset made by createDataset()");
    }
    auto* wrap = Unwrap(value.As<Napi::Object>());
    if (!wrap->data_) badArgument("the dataset was disposed");
    return wrap->data_;
  }

 private:
  std::shared_ptr<Dataset> data_;

  const Dataset& live() const {
    if (!data_) badArgument("the dataset was disposed");
    return *data_;
  }
  Napi::Value getN(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Number::New(info.Env(), static_cast<double>(live().dims.n)); });
  }
  Napi::Value getH(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Number::New(info.Env(), static_cast<double>(live().dims.h)); });
  }
  Napi::Value getW(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Number::New(info.Env(), static_cast<double>(live().dims.w)); });
  }
  Napi::Value getC(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Number::New(info.Env(), static_cast<double>(live().dims.c)); });
  }
  Napi::Value getNumClasses(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Number::New(info.Env(), static_cast<double>(live().numClasses)); });
  }
  Napi::Value getDevice(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::String::New(info.Env(), deviceName(live().device)); });
  }
  Napi::Value dispose(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&]() -> Napi::Value {
      data_.reset();  // a running call keeps its own reference
      return info.Env().Undefined();
    });
  }
};

// ---------------------------------------------------------------------------
// Model

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Model",
                       {
                           InstanceAccessor<&ModelWrap::getDevice>("device"),
                           InstanceAccessor<&ModelWrap::getNumClasses>("numClasses"),
                           InstanceAccessor<&ModelWrap::getOutputSoftmax>("outputSoftmax"),
                           InstanceAccessor<&ModelWrap::getLearningRate>("learningRate"),
                           InstanceAccessor<&ModelWrap::getPrecision>("precision"),
                           InstanceAccessor<&ModelWrap::getChannelsLast>("channelsLast"),
                           InstanceAccessor<&ModelWrap::getMultiTensorStep>("multiTensorStep"),
                           InstanceMethod<&ModelWrap::paramCounts>("paramCounts"),
                           InstanceMethod<&ModelWrap::tensors>("tensors"),
                           InstanceMethod<&ModelWrap::configureOptimizer>("configureOptimizer"),
                           InstanceMethod<&ModelWrap::setLearningRate>("setLearningRate"),
                           InstanceMethod<&ModelWrap::setPrecision>("setPrecision"),
                           InstanceMethod<&ModelWrap::trainEpoch>("trainEpoch"),
                           InstanceMethod<&ModelWrap::evaluate>("evaluate"),
                           InstanceMethod<&ModelWrap::predict>("predict"),
                           InstanceMethod<&ModelWrap::forward>("forward"),
                           InstanceMethod<&ModelWrap::saveWeights>("saveWeights"),
                           InstanceMethod<&ModelWrap::loadWeights>("loadWeights"),
                           InstanceMethod<&ModelWrap::saveOptimizer>("saveOptimizer"),
                           InstanceMethod<&ModelWrap::loadOptimizer>("loadOptimizer"),
                           InstanceMethod<&ModelWrap::cancel>("cancel"),
                           InstanceMethod<&ModelWrap::dispose>("dispose"),
                       });
  }

  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw toJsError(info.Env(), {BAD_ARGUMENT, "use createModel() to make a Model", {}});
    }
    model_ = *info[0].As<Napi::External<std::shared_ptr<Model>>>().Data();
  }

 private:
  std::shared_ptr<Model> model_;

  std::shared_ptr<Model> live() const {
    if (!model_) badArgument("the model was disposed");
    return model_;
  }

  // Synchronous changes must not race a running call.
  Model& idle() const {
    Model& m = *live();
    if (m.busy.load()) badArgument("model is busy with another call");
    return m;
  }

  Napi::Value getDevice(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::String::New(info.Env(), deviceName(live()->graph.device)); });
  }
  Napi::Value getNumClasses(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Number::New(info.Env(), static_cast<double>(live()->graph.numClasses())); });
  }
  Napi::Value getOutputSoftmax(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Boolean::New(info.Env(), live()->graph.outputSoftmax); });
  }

  Napi::Value getPrecision(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::String::New(info.Env(), live()->precision == Precision::Bf16 ? "bf16" : "fp32"); });
  }
  // After training in bf16, the final evaluation and the served model run in fp32: the weights are fp32 throughout.
  Napi::Value setPrecision(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] {
      if (info.Length() != 1 || !info[0].IsString()) badArgument("setPrecision takes 'fp32' or 'bf16'");
      std::string p = info[0].As<Napi::String>().Utf8Value();
      if (p != "fp32" && p != "bf16") badArgument("precision must be 'fp32' or 'bf16'");
      Model& m = idle();
      m.precision = p == "bf16" ? Precision::Bf16 : Precision::Fp32;
      return info.Env().Undefined();
    });
  }
  Napi::Value getChannelsLast(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Boolean::New(info.Env(), live()->graph.memoryFormat == at::MemoryFormat::ChannelsLast); });
  }

  Napi::Value getMultiTensorStep(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&] { return Napi::Boolean::New(info.Env(), live()->multiTensorStep); });
  }

  Napi::Value getLearningRate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      double lr = live()->learningRate.load();
      return lr > 0 ? Napi::Number::New(env, lr) : env.Null();
    });
  }

  Napi::Value paramCounts(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      ParamCounts c = countParams(live()->graph);
      Napi::Object o = Napi::Object::New(env);
      o.Set("total", static_cast<double>(c.total));
      o.Set("trainable", static_cast<double>(c.trainable));
      o.Set("frozen", static_cast<double>(c.frozen));
      o.Set("buffers", static_cast<double>(c.buffers));
      return o;
    });
  }

  Napi::Value tensors(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      auto model = live();
      Napi::Array out = Napi::Array::New(env);
      uint32_t i = 0;
      for (const Layer& l : model->graph.layers) {
        for (const auto& t : l.tensors) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", t.name);
          Napi::Array shape = Napi::Array::New(env, static_cast<size_t>(t.value.dim()));
          for (int64_t d = 0; d < t.value.dim(); ++d) shape.Set(static_cast<uint32_t>(d), static_cast<double>(t.value.size(d)));
          o.Set("shape", shape);
          o.Set("kind", t.buffer ? "buffer" : "parameter");
          o.Set("trainable", !t.buffer && l.trainable);
          out.Set(i++, o);
        }
      }
      return out;
    });
  }

  Napi::Value configureOptimizer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      Options o(info[0], "optimizer");
      OptimizerConfig c;
      c.type = o.text("type", c.type);
      c.learningRate = o.number("learningRate", c.learningRate);
      c.momentum = o.number("momentum", c.momentum);
      c.nesterov = o.flag("nesterov", c.nesterov);
      c.weightDecay = o.number("weightDecay", c.type == "adamw" ? 0.01 : 0.0);
      c.beta1 = o.number("beta1", c.beta1);
      c.beta2 = o.number("beta2", c.beta2);
      c.eps = o.number("eps", c.eps);
      c.rho = o.number("rho", c.rho);
      c.groups = readGroups(o);
      if (o.has("foreach")) c.foreach = o.flag("foreach", true) ? 1 : 0;
      cnn::configureOptimizer(idle(), c);
      return env.Undefined();
    });
  }

  Napi::Value setLearningRate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      if (!info[0].IsNumber()) badArgument("learningRate must be a number");
      cnn::setLearningRate(idle(), info[0].As<Napi::Number>().DoubleValue());
      return env.Undefined();
    });
  }

  Napi::Value trainEpoch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      auto data = DatasetWrap::from(env, info[0]);
      Options o(info[1], "train");
      TrainOptions t;
      t.batchSize = o.integer("batchSize", t.batchSize, 1);
      t.shuffle = o.flag("shuffle", t.shuffle);
      t.hasSeed = o.has("seed");
      t.seed = readSeed(o, "seed", 0);
      t.mean = o.numbers("mean");
      t.std = o.numbers("std");
      if (o.has("augment")) {
        t.augment = true;
        t.augmentation = readAugment(o.get("augment"), o.field("augment"));
      }
      t.labelSmoothing = o.number("labelSmoothing", 0);
      t.classWeights = o.numbers("classWeights");
      t.gradClipNorm = o.number("gradClipNorm", 0);
      t.maxSteps = o.integer("maxSteps", 0, 0);
      readIndices(o, t.hasIndices, t.indices);
      t.progressIntervalMs = o.number("progressIntervalMs", t.progressIntervalMs);
      if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull() && !info[2].IsFunction()) {
        badArgument("onProgress must be a function");
      }

      return start(new TrainWorker(env, model, data, std::move(t), info.Length() > 2 ? info[2] : env.Undefined()), model);
    });
  }

  Napi::Value evaluate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      auto data = DatasetWrap::from(env, info[0]);
      Options o(info[1], "evaluate");
      EvalOptions e;
      e.batchSize = o.integer("batchSize", e.batchSize, 1);
      e.mean = o.numbers("mean");
      e.std = o.numbers("std");
      readIndices(o, e.hasIndices, e.indices);
      return start(new EvaluateWorker(env, model, data, std::move(e)), model);
    });
  }

  Napi::Value predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      BufferView images = typedArrayArg(info[0], napi_uint8_array, "Uint8Array", "images");
      Options o(info[1], "predict");
      ImageDims dims = readDims(o);
      checkImageBuffer(images.bytes, dims);
      int64_t batchSize = o.integer("batchSize", 256, 1);
      return start(new PredictWorker(env, model, std::move(images), dims, o.numbers("mean"), o.numbers("std"), batchSize),
                              model);
    });
  }

  Napi::Value forward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      BufferView input = typedArrayArg(info[0], napi_float32_array, "Float32Array", "input");
      Options o(info[1], "forward");
      int64_t n = o.requiredInteger("n", 1);
      return start(new ForwardWorker(env, model, std::move(input), n), model);
    });
  }

  Napi::Value saveWeights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      std::string path = stringArg(info[0], "path");
      Metadata metadata;
      if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
        if (!info[1].IsObject()) badArgument("metadata must be an object of strings");
        Napi::Object meta = info[1].As<Napi::Object>();
        Napi::Array keys = meta.GetPropertyNames();
        for (uint32_t i = 0; i < keys.Length(); ++i) {
          std::string key = keys.Get(i).ToString().Utf8Value();
          metadata.emplace_back(key, stringArg(meta.Get(key), "metadata." + key));
        }
      }
      return start(new TaskWorker(env, [model, path, metadata] { cnn::saveWeights(model->graph, path, metadata); }), model);
    });
  }

  Napi::Value loadWeights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      std::string path = stringArg(info[0], "path");
      Options o(info.Length() > 1 ? info[1] : env.Undefined(), "loadWeights");
      return start(new LoadWeightsWorker(env, model, path, o.flag("strict", true)), model);
    });
  }

  Napi::Value saveOptimizer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      std::string path = stringArg(info[0], "path");
      return start(new TaskWorker(env, [model, path] { cnn::saveOptimizer(*model, path); }), model);
    });
  }

  Napi::Value loadOptimizer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guardAsync(env, [&]() -> Napi::Value {
      auto model = live();
      std::string path = stringArg(info[0], "path");
      return start(new TaskWorker(env, [model, path] { cnn::loadOptimizer(*model, path); }), model);
    });
  }

  Napi::Value cancel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      auto model = live();
      // Only a running call is cancelled; an idle model ignores the request.
      bool running = model->busy.load();
      if (running) model->cancelRequested.store(true);
      return Napi::Boolean::New(env, running);
    });
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      // A running call holds its own reference: it is cancelled, and the tensors go when it settles.
      if (model_ && model_->busy.load()) model_->cancelRequested.store(true);
      model_.reset();
      return env.Undefined();
    });
  }
};

// ---------------------------------------------------------------------------
// Functions

Napi::Value info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("torchVersion", TORCH_VERSION);
    bool cuda = torch::cuda::is_available();
    o.Set("cudaAvailable", cuda);
    o.Set("cudaDeviceCount", static_cast<double>(cuda ? torch::cuda::device_count() : 0));
    int threads = g_numThreads.load();
    o.Set("numThreads", static_cast<double>(threads > 0 ? threads : at::get_num_threads()));
    o.Set("builtWithCuda", CNN_WITH_CUDA != 0);
    return o;
  });
}

Napi::Value runtimeInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    RuntimeInfo r = cnn::runtimeInfo();
    Napi::Object o = Napi::Object::New(env);
    o.Set("blas", r.blas);
    o.Set("blasConfig", r.blasConfig);
    o.Set("onednnIsa", r.onednnIsa);
    o.Set("onednnVersion", r.onednnVersion);
    o.Set("cpuIsa", r.cpuIsa);
    int threads = g_numThreads.load();
    o.Set("threads", static_cast<double>(threads > 0 ? threads : r.threads));
    o.Set("blasThreads", r.blasThreads);
    o.Set("cpuBf16", r.cpuBf16);
    o.Set("torchVersion", r.torchVersion);
    return o;
  });
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    // More threads than this is a typo, not a machine.
    constexpr double MAX_THREADS = 4096;
    if (!info[0].IsNumber()) badArgument("numThreads must be a number");
    double n = info[0].As<Napi::Number>().DoubleValue();
    if (std::floor(n) != n || n < 1 || n > MAX_THREADS) badArgument("numThreads must be an integer in [1, 4096]");
    // Applied by the thread that runs the next call: setting it here would give this thread an
    // OpenMP team of its own (see compute.h).
    g_numThreads.store(static_cast<int>(n));
    return env.Undefined();
  });
}

Napi::Value createModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guardAsync(env, [&]() -> Napi::Value {
    std::string graph = stringArg(info[0], "graphJson");
    Options o(info[1], "model");
    ModelSettings settings;
    settings.device = o.text("device", settings.device);
    settings.seed = readSeed(o, "seed", 0);
    settings.precision = o.text("precision", settings.precision);
    settings.cpuBf16 = cpuHasFastBf16();
    if (o.has("channelsLast")) settings.channelsLast = o.flag("channelsLast", false) ? 1 : 0;
    settings.deterministic = o.flag("deterministic", false);
    return startFree(new CreateModelWorker(env, std::move(graph), std::move(settings)));
  });
}

Napi::Value createDataset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guardAsync(env, [&]() -> Napi::Value {
    BufferView images = typedArrayArg(info[0], napi_uint8_array, "Uint8Array", "images");
    BufferView labels = typedArrayArg(info[1], napi_int32_array, "Int32Array", "labels");
    Options o(info[2], "dataset");
    ImageDims dims = readDims(o);
    int64_t numClasses = o.requiredInteger("numClasses", 1);
    std::string device = o.text("device", "cpu");
    return startFree(new CreateDatasetWorker(env, std::move(images), std::move(labels), dims, numClasses, std::move(device)));
  });
}

Napi::Value augmentBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guardAsync(env, [&]() -> Napi::Value {
    BufferView images = typedArrayArg(info[0], napi_uint8_array, "Uint8Array", "images");
    ImageDims dims = readDims(Options(info[1], "dims"));
    checkImageBuffer(images.bytes, dims);
    AugmentOptions augment = readAugment(info[2], "augment");
    if (!info[3].IsNumber()) badArgument("seed must be a number");
    double seed = info[3].As<Napi::Number>().DoubleValue();
    if (seed < 0 || std::floor(seed) != seed) badArgument("seed must be a non-negative integer");
    return startFree(new AugmentWorker(env, std::move(images), dims, augment, static_cast<uint64_t>(seed)));
  });
}

}  // namespace

Napi::Value wrapModel(Napi::Env env, std::shared_ptr<Model> model) {
  return env.GetInstanceData<AddonData>()->modelClass.New({Napi::External<std::shared_ptr<Model>>::New(env, &model)});
}

Napi::Value wrapDataset(Napi::Env env, std::shared_ptr<Dataset> data) {
  return env.GetInstanceData<AddonData>()->datasetClass.New({Napi::External<std::shared_ptr<Dataset>>::New(env, &data)});
}

namespace {

/**
 * libtorch frees and reallocates the same large activation buffers every
 * training step. With glibc's defaults those go back to the kernel each time
 * (mmap'd chunks, trimmed thread arenas), so every step pays page faults:
 * the MNIST CNN trained about 2x slower on CPU. Keep freed memory in the heap
 * instead. CNN_MALLOC_TUNING=0 leaves glibc's defaults alone.
 */
void tuneMalloc() {
#if defined(__GLIBC__)
  const char* setting = std::getenv("CNN_MALLOC_TUNING");
  if (setting != nullptr && std::string(setting) == "0") return;
  constexpr int MMAP_THRESHOLD_BYTES = 32 << 20;  // the largest glibc accepts
  constexpr int TRIM_THRESHOLD_BYTES = 512 << 20;
  mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
  mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
#endif
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  singleThreadedBlas();
  auto* addon = new AddonData();
  Napi::Function model = ModelWrap::define(env);
  Napi::Function dataset = DatasetWrap::define(env);
  addon->modelClass = Napi::Persistent(model);
  addon->datasetClass = Napi::Persistent(dataset);
  env.SetInstanceData<AddonData>(addon);

  exports.Set("Model", model);
  exports.Set("Dataset", dataset);
  exports.Set("info", Napi::Function::New<cnn::info>(env, "info"));
  exports.Set("runtimeInfo", Napi::Function::New<runtimeInfo>(env, "runtimeInfo"));
  exports.Set("setNumThreads", Napi::Function::New<setNumThreads>(env, "setNumThreads"));
  exports.Set("createModel", Napi::Function::New<createModel>(env, "createModel"));
  exports.Set("createDataset", Napi::Function::New<createDataset>(env, "createDataset"));
  exports.Set("augmentBatch", Napi::Function::New<augmentBatch>(env, "augmentBatch"));
  return exports;
}

}  // namespace
}  // namespace cnn

Napi::Object InitCnnNative(Napi::Env env, Napi::Object exports) { return cnn::init(env, exports); }

NODE_API_MODULE(cnn_native, InitCnnNative)
