// Errors of the engine and the one catch-and-convert path to JavaScript.
//
// C++ code throws EngineError (a code from src/errors.ts plus a message) for
// what it detects itself; libtorch throws c10::Error. Neither may cross the
// N-API boundary: every entry point runs inside guard() / guardAsync(), and
// every worker records describeCurrentException() in Execute() and rejects
// with toJsError() on the JS thread. The JS error carries a `code` property.
#pragma once

#include <napi.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cnn {

// Codes shared with src/errors.ts (ERROR_TABLE).
constexpr const char* BAD_ARGUMENT = "ENGINE_BAD_ARGUMENT";
constexpr const char* SHAPE_ERROR = "ENGINE_SHAPE_ERROR";
constexpr const char* OUT_OF_MEMORY = "ENGINE_OUT_OF_MEMORY";
constexpr const char* DEVICE_UNAVAILABLE = "ENGINE_DEVICE_UNAVAILABLE";
constexpr const char* WEIGHTS_MISMATCH = "ENGINE_WEIGHTS_MISMATCH";
constexpr const char* IO_ERROR = "ENGINE_IO_ERROR";
constexpr const char* CANCELLED = "ENGINE_CANCELLED";
constexpr const char* INTERNAL = "ENGINE_INTERNAL";

/** Named string lists attached to an error (e.g. the missing tensors of a weights file). */
using ErrorLists = std::vector<std::pair<std::string, std::vector<std::string>>>;

class EngineError : public std::runtime_error {
 public:
  EngineError(const char* code, const std::string& message, ErrorLists lists = {})
      : std::runtime_error(message), code_(code), lists_(std::move(lists)) {}
  const char* code() const { return code_; }
  const ErrorLists& lists() const { return lists_; }

 private:
  const char* code_;
  ErrorLists lists_;
};

[[noreturn]] inline void fail(const char* code, const std::string& message) { throw EngineError(code, message); }
[[noreturn]] inline void badArgument(const std::string& message) { throw EngineError(BAD_ARGUMENT, message); }

/** A recorded failure: plain data, safe to carry from a worker thread to the JS thread. */
struct ErrorInfo {
  std::string code;
  std::string message;
  ErrorLists lists;
};

/** The code for a libtorch error message: out of memory, shape, or internal. */
const char* classifyTorchMessage(const std::string& message);

/** Classifies the exception being handled. Call only inside a catch block. Never throws. */
ErrorInfo describeCurrentException() noexcept;

/** A JS Error with `message`, `code` and one array property per list. */
Napi::Error toJsError(Napi::Env env, const ErrorInfo& info);

/** Runs a synchronous entry point; any C++ or libtorch exception becomes a thrown JS Error with a code. */
template <typename F>
Napi::Value guard(Napi::Env env, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;  // already a JS exception
  } catch (...) {
    throw toJsError(env, describeCurrentException());
  }
}

/** Runs the synchronous part of an async entry point; a failure becomes a rejected promise, never a throw. */
template <typename F>
Napi::Value guardAsync(Napi::Env env, F&& body) {
  try {
    return body();
  } catch (...) {
    ErrorInfo info;
    try {
      throw;
    } catch (const Napi::Error& e) {
      info = {INTERNAL, e.Message(), {}};
      Napi::Value code = e.Value().Get("code");
      info.code = code.IsString() ? code.As<Napi::String>().Utf8Value() : BAD_ARGUMENT;
    } catch (...) {
      info = describeCurrentException();
    }
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(toJsError(env, info).Value());
    return deferred.Promise();
  }
}

}  // namespace cnn
