#include "detail/digest.hpp"

#include <algorithm>
#include <stdexcept>

#include "detail/strings.hpp"

namespace fetchsum::detail {

namespace {

/// Fetches a fixed-length digest, or nullptr. Variable-length ones (shake128
/// ...) need a length we do not ask for: refused rather than guessed.
EVP_MD* fetch_fixed_length(const std::string& name) {
  if (name.empty())
    return nullptr;
  auto* md = EVP_MD_fetch(nullptr, name.c_str(), nullptr);
  if (md != nullptr && (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0) {
    EVP_MD_free(md);
    return nullptr;
  }
  return md;
}

} // namespace

bool is_known_digest(const std::string& name) {
  auto* md = fetch_fixed_length(name);
  EVP_MD_free(md);
  return md != nullptr;
}

digest_algorithms::digest_algorithms(const std::vector<std::string>& names) {
  for (auto& name : names) {
    auto* md = fetch_fixed_length(name);
    if (md == nullptr)
      throw std::invalid_argument("unknown digest algorithm: " + name);
    names_.push_back(lower(name));
    digests_.emplace_back(md);
  }
}

digest_set digest_algorithms::start() const {
  return digest_set{*this};
}

digest_set::digest_set(const digest_algorithms& algorithms)
  : algorithms_(&algorithms) {
  contexts_.reserve(algorithms.digests_.size());
  for (auto& md : algorithms.digests_) {
    std::unique_ptr<EVP_MD_CTX, context_deleter> ctx{EVP_MD_CTX_new()};
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md.get(), nullptr) != 1)
      throw std::runtime_error("EVP_DigestInit_ex failed");
    contexts_.push_back(std::move(ctx));
  }
}

void digest_set::update(const char* data, size_t size) {
  for (auto& ctx : contexts_)
    EVP_DigestUpdate(ctx.get(), data, size);
}

std::vector<digest_value> digest_set::finish() {
  std::vector<digest_value> result;
  result.reserve(contexts_.size());
  for (size_t i = 0; i < contexts_.size(); ++i) {
    digest_value value;
    value.algo = algorithms_->names()[i];
    value.bytes.resize(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    EVP_DigestFinal_ex(contexts_[i].get(), value.bytes.data(), &size);
    value.bytes.resize(size);
    result.push_back(std::move(value));
  }
  return result;
}

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string result(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    result[2 * i] = digits[bytes[i] >> 4];
    result[2 * i + 1] = digits[bytes[i] & 0x0F];
  }
  return result;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0)
    return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::vector<uint8_t> out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

} // namespace fetchsum::detail
