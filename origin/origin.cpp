#include "origin/origin.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <microhttpd.h>
#include <openssl/evp.h>

namespace fetchsum::origin {

namespace {

using clock_type = std::chrono::steady_clock;

// -- generated content ---------------------------------------------------------

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Byte `pos` onwards of the stream named `key`: a pure function of both, so
/// any range can be produced on demand without storing documents.
void fill(uint64_t key, uint64_t pos, char* out, size_t size) {
  while (size > 0) {
    auto block = splitmix64(key ^ ((pos / 8) * 0xD1B54A32D192ED03ULL));
    auto offset = pos % 8;
    auto n = std::min<size_t>(8 - offset, size);
    std::memcpy(out, reinterpret_cast<const char*>(&block) + offset, n);
    out += n;
    pos += n;
    size -= n;
  }
}

uint64_t document_key(uint64_t seed, uint64_t index) {
  return splitmix64(seed * 0x632BE59BD9B4E019ULL + index);
}

/// Mixed sizes: log-uniform from 64 B to 256 KiB, every 500th 2 - 4 MiB.
uint64_t document_size(uint64_t seed, uint64_t index) {
  auto u = static_cast<double>(splitmix64(document_key(seed, index) + 1) >> 11)
           / static_cast<double>(1ULL << 53);
  if (index % 500 == 499)
    return (2u << 20) + static_cast<uint64_t>(u * (2u << 20));
  return static_cast<uint64_t>(64.0 * std::pow(4096.0, u));
}

std::string sha512_hex_of(uint64_t key, uint64_t size) {
  auto* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr);
  std::vector<char> buf(64 * 1024);
  for (uint64_t pos = 0; pos < size; pos += buf.size()) {
    auto n = std::min<uint64_t>(buf.size(), size - pos);
    fill(key, pos, buf.data(), n);
    EVP_DigestUpdate(ctx, buf.data(), n);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += digits[md[i] >> 4];
    hex += digits[md[i] & 15];
  }
  return hex;
}

/// Lower-case hex of `md` over `data`.
std::string hex_digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += digits[out[i] >> 4];
    hex += digits[out[i] & 15];
  }
  return hex;
}

/// /release/: a release directory as mirrors publish one, path -> body.
/// /release/v1/ holds files and their SHA256SUMS (sha256sum's layout, with a
/// binary marker, "./", a space, a '#' and an escaped backslash in names),
/// SHA512SUMS (--tag layout) and an HTML index.html; /release/bad/ is the
/// same with one byte of b.iso changed, so exactly that file fails.
std::map<std::string, std::string> make_release(uint64_t seed) {
  std::vector<std::pair<std::string, uint64_t>> files{
    {"a.tar.gz", 3000},      {"b.iso", 70000},     {"sub/c.bin", 500},
    {"with space.txt", 100}, {"hash#1.txt", 200}, {"back\\slash.txt", 300}};
  std::map<std::string, std::string> release;
  std::string sha256sums;
  std::string sha512sums;
  for (size_t i = 0; i < files.size(); ++i) {
    auto& [name, size] = files[i];
    std::string body(size, '\0');
    fill(document_key(seed, 1'000'000 + i), 0, body.data(), size);
    // sha256sum writes "\HEX  NAME" with "\\" for a backslash in NAME.
    auto escaped = name;
    for (size_t k = 0; (k = escaped.find('\\', k)) != std::string::npos; k += 2)
      escaped.insert(k, 1, '\\');
    auto mark = escaped == name ? "" : "\\";
    auto listed = name == "sub/c.bin" ? "./" + escaped : escaped;
    sha256sums += mark + hex_digest(EVP_sha256(), body)
                  + (name == "b.iso" ? " *" : "  ") + listed + "\n";
    sha512sums += mark + std::string{"SHA512 ("} + listed
                  + ") = " + hex_digest(EVP_sha512(), body) + "\n";
    release["/release/v1/" + name] = body;
    if (name == "b.iso")
      body[size / 2] ^= 1;
    release["/release/bad/" + name] = std::move(body);
  }
  for (auto dir : {"/release/v1/", "/release/bad/"}) {
    release[dir + std::string{"SHA256SUMS"}] = sha256sums;
    release[dir + std::string{"SHA512SUMS"}] = sha512sums;
    release[dir + std::string{"index.html"}]
      = "<!DOCTYPE html>\n<html><body><h1>Index of /release</h1>\n"
        "<a href=\"a.tar.gz\">a.tar.gz</a></body></html>\n";
  }
  return release;
}

