// What each revision of the prior (entropy/prior_revision.h) codes real streams' tokens in: the
// tokens of each .bsq file, decoded under the revision the stream names, then measured under every
// revision as the ideal code length (the coded size to a few bytes), counts per window included.
// Usage: bsq_prior_revisions FILE.bsq...; prints a Markdown table, one row per file, and the mean
// change of each revision against revision 1.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "container_reader.h"
#include "token_coder.h"

namespace {

namespace entropy = bsq::entropy;

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The stream's one plane of tokens, or an error message.
bool read_tokens(const std::string& path, entropy::TokenPlane* plane, std::string* error) {
  const std::vector<uint8_t> bytes = read_file(path);
  auto c = bsq::bitstream::read_container(bytes.data(), bytes.size(), std::nullopt);
  if (!c.ok()) return *error = c.status().message(), false;
  if (c->frames.size() != 1 || c->header.frames != 1) return *error = "not a still image", false;
  if (!entropy::is_prior_revision(static_cast<int>(c->prior)))
    return *error = fmt::format("prior revision {} unknown", c->prior), false;
  const auto& h = c->header;
  const auto& coded = c->frames[0].coded;
  return entropy::decode_tokens(coded.data(), coded.size(), 1, static_cast<int>(h.grid_rows),
                                static_cast<int>(h.grid_cols), h.bits, plane, error, static_cast<int>(c->bits_window),
                                static_cast<int>(c->prior));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bsq_prior_revisions FILE.bsq...\n");
    return 2;
  }
  constexpr int kRevisions = entropy::kLatestPriorRevision - entropy::kFirstPriorRevision + 1;
  fmt::print("| stream | tokens | bits | windows |");
  for (int r = entropy::kFirstPriorRevision; r <= entropy::kLatestPriorRevision; ++r) fmt::print(" revision {} |", r);
  std::string rule = "|---|---|---|---|";
  for (int r = 0; r < kRevisions; ++r) rule += "---|";
  fmt::print("\n{}\n", rule);
  std::vector<double> change(kRevisions, 0.0);
  int files = 0;
  for (int a = 1; a < argc; ++a) {
    entropy::TokenPlane plane;
    std::string error;
    if (!read_tokens(argv[a], &plane, &error)) {
      std::fprintf(stderr, "bsq_prior_revisions: %s: %s\n", argv[a], error.c_str());
      return 1;
    }
    std::string name = argv[a];
    name = name.substr(name.find_last_of('/') + 1);
    fmt::print("| {} | {}x{} | {} | {} |", name, plane.rows, plane.cols, plane.bits,
               plane.window > 0 ? std::to_string(plane.window) : "-");
    double first = 0;
    for (int r = entropy::kFirstPriorRevision; r <= entropy::kLatestPriorRevision; ++r) {
      plane.prior = r;
      const double bits = entropy::ideal_code_length_bits(plane);
      if (r == entropy::kFirstPriorRevision) first = bits;
      change[r - entropy::kFirstPriorRevision] += bits / first - 1;
      if (r == entropy::kFirstPriorRevision)
        fmt::print(" {:.0f} bytes |", bits / 8);
      else
        fmt::print(" {:.0f} bytes ({:+.2f} %) |", bits / 8, 100 * (bits / first - 1));
    }
    fmt::print("\n");
    ++files;
  }
  fmt::print("\nMean change against revision 1 over the {} streams:", files);
  for (int r = entropy::kFirstPriorRevision + 1; r <= entropy::kLatestPriorRevision; ++r)
    fmt::print(" revision {} {:+.2f} %", r, 100 * change[r - entropy::kFirstPriorRevision] / files);
  fmt::print("\n");
  return 0;
}
