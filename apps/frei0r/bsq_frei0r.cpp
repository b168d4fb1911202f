// frei0r filter "bsq": the frames go through the video codec, encoded at a quality and decoded
// again, so that stock ffmpeg shows what bsq does to a video and how many bits it spends. The
// filter keeps the coder's state from frame to frame (GOPs of bsq::default_keyint() frames at an
// unknown rate, later frames coded against earlier ones), so the rate it reports is the video rate:
//
//   ffmpeg -i in.mp4 -vf frei0r=bsq:0.6 out.mp4        # quality 60 (the parameter is quality / 100)
//
// Models: $BSQ_MODEL (paths separated by ':'), else the shipped set installed with the plugin
// (<prefix>/lib/frei0r-1/../../share/bsq/models), else the source tree's models/. The host
// constructs an instance before it sets parameters, so finding the models and reading their
// headers happen in f0r_construct, which then returns no instance and says why on one line:
// ffmpeg stops with an error instead of running an effect that does nothing. A model's weights
// load when a quality first needs it (a set holds several, a run uses one or two); should that
// fail, the frames pass through unchanged and the failure is reported once.
#include <dlfcn.h>
#include <fmt/format.h>

// frei0r.h declares the plugin entry points without C linkage of its own.
extern "C" {
#include <frei0r.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bsq/model_set.h"
#include "bsq/video.h"
#include "model_paths.h"

namespace {

constexpr double kDefaultParameter = bsq::kDefaultQuality / 100.0;

void report(const std::string& message) { std::fprintf(stderr, "bsq (frei0r): %s\n", message.c_str()); }

// frei0r doubles are 0..1 by convention: parameter p is quality round(100 p), within 1..100.
int quality_of(double parameter) {
  if (!std::isfinite(parameter)) parameter = kDefaultParameter;
  return static_cast<int>(std::clamp<long>(std::lround(parameter * 100.0), 1, 100));
}

struct Instance {
  int width = 0, height = 0;
  std::optional<bsq::ModelSet> models;  // each model loads when a quality first needs it
  double parameter = kDefaultParameter;
  bsq::Image frame, decoded;
  // The clip being coded; a new one starts when the quality changes.
  std::optional<bsq::VideoEncoder> encoder;
  int encoder_quality = 0;
  // For the summary line at the end.
  uint64_t frames = 0, bytes = 0;
  int last_quality = 0;
  size_t last_model = 0;
  bool failed = false;
};

// Closes the clip being coded, counting its last bytes.
bsq::Status finish_clip(Instance& s) {
  if (!s.encoder || s.encoder->frames() == 0) return bsq::Status::Ok();
  auto tail = s.encoder->finish();
  s.encoder.reset();
  if (!tail.ok()) return tail.status();
  s.bytes += tail->size();
  return bsq::Status::Ok();
}

// Where the shipped set may be: beside the plugin's install prefix, or in the source tree.
std::vector<std::string> model_places() {
  std::vector<std::string> places;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&quality_of), &info) != 0 && info.dli_fname != nullptr) {
    const auto self = std::filesystem::absolute(info.dli_fname);
    places.push_back((self.parent_path() / BSQ_MODEL_DIR_FROM_PLUGIN).lexically_normal().string());
  }
  places.emplace_back(BSQ_SOURCE_MODEL_DIR);
  return places;
}

std::unique_ptr<Instance> construct(unsigned width, unsigned height) {
  auto paths = bsq::cli::find_models({}, model_places());
  if (!paths.ok()) {
    report(paths.status().message());
    return nullptr;
  }
  bsq::RuntimeOptions runtime;
  runtime.threads = -1;  // the host (ffmpeg, a video editor) owns the process's thread count
  auto models = bsq::ModelSet::open(paths.value(), runtime);
  if (!models.ok()) {
    report(models.status().message());
    return nullptr;
  }
  auto s = std::make_unique<Instance>();
  s->width = static_cast<int>(width);
  s->height = static_cast<int>(height);
  s->frame = bsq::Image(s->width, s->height);
  s->models.emplace(std::move(models.value()));
  return s;
}

