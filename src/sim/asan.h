// CONTSIM_ASAN: 1 when built with AddressSanitizer. GCC defines
// __SANITIZE_ADDRESS__; clang only answers __has_feature(address_sanitizer),
// so testing the GCC macro alone compiled the fiber-stack workarounds out
// under clang (false reports).
#pragma once
#if defined(__SANITIZE_ADDRESS__)
#define CONTSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONTSIM_ASAN 1
#endif
#endif
#ifndef CONTSIM_ASAN
#define CONTSIM_ASAN 0
#endif
