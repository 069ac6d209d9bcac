#include "main/demo.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "main/run.hpp"
#include "origin/origin.hpp"

namespace fetchsum {

namespace {

/// Copies everything written to it to `out` and keeps a copy, so the demo
/// can print records as they come and check them afterwards.
class tee_buffer : public std::streambuf {
public:
  explicit tee_buffer(std::streambuf* out) : out_(out) {}

  std::string captured;

protected:
  int overflow(int c) override {
    if (c == EOF)
      return 0;
    captured.push_back(static_cast<char>(c));
    return out_->sputc(static_cast<char>(c));
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    captured.append(s, static_cast<size_t>(n));
    return out_->sputn(s, n);
  }

  int sync() override {
    return out_->pubsync();
  }

private:
  std::streambuf* out_;
};

} // namespace

int run_demo(caf::actor_system& sys, fetchsum_config& cfg) {
  // The check compares sha512 digests in sum format; other choices would
  // make the records incomparable with the origin's manifest.
  cfg.aggregator.format = output_format::sum;
  cfg.hasher.algorithms = {"sha512"};
  origin::options opts;
  opts.documents = static_cast<uint32_t>(cfg.demo_documents);
  std::unique_ptr<origin::server> server;
  try {
    server = std::make_unique<origin::server>(opts);
  } catch (std::exception& e) {
    std::cerr << "fetchsum: demo origin failed to start: " << e.what() << "\n";
    return 2;
  }
  char list_path[] = "/tmp/fetchsum-demo-XXXXXX";
  int fd = mkstemp(list_path);
  if (fd < 0) {
    std::perror("fetchsum: cannot create the demo URL list");
    return 2;
  }
  std::map<std::string, std::string> expected; // URL -> sha512 hex
  {
    std::ostringstream list;
    for (auto& doc : server->documents()) {
      auto url = server->base_url() + doc.path;
      list << url << '\n';
      expected[url] = doc.sha512_hex;
    }
    auto text = list.str();
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      std::perror("fetchsum: cannot write the demo URL list");
      return 2;
    }
    close(fd);
  }
  std::cerr << "fetchsum demo: origin on " << server->base_url() << " serving "
            << expected.size() << " documents\n";
  tee_buffer tee{std::cout.rdbuf()};
  std::ostream out{&tee};
  auto outcome = run(sys, cfg, {source_input::list_file(list_path)}, &out, std::cerr);
  out.flush();
  std::remove(list_path);
  std::cerr << summary_line(outcome) << "\n";
  // Check every record against the origin's own digest.
  std::istringstream records{tee.captured};
  std::string line;
  size_t matched = 0, mismatched = 0;
  while (std::getline(records, line)) {
    auto sep = line.find("  ");
    if (sep == std::string::npos)
      continue;
    auto i = expected.find(line.substr(sep + 2));
    if (i != expected.end() && i->second == line.substr(0, sep))
      ++matched;
    else
      ++mismatched;
  }
  auto missing = expected.size() - matched - mismatched;
  std::cerr << "fetchsum demo: " << matched << " of " << expected.size()
            << " digests match the origin's, " << mismatched
            << " differ, " << missing << " missing\n";
  if (outcome.signal != 0)
    return exit_status(outcome);
  return matched == expected.size() ? 0 : 1;
}

} // namespace fetchsum
