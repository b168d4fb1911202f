// rcc_extract: copies one file out of a Qt binary resource archive (.rcc), for the corpus fetcher.
//
// Usage: rcc_extract ARCHIVE.rcc /INNER/PATH OUT
//
// Self-contained (standard library only) so scripts/fetch_corpus.sh can compile it before the
// project is built. Layout of an rcc file (format versions 1 to 3, all integers big-endian):
//   header: "qres", version, tree offset, data offset, names offset[, flags (version >= 3)]
//   tree:   nodes of 14 bytes (version 1) or 22 (2 and up: + 8 bytes of modification time):
//           name offset u32, flags u16 (1 zlib, 2 directory, 4 zstd), then for a directory
//           child count u32 and first child index u32, for a file country u16, language u16
//           and data offset u32; node 0 is the root, a directory's children are consecutive
//   names:  length u16 (UTF-16 units), hash u32, the name in UTF-16BE
//   data:   length u32, the bytes
// The corpus lists only uncompressed entries; a compressed one is refused, not guessed at.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

struct Archive {
  std::vector<uint8_t> bytes;
  uint32_t tree = 0, data = 0, names = 0, node_size = 0;

  bool has(uint64_t offset, uint64_t size) const { return offset <= bytes.size() && size <= bytes.size() - offset; }
  uint32_t u32(uint64_t at) const {
    return uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 | uint32_t{bytes[at + 2]} << 8 | bytes[at + 3];
  }
  uint16_t u16(uint64_t at) const { return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]); }
};

constexpr uint16_t kCompressed = 1, kDirectory = 2, kCompressedZstd = 4;
// Bounds a crafted archive cannot make us exceed: children visited per lookup, name length.
constexpr uint32_t kMaxChildren = 1u << 20;

bool fail(const std::string& message) {
  std::fprintf(stderr, "rcc_extract: %s\n", message.c_str());
  return false;
}

// The name of node `index` as UTF-8 (ASCII is all the corpus uses; other units become '?').
bool node_name(const Archive& a, uint32_t index, std::string* name) {
  const uint64_t node = a.tree + uint64_t{index} * a.node_size;
  if (!a.has(node, a.node_size)) return fail("tree node outside the file");
  const uint64_t at = uint64_t{a.names} + a.u32(node);
  if (!a.has(at, 6)) return fail("name outside the file");
  const uint16_t length = a.u16(at);
  if (!a.has(at + 6, uint64_t{length} * 2)) return fail("name outside the file");
  name->clear();
  for (uint16_t i = 0; i < length; ++i) {
    const uint16_t unit = a.u16(at + 6 + 2u * i);
    name->push_back(unit < 0x80 ? static_cast<char>(unit) : '?');
  }
  return true;
}

bool extract(const Archive& a, const std::string& path, std::vector<uint8_t>* out) {
  uint32_t index = 0;  // the root
  size_t begin = path.find_first_not_of('/');
  while (begin != std::string::npos && begin < path.size()) {
    const size_t end = path.find('/', begin);
    const std::string part = path.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    const uint64_t node = a.tree + uint64_t{index} * a.node_size;
    if (!a.has(node, a.node_size)) return fail("tree node outside the file");
    if (!(a.u16(node + 4) & kDirectory)) return fail("'" + part + "': parent is not a directory");
    const uint32_t count = a.u32(node + 6), first = a.u32(node + 10);
    if (count > kMaxChildren) return fail("directory with too many entries");
    bool found = false;
    std::string name;
    for (uint32_t c = 0; c < count && !found; ++c) {
      if (!node_name(a, first + c, &name)) return false;
      if (name == part) index = first + c, found = true;
    }
    if (!found) return fail("no entry '" + part + "' in " + path);
    begin = end == std::string::npos ? end : path.find_first_not_of('/', end);
  }
  const uint64_t node = a.tree + uint64_t{index} * a.node_size;
  const uint16_t flags = a.u16(node + 4);
  if (flags & kDirectory) return fail(path + " is a directory");
  if (flags & (kCompressed | kCompressedZstd)) return fail(path + " is stored compressed; only plain entries are read");
  const uint64_t at = uint64_t{a.data} + a.u32(node + 10);
  if (!a.has(at, 4) || !a.has(at + 4, a.u32(at))) return fail("data of " + path + " outside the file");
  out->assign(a.bytes.begin() + static_cast<long>(at + 4), a.bytes.begin() + static_cast<long>(at + 4 + a.u32(at)));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: rcc_extract ARCHIVE.rcc /INNER/PATH OUT\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) return fail(std::string("cannot read ") + argv[1]), 3;
  Archive a;
  a.bytes.assign(std::istreambuf_iterator<char>(in), {});
  if (!a.has(0, 20) || std::string(a.bytes.begin(), a.bytes.begin() + 4) != "qres")
    return fail(std::string(argv[1]) + " is not an rcc archive"), 4;
  const uint32_t version = a.u32(4);
  if (version < 1 || version > 3) return fail("rcc format version " + std::to_string(version) + " is not 1..3"), 4;
  a.tree = a.u32(8);
  a.data = a.u32(12);
  a.names = a.u32(16);
  a.node_size = version == 1 ? 14 : 22;
  std::vector<uint8_t> file;
  if (!extract(a, argv[2], &file)) return 4;
  const std::string tmp = std::string(argv[3]) + ".part";
  std::ofstream out(tmp, std::ios::binary);
  out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  out.close();
  if (!out || std::rename(tmp.c_str(), argv[3]) != 0)
    return std::remove(tmp.c_str()), fail(std::string("cannot write ") + argv[3]), 3;
  return 0;
}
