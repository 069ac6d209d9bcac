#include "detail/checksum_line.hpp"

#include <algorithm>
#include <cctype>

#include "detail/digest.hpp"
#include "detail/record_json.hpp"
#include "detail/strings.hpp"

namespace fetchsum::detail {

namespace {

std::optional<expected_digest> make(std::string name, bool escaped,
                                    std::string algo,
                                    std::vector<uint8_t> bytes);

std::optional<std::vector<uint8_t>> from_base64(const std::string& text) {
  static const std::string alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<uint8_t> out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=')
      break;
    auto pos = alphabet.find(c);
    if (pos == std::string::npos)
      return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(pos);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<uint8_t>((bits >> count) & 0xFF));
    }
  }
  if (out.empty())
    return std::nullopt;
  return out;
}

/// Undoes coreutils' escaping of names: "\\" and "\n" (and "\r").
std::optional<std::string> unescape(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\') {
      out += name[i];
      continue;
    }
    if (++i >= name.size())
      return std::nullopt;
    switch (name[i]) {
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return std::nullopt;
    }
  }
  return out;
}

/// The usual digest for a hex length, as the coreutils tools name them.
const char* algo_for_length(size_t bytes) {
  switch (bytes) {
    case 16: return "md5";
    case 20: return "sha1";
    case 28: return "sha224";
    case 32: return "sha256";
    case 48: return "sha384";
    case 64: return "sha512";
    default: return nullptr;
  }
}

std::optional<expected_digest> make(std::string name, bool escaped,
                                    std::string algo,
                                    std::vector<uint8_t> bytes) {
  if (escaped) {
    auto plain = unescape(name);
    if (!plain)
      return std::nullopt;
    name = std::move(*plain);
  }
  if (name.empty() || algo.empty())
    return std::nullopt;
  return expected_digest{std::move(name),
                         digest_value{lower(std::move(algo)), std::move(bytes)}};
}

} // namespace

std::optional<expected_digest> parse_checksum_line(const std::string& input) {
  // fetchsum's own JSON Lines: the first digest of an OK record.
  if (!input.empty() && input[0] == '{') {
    auto record = read_json_record(input);
    if (!record || record->report.error != error_kind::none
        || record->digests.empty() || record->url.empty())
      return std::nullopt;
    return expected_digest{std::move(record->url),
                           std::move(record->digests.front())};
  }
  bool escaped = !input.empty() && input[0] == '\\';
  std::string line = escaped ? input.substr(1) : input;
  // BSD tag: ALGO (NAME) = HEX
  if (auto open = line.find(" ("); open != std::string::npos && open > 0) {
    auto close = line.rfind(") = ");
    if (close != std::string::npos && close > open) {
      auto algo = line.substr(0, open);
      auto hex = from_hex(line.substr(close + 4));
      if (hex && algo.find(' ') == std::string::npos)
        return make(line.substr(open + 2, close - open - 2), escaped, algo,
                    std::move(*hex));
    }
  }
  // GNU: HEX  NAME or HEX *NAME; SRI: ALGO-BASE64[ ALGO-BASE64...]  NAME
  auto space = line.find(' ');
  if (space == std::string::npos || space + 1 >= line.size())
    return std::nullopt;
  auto first = line.substr(0, space);
  if (auto hex = from_hex(first)) {
    auto* algo = algo_for_length(hex->size());
    if (algo == nullptr || (line[space + 1] != ' ' && line[space + 1] != '*'))
      return std::nullopt;
    return make(line.substr(space + 2), escaped, algo, std::move(*hex));
  }
  auto dash = first.find('-');
  auto names = line.find("  ");
  if (dash == std::string::npos || names == std::string::npos)
    return std::nullopt;
  auto algo = lower(first.substr(0, dash));
  if (algo != "sha256" && algo != "sha384" && algo != "sha512")
    return std::nullopt;
  auto bytes = from_base64(first.substr(dash + 1));
  if (!bytes)
    return std::nullopt;
  return make(line.substr(names + 2), escaped, algo, std::move(*bytes));
}

} // namespace fetchsum::detail
