#include "errors.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <new>

namespace cnn {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool contains(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

// libtorch reports every failure as c10::Error; the message is all there is to tell them apart.
const char* classifyTorchMessage(const std::string& message) {
  std::string m = lower(message);
  if (contains(m, "out of memory") || contains(m, "can't allocate memory") || contains(m, "cannot allocate memory")) {
    return OUT_OF_MEMORY;
  }
  static const char* SHAPE_WORDS[] = {"shape", "size", "dimension", "channels", "mismatch", "must match"};
  for (const char* w : SHAPE_WORDS) {
    if (contains(m, w)) return SHAPE_ERROR;
  }
  return INTERNAL;
}

ErrorInfo describeCurrentException() noexcept {
  try {
    try {
      throw;
    } catch (const EngineError& e) {
      return {e.code(), e.what(), e.lists()};
    } catch (const c10::Error& e) {
      // what() carries a C++ backtrace in some builds; a client only needs the message.
      std::string message = e.what_without_backtrace();
      return {classifyTorchMessage(message), message, {}};
    } catch (const std::bad_alloc&) {
      return {OUT_OF_MEMORY, "out of memory", {}};
    } catch (const std::invalid_argument& e) {
      return {BAD_ARGUMENT, e.what(), {}};
    } catch (const std::exception& e) {
      std::string message = e.what();
      const char* code = classifyTorchMessage(message);
      return {code == SHAPE_ERROR ? INTERNAL : code, message, {}};
    } catch (...) {
      return {INTERNAL, "unknown native error", {}};
    }
  } catch (...) {
    // Building the ErrorInfo itself failed (no memory for the strings).
    return {OUT_OF_MEMORY, "out of memory", {}};
  }
}

Napi::Error toJsError(Napi::Env env, const ErrorInfo& info) {
  Napi::Error error = Napi::Error::New(env, info.message);
  error.Set("code", Napi::String::New(env, info.code));
  for (const auto& list : info.lists) {
    Napi::Array arr = Napi::Array::New(env, list.second.size());
    for (size_t i = 0; i < list.second.size(); ++i) arr.Set(static_cast<uint32_t>(i), Napi::String::New(env, list.second[i]));
    error.Set(list.first, arr);
  }
  return error;
}

}  // namespace cnn
