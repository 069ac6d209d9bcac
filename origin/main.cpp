// fetchsum-origin: the test origin as a standalone server, for integration
// tests and benchmarks. Runs until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "origin/origin.hpp"
#include "origin/raw_server.hpp"

namespace {

const char* usage
  = "Usage: fetchsum-origin [--address A] [--port P] [--documents N]\n"
    "                       [--seed S] [--manifest FILE] [--port-file FILE]\n"
    "                       [--raw-port-file FILE]\n"
    "Serves generated documents and fault routes over HTTP until SIGINT or\n"
    "SIGTERM. --manifest writes 'SHA512HEX  URL' per document (sha512sum's\n"
    "format); --port-file writes the port once the server listens.\n"
    "--raw-port-file also starts the raw-TCP origin of hostile answers\n"
    "(broken HTTP, see origin/raw_server.hpp) on an ephemeral port of the\n"
    "same address and writes its port there, before --port-file.\n";

int bad_usage(const std::string& message) {
  std::cerr << "fetchsum-origin: " << message << "\n" << usage;
  return 2;
}

/// Writes `text` to `path` atomically, so a reader never sees half of it.
bool write_file(const std::string& path, const std::string& text) {
  auto tmp = path + ".tmp";
  {
    std::ofstream out{tmp};
    out << text;
    if (!out)
      return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

} // namespace

int main(int argc, char** argv) {
  fetchsum::origin::options opts;
  std::string manifest, port_file, raw_port_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 >= argc)
      return bad_usage("unknown option or missing value: " + arg);
    std::string value = argv[++i];
    try {
      if (arg == "--address")
        opts.address = value;
      else if (arg == "--port")
        opts.port = static_cast<uint16_t>(std::stoul(value));
      else if (arg == "--documents")
        opts.documents = static_cast<uint32_t>(std::stoul(value));
      else if (arg == "--seed")
        opts.seed = std::stoull(value);
      else if (arg == "--manifest")
        manifest = value;
      else if (arg == "--port-file")
        port_file = value;
      else if (arg == "--raw-port-file")
        raw_port_file = value;
      else
        return bad_usage("unknown option: " + arg);
    } catch (std::exception&) {
      return bad_usage("invalid value for " + arg + ": " + value);
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr); // before the server's threads
  try {
    fetchsum::origin::server server{opts};
    std::unique_ptr<fetchsum::origin::raw_server> raw;
    if (!raw_port_file.empty()) {
      raw = std::make_unique<fetchsum::origin::raw_server>(opts.address);
      if (!write_file(raw_port_file, std::to_string(raw->port()) + "\n"))
        throw std::runtime_error("cannot write " + raw_port_file);
    }
    if (!manifest.empty()) {
      std::string text;
      for (auto& doc : server.documents())
        text += doc.sha512_hex + "  " + server.base_url() + doc.path + "\n";
      if (!write_file(manifest, text))
        throw std::runtime_error("cannot write " + manifest);
    }
    if (!port_file.empty()
        && !write_file(port_file, std::to_string(server.port()) + "\n"))
      throw std::runtime_error("cannot write " + port_file);
    std::cerr << "fetchsum-origin: listening on " << server.base_url() << "\n";
    int sig = 0;
    sigwait(&signals, &sig);
  } catch (std::exception& e) {
    std::cerr << "fetchsum-origin: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
