// SQLite database files: whether the file can be opened or created, the name to open for a URL, and
// why a file cannot be written.
#include "sqlite_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "carrierdb/error.hpp"

namespace carrierdb::internal {

namespace {

std::string parent_directory(const std::string &path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

void check_sqlite_location(const std::string &path, const std::string &display, bool create) {
  const std::string dir = parent_directory(path);
  struct stat st {};
  if (!create && stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    diagnostics diag;
    diag.sqlstate = "SQLITE_CANTOPEN";
    throw connection_error("SQLite database " + display + " does not exist (no file " + path + "); nothing was created",
                           diag,
                           "create it with `carrierdb migrate deploy` (it creates the file and applies the migrations), "
                           "or point DATABASE_URL at the existing file");
  }
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    const int err = errno;
    diagnostics diag;
    diag.sqlstate = "SQLITE_CANTOPEN";
    if (err == EACCES)
      throw connection_error("cannot open SQLite database " + display + ": directory '" + dir + "' is not accessible (" +
                                 std::strerror(err) + ")",
                             diag, "check the permissions of the directory and its parents");
    throw connection_error("cannot open SQLite database " + display + ": directory '" + dir + "' does not exist",
                           diag, "create the directory first, or point the URL at an existing one");
  }
  if (stat(path.c_str(), &st) != 0 && access(dir.c_str(), W_OK) != 0) {
    diagnostics diag;
    diag.sqlstate = "SQLITE_CANTOPEN";
    throw connection_error("cannot create SQLite database " + display + ": directory '" + dir + "' is not writable",
                           diag, "choose a writable directory, or fix its permissions");
  }
}

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
  const std::string dir = parent_directory(path);
  const auto slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (access(dir.c_str(), W_OK) != 0)
    return {"its directory " + dir + " is not writable by this process, and SQLite must create " + name + "-wal and " + name +
                "-shm (or " + name + "-journal) there to write",
            "make the directory writable for this user, or move the database to a writable directory and point DATABASE_URL there; "
            "to only read a WAL database in place, add ?immutable=1 to the URL (if nothing writes to it meanwhile)"};
  return {};
}

}  // namespace carrierdb::internal