/// A generated body of any size, streamed by MHD in blocks.
struct generated_body {
  uint64_t key;
  uint64_t size;
  /// Bytes after which the connection is cut (truncated bodies).
  uint64_t cut_at;
  /// Byte of the stream the body starts at (a 206 for a Range).
  uint64_t start = 0;
};

ssize_t read_generated(void* cls, uint64_t pos, char* buf, size_t max) {
  auto* body = static_cast<generated_body*>(cls);
  if (pos >= body->cut_at)
    return body->cut_at < body->size ? MHD_CONTENT_READER_END_WITH_ERROR
                                     : MHD_CONTENT_READER_END_OF_STREAM;
  auto n = std::min<uint64_t>(max, body->cut_at - pos);
  fill(body->key, body->start + pos, buf, n);
  return static_cast<ssize_t>(n);
}

void free_generated(void* cls) {
  delete static_cast<generated_body*>(cls);
}

/// /drip: one byte a second. The reader parks the connection between bytes
/// (MHD allows suspending from a content reader) instead of busy-looping.
struct drip_body {
  server::impl* origin;
  MHD_Connection* connection;
  uint64_t size;
  std::chrono::steady_clock::time_point next;
};

/// /resume/paced: a generated body sent 64 KiB every 100 ms (parked in
/// between, as /drip), so --max-time ends an attempt mid-body.
struct paced_body {
  server::impl* origin;
  MHD_Connection* connection;
  uint64_t key;
  uint64_t start;
  uint64_t size;
  std::chrono::steady_clock::time_point next;
};

bool parse_number(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 12)
    return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

/// True if `path` is `prefix` followed by a number, stored in `out`.
bool number_after(const std::string& path, const char* prefix, uint64_t& out) {
  auto n = std::strlen(prefix);
  if (path.size() <= n || path.size() > n + 12 || path.compare(0, n, prefix) != 0)
    return false;
  out = 0;
  for (auto i = n; i < path.size(); ++i) {
    if (path[i] < '0' || path[i] > '9')
      return false;
    out = out * 10 + static_cast<uint64_t>(path[i] - '0');
  }
  return true;
}

/// Standard base64 with padding, for HTTP Basic credentials.
std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(bytes.data()),
                           static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

/// `Range: bytes=N-` (the only form fetchsum sends); nullopt otherwise.
std::optional<uint64_t> range_start(const char* header) {
  if (header == nullptr)
    return std::nullopt;
  std::string value = header;
  uint64_t n = 0;
  if (value.size() < 8 || value.compare(0, 6, "bytes=") != 0
      || value.back() != '-'
      || !parse_number(value.substr(6, value.size() - 7), n))
    return std::nullopt;
  return n;
}

/// Requests that wait (stall, slow) keep this as their connection context.
struct waiting_request {
  bool resumed = false;
  /// Still counted in in_flight.
  bool counted = true;
};

/// The context of a request that does not wait and is not answered yet: no
/// allocation needed.
char plain_request;

/// The context of a plain request once its answer is queued.
char answered_request;

} // namespace

struct server::impl {
  options opts;
  std::vector<document> docs;
  /// /release/...: path -> body (make_release).
  std::map<std::string, std::string> release;
  MHD_Daemon* daemon = nullptr;
  uint16_t port = 0;

  std::atomic<uint64_t> requests{0};
  /// 304 answers to conditional requests (/validated, /modified).
  std::atomic<uint64_t> not_modified{0};
  /// Requests seen per flaky/throttle key, to fail only the first ones.
  std::mutex hits_mtx;
  std::map<std::string, uint64_t> hits;

