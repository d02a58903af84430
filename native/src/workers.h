// The asynchronous calls of the addon: one Napi::AsyncWorker per operation.
//
// Execute() runs on the libuv thread pool, which hands the libtorch work to the
// compute thread (compute.h) and waits for it; it touches no JavaScript; it
// records any failure (describeCurrentException) and OnError rejects the
// promise with a coded JS Error. A worker on a model holds the model's busy
// mark until its promise settles. Included by bindings.cc only.
#pragma once

#include <napi.h>

#include <ATen/Parallel.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "compute.h"
#include "data.h"
#include "errors.h"
#include "graph.h"
#include "io.h"
#include "train.h"

namespace cnn {

// Threads for intra-op parallelism; 0 keeps libtorch's default. Applied on the thread that runs the
// call (the compute thread, or a pool thread where that is off), because the OpenMP setting is per thread.
inline std::atomic<int> g_numThreads{0};

inline void applyThreads() {
  int n = g_numThreads.load();
  if (n > 0 && at::get_num_threads() != n) at::set_num_threads(n);
}

/** Runs one call's libtorch work where it belongs (compute.h), with the thread count applied there. */
inline void engineCall(const std::function<void()>& body, bool yieldable) {
  onComputeThread(
      [&] {
        applyThreads();
        body();
      },
      yieldable);
}

/** Wrap results in the addon's JS classes (defined in bindings.cc). */
Napi::Value wrapModel(Napi::Env env, std::shared_ptr<Model> model);
Napi::Value wrapDataset(Napi::Env env, std::shared_ptr<Dataset> data);

inline Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array arr = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) arr.Set(static_cast<uint32_t>(i), Napi::String::New(env, items[i]));
  return arr;
}

inline Napi::Float32Array floatArray(Napi::Env env, const at::Tensor& t) {
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(t.numel()));
  if (t.numel() > 0) std::memcpy(out.Data(), t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float));
  return out;
}

