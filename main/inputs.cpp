#include "main/inputs.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "detail/checksum_line.hpp"
#include "detail/checksum_name.hpp"
#include "detail/line_reader.hpp"
#include "detail/url_mask.hpp"
#include "detail/url_origin.hpp"
#include "detail/whole_fetch.hpp"

namespace fetchsum {

namespace {

/// A list must be a readable file (or stdin) before anything is fetched.
std::string check_list(const std::string& path) {
  if (path == "-")
    return {};
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0)
    return path + ": " + std::strerror(errno);
  if (S_ISDIR(info.st_mode))
    return path + ": " + std::strerror(EISDIR);
  if (::access(path.c_str(), R_OK) != 0)
    return path + ": " + std::strerror(errno);
  return {};
}

/// -c URL: the checksum file, fetched now. A failure names the URL and why.
std::string fetch_checksum_file(const fetchsum_config& cfg,
                                const std::string& url,
                                std::vector<source_input>& inputs) {
  // Its name in every message, --warn line and read error: password masked,
  // as records print URLs.
  auto name = detail::mask_url_password(url);
  // A URL libcurl would refuse gets the message a list line would get.
  if (auto checked = detail::check_url(url);
      checked.error != error_kind::none)
    return "checksum file " + name + ": "
           + detail::mask_url_passwords_in_text(checked.message) + " ("
           + to_string(checked.error) + ")";
  detail::whole_fetch_limits limits;
  if (cfg.fetcher.max_size > 0) {
    limits.max_bytes = cfg.fetcher.max_size;
    limits.max_bytes_origin = "--max-size";
  } else {
    limits.max_bytes_origin = "the cap of a checksum file without --max-size";
  }
  limits.retries = cfg.supervisor.retries;
  limits.retry_delay = cfg.supervisor.retry_delay;
  limits.retry_max_delay = cfg.supervisor.retry_max_delay;
  auto fetched = detail::fetch_whole(cfg.fetcher, url, limits);
  auto& report = fetched.report;
  if (report.error != error_kind::none) {
    std::string problem = "checksum file " + name + ": "
                          + detail::mask_url_passwords_in_text(report.message)
                          + " (" + to_string(report.error);
    if (fetched.attempts > 1)
      problem += ", " + std::to_string(fetched.attempts) + " attempts";
    return problem + ")";
  }
  auto base = report.final_url.empty() ? url : report.final_url;
  inputs.push_back(source_input::fetched(
    name, std::make_shared<const std::string>(std::move(fetched.body)),
    std::move(base)));
  return {};
}

} // namespace

std::string prepare_inputs(const fetchsum_config& cfg,
                           const std::vector<input_argument>& arguments,
                           std::vector<source_input>& inputs) {
  if (!cfg.base.empty()) {
    if (!cfg.check)
      return "--base is for checksum files: use it with -c";
    if (auto checked = detail::check_url(cfg.base);
        checked.error != error_kind::none)
      return "--base " + detail::mask_url_password(cfg.base) + ": "
             + detail::mask_url_passwords_in_text(checked.message);
  }
  // Local lists first: a typo in a path is reported before any checksum
  // file is downloaded.
  for (auto& argument : arguments)
    if (argument.list_file || !detail::is_http_url(argument.text))
      if (auto problem = check_list(argument.text); !problem.empty())
        return problem;
  inputs.clear();
  for (auto& argument : arguments) {
    if (argument.list_file || !detail::is_http_url(argument.text))
      inputs.push_back(source_input::list_file(argument.text, cfg.base));
    else if (!cfg.check)
      inputs.push_back(source_input::url(argument.text));
    else if (auto problem = fetch_checksum_file(cfg, argument.text, inputs);
             !problem.empty())
      return problem;
  }
  return {};
}

std::vector<std::string>
algorithms_to_check(const std::vector<source_input>& inputs) {
  std::set<std::string> names;
  bool from_stdin = inputs.empty();
  auto scan = [&](detail::line_reader lines) {
    // The same bounded reader as the source: a huge line ends the scan, and
    // the source reports it.
    std::string line;
    while (lines.next(line) == detail::line_reader::result::line)
      if (auto parsed = detail::parse_checksum_line(
            std::string{detail::list_line_url(line)}))
        names.insert(parsed->digest.algo);
  };
  for (auto& input : inputs) {
    if (input.kind == source_input::kind_type::fetched) {
      scan(detail::line_reader::from_shared(input.text));
      continue;
    }
    if (input.kind != source_input::kind_type::list_file)
      continue;
    if (input.name == "-") {
      from_stdin = true;
      continue;
    }
    int fd = ::open(input.name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue; // the source will say why
    scan(detail::line_reader::from_fd(fd));
    ::close(fd);
  }
  if (from_stdin)
    names.insert({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"});
  if (names.empty())
    names.insert("sha512");
  return {names.begin(), names.end()};
}

} // namespace fetchsum