  /// Counts a request for `key`; returns how many came before it.
  uint64_t hit(const std::string& key) {
    std::lock_guard<std::mutex> guard{hits_mtx};
    return hits[key]++;
  }
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> peak_in_flight{0};
  /// Requests for an absolute URL (the origin as a forward proxy).
  std::atomic<uint64_t> proxied{0};

  // Suspended connections and when to resume them (max(): never).
  std::mutex mtx;
  std::condition_variable wake;
  std::multimap<clock_type::time_point, MHD_Connection*> wakeups;
  bool stopping = false;
  std::thread timer;

  /// Suspends `c` until `when`; false if the server is stopping.
  bool park(MHD_Connection* c, clock_type::time_point when) {
    std::lock_guard<std::mutex> guard{mtx};
    if (stopping)
      return false;
    MHD_suspend_connection(c);
    wakeups.emplace(when, c);
    wake.notify_one();
    return true;
  }

  static ssize_t read_drip(void* cls, uint64_t pos, char* buf, size_t) {
    auto* d = static_cast<drip_body*>(cls);
    if (pos >= d->size)
      return MHD_CONTENT_READER_END_OF_STREAM;
    auto now = clock_type::now();
    if (now < d->next)
      return d->origin->park(d->connection, d->next)
               ? 0
               : MHD_CONTENT_READER_END_WITH_ERROR;
    buf[0] = 'd';
    d->next = now + std::chrono::seconds(1);
    return 1;
  }

  static void free_drip(void* cls) {
    delete static_cast<drip_body*>(cls);
  }

  static ssize_t read_paced(void* cls, uint64_t pos, char* buf, size_t max) {
    auto* p = static_cast<paced_body*>(cls);
    if (pos >= p->size)
      return MHD_CONTENT_READER_END_OF_STREAM;
    auto now = clock_type::now();
    if (now < p->next)
      return p->origin->park(p->connection, p->next)
               ? 0
               : MHD_CONTENT_READER_END_WITH_ERROR;
    auto n = std::min<uint64_t>(std::min<uint64_t>(max, p->size - pos),
                                64 * 1024);
    fill(p->key, p->start + pos, buf, n);
    p->next = now + std::chrono::milliseconds(100);
    return static_cast<ssize_t>(n);
  }

  static void free_paced(void* cls) {
    delete static_cast<paced_body*>(cls);
  }

