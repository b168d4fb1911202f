// BSQ_API marks what the shared library libbsq exports: the functions and classes of these public
// headers, nothing else. libbsq is compiled with hidden visibility, so the network (bsq::model),
// the entropy coder, the container and the LibTorch code inlined into them stay private to it.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define BSQ_API __attribute__((visibility("default")))
#else
#define BSQ_API
#endif
