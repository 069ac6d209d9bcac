#include "config/command_line.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <caf/config_option_set.hpp>
#include <caf/config_value.hpp>
#include <caf/settings.hpp>

namespace fetchsum {

namespace {

std::string str(caf::string_view x) {
  return std::string{x.data(), x.size()};
}

/// CAF puts its own help and config-file options in the "global" group too.
bool is_caf_builtin(const caf::config_option& opt) {
  auto name = opt.long_name();
  return name == "help" || name == "long-help" || name == "dump-config"
         || name == "config-file";
}

bool is_fetchsum_option(const caf::config_option& opt) {
  return opt.category() == "global" && !is_caf_builtin(opt);
}

/// The placeholder of an option's value in --help.
std::string metavar(const caf::config_option& opt) {
  static const std::map<std::string, std::string> named{
    {"rate", "R"},        {"algo", "LIST"},     {"format", "FORMAT"},
    {"output", "FILE"},   {"journal", "FILE"},   {"diff", "OLD.jsonl"},   {"cacert", "FILE"},   {"progress", "WHEN"},   {"header", "'NAME: VALUE'"},
    {"max-size", "BYTES"}, {"chunk-size", "BYTES"}, {"window", "BYTES"},
    {"nodes", "HOST:PORT[,...]"}, {"listen", "[HOST:]PORT"},
    {"cluster-cert", "FILE"}, {"cluster-key", "FILE"}, {"cluster-ca", "FILE"},
    {"input-file", "FILE"}, {"base", "URL"},
    {"user", "USER:PASSWORD"}, {"netrc-file", "FILE"}, {"proxy", "URL"},
    {"noproxy", "LIST"}, {"cert", "FILE"}, {"key", "FILE"},
    {"resolve", "HOST:PORT:ADDR"}, {"connect-to", "HOST:PORT:HOST2:PORT2"},
    {"limit-rate", "RATE"}};
  if (auto i = named.find(str(opt.long_name())); i != named.end())
    return i->second;
  if (opt.type_name() == "real64")
    return "SECONDS";
  if (opt.type_name() == "string")
    return "TEXT";
  return "N";
}

/// A default as a user would type it: 10, not 10.000000.
std::string show(const caf::config_value& value) {
  if (auto x = caf::get_if<double>(&value)) {
    auto text = std::to_string(*x);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.')
      text.pop_back();
    return text;
  }
  return caf::to_string(value);
}

/// One option as found on the command line, before it is applied.
struct given_option {
  const caf::config_option* option;
  std::string spelling; // as typed, for messages
  std::string value;    // empty for flags
};

} // namespace

std::string check_config_file(const fetchsum_config& cfg,
                              const std::string& path) {
  auto parsed = caf::actor_system_config::parse_config_file(path.c_str());
  if (!parsed)
    return "config file " + path + ": " + caf::to_string(parsed.error());
  std::string problem;
  auto check = [&](const std::string& category, const std::string& key,
                   const caf::config_value& value) {
    auto* opt = cfg.options().qualified_name_lookup(category, key);
    auto name = category == "global" ? key : category + "." + key;
    if (opt == nullptr) {
      problem = "config file " + path + ": unknown key '" + name + "'";
      return;
    }
    if (opt->check(value)) {
      // CAF stores `timeout=2` as an integer; accept it where a number of
      // seconds is expected.
      if (opt->type_name() == "real64" && caf::holds_alternative<int64_t>(value))
        opt->store(caf::config_value{static_cast<double>(caf::get<int64_t>(value))});
      else
        problem = "config file " + path + ": '" + name + "' must be of type "
                  + str(opt->type_name()) + ", not " + caf::to_string(value);
    }
  };
  for (auto& [key, value] : *parsed) {
    if (!problem.empty())
      break;
    if (auto* section = caf::get_if<caf::settings>(&value)) {
      for (auto& [sub_key, sub_value] : *section)
        if (problem.empty())
          check(key, sub_key, sub_value);
    } else {
      check("global", key, value);
    }
  }
  return problem;
}

std::string parse_command_line(fetchsum_config& cfg, int argc, char** argv,
                               command_line& out) {
  std::vector<std::string> args{argv + 1, argv + argc};
  std::vector<given_option> given;
  std::vector<std::string> caf_args; // CAF's own options, passed through
  std::vector<std::string> cli_headers;
  bool cli_has_headers = false;
  std::vector<std::string> cli_nodes;
  bool cli_has_nodes = false;
  // Repeatable options whose every value is one entry (not CAF's list
  // syntax): the command line's entries replace the file's.
  std::map<std::string, std::vector<std::string>> cli_entries;
  auto next_value = [&](size_t& i, const std::string& spelling,
                        std::string& value) -> std::string {
    if (i + 1 >= args.size())
      return "option " + spelling + " needs a value";
    value = args[++i];
    return {};
  };
  auto positional = [&](const std::string& arg) {
    out.positional.push_back(arg);
    out.inputs.push_back({arg, false});
  };
  // -i/--input-file takes its place among the positional arguments: inputs
  // are read in the order given.
  auto take = [&](const caf::config_option* opt, std::string spelling,
                  std::string value) {
    if (opt->long_name() == "input-file")
      out.inputs.push_back({std::move(value), true});
    else
      given.push_back({opt, std::move(spelling), std::move(value)});
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--") {
      for (auto k = i + 1; k < args.size(); ++k)
        positional(args[k]);
      break;
    }
    if (arg == "-" || arg.size() < 2 || arg[0] != '-') {
      positional(arg);
      continue;
    }
    if (arg == "--help" || arg == "-h" || arg == "-?") {
      out.help = true;
      continue;
    }
    if (arg == "--version" || arg == "-V") {
      out.version = true;
      continue;
    }
    if (arg.compare(0, 2, "--") == 0) {
      auto eq = arg.find('=');
      auto name = arg.substr(2, eq == std::string::npos ? std::string::npos
                                                        : eq - 2);
      bool has_value = eq != std::string::npos;
      std::string value = has_value ? arg.substr(eq + 1) : std::string{};
      if (name == "config-file") {
        if (!has_value)
          if (auto err = next_value(i, arg, value); !err.empty())
            return err;
        out.config_file = value;
        continue;
      }
      if (name == "dump-config")
        // CAF's dump prints every value as read, -u's and a proxy's
        // passwords too, which fetchsum never prints.
        return "--dump-config is not supported: it would print passwords "
               "(-u, --proxy); --help shows every option with its value";
      auto* opt = cfg.options().cli_long_name_lookup(name);
      if (opt == nullptr)
        return "unknown option '--" + name + "' (see --help)";
      if (!is_fetchsum_option(*opt)) {
        caf_args.push_back(arg); // --scheduler.max-threads=2 etc.
        continue;
      }
      if (opt->is_flag()) {
        if (has_value)
          return "option --" + name + " takes no value";
      } else if (!has_value) {
        if (auto err = next_value(i, "--" + name, value); !err.empty())
          return err;
      }
      take(opt, "--" + name, value);
      continue;
    }
    // Short options: -j64, -j 64, and bundled flags such as -kq.
    for (size_t k = 1; k < arg.size(); ++k) {
      auto* opt = cfg.options().cli_short_name_lookup(arg[k]);
      if (opt == nullptr)
        return std::string{"unknown option '-"} + arg[k] + "' (see --help)";
      std::string spelling = std::string{"-"} + arg[k];
      if (opt->is_flag()) {
        given.push_back({opt, spelling, {}});
        continue;
      }
      std::string value = arg.substr(k + 1);
      if (value.empty())
        if (auto err = next_value(i, spelling, value); !err.empty())
          return err;
      take(opt, spelling, value);
      break;
    }
  }
  // 1. INI file and CAF's own options.
  std::stringstream no_file;
  std::ifstream file;
  if (!out.config_file.empty()) {
    file.open(out.config_file);
    if (!file)
      return "cannot read config file " + out.config_file;
  }
  std::istream& ini = out.config_file.empty() ? static_cast<std::istream&>(no_file)
                                               : file;
  if (auto err = cfg.parse(caf_args, ini))
    return "invalid option: " + caf::to_string(err);
  out.caf_printed = cfg.cli_helptext_printed; // --long-help, --dump-config
  // After CAF read the file: report what it silently skipped, and convert
  // the integers it refused for options measured in seconds.
  if (!out.config_file.empty())
    if (auto problem = check_config_file(cfg, out.config_file);
        !problem.empty())
      return problem;
  // 2. fetchsum's flags: applied last, so the command line wins.
  for (auto& x : given) {
    if (x.option->long_name() == "header") {
      cli_has_headers = true;
      cli_headers.push_back(x.value);
      continue;
    }
    if (x.option->long_name() == "nodes") { // repeatable, comma-separated
      cli_has_nodes = true;
      cli_nodes.push_back(x.value);
      continue;
    }
    if (x.option->long_name() == "resolve"
        || x.option->long_name() == "connect-to") {
      cli_entries[str(x.option->long_name())].push_back(x.value);
      continue;
    }
    if (x.option->is_flag()) {
      x.option->store(caf::config_value{true});
      continue;
    }
    if (!x.option->parse(x.value))
      return "invalid value '" + x.value + "' for " + x.spelling + " (expected "
             + str(x.option->type_name()) + ")";
  }
  if (cli_has_headers)
    cfg.headers = std::move(cli_headers); // -H replaces the file's headers
  if (cli_has_nodes)
    cfg.nodes = std::move(cli_nodes);
  if (auto i = cli_entries.find("resolve"); i != cli_entries.end())
    cfg.resolve = std::move(i->second);
  if (auto i = cli_entries.find("connect-to"); i != cli_entries.end())
    cfg.connect_to = std::move(i->second);
  return {};
}

