// Model file writer and validating reader.
#include "model/model_file.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "atomic_file.h"
#include "byte_order.h"

namespace bsq::model {
namespace {

constexpr char kMagic[8] = {'B', 'S', 'Q', 'M', 'O', 'D', 'E', 'L'};
constexpr uint32_t kVersion = 1;
constexpr size_t kMaxFileBytes = size_t{1} << 30;  // far above any model we ship
constexpr uint32_t kMaxNameBytes = 256;
constexpr uint32_t kMaxConfigBytes = 1 << 16;
constexpr uint32_t kMaxDims = 8;

class Writer {
 public:
  void bytes(const void* p, size_t n) {
    out_.insert(out_.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  }
  template <typename T>
  void le(T v) {
    append_le(out_, v);
  }
  std::vector<uint8_t>& data() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

class Reader {
 public:
  Reader(const std::vector<uint8_t>& d, size_t end) : d_(d), end_(end) {}
  bool bytes(void* p, size_t n) {
    if (n > end_ - pos_) return false;
    std::memcpy(p, d_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool le(T* v) {
    if (sizeof(T) > end_ - pos_) return false;
    *v = load_le<T>(d_.data() + pos_);
    pos_ += sizeof(T);
    return true;
  }
  size_t remaining() const { return end_ - pos_; }

 private:
  const std::vector<uint8_t>& d_;
  size_t end_, pos_ = 0;
};

std::map<std::string, torch::Tensor> named_state(const TokenizerModel& net) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : net->named_parameters()) state[p.key()] = p.value();
  for (const auto& b : net->named_buffers()) state[b.key()] = b.value();
  return state;
}

}  // namespace

uint64_t fnv1a64(const uint8_t* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001b3ULL;
  return h;
}

Status save_model(const TokenizerModel& net, const std::string& path, WeightPrecision precision) {
  Writer w;
  w.bytes(kMagic, sizeof(kMagic));
  w.le<uint32_t>(kVersion);
  const std::string config = net->config().to_text();
  w.le<uint32_t>(static_cast<uint32_t>(config.size()));
  w.bytes(config.data(), config.size());
  const auto state = named_state(net);
  w.le<uint32_t>(static_cast<uint32_t>(state.size()));
  for (const auto& [name, tensor] : state) {
    // Integer buffers (index tables) are rebuilt by the constructor; store them as f32 anyway
    // so the reader has one code path and can check that they match.
    const bool half = precision == WeightPrecision::kFloat16 && tensor.is_floating_point();
    const auto values = tensor.detach().to(torch::kCPU).to(half ? torch::kFloat16 : torch::kFloat32).contiguous();
    w.le<uint32_t>(static_cast<uint32_t>(name.size()));
    w.bytes(name.data(), name.size());
    w.le<uint8_t>(half ? 1 : 0);
    w.le<uint8_t>(static_cast<uint8_t>(values.dim()));
    for (int64_t d : values.sizes()) w.le<uint32_t>(static_cast<uint32_t>(d));
    w.bytes(values.data_ptr(), values.nbytes());  // host order; x86-64 and arm64 are little-endian
  }
  w.le<uint64_t>(fnv1a64(w.data().data(), w.data().size()));

  return write_file_atomically(path, w.data(), "write model");
}

StatusOr<ModelHeader> read_model_header(const std::string& path) {
  const auto bad = [&](const std::string& why) {
    return Status(StatusCode::kInvalidData, fmt::format("model '{}': {}", path, why));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, fmt::format("cannot open model '{}'", path));
  std::vector<uint8_t> head(sizeof(kMagic) + 8);
  if (!in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size())) ||
      std::memcmp(head.data(), kMagic, sizeof(kMagic)) != 0)
    return bad("not a bsq model file");
  Reader r(head, head.size());
  char magic[sizeof(kMagic)];
  uint32_t version = 0, config_len = 0;
  r.bytes(magic, sizeof(magic));
  if (!r.le(&version) || version != kVersion) return bad(fmt::format("unsupported version {}", version));
  if (!r.le(&config_len) || config_len > kMaxConfigBytes) return bad("bad config length");
  std::string text(config_len, '\0');
  uint8_t tail[8];
  if (!in.read(text.data(), config_len) || !in.seekg(-8, std::ios::end) || !in.read(reinterpret_cast<char*>(tail), 8) ||
      in.tellg() < static_cast<std::streamoff>(head.size() + config_len + 8))
    return bad("truncated");
  auto config = ModelConfig::from_text(text);
  if (!config.ok()) return bad(config.status().message());
  ModelHeader header{config.value(), 0};
  header.fingerprint = load_le<uint64_t>(tail);
  return header;
}

StatusOr<LoadedModel> load_model(const std::string& path) {
  const auto bad = [&](const std::string& why) {
    return Status(StatusCode::kInvalidData, fmt::format("model '{}': {}", path, why));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, fmt::format("cannot open model '{}'", path));
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > kMaxFileBytes) return bad("file too large");
  in.seekg(0);
  std::vector<uint8_t> data(size);
  if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size)))
    return bad("cannot read (is it a file?)");
  if (size < sizeof(kMagic) + 8 || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return bad("not a bsq model file");

  Reader r(data, size - 8);
  const uint64_t stored = load_le<uint64_t>(data.data() + size - 8);
  const uint64_t fingerprint = fnv1a64(data.data(), size - 8);
  if (stored != fingerprint) return bad("fingerprint mismatch (file damaged)");

  char magic[8];
  uint32_t version = 0, config_len = 0, count = 0;
  r.bytes(magic, sizeof(magic));
  if (!r.le(&version) || version != kVersion) return bad(fmt::format("unsupported version {}", version));
  if (!r.le(&config_len) || config_len > r.remaining()) return bad("truncated config");
  std::string text(config_len, '\0');
  r.bytes(text.data(), config_len);
  auto config = ModelConfig::from_text(text);
  if (!config.ok()) return bad(config.status().message());

  LoadedModel model{TokenizerModel(config.value()), fingerprint};
  auto state = named_state(model.net);
  if (!r.le(&count) || count != state.size()) return bad("tensor count does not match the config");
  torch::NoGradGuard no_grad;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t name_len = 0;
    uint8_t dtype = 0, ndim = 0;
    if (!r.le(&name_len) || name_len > kMaxNameBytes || name_len > r.remaining()) return bad("bad tensor name");
    std::string name(name_len, '\0');
    r.bytes(name.data(), name_len);
    auto it = state.find(name);
    if (it == state.end()) return bad(fmt::format("unexpected tensor '{}'", name));
    if (!r.le(&dtype) || dtype > 1 || !r.le(&ndim) || ndim > kMaxDims)
      return bad(fmt::format("bad header of '{}'", name));
    std::vector<int64_t> dims(ndim);
    for (auto& d : dims) {
      uint32_t v = 0;
      if (!r.le(&v)) return bad("truncated tensor header");
      d = v;
    }
    if (dims != it->second.sizes().vec()) return bad(fmt::format("tensor '{}' has the wrong shape", name));
    const size_t bytes = static_cast<size_t>(it->second.numel()) * (dtype == 1 ? 2 : 4);
    if (bytes > r.remaining()) return bad(fmt::format("tensor '{}' truncated", name));
    auto values = torch::empty(dims, dtype == 1 ? torch::kFloat16 : torch::kFloat32);
    r.bytes(values.data_ptr(), bytes);
    if (it->second.is_floating_point()) {
      it->second.copy_(values);
    } else if (!torch::equal(values.to(it->second.scalar_type()), it->second)) {
      return bad(fmt::format("table '{}' does not match this build", name));
    }
    state.erase(it);
  }
  if (r.remaining() != 0) return bad("trailing bytes after the tensors");
  return model;
}

}  // namespace bsq::model
