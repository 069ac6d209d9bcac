#include "detail/journal.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace fetchsum::detail {

std::string journal_url(const std::string& line) {
  // Records are written by format_record's json layout only, so the URL is
  // always the first field and the line ends with "}".
  static const std::string prefix = "{\"url\":\"";
  if (line.compare(0, prefix.size(), prefix) != 0 || line.empty()
      || line.back() != '}')
    return {};
  std::string url;
  for (size_t i = prefix.size(); i < line.size(); ++i) {
    char c = line[i];
    if (c == '"')
      return url;
    if (c != '\\') {
      url += c;
      continue;
    }
    if (++i >= line.size())
      return {};
    switch (line[i]) {
      case 'n': url += '\n'; break;
      case 'r': url += '\r'; break;
      case 't': url += '\t'; break;
      case 'u': {
        // Exactly four hex digits; std::stoi would throw on others (and
        // accept a sign or blanks).
        if (i + 4 >= line.size())
          return {};
        unsigned code = 0;
        for (size_t k = i + 1; k <= i + 4; ++k) {
          auto c = static_cast<unsigned char>(line[k]);
          if (!std::isxdigit(c))
            return {};
          code = code * 16 + (std::isdigit(c) ? c - '0' : std::tolower(c) - 'a' + 10);
        }
        url += static_cast<char>(code);
        i += 4;
        break;
      }
      default: url += line[i]; // \" and \\ stand for themselves
    }
  }
  return {}; // no closing quote: torn
}

std::unordered_set<std::string> resume_journal(const std::string& path,
                                               std::string& error) {
  std::unordered_set<std::string> done;
  std::ifstream in{path};
  if (!in) {
    if (errno != ENOENT)
      error = path + ": " + std::strerror(errno);
    return done;
  }
  auto tmp = path + ".tmp";
  std::ofstream out{tmp, std::ios::trunc};
  std::string line;
  while (std::getline(in, line)) {
    // A torn last line has no newline; getline still returns it, but it is
    // not a complete record and journal_url rejects it.
    if (in.eof() && !line.empty() && line.back() != '}')
      break;
    auto url = journal_url(line);
    if (url.empty() || line.find(",\"ok\":true,") == std::string::npos)
      continue; // failed, or not a record: run it again
    if (!done.insert(url).second)
      continue; // a second OK record of one URL: keep one
    out << line << '\n';
  }
  out.flush();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": cannot rewrite the journal: " + std::strerror(errno);
    std::remove(tmp.c_str());
  }
  return done;
}

std::string journal_digests(const std::string& line) {
  // Digest names and hex values hold no braces: the object ends at the
  // first '}' after its start.
  auto start = line.find(",\"digests\":{");
  if (start == std::string::npos)
    return {};
  auto end = line.find('}', start);
  if (end == std::string::npos)
    return {};
  return line.substr(start + 1, end - start);
}

std::unordered_map<std::string, std::string>
load_previous_run(const std::string& path, std::string& error) {
  std::unordered_map<std::string, std::string> previous;
  std::ifstream in{path};
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return previous;
  }
  std::string line;
  while (std::getline(in, line)) {
    auto url = journal_url(line);
    if (url.empty() || line.find(",\"ok\":true,") == std::string::npos)
      continue;
    previous[url] = journal_digests(line);
  }
  return previous;
}

} // namespace fetchsum::detail
