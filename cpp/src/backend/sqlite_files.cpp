// SQLite database files: the name to open for a URL, and why a file cannot be written.
#include "sqlite_files.hpp"

#include <unistd.h>

namespace carrierdb::internal {

std::string sqlite_open_name(const database_url &url, bool &uri) {
  const std::string &path = url.sqlite_path();
  uri = url.sqlite_immutable();
  if (!uri) return path.empty() ? ":memory:" : path;
  // In a URI, '%', '?' and '#' of the path would be read as escapes, the query or a fragment.
  std::string name = "file:";
  static const char hex[] = "0123456789ABCDEF";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') name += {'%', hex[(static_cast<unsigned char>(c) >> 4) & 0xF], hex[static_cast<unsigned char>(c) & 0xF]};
    else name += c;
  }
  return name + "?immutable=1";
}

read_only_state sqlite_read_only_reason(const database_url &url, bool opened_read_only) {
  const std::string &path = url.sqlite_path();
  if (path.empty()) return {};
  if (url.sqlite_immutable())
    return {"it was opened as immutable (immutable=1 in the URL)", "remove immutable=1 from the URL to write to it"};
  if (url.sqlite_read_only()) return {"it was opened read-only (mode=ro in the URL)", "remove mode=ro from the URL to write to it"};
  if (opened_read_only)
    return {"the file " + path + " is not writable by this process (its permissions or owner, or a read-only mount)",
            "make the file writable for this user, or point DATABASE_URL at a writable copy"};
  // Writing creates files beside the database (WAL's -wal and -shm, or a rollback journal).
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (access(dir.c_str(), W_OK) != 0)
    return {"its directory " + dir + " is not writable by this process, and SQLite must create " + name + "-wal and " + name +
                "-shm (or " + name + "-journal) there to write",
            "make the directory writable for this user, or move the database to a writable directory and point DATABASE_URL there; "
            "to only read a WAL database in place, add ?immutable=1 to the URL (if nothing writes to it meanwhile)"};
  return {};
}

}  // namespace carrierdb::internal
