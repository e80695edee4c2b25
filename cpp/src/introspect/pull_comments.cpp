// pull_comments: what a re-run of `db pull` keeps from the schema.prisma it overwrites but the
// parsed schema does not hold: the text above the first model or enum (datasource, generator and
// their comments) and the `///` lines above each block, field and enum value.
#include <cctype>

#include "pull_parts.hpp"

namespace carrierdb::pull_parts {

namespace {

std::string trimmed(const std::string &line) {
  const auto b = line.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : line.substr(b, line.find_last_not_of(" \t\r\n") - b + 1);
}

// The leading identifier of `text` ("" when it starts otherwise).
std::string identifier(const std::string &text, std::size_t from = 0) {
  std::size_t end = from;
  while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
  return text.substr(from, end - from);
}

}  // namespace

file_layout read_layout(const std::string &text) {
  file_layout out;
  std::vector<std::string> pending;  // /// lines waiting for what they document
  std::string block;                 // the model or enum being read ("" outside one)
  int depth = 0;                     // braces of other blocks (datasource, generator)
  std::size_t header_end = std::string::npos, pending_start = 0, at = 0;
  while (at < text.size()) {
    const std::size_t line_start = at;
    std::size_t next = text.find('\n', at);
    next = next == std::string::npos ? text.size() : next + 1;
    const std::string line = trimmed(text.substr(at, next - at));
    at = next;
    if (line.rfind("///", 0) == 0) {
      if (pending.empty()) pending_start = line_start;
      pending.push_back(line);
      continue;
    }
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    if (!block.empty()) {
      if (line == "}") block.clear();
      else if (line.rfind("@@", 0) != 0) out.member_docs[{block, identifier(line)}] = pending;
      pending.clear();
      continue;
    }
    const std::string keyword = identifier(line);
    if (depth == 0 && (keyword == "model" || keyword == "enum") && line.find('{') != std::string::npos) {
      const auto name_at = line.find_first_not_of(' ', keyword.size());
      block = identifier(line, name_at == std::string::npos ? line.size() : name_at);
      out.block_docs[block] = pending;
      if (header_end == std::string::npos) header_end = pending.empty() ? line_start : pending_start;
    } else {
      for (char c : line) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    }
    pending.clear();
  }
  out.header = text.substr(0, header_end == std::string::npos ? text.size() : header_end);
  return out;
}

}  // namespace carrierdb::pull_parts