// Codes one RGBA frame; alpha passes through, as the codec has none.
bsq::Status code_frame(Instance& s, const uint8_t* in, uint8_t* out) {
  const size_t pixels = static_cast<size_t>(s.width) * s.height;
  for (size_t i = 0; i < pixels; ++i) std::memcpy(&s.frame.rgb[3 * i], &in[4 * i], 3);
  const int quality = quality_of(s.parameter);
  if (s.encoder && quality != s.encoder_quality) BSQ_RETURN_IF_ERROR(finish_clip(s));
  if (!s.encoder) {
    bsq::VideoEncodeOptions options;
    options.quality = quality;
    // A filter codes every frame inside ffmpeg's pipeline: the encoder network alone, no search.
    options.effort = bsq::kMinEffort;
    auto encoder = bsq::VideoEncoder::start(*s.models, {s.width, s.height}, options);
    if (!encoder.ok()) return encoder.status();
    s.encoder.emplace(std::move(encoder.value()));
    s.encoder_quality = quality;
  }
  auto coded = s.encoder->push(s.frame, &s.decoded);
  if (!coded.ok()) return coded.status();
  for (size_t i = 0; i < pixels; ++i) {
    std::memcpy(&out[4 * i], &s.decoded.rgb[3 * i], 3);
    out[4 * i + 3] = in[4 * i + 3];
  }
  ++s.frames;
  s.bytes += coded->size();
  s.last_quality = quality;
  s.last_model = s.encoder->model();
  return bsq::Status::Ok();
}

}  // namespace

extern "C" {

int f0r_init() { return 1; }

void f0r_deinit() {}

void f0r_get_plugin_info(f0r_plugin_info_t* info) {
  info->name = "bsq";
  info->author = "bsq developers";
  info->plugin_type = F0R_PLUGIN_TYPE_FILTER;
  info->color_model = F0R_COLOR_MODEL_RGBA8888;
  info->frei0r_version = FREI0R_MAJOR_VERSION;
  info->major_version = BSQ_VERSION_MAJOR;
  info->minor_version = BSQ_VERSION_MINOR;
  info->num_params = 1;
  info->explanation = "Encodes and decodes the frames with the bsq learned video codec";
}

void f0r_get_param_info(f0r_param_info_t* info, int index) {
  if (index != 0) return;
  info->name = "quality";
  info->type = F0R_PARAM_DOUBLE;
  info->explanation = "bsqenc -q divided by 100: 0.01 (lowest rate) to 1 (highest); 0.9 by default";
}

f0r_instance_t f0r_construct(unsigned int width, unsigned int height) {
  try {
    return construct(width, height).release();
  } catch (const std::exception& e) {
    report(e.what());
  } catch (...) {
    report("unexpected error while loading the models");
  }
  return nullptr;
}

void f0r_destruct(f0r_instance_t instance) {
  std::unique_ptr<Instance> s(static_cast<Instance*>(instance));
  if (s == nullptr || s->frames == 0) return;
  try {
    if (bsq::Status st = finish_clip(*s); !st.ok()) report(st.message());
  } catch (const std::exception& e) {
    report(e.what());
  }
  const bsq::ModelConfig& c = s->models->info(s->last_model).config;
  const int bits = s->models->operating_point(s->last_quality).bits;
  const double bpp = 8.0 * static_cast<double>(s->bytes) / (static_cast<double>(s->frames) * s->width * s->height);
  report(fmt::format("{} frame{} of {}x{} at quality {} ({}, {} of {} bits per token): {:.4f} bpp on average",
                     s->frames, s->frames == 1 ? "" : "s", s->width, s->height, s->last_quality,
                     s->models->path(s->last_model), bits, c.bits, bpp));
}

void f0r_set_param_value(f0r_instance_t instance, f0r_param_t param, int index) {
  if (instance != nullptr && index == 0)
    static_cast<Instance*>(instance)->parameter = *static_cast<f0r_param_double*>(param);
}

void f0r_get_param_value(f0r_instance_t instance, f0r_param_t param, int index) {
  if (instance != nullptr && index == 0)
    *static_cast<f0r_param_double*>(param) = static_cast<Instance*>(instance)->parameter;
}

void f0r_update(f0r_instance_t instance, double /*time*/, const uint32_t* inframe, uint32_t* outframe) {
  auto& s = *static_cast<Instance*>(instance);
  const auto* in = reinterpret_cast<const uint8_t*>(inframe);
  auto* out = reinterpret_cast<uint8_t*>(outframe);
  bsq::Status status = bsq::Status::Ok();
  try {
    status = code_frame(s, in, out);
  } catch (const std::exception& e) {
    status = bsq::Status(bsq::StatusCode::kInternal, e.what());
  }
  if (status.ok()) return;
  // The host cannot be told; the frame passes through unchanged and the first failure is reported.
  std::memcpy(out, in, static_cast<size_t>(s.width) * s.height * 4);
  if (!s.failed)
    report(fmt::format("frame {}: {}; frames that fail pass through unchanged", s.frames + 1, status.message()));
  s.failed = true;
}

}  // extern "C"
