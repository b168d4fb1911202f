// ModelConfig text form and validation; PSNR on hand-computed cases.
#include <doctest/doctest.h>

#include <cmath>

#include "bsq/metrics.h"
#include "bsq/model_config.h"

using namespace bsq;

TEST_CASE("model config: text round trip and validation") {
  ModelConfig c;
  c.bits = 18;
  c.width = 96;
  auto parsed = ModelConfig::from_text(c.to_text());
  REQUIRE(parsed.ok());
  CHECK(parsed->to_text() == c.to_text());
  CHECK(c.raw_bpp() == doctest::Approx(18.0 / 64));

  CHECK_FALSE(ModelConfig::from_text("patch=8\n").ok());                 // missing keys
  CHECK_FALSE(ModelConfig::from_text(c.to_text() + "colour=1\n").ok());  // unknown key
  CHECK_FALSE(ModelConfig::from_text(c.to_text() + "garbage\n").ok());   // malformed
  auto bad = c;
  bad.patch = 6;
  CHECK_FALSE(bad.validate().ok());
  bad = c;
  bad.bits = 65;
  CHECK_FALSE(bad.validate().ok());
  bad = c;
  bad.heads = 5;
  CHECK_FALSE(bad.validate().ok());
  bad = c;
  bad.min_bits = 19;  // more than bits
  CHECK_FALSE(bad.validate().ok());
}

TEST_CASE("model config: nested bits are optional in the text form") {
  ModelConfig fixed;
  CHECK(fixed.to_text().find("min_bits") == std::string::npos);  // old model files read the same
  CHECK_FALSE(fixed.scalable());
  CHECK(fixed.lowest_bits() == fixed.bits);

  ModelConfig nested;
  nested.bits = 64;
  nested.min_bits = 4;
  auto parsed = ModelConfig::from_text(nested.to_text());
  REQUIRE(parsed.ok());
  CHECK(parsed->min_bits == 4);
  CHECK(parsed->scalable());
  CHECK(parsed->lowest_bits() == 4);
  CHECK(parsed->to_text() == nested.to_text());
  CHECK_FALSE(ModelConfig::from_text(fixed.to_text() + "min_bits=33\n").ok());  // above bits = 32
}

TEST_CASE("PSNR by hand") {
  Image a(2, 1), b(2, 1);
  CHECK(std::isinf(psnr(a, b).value()));
  b.rgb[0] = 6;  // one channel off by 6: MSE = 36 / 6 = 6
  CHECK(mse(a, b).value() == doctest::Approx(6.0));
  CHECK(psnr(a, b).value() == doctest::Approx(10 * std::log10(255.0 * 255.0 / 6.0)));
  CHECK_FALSE(psnr(a, Image(1, 1)).ok());
}