  /// /resume/<mode>/<size>/<breaks>/<name>: a generated body of `size`
  /// bytes with a strong validator that honours `Range: bytes=N-` with
  /// If-Range, as a server with resumable downloads does. The first
  /// `breaks` requests of the path are cut at a pseudo-random byte (from
  /// --seed, the path and the request's number) after where they start.
  /// Modes:
  ///   etag      ETag validator
  ///   lm        Last-Modified validator (and Date, which MHD adds)
  ///   norange   ignores Range: always 200 with the whole body
  ///   badrange  answers a Range with a 206 starting 1000 bytes early
  ///   changing  a new body and ETag with every request up to `breaks`
  ///             (If-Range then no longer matches: 200 with the new body)
  ///   paced     like etag, 64 KiB every 100 ms and never cut
  ///   weak      a weak ETag only (W/"..."): not resumable
  ///   ignoreifrange  like changing, but honours Range whatever If-Range
  ///             says: a 206 of the new body, carrying the new ETag
  /// `?whole=1` serves the current body whole and uncounted, so a test
  /// can compute its digest independently.
  MHD_Result respond_resumable(MHD_Connection* c, const std::string& path) {
    auto rest = path.substr(8); // after "/resume/"
    auto part = [&](std::string& out) {
      auto slash = rest.find('/');
      if (slash == std::string::npos)
        return false;
      out = rest.substr(0, slash);
      rest = rest.substr(slash + 1);
      return true;
    };
    std::string mode, size_text, breaks_text;
    uint64_t size = 0, breaks = 0;
    if (!part(mode) || !part(size_text) || !part(breaks_text) || rest.empty()
        || !parse_number(size_text, size) || !parse_number(breaks_text, breaks)
        || size < 2 || size > (4096ull << 20))
      return respond_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    bool whole = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "whole")
                 != nullptr;
    uint64_t request = 0;
    {
      std::lock_guard<std::mutex> guard{hits_mtx};
      request = whole ? hits[path] : hits[path]++;
    }
    bool changes = mode == "changing" || mode == "ignoreifrange";
    uint64_t version = changes ? std::min(request, breaks) : 0;
    if (whole && changes)
      version = std::min(request, breaks); // what the next request gets
    auto key = splitmix64(document_key(opts.seed, size) ^ std::hash<std::string>{}(path))
               + version;
    std::string etag = "\"" + std::to_string(key % 1000000007) + "-"
                       + std::to_string(version) + "\"";
    const char* last_modified = "Sat, 01 Jan 2022 00:00:00 GMT";
    // Which validator the request's If-Range must carry for a 206.
    std::string validator = mode == "lm" ? last_modified : etag;
    uint64_t start = 0;
    if (!whole && mode != "norange" && mode != "weak") {
      auto range = range_start(
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range"));
      auto* if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "If-Range");
      if (range && (if_range == nullptr || validator == if_range
                    || mode == "ignoreifrange")) {
        if (*range >= size) {
          auto* r = MHD_create_response_from_buffer(0, nullptr,
                                                    MHD_RESPMEM_PERSISTENT);
          MHD_add_response_header(r, "Content-Range",
                                  ("bytes */" + std::to_string(size)).c_str());
          return respond(c, MHD_HTTP_RANGE_NOT_SATISFIABLE, r);
        }
        start = *range;
        if (mode == "badrange")
          start -= std::min<uint64_t>(start, 1000);
      }
    }
    auto length = size - start;
    uint64_t cut_at = length;
    if (!whole && request < breaks && mode != "paced" && length > 1)
      cut_at = 1 + splitmix64(opts.seed ^ key ^ (request * 0x9E3779B97F4A7C15ULL))
                     % (length - 1);
    MHD_Response* r;
    if (mode == "paced" && !whole)
      r = MHD_create_response_from_callback(
        length, 64 * 1024, &impl::read_paced,
        new paced_body{this, c, key, start, length, clock_type::now()},
        &impl::free_paced);
    else
      r = MHD_create_response_from_callback(
        length, 64 * 1024, &read_generated,
        new generated_body{key, length, cut_at, start}, &free_generated);
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    if (mode == "lm")
      MHD_add_response_header(r, "Last-Modified", last_modified);
    else if (mode == "weak")
      MHD_add_response_header(r, "ETag", ("W/" + etag).c_str());
    else
      MHD_add_response_header(r, "ETag", etag.c_str());
    if (start == 0 && mode != "badrange")
      return respond(c, MHD_HTTP_OK, r);
    if (start == 0 && mode == "badrange"
        && MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range") == nullptr)
      return respond(c, MHD_HTTP_OK, r);
    MHD_add_response_header(
      r, "Content-Range",
      ("bytes " + std::to_string(start) + "-" + std::to_string(size - 1) + "/"
       + std::to_string(size))
        .c_str());
    return respond(c, MHD_HTTP_PARTIAL_CONTENT, r);
  }

  MHD_Result respond(MHD_Connection* c, unsigned status, MHD_Response* r) {
    auto result = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return result;
  }

