// libFuzzer target: detail::parse_endpoint on arbitrary --nodes / --listen
// entries. It must never crash, throw or read out of bounds; whatever it
// accepts must print back to text it accepts again as the same endpoint,
// and whatever it refuses must come with a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detail/endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  using namespace fetchsum::detail;
  for (bool port_zero : {false, true}) {
    std::string problem;
    auto parsed = parse_endpoint(text, "127.0.0.1", port_zero, problem);
    if (!parsed) {
      if (problem.empty() || problem.size() > 400)
        std::abort();
      continue;
    }
    if (parsed->port == 0 && !port_zero)
      std::abort();
    std::string again_problem;
    auto again = parse_endpoint(to_string(*parsed), "", port_zero,
                                again_problem);
    if (!again || again->host != parsed->host || again->port != parsed->port)
      std::abort();
  }
  return 0;
}
