// Small string helpers shared by the plain-C++ glue.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

namespace fetchsum::detail {

/// ASCII lower case: scheme and host names, digest names.
inline std::string lower(std::string x) {
  std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return x;
}

} // namespace fetchsum::detail