  MHD_Result respond_text(MHD_Connection* c, unsigned status,
                          const std::string& text) {
    auto* r = MHD_create_response_from_buffer(
      text.size(), const_cast<char*>(text.data()), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain");
    return respond(c, status, r);
  }

  MHD_Result redirect(MHD_Connection* c, const std::string& location) {
    auto* r = MHD_create_response_from_buffer(0, nullptr,
                                              MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Location", location.c_str());
    return respond(c, MHD_HTTP_FOUND, r);
  }

  MHD_Result respond_generated(MHD_Connection* c, uint64_t key, uint64_t size,
                               uint64_t cut_at) {
    MHD_Response* r;
    if (size <= 64 * 1024 && cut_at == size && size != MHD_SIZE_UNKNOWN) {
      // Small bodies in one buffer: the fast path for many small pages.
      auto* buf = static_cast<char*>(std::malloc(size == 0 ? 1 : size));
      fill(key, 0, buf, size);
      r = MHD_create_response_from_buffer(size, buf, MHD_RESPMEM_MUST_FREE);
    } else {
      r = MHD_create_response_from_callback(size, 64 * 1024, &read_generated,
                                            new generated_body{key, size,
                                                               cut_at},
                                            &free_generated);
    }
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    return respond(c, MHD_HTTP_OK, r);
  }

  /// Document `n` with validators, answering a conditional request whose
  /// validator still holds with 304 Not Modified, as RFC 9110 13.2.2 orders
  /// the checks: If-None-Match first, If-Modified-Since only without it.
  /// The ETag is taken from the content (another --seed, another ETag);
  /// Last-Modified moves a day per --seed. `with_etag` false: Last-Modified
  /// alone, for clients that must fall back on the date.
  MHD_Result respond_validated(MHD_Connection* c, uint64_t n, bool with_etag) {
    auto etag = "\"" + docs[n].sha512_hex.substr(0, 16) + "\"";
    std::time_t modified = 1'600'000'000 + static_cast<std::time_t>(opts.seed % 10'000) * 86'400;
    char date[64];
    std::tm parts{};
    gmtime_r(&modified, &parts);
    std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &parts);
    auto header = [&](const char* name) -> std::string {
      auto* value = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
      return value != nullptr ? value : "";
    };
    bool unchanged = false;
    if (auto tags = header("If-None-Match"); with_etag && !tags.empty()) {
      unchanged = tags == "*" || tags.find(etag) != std::string::npos;
    } else if (auto since = header("If-Modified-Since"); !since.empty()) {
      std::tm asked{};
      auto* end = strptime(since.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &asked);
      unchanged = end != nullptr && timegm(&asked) >= modified;
    }
    MHD_Response* r;
    unsigned status = MHD_HTTP_OK;
    if (unchanged) {
      not_modified += 1;
      status = MHD_HTTP_NOT_MODIFIED;
      r = MHD_create_response_from_buffer(0, nullptr, MHD_RESPMEM_PERSISTENT);
    } else {
      auto size = docs[n].size;
      auto* buf = static_cast<char*>(std::malloc(size == 0 ? 1 : size));
      fill(document_key(opts.seed, n), 0, buf, size);
      r = MHD_create_response_from_buffer(size, buf, MHD_RESPMEM_MUST_FREE);
      MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    }
    if (with_etag)
      MHD_add_response_header(r, "ETag", etag.c_str());
    MHD_add_response_header(r, "Last-Modified", date);
    return respond(c, status, r);
  }

