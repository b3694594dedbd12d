// The product version, stamped from CMake's project(VERSION).
#pragma once

namespace skewgate {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace skewgate
