#include "compute.h"

#include <ATen/Context.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace cnn {
namespace {

struct Task {
  const std::function<void()>* fn;
  bool yieldable;
  bool done = false;
  std::exception_ptr error;
};

class ComputeThread {
 public:
  ComputeThread() {
    std::thread t([this] { loop(); });
    id_ = t.get_id();
    t.detach();
  }

  void run(const std::function<void()>& fn, bool yieldable) {
    Task task{&fn, yieldable, false, nullptr};
    {
      std::unique_lock<std::mutex> lock(mutex_);
      queue_.push_back(&task);
      wake_.notify_all();
      finished_.wait(lock, [&] { return task.done; });
    }
    if (task.error) std::rethrow_exception(task.error);
  }

  bool onThread() const { return std::this_thread::get_id() == id_; }

  void yieldWaiting() {
    // Only the outermost call yields: a task run in between never runs others in turn.
    if (depth_ != 1) return;
    for (;;) {
      Task* next = nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
          if ((*it)->yieldable) {
            next = *it;
            queue_.erase(it);
            break;
          }
        }
      }
      if (!next) return;
      execute(next);
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::deque<Task*> queue_;
  std::thread::id id_;  // set before any task can be queued
  int depth_ = 0;       // touched only on the compute thread

  void loop() {
    for (;;) {
      Task* next;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        next = queue_.front();
        queue_.pop_front();
      }
      execute(next);
    }
  }

  void execute(Task* task) {
    ++depth_;
    try {
      (*task->fn)();
    } catch (...) {
      task->error = std::current_exception();
    }
    --depth_;
    std::lock_guard<std::mutex> lock(mutex_);
    task->done = true;
    finished_.notify_all();
  }
};

// Never destroyed: the thread is detached and may be inside a call when the process exits.
ComputeThread& computeThread() {
  static ComputeThread* instance = new ComputeThread();
  return *instance;
}

}  // namespace

bool computeThreadEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("CNN_COMPUTE_THREAD");
    if (v && std::strcmp(v, "0") == 0) return false;
    return !at::hasCUDA();
  }();
  return enabled;
}

void onComputeThread(const std::function<void()>& task, bool yieldable) {
  if (!computeThreadEnabled()) return task();
  ComputeThread& ct = computeThread();
  if (ct.onThread()) return task();
  ct.run(task, yieldable);
}

void computeYield() {
  if (!computeThreadEnabled()) return;
  ComputeThread& ct = computeThread();
  if (ct.onThread()) ct.yieldWaiting();
}

}  // namespace cnn