  /// Parks a connection until `when` (or until the server stops).
  MHD_Result wait_until(MHD_Connection* c, void** ctx,
                        clock_type::time_point when) {
    std::lock_guard<std::mutex> guard{mtx};
    if (stopping)
      return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "stopping\n");
    *ctx = new waiting_request;
    MHD_suspend_connection(c);
    wakeups.emplace(when, c);
    wake.notify_one();
    return MHD_YES;
  }

  void run_timer() {
    std::unique_lock<std::mutex> guard{mtx};
    while (!stopping) {
      auto now = clock_type::now();
      while (!wakeups.empty() && wakeups.begin()->first <= now) {
        MHD_resume_connection(wakeups.begin()->second);
        wakeups.erase(wakeups.begin());
      }
      if (wakeups.empty() || wakeups.begin()->first == clock_type::time_point::max())
        wake.wait(guard);
      else
        wake.wait_until(guard, wakeups.begin()->first);
    }
    for (auto& [when, c] : wakeups)
      MHD_resume_connection(c);
    wakeups.clear();
  }

  /// Counts the request, answers it, and stops counting it once its answer
  /// is queued: MHD may report a completion only after the client, which
  /// already has the whole answer, sent its next request, and counting until
  /// then would overstate how many requests the client had in flight.
  MHD_Result handle(MHD_Connection* c, const std::string& path, void** ctx) {
    if (*ctx == &answered_request)
      return MHD_YES;
    if (*ctx == nullptr) {
      *ctx = &plain_request;
      requests += 1;
      auto now = in_flight.fetch_add(1) + 1;
      auto peak = peak_in_flight.load();
      while (now > peak && !peak_in_flight.compare_exchange_weak(peak, now))
        ;
    }
    auto result = route(c, path, ctx);
    if (*ctx == &plain_request) {
      in_flight -= 1;
      *ctx = &answered_request;
    } else if (auto* waiting = static_cast<waiting_request*>(*ctx);
               waiting->resumed && waiting->counted) {
      in_flight -= 1;
      waiting->counted = false;
    }
    return result;
  }

  MHD_Result route(MHD_Connection* c, const std::string& path, void** ctx) {
    if (*ctx != &plain_request) {
      // A parked request woke up: late answer for /slow, or shutdown.
      auto* waiting = static_cast<waiting_request*>(*ctx);
      waiting->resumed = true;
      bool stop;
      {
        std::lock_guard<std::mutex> guard{mtx};
        stop = stopping;
      }
      if (stop)
        return MHD_NO; // close the connection
      return respond_text(c, MHD_HTTP_OK, "slow\n");
    }
    uint64_t n = 0;
    if (number_after(path, "/doc/", n) && n < docs.size())
      return respond_generated(c, document_key(opts.seed, n), docs[n].size,
                               docs[n].size);
    if (number_after(path, "/big/", n) && n <= 4096)
      return respond_generated(c, document_key(opts.seed, ~n), n << 20,
                               n << 20);
    if (number_after(path, "/status/", n) && n >= 100 && n <= 599)
      return respond_text(c, static_cast<unsigned>(n),
                          "status " + std::to_string(n) + "\n");
    if (number_after(path, "/redirect/", n))
      return redirect(c, n <= 1 ? docs.at(0).path
                                : "/redirect/" + std::to_string(n - 1));
    if (path == "/loop")
      return redirect(c, "/loop");
    if (path == "/redirect-to") {
      auto* target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "url");
      if (target == nullptr)
        return respond_text(c, MHD_HTTP_BAD_REQUEST, "url missing\n");
      return redirect(c, target);
    }
    if (number_after(path, "/truncated/", n))
      return respond_generated(c, document_key(opts.seed, n), n, n / 2);
    if (path.compare(0, 7, "/flaky/") == 0) {
      // /flaky/<k>/<name>: 503 for the first k requests of that name.
      auto rest = path.substr(7);
      auto slash = rest.find('/');
      if (slash != std::string::npos && parse_number(rest.substr(0, slash), n)) {
        if (hit(path) < n)
          return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "try again\n");
        return respond_text(c, MHD_HTTP_OK, "flaky " + rest + "\n");
      }
    }
    if (path.compare(0, 10, "/throttle/") == 0
        || path.compare(0, 15, "/throttle-date/") == 0) {
      // /throttle/<s>/<name>: the first request gets 429 with Retry-After: s
      // (as an HTTP-date under /throttle-date/), later ones 200.
      bool as_date = path[9] == '-';
      auto rest = path.substr(as_date ? 15 : 10);
      auto slash = rest.find('/');
      if (slash != std::string::npos && parse_number(rest.substr(0, slash), n)) {
        if (hit(path) == 0) {
          auto* r = MHD_create_response_from_buffer(5, const_cast<char*>("slow\n"),
                                                    MHD_RESPMEM_PERSISTENT);
          char after[64];
          if (as_date) {
            auto when = std::time(nullptr) + static_cast<time_t>(n);
            std::tm tm{};
            gmtime_r(&when, &tm);
            std::strftime(after, sizeof(after), "%a, %d %b %Y %H:%M:%S GMT", &tm);
          } else {
            std::snprintf(after, sizeof(after), "%llu",
                          static_cast<unsigned long long>(n));
          }
          MHD_add_response_header(r, "Retry-After", after);
          return respond(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
        }
        return respond_text(c, MHD_HTTP_OK, "throttled " + rest + "\n");
      }
    }
    if (number_after(path, "/drip/", n) && n <= 3600) {
      auto* body = new drip_body{this, c, n, clock_type::now()};
      auto* r = MHD_create_response_from_callback(n, 1, &impl::read_drip, body,
                                                  &impl::free_drip);
      return respond(c, MHD_HTTP_OK, r);
    }
    if (path == "/endless")
      // A body that never ends (no Content-Length, chunked): only --max-size
      // or --max-time stop it.
      return respond_generated(c, document_key(opts.seed, 7), MHD_SIZE_UNKNOWN,
                               MHD_SIZE_UNKNOWN);
    if (number_after(path, "/big-header/", n) && n <= (1u << 20)) {
      auto* r = MHD_create_response_from_buffer(3, const_cast<char*>("ok\n"),
                                                MHD_RESPMEM_PERSISTENT);
      MHD_add_response_header(r, "X-Big", std::string(n, 'h').c_str());
      return respond(c, MHD_HTTP_OK, r);
    }
    if (path == "/headers") {
      // The request's headers, one "Name: value" line each, as received:
      // tests see what a client sent, e.g. after a redirect.
      std::string text;
      MHD_get_connection_values(
        c, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) {
          auto& out = *static_cast<std::string*>(cls);
          out += key;
          out += ": ";
          out += value != nullptr ? value : "";
          out += "\n";
          return MHD_YES;
        },
        &text);
      return respond_text(c, MHD_HTTP_OK, text);
    }
    if (path.compare(0, 6, "/crash") == 0)
      return respond_text(c, MHD_HTTP_OK, "FETCHSUM-TEST-CRASH\n");
    if (path == "/stall")
      return wait_until(c, ctx, clock_type::time_point::max());
    if (number_after(path, "/slow/", n))
      return wait_until(c, ctx,
                        clock_type::now() + std::chrono::milliseconds(n));
    if (path == "/stats")
      return respond_text(c, MHD_HTTP_OK,
                          "requests " + std::to_string(requests.load())
                            + "\npeak_in_flight "
                            + std::to_string(peak_in_flight.load())
                            + "\nnot_modified "
                            + std::to_string(not_modified.load())
                            + "\nproxied " + std::to_string(proxied.load())
                            + "\n");
    if (number_after(path, "/validated/", n) && n < docs.size())
      return respond_validated(c, n, true);
    if (number_after(path, "/modified/", n) && n < docs.size())
      return respond_validated(c, n, false);
    if (auto file = release.find(path); file != release.end()) {
      auto* r = MHD_create_response_from_buffer(
        file->second.size(), const_cast<char*>(file->second.data()),
        MHD_RESPMEM_PERSISTENT);
      auto html = path.size() > 5 && path.compare(path.size() - 5, 5, ".html") == 0;
      MHD_add_response_header(r, "Content-Type", html ? "text/html"
                                                      : "application/octet-stream");
      return respond(c, MHD_HTTP_OK, r);
    }
    if (path == "/release/latest/SHA256SUMS"
        || path == "/release/latest/SHA512SUMS")
      // A "latest" link to the real checksum file, as mirrors have; only
      // names resolved against the final URL exist.
      return redirect(c, "/release/v1/" + path.substr(16));
    if (path.compare(0, 12, "/basic-auth/") == 0) {
      // /basic-auth/<user>/<password>[/...]: 200 with exactly those HTTP
      // Basic credentials, else 401 asking for them.
      auto rest = path.substr(12);
      auto slash = rest.find('/');
      auto user = rest.substr(0, slash);
      auto password = slash == std::string::npos ? std::string{}
                                                 : rest.substr(slash + 1);
      password = password.substr(0, password.find('/'));
      auto* given = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
      if (given != nullptr && given == "Basic " + base64(user + ":" + password))
        return respond_text(c, MHD_HTTP_OK, "welcome " + user + "\n");
      auto* r = MHD_create_response_from_buffer(
        13, const_cast<char*>("unauthorized\n"), MHD_RESPMEM_PERSISTENT);
      MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              "Basic realm=\"fetchsum-origin\"");
      return respond(c, MHD_HTTP_UNAUTHORIZED, r);
    }
    if (path.compare(0, 8, "/resume/") == 0)
      return respond_resumable(c, path);
    return respond_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
  }

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url,
                               const char*, const char*, const char*,
                               size_t* upload_size, void** ctx) {
    *upload_size = 0; // request bodies are ignored
    auto* self = static_cast<impl*>(cls);
    std::string path = url;
    if (path.compare(0, 7, "http://") == 0) {
      // A request for an absolute URL is what clients send to a forward
      // proxy: the origin plays one that serves every host from itself, and
      // counts such requests (/stats "proxied"), so tests see -x was used.
      auto slash = path.find('/', 7);
      path = slash == std::string::npos ? "/" : path.substr(slash);
      if (*ctx == nullptr)
        self->proxied += 1;
    }
    return self->handle(c, path, ctx);
  }

  static void on_completed(void* cls, MHD_Connection*, void** ctx,
                           MHD_RequestTerminationCode) {
    auto* self = static_cast<impl*>(cls);
    if (*ctx == nullptr || *ctx == &answered_request) {
      *ctx = nullptr;
      return;
    }
    if (*ctx == &plain_request) {
      self->in_flight -= 1; // ended without an answer
    } else {
      auto* waiting = static_cast<waiting_request*>(*ctx);
      if (waiting->counted)
        self->in_flight -= 1;
      delete waiting;
    }
    *ctx = nullptr;
  }
};

