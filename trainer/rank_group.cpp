// The c10d rendezvous (TCPStore), the process group (Gloo, or NCCL in CUDA builds) and the few
// collectives data-parallel training needs, each turning c10d's exceptions into RankFailure.
#include "rank_group.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#if defined(BSQ_WITH_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace bsq::train {
namespace {

// Evaluations and checkpoints of rank 0 take as long as they take; the others wait for them this
// long at most (a dead rank 0 still stops them at once: its store connection breaks).
constexpr std::chrono::hours kMainWait{24 * 7};

std::string first_line(const std::exception& e) {
  const std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

// Gloo's network device: the first interface in GLOO_SOCKET_IFNAME when set (as in PyTorch); the
// loopback device when the master is on this machine's loopback (a single-machine run); else the
// address this machine's host name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* names = std::getenv("GLOO_SOCKET_IFNAME"); names != nullptr && *names != '\0') {
    std::stringstream list(names);
    std::string first;
    std::getline(list, first, ',');
    return c10d::ProcessGroupGloo::createDeviceForInterface(first);
  }
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

struct RankGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  torch::Device device = torch::kCPU;
  bool nccl = false;  // collectives on the device's tensors; Gloo takes CPU tensors
};

RankGroup::RankGroup(const DistributedOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {}
RankGroup::~RankGroup() = default;

StatusOr<std::unique_ptr<RankGroup>> RankGroup::join(const DistributedOptions& options, const torch::Device& device) {
  if (options.world_size <= 1) return std::unique_ptr<RankGroup>();
  std::unique_ptr<RankGroup> group(new RankGroup(options));
  const std::chrono::milliseconds timeout = std::chrono::seconds(options.timeout_seconds);
  const std::string where = fmt::format("{}:{}", options.master_addr, options.master_port);
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.waitWorkers = false;  // the check-in below names the ranks that do not come
    store_options.timeout = timeout;
    group->impl_->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
  } catch (const std::exception& e) {
    return Status(StatusCode::kIoError, options.rank == 0
                                            ? fmt::format("cannot listen at {} ({})", where, first_line(e))
                                            : fmt::format("cannot reach rank 0 at {} within {} s ({})", where,
                                                          options.timeout_seconds, first_line(e)));
  }
  // Every rank checks in; each waits (at most the timeout) until all have, then forms the group.
  try {
    auto& store = *group->impl_->store;
    std::vector<std::string> keys;
    for (int r = 0; r < options.world_size; ++r) keys.push_back(fmt::format("bsq/joined/{}", r));
    store.set(keys[static_cast<size_t>(options.rank)], std::vector<uint8_t>{1});
    try {
      store.wait(keys, timeout);
    } catch (const std::exception&) {
      std::string missing;
      for (int r = 0; r < options.world_size; ++r)
        if (!store.check({keys[static_cast<size_t>(r)]}))
          missing += fmt::format("{}{}", missing.empty() ? "" : ", ", r);
      return Status(StatusCode::kIoError, fmt::format("not every rank joined at {} within {} s (missing: rank {})",
                                                      where, options.timeout_seconds, missing));
    }
  } catch (const std::exception& e) {
    return Status(StatusCode::kIoError,
                  fmt::format("lost rank 0 at {} while the ranks joined ({})", where, first_line(e)));
  }
  try {
    group->impl_->device = device;
#if defined(BSQ_WITH_NCCL)
    if (device.is_cuda()) {
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = timeout;
      group->impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->impl_->store, options.rank,
                                                                        options.world_size, nccl_options);
      group->impl_->nccl = true;
    }
#endif
    if (!group->impl_->nccl) {
      auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
      gloo_options->devices.push_back(gloo_device(options.master_addr));
      group->impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(group->impl_->store, options.rank,
                                                                        options.world_size, gloo_options);
    }
  } catch (const std::exception& e) {
    return Status(StatusCode::kIoError, fmt::format("cannot connect the ranks through {} within {} s ({})", where,
                                                    options.timeout_seconds, first_line(e)));
  }
  return group;
}

