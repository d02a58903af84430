#include "optim.h"

#include <c10/core/GradMode.h>
#include <c10/util/string_utils.h>

#include <cmath>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace cnn {

namespace {

namespace optim = torch::optim;

// libtorch keys per-parameter state by the TensorImpl address: as a string up to some 2.x
// releases, as the pointer itself after.
using StateMap = std::remove_reference_t<decltype(std::declval<optim::Optimizer&>().state())>;
using StateKey = typename StateMap::key_type;

template <typename Key = StateKey>
Key keyOf(const at::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  } else {
    return p.unsafeGetTensorImpl();
  }
}

/** Parameters of one group that have a gradient, with their gradients. */
struct Live {
  std::vector<at::Tensor> params, grads;
};

Live liveParams(const optim::OptimizerParamGroup& group) {
  Live live;
  for (const auto& p : group.params()) {
    if (!p.grad().defined()) continue;
    live.params.push_back(p);
    live.grads.push_back(p.grad());
  }
  return live;
}

template <typename State, typename Options>
void adamGroup(StateMap& states, optim::OptimizerParamGroup& group, bool decoupled) {
  auto& o = static_cast<Options&>(group.options());
  Live live = liveParams(group);
  if (live.params.empty()) return;
  // Parameters advance their own step counts; bucket by count so each bucket shares its bias corrections.
  std::map<int64_t, Live> byStep;
  std::map<int64_t, std::pair<std::vector<at::Tensor>, std::vector<at::Tensor>>> moments;
  for (size_t i = 0; i < live.params.size(); ++i) {
    const at::Tensor& p = live.params[i];
    auto it = states.find(keyOf(p));
    if (it == states.end()) {
      auto s = std::make_unique<State>();
      s->step(0);
      s->exp_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
      s->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
      it = states.emplace(keyOf(p), std::move(s)).first;
    }
    auto& s = static_cast<State&>(*it->second);
    s.step(s.step() + 1);
    Live& bucket = byStep[s.step()];
    bucket.params.push_back(p);
    bucket.grads.push_back(live.grads[i]);
    moments[s.step()].first.push_back(s.exp_avg());
    moments[s.step()].second.push_back(s.exp_avg_sq());
  }
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  for (auto& [step, bucket] : byStep) {
    auto& [expAvg, expAvgSq] = moments[step];
    const double bias1 = 1 - std::pow(beta1, step);
    const double bias2 = 1 - std::pow(beta2, step);
    std::vector<at::Tensor> grads = bucket.grads;
    if (o.weight_decay() != 0) {
      if (decoupled) {
        at::_foreach_mul_(bucket.params, 1 - o.lr() * o.weight_decay());
      } else {
        grads = at::_foreach_add(grads, bucket.params, o.weight_decay());
      }
    }
    at::_foreach_mul_(expAvg, beta1);
    at::_foreach_add_(expAvg, grads, 1 - beta1);
    at::_foreach_mul_(expAvgSq, beta2);
    at::_foreach_addcmul_(expAvgSq, grads, grads, 1 - beta2);
    std::vector<at::Tensor> denom = at::_foreach_sqrt(expAvgSq);
    at::_foreach_div_(denom, std::sqrt(bias2));
    at::_foreach_add_(denom, o.eps());
    at::_foreach_addcdiv_(bucket.params, expAvg, denom, -(o.lr() / bias1));
  }
}

void sgdGroup(StateMap& states, optim::OptimizerParamGroup& group) {
  auto& o = static_cast<optim::SGDOptions&>(group.options());
  Live live = liveParams(group);
  if (live.params.empty()) return;
  std::vector<at::Tensor> d = live.grads;
  if (o.weight_decay() != 0) d = at::_foreach_add(d, live.params, o.weight_decay());
  if (o.momentum() != 0) {
    std::vector<at::Tensor> buffers, updates;
    std::vector<size_t> fresh;
    buffers.reserve(d.size());
    for (size_t i = 0; i < live.params.size(); ++i) {
      auto it = states.find(keyOf(live.params[i]));
      if (it == states.end()) {
        // As libtorch: the first buffer is a copy of the gradient.
        auto s = std::make_unique<optim::SGDParamState>();
        s->momentum_buffer(d[i].clone().detach());
        buffers.push_back(s->momentum_buffer());
        states.emplace(keyOf(live.params[i]), std::move(s));
        fresh.push_back(i);
      } else {
        buffers.push_back(static_cast<optim::SGDParamState&>(*it->second).momentum_buffer());
        updates.push_back(buffers.back());
      }
    }
    if (!updates.empty()) {
      std::vector<at::Tensor> dOld;
      size_t f = 0;
      for (size_t i = 0; i < d.size(); ++i) {
        if (f < fresh.size() && fresh[f] == i) {
          ++f;
          continue;
        }
        dOld.push_back(d[i]);
      }
      at::_foreach_mul_(updates, o.momentum());
      at::_foreach_add_(updates, dOld, 1 - o.dampening());
    }
    d = o.nesterov() ? at::_foreach_add(d, buffers, o.momentum()) : buffers;
  }
  at::_foreach_add_(live.params, d, -1 * o.lr());
}

}  // namespace

bool hasForeachStep(const optim::Optimizer& optimizer, const std::string& type) {
  if (type == "sgd") return true;
  if (type != "adam" && type != "adamw") return false;
  for (const auto& g : optimizer.param_groups()) {
    bool amsgrad = type == "adam" ? static_cast<const optim::AdamOptions&>(g.options()).amsgrad()
                                  : static_cast<const optim::AdamWOptions&>(g.options()).amsgrad();
    if (amsgrad) return false;
  }
  return true;
}

void foreachStep(optim::Optimizer& optimizer, const std::string& type) {
  c10::NoGradGuard noGrad;
  StateMap& states = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    if (type == "sgd") sgdGroup(states, group);
    else if (type == "adam") adamGroup<optim::AdamParamState, optim::AdamOptions>(states, group, false);
    else adamGroup<optim::AdamWParamState, optim::AdamWOptions>(states, group, true);
  }
}

}  // namespace cnn