std::string help_text(const fetchsum_config& cfg) {
  std::ostringstream out;
  out << "Usage: fetchsum [OPTION]... [LIST | URL]...\n"
         "       fetchsum -c [OPTION]... [CHECKSUM-FILE | URL]...\n"
         "       fetchsum --nodes HOST:PORT[,HOST:PORT]... [OPTION]... [LIST]...\n"
         "       fetchsum node --listen [HOST:]PORT [OPTION]...\n"
         "       fetchsum demo [OPTION]...\n"
         "Download every URL listed in LIST (one per line; '-' or none: stdin)\n"
         "or given as an argument (starting with http: or https:), and print a\n"
         "digest of each body, like sha512sum does for files. With -c, check the\n"
         "sums of a checksum file, local or fetched by URL: its relative names\n"
         "resolve against its URL (or --base), as a browser resolves links.\n"
         "'demo' serves generated documents on 127.0.0.1 and checks them all.\n"
         "'node' serves coordinators started with --nodes: they hand it URLs,\n"
         "it fetches and hashes them and sends back only the digests.\n"
         "\n"
         "Options (also settable as 'name=value' in an INI file):\n";
  for (auto& opt : cfg.options()) {
    if (!is_fetchsum_option(opt))
      continue;
    std::string flags;
    if (!opt.short_names().empty())
      flags = std::string{"-"} + opt.short_names()[0] + ", ";
    flags += "--" + str(opt.long_name());
    if (!opt.is_flag())
      flags += " " + metavar(opt);
    std::string line = "  " + flags;
    line.resize(std::max<size_t>(line.size() + 1, 30), ' ');
    line += str(opt.description());
    if (!opt.is_flag())
      // A password from the INI file is never shown.
      if (auto value = opt.get(); value && opt.long_name() != "user"
                                  && opt.long_name() != "proxy") {
        auto shown = show(*value);
        if (shown != "\"\"" && shown != "[]" && shown != "0" && shown != "\"0\"")
          line += " [" + shown + "]";
      }
    out << line << "\n";
  }
  out << "  --config-file FILE          read options from an INI file first\n"
         "  -h, --help                  show this help and exit\n"
         "  -V, --version               show the version and exit\n"
         "\n"
         "CAF's own options (--scheduler.max-threads=N, --middleman.*, ...)\n"
         "are accepted in --name=value form.\n"
         "\n"
         "Exit status: 0 if every URL succeeded, 1 if some failed,\n"
         "2 on trouble: a usage or input error, or records that could not be\n"
         "written (full disk, I/O error), 130/143/129 when interrupted by\n"
         "SIGINT/SIGTERM/SIGHUP. SIGUSR1 prints the counts so far.\n";
  return out.str();
}

} // namespace fetchsum