void RankGroup::all_reduce_sum(torch::Tensor& tensor, const char* what) {
  try {
    // Gloo reduces CPU tensors; NCCL the device's own.
    torch::Tensor t = impl_->nccl || tensor.is_cpu() ? tensor : tensor.to(torch::kCPU);
    std::vector<torch::Tensor> tensors = {t};
    impl_->group->allreduce(tensors)->wait();
    if (!t.is_same(tensor)) tensor.copy_(t);
  } catch (const std::exception& e) {
    throw RankFailure(
        fmt::format("lost contact with the other ranks during {} (a rank stopped or the network "
                    "failed): {}",
                    what, first_line(e)));
  }
}

torch::Tensor RankGroup::batch_mean(const torch::Tensor& local_mean, double share) {
  const torch::Tensor mine = local_mean * share;
  torch::Tensor total = mine.detach().clone();
  all_reduce_sum(total, "a batch statistic's all-reduce");
  // Value `total`; gradient that of `mine`.
  return mine + (total - mine.detach());
}

void RankGroup::sum_gradients(const std::vector<torch::Tensor>& parameters) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  std::vector<bool> had_grad;
  for (const auto& p : parameters) {
    // A parameter without gradient here has none on any rank (it is a matter of the network's
    // structure, not of the data); zeros keep the flat buffer the same on every rank.
    had_grad.push_back(p.grad().defined());
    grads.push_back(p.grad().defined() ? p.grad().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
  }
  torch::Tensor flat = torch::cat(grads);
  all_reduce_sum(flat, "the gradient all-reduce");
  int64_t offset = 0;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto& p = parameters[i];
    if (had_grad[i]) p.grad().copy_(flat.narrow(0, offset, p.numel()).view_as(p));
    offset += p.numel();
  }
}

std::vector<uint8_t> RankGroup::broadcast_bytes(std::vector<uint8_t> bytes) {
  try {
    auto size = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64);
    std::vector<torch::Tensor> sizes = {impl_->nccl ? size.to(impl_->device) : size};
    impl_->group->broadcast(sizes)->wait();
    bytes.resize(static_cast<size_t>(sizes[0].cpu().item<int64_t>()));
    auto data = torch::from_blob(bytes.data(), {static_cast<int64_t>(bytes.size())}, torch::kUInt8).clone();
    std::vector<torch::Tensor> payload = {impl_->nccl ? data.to(impl_->device) : data};
    impl_->group->broadcast(payload)->wait();
    const auto received = payload[0].cpu().contiguous();
    std::memcpy(bytes.data(), received.data_ptr<uint8_t>(), bytes.size());
  } catch (const std::exception& e) {
    throw RankFailure(fmt::format("lost contact with the other ranks while rank 0 sent its state: {}", first_line(e)));
  }
  return bytes;
}

bool RankGroup::all_agree(uint64_t value) {
  // Rank 0's value to all, then the count of ranks that differ from it back to all.
  std::vector<uint8_t> mine(sizeof value);
  std::memcpy(mine.data(), &value, sizeof value);
  const std::vector<uint8_t> main = broadcast_bytes(mine);
  auto differ = torch::tensor({main == mine ? 0.0 : 1.0}, torch::kFloat64);
  if (impl_->nccl) differ = differ.to(impl_->device);
  all_reduce_sum(differ, "the check that every rank has the same options");
  return differ.cpu().item<double>() == 0.0;
}

void RankGroup::signal_from_main(const std::string& key) {
  try {
    impl_->store->set("bsq/" + key, std::vector<uint8_t>{1});
  } catch (const std::exception& e) {
    throw RankFailure(fmt::format("cannot reach the other ranks: {}", first_line(e)));
  }
}

void RankGroup::wait_for_main(const std::string& key) {
  try {
    impl_->store->wait({"bsq/" + key}, kMainWait);
  } catch (const std::exception& e) {
    throw RankFailure(fmt::format("lost rank 0 while it evaluated and saved the model: {}", first_line(e)));
  }
}

}  // namespace bsq::train
