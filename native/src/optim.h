// One optimizer step over all parameters at once with multi-tensor
// (_foreach_*) ops, for SGD, Adam and AdamW. It reads and writes libtorch's
// own optimizer state, so checkpoints and a later per-tensor step see the
// same moments and step counts, and it does the same arithmetic in the same
// order as libtorch's per-tensor step (test/engine/optimizer-foreach.test.ts
// checks bit equality).
#pragma once

#include <torch/optim.h>

#include <string>

namespace cnn {

/** Whether `type` with these options has a multi-tensor step (amsgrad and rmsprop do not). */
bool hasForeachStep(const torch::optim::Optimizer& optimizer, const std::string& type);

/** One step; call only where hasForeachStep is true. */
void foreachStep(torch::optim::Optimizer& optimizer, const std::string& type);

}  // namespace cnn
