// One thread runs the addon's libtorch calls on a CPU-only libtorch.
//
// libgomp keeps a team of intra-op threads for each thread that starts a
// parallel region, and once it manages more threads than there are CPUs it
// stops spinning between regions: every operator then pays a futex wake-up
// per thread. Calls spread over libuv's four pool threads build four teams,
// so on a 2-core machine every kernel launch slept and woke (mobilenet_v2
// trained at 0.46x PyTorch with the same settings). Here every call runs on
// one compute thread, which owns the only team.
//
// The calling pool thread blocks until its task is done. Training and long
// evaluations call computeYield() between batches, which runs the tasks that
// are waiting (a prediction, a model load) in between, so a request is not
// held up for a whole epoch; a second training waits for the first's call.
#pragma once

#include <functional>

namespace cnn {

/** Runs `task` on the compute thread and waits for it; rethrows what it threw. Inline when already there or when disabled. */
void onComputeThread(const std::function<void()>& task, bool yieldable);

/** On the compute thread, between batches of a long call: runs the yieldable tasks that wait. */
void computeYield();

/** False where CNN_COMPUTE_THREAD=0 or libtorch has CUDA (each call then runs on its pool thread). */
bool computeThreadEnabled();

}  // namespace cnn