/** Resolves or rejects a promise on the JS thread and frees the model for the next call. */
class Settlement {
 public:
  explicit Settlement(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)) {}
  ~Settlement() { release(); }

  /** Takes over the busy mark of a model; it is cleared when the promise settles. */
  void claim(std::shared_ptr<Model> model) { model_ = std::move(model); }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void recordCurrentException() { error_ = describeCurrentException(); }
  const std::string& errorMessage() const { return error_.message; }

  template <typename F>
  void resolve(Napi::Env env, F&& makeResult) {
    release();
    try {
      deferred_.Resolve(makeResult(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(toJsError(env, describeCurrentException()).Value());
    }
  }

  void reject(Napi::Env env) {
    release();
    deferred_.Reject(toJsError(env, error_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Model> model_;  // marked busy while the call runs
  ErrorInfo error_;

  void release() {
    if (model_) {
      model_->busy.store(false);
      model_.reset();
    }
  }
};

/** Base of all plain workers: Run() on the pool, Result() on the JS thread. */
class Worker : public Napi::AsyncWorker {
 public:
  explicit Worker(Napi::Env env) : Napi::AsyncWorker(env, "cnn_native"), settle_(env) {}

  Napi::Promise promise() const { return settle_.promise(); }
  void claim(std::shared_ptr<Model> model) { settle_.claim(std::move(model)); }

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

 private:
  Settlement settle_;

  void Execute() override {
    try {
      engineCall([this] { Run(); }, true);
    } catch (...) {
      settle_.recordCurrentException();
      SetError(settle_.errorMessage());
    }
  }
  void OnOK() override {
    settle_.resolve(Env(), [this](Napi::Env env) { return Result(env); });
  }
  void OnError(const Napi::Error&) override { settle_.reject(Env()); }
};

/**
 * Marks the model busy and queues the worker, or deletes it and fails when
 * another call runs. A cancel() aimed at an earlier call is forgotten here.
 */
template <typename W>
Napi::Value start(W* worker, const std::shared_ptr<Model>& model) {
  Napi::Promise promise = worker->promise();
  if (model->busy.exchange(true)) {
    delete worker;
    badArgument("model is busy with another call");
  }
  worker->claim(model);
  model->cancelRequested.store(false);
  worker->Queue();
  return promise;
}

inline Napi::Value startFree(Worker* worker) {
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

// ---------------------------------------------------------------------------
// Factories

class CreateDatasetWorker : public Worker {
 public:
  CreateDatasetWorker(Napi::Env env, BufferView images, BufferView labels, ImageDims dims, int64_t numClasses, std::string device)
      : Worker(env),
        images_(std::move(images)),
        labels_(std::move(labels)),
        dims_(dims),
        numClasses_(numClasses),
        device_(std::move(device)) {}

 private:
  BufferView images_, labels_;
  ImageDims dims_;
  int64_t numClasses_;
  std::string device_;
  std::shared_ptr<Dataset> result_;

  void Run() override {
    result_ = makeDataset(images_.data, images_.bytes, reinterpret_cast<const int32_t*>(labels_.data), labels_.length, dims_,
                          numClasses_, resolveDevice(device_));
  }
  Napi::Value Result(Napi::Env env) override {
    return wrapDataset(env, result_);
  }
};

// ---------------------------------------------------------------------------
// Model calls

/** How a model is built, as asked by JS; resolved against the device when the worker runs. */
struct ModelSettings {
  std::string device = "cpu";
  uint64_t seed = 0;
  std::string precision = "auto";  // auto | fp32 | bf16
  int channelsLast = -1;           // -1: the engine's choice (preferChannelsLast)
  bool cpuBf16 = false;            // the CPU runs bf16 fast (read on the JS thread: CNN_CPU_BF16 may override)
  bool deterministic = false;
};

class CreateModelWorker : public Worker {
 public:
  CreateModelWorker(Napi::Env env, std::string graphJson, ModelSettings settings)
      : Worker(env), graphJson_(std::move(graphJson)), settings_(std::move(settings)) {}

 private:
  std::string graphJson_;
  ModelSettings settings_;
  std::shared_ptr<Model> result_;

  void Run() override {
    auto model = std::make_shared<Model>();
    model->graph = parseGraph(graphJson_);
    model->seed = settings_.seed;
    at::Device device = resolveDevice(settings_.device);
    model->precision = resolvePrecision(settings_.precision, device, settings_.cpuBf16);
    model->deterministic = settings_.deterministic;
    bool channelsLast = settings_.channelsLast < 0 ? preferChannelsLast(model->graph, device, model->precision) : settings_.channelsLast == 1;
    initGraph(model->graph, settings_.seed, device, channelsLast);
    if (settings_.precision == "auto" && !device.is_cuda() && model->precision == Precision::Bf16 && !bf16Trains(*model)) {
      model->precision = Precision::Fp32;
      bool fp32ChannelsLast = settings_.channelsLast < 0 ? preferChannelsLast(model->graph, device, model->precision) : channelsLast;
      if (fp32ChannelsLast != channelsLast) initGraph(model->graph, settings_.seed, device, fp32ChannelsLast);
    }
    checkShapes(model->graph);
    result_ = std::move(model);
  }
  Napi::Value Result(Napi::Env env) override { return wrapModel(env, result_); }
};

/** trainEpoch: a progress-reporting worker, settled like the others. */
class TrainWorker : public Napi::AsyncProgressQueueWorker<Progress> {
 public:
  TrainWorker(Napi::Env env, std::shared_ptr<Model> model, std::shared_ptr<Dataset> data, TrainOptions options, Napi::Value onProgress)
      : Napi::AsyncProgressQueueWorker<Progress>(env, "cnn_native_train"),
        settle_(env),
        model_(std::move(model)),
        data_(std::move(data)),
        options_(std::move(options)) {
    if (onProgress.IsFunction()) callback_ = Napi::Persistent(onProgress.As<Napi::Function>());
  }

  Napi::Promise promise() const { return settle_.promise(); }
  void claim(std::shared_ptr<Model> model) { settle_.claim(std::move(model)); }

 private:
  Settlement settle_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<Dataset> data_;
  TrainOptions options_;
  Napi::FunctionReference callback_;
  EpochResult result_;

  void Execute(const ExecutionProgress& progress) override {
    try {
      ProgressFn report;
      if (!callback_.IsEmpty()) report = [&progress](const Progress& p) { progress.Send(&p, 1); };
      engineCall([&] { result_ = trainEpoch(*model_, *data_, options_, report); }, false);
    } catch (...) {
      settle_.recordCurrentException();
      SetError(settle_.errorMessage());
    }
  }

  void OnProgress(const Progress* items, size_t count) override {
    Napi::Env env = Env();
    for (size_t i = 0; i < count; ++i) {
      const Progress& p = items[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("step", static_cast<double>(p.step));
      o.Set("steps", static_cast<double>(p.steps));
      o.Set("loss", p.loss);
      o.Set("accuracy", p.accuracy);
      o.Set("images", static_cast<double>(p.images));
      o.Set("imagesPerSec", p.imagesPerSec);
      try {
        callback_.Call({o});
      } catch (const Napi::Error&) {
        // A throwing listener must not abort training; the epoch result still arrives.
      }
    }
  }

  void OnOK() override {
    settle_.resolve(Env(), [this](Napi::Env env) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("loss", result_.loss);
      o.Set("accuracy", result_.accuracy);
      o.Set("images", static_cast<double>(result_.images));
      o.Set("steps", static_cast<double>(result_.steps));
      o.Set("seconds", result_.seconds);
      return o;
    });
  }
  void OnError(const Napi::Error&) override { settle_.reject(Env()); }
};

class EvaluateWorker : public Worker {
 public:
  EvaluateWorker(Napi::Env env, std::shared_ptr<Model> model, std::shared_ptr<Dataset> data, EvalOptions options)
      : Worker(env), model_(std::move(model)), data_(std::move(data)), options_(std::move(options)) {}

 private:
  std::shared_ptr<Model> model_;
  std::shared_ptr<Dataset> data_;
  EvalOptions options_;
  EvalResult result_;

  void Run() override { result_ = evaluate(*model_, *data_, options_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", result_.loss);
    o.Set("accuracy", result_.accuracy);
    o.Set("top5", result_.top5);
    o.Set("count", static_cast<double>(result_.count));
    o.Set("numClasses", static_cast<double>(result_.numClasses));
    Napi::Int32Array confusion = Napi::Int32Array::New(env, result_.confusion.size());
    if (!result_.confusion.empty()) std::memcpy(confusion.Data(), result_.confusion.data(), result_.confusion.size() * sizeof(int32_t));
    o.Set("confusion", confusion);
    return o;
  }
};

class PredictWorker : public Worker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<Model> model, BufferView images, ImageDims dims, std::vector<double> mean,
                std::vector<double> std, int64_t batchSize)
      : Worker(env),
        model_(std::move(model)),
        images_(std::move(images)),
        dims_(dims),
        mean_(std::move(mean)),
        std_(std::move(std)),
        batchSize_(batchSize) {}

 private:
  std::shared_ptr<Model> model_;
  BufferView images_;
  ImageDims dims_;
  std::vector<double> mean_, std_;
  int64_t batchSize_;
  at::Tensor result_;

  void Run() override {
    at::Tensor images = imagesFromBuffer(images_.data, images_.bytes, dims_, at::kCPU);
    result_ = predict(*model_, images, mean_, std_, batchSize_);
  }
  Napi::Value Result(Napi::Env env) override { return floatArray(env, result_); }
};

class ForwardWorker : public Worker {
 public:
  ForwardWorker(Napi::Env env, std::shared_ptr<Model> model, BufferView input, int64_t n)
      : Worker(env), model_(std::move(model)), input_(std::move(input)), n_(n) {}

 private:
  std::shared_ptr<Model> model_;
  BufferView input_;
  int64_t n_;
  at::Tensor result_;

  void Run() override {
    const auto& s = model_->graph.inputShape;
    int64_t expected = n_ * s[0] * s[1] * s[2];
    if (static_cast<int64_t>(input_.length) != expected) {
      badArgument("input has " + std::to_string(input_.length) + " values but n x C x H x W is " + std::to_string(expected));
    }
    at::Tensor x = at::from_blob(const_cast<uint8_t*>(input_.data), {n_, s[0], s[1], s[2]}, at::TensorOptions().dtype(at::kFloat));
    result_ = forwardBatch(*model_, x.clone());
  }
  Napi::Value Result(Napi::Env env) override { return floatArray(env, result_); }
};

/** Runs one function on the pool; for model calls that return nothing. */
class TaskWorker : public Worker {
 public:
  TaskWorker(Napi::Env env, std::function<void()> task) : Worker(env), task_(std::move(task)) {}

 private:
  std::function<void()> task_;
  void Run() override { task_(); }
};

class LoadWeightsWorker : public Worker {
 public:
  LoadWeightsWorker(Napi::Env env, std::shared_ptr<Model> model, std::string path, bool strict)
      : Worker(env), model_(std::move(model)), path_(std::move(path)), strict_(strict) {}

 private:
  std::shared_ptr<Model> model_;
  std::string path_;
  bool strict_;
  WeightsReport report_;

  void Run() override { report_ = loadWeights(model_->graph, path_, strict_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("missing", stringArray(env, report_.missing));
    o.Set("unexpected", stringArray(env, report_.unexpected));
    o.Set("mismatched", stringArray(env, report_.mismatched));
    Napi::Object meta = Napi::Object::New(env);
    for (const auto& m : report_.metadata) meta.Set(m.first, m.second);
    o.Set("metadata", meta);
    return o;
  }
};

class AugmentWorker : public Worker {
 public:
  AugmentWorker(Napi::Env env, BufferView images, ImageDims dims, AugmentOptions options, uint64_t seed)
      : Worker(env), images_(std::move(images)), dims_(dims), options_(options), seed_(seed) {}

 private:
  BufferView images_;
  ImageDims dims_;
  AugmentOptions options_;
  uint64_t seed_;
  at::Tensor result_;

  void Run() override {
    at::Tensor u8 = imagesFromBuffer(images_.data, images_.bytes, dims_, at::kCPU);
    std::mt19937_64 rng(seed_);
    at::Tensor x = toUnitFloat(u8, at::kCPU);
    result_ = augment(x, options_, rng).contiguous();
  }
  Napi::Value Result(Napi::Env env) override { return floatArray(env, result_); }
};

}  // namespace cnn