server::server(options opts) : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.opts = std::move(opts);
  if (d.opts.documents == 0)
    throw std::runtime_error("the origin needs at least one document");
  d.docs.reserve(d.opts.documents);
  for (uint64_t i = 0; i < d.opts.documents; ++i) {
    document doc;
    doc.path = "/doc/" + std::to_string(i);
    doc.size = document_size(d.opts.seed, i);
    doc.sha512_hex = sha512_hex_of(document_key(d.opts.seed, i), doc.size);
    d.docs.push_back(std::move(doc));
  }
  d.release = make_release(d.opts.seed);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(d.opts.port);
  if (inet_pton(AF_INET, d.opts.address.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + d.opts.address);
  d.daemon = MHD_start_daemon(
    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME,
    d.opts.port, nullptr, nullptr, &impl::on_request, &d,
    MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),
    MHD_OPTION_THREAD_POOL_SIZE, 2u,
    MHD_OPTION_CONNECTION_LIMIT, 8192u,
    MHD_OPTION_CONNECTION_TIMEOUT, 120u,
    // Room for /big-header responses larger than libcurl accepts (100 KiB).
    MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(512 * 1024),
    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
    MHD_OPTION_NOTIFY_COMPLETED, &impl::on_completed, &d,
    MHD_OPTION_END);
  if (d.daemon == nullptr)
    throw std::runtime_error("cannot listen on " + d.opts.address + ":"
                             + std::to_string(d.opts.port) + ": "
                             + std::strerror(errno));
  auto* info = MHD_get_daemon_info(d.daemon, MHD_DAEMON_INFO_BIND_PORT);
  d.port = info != nullptr ? info->port : d.opts.port;
  d.timer = std::thread([&d] { d.run_timer(); });
}

server::~server() {
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->stopping = true;
    impl_->wake.notify_one();
  }
  impl_->timer.join(); // resumes every parked connection on its way out
  MHD_stop_daemon(impl_->daemon);
}

uint16_t server::port() const {
  return impl_->port;
}

std::string server::base_url() const {
  return "http://" + impl_->opts.address + ":" + std::to_string(impl_->port);
}

const std::vector<document>& server::documents() const {
  return impl_->docs;
}

} // namespace fetchsum::origin
