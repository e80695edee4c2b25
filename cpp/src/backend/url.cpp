// database_url: scheme dispatch, SQLite path forms, password masking.
#include "carrierdb/backend/url.hpp"


#include "carrierdb/error.hpp"
#include "pattern.hpp"
#include "postgres_connection.hpp"
#include "prisma_parameters.hpp"

namespace carrierdb {

namespace {

bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

std::string trim(const std::string &s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

const char *const k_supported =
    "supported forms: postgresql://user:password@host:port/db, postgres://..., "
    "sqlite:///absolute/path.db, sqlite:relative.db, file:./dev.db, sqlite::memory:";

// Percent-encodes what would break the display URL's structure; the display is for humans.
std::string display_part(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '@' || c == '/' || c == '?' || c == '#' || c == ' ') {
      static const char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      out += hex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string mask_secrets(const std::string &text) {
  // scheme://user:secret@host  ->  scheme://user:****@host
  // Greedy up to the last '@': a password with a raw '@' in it is masked whole.
  static const auto url_password = pattern::compile(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^\s]*@)", "", pattern::unit::bytes);
  // password=secret or password='se cret' in keyword strings and query parameters
  static const auto keyword_password =
      pattern::compile(R"(([a-z_]*password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*))", "i", pattern::unit::bytes);
  return keyword_password->replace_all(url_password->replace_all(text, "$1****@"), "$1****");
}

std::string database_url::prisma_option(const std::string &key) const {
  auto it = m_prisma_options.find(key);
  return it == m_prisma_options.end() ? std::string() : it->second;
}

std::string database_url::pg_option(const std::string &key, const std::string &fallback) const {
  auto it = m_pg_options.find(key);
  return it == m_pg_options.end() || it->second.empty() ? fallback : it->second;
}

database_url database_url::parse(const std::string &raw) {
  database_url url;
  url.m_text = trim(raw);
  const std::string &text = url.m_text;
  if (text.empty())
    throw configuration_error("empty database URL",
                              "set DATABASE_URL or pass a URL; " + std::string(k_supported));

  if (starts_with(text, "postgresql://") || starts_with(text, "postgres://")) {
    url.m_kind = backend_kind::postgresql;
    url.m_pg_options = internal::parse_postgres_url(internal::take_prisma_parameters(text, url.m_prisma_options));
    internal::apply_prisma_tls(url.m_prisma_options, url.m_pg_options);
    std::string display = "postgresql://";
    const std::string user = url.pg_option("user");
    if (!user.empty()) {
      display += display_part(user);
      if (!url.pg_option("password").empty()) display += ":****";
      display += "@";
    }
    display += display_part(url.pg_option("host"));
    if (!url.pg_option("port").empty()) display += ":" + url.pg_option("port");
    display += "/" + display_part(url.pg_option("dbname"));
    std::string query;
    for (const auto &[key, value] : url.m_pg_options) {
      if (key == "user" || key == "host" || key == "port" || key == "dbname") continue;
      if (key.find("password") != std::string::npos) continue;  // password, sslpassword: never shown
      if (value.empty()) continue;
      query += (query.empty() ? "?" : "&") + key + "=" + display_part(value);
    }
    for (const auto &[key, value] : url.m_prisma_options)
      if (key.find("password") == std::string::npos) query += (query.empty() ? "?" : "&") + key + "=" + display_part(value);
    url.m_display = display + query;
    return url;
  }

  std::string path;
  if (text == "sqlite::memory:" || text == "sqlite://:memory:" || text == "file::memory:") {
    url.m_kind = backend_kind::sqlite;
    url.m_display = "sqlite::memory:";
    return url;
  } else if (starts_with(text, "sqlite://")) {
    path = text.substr(9);  // sqlite:///abs keeps its leading '/'
  } else if (starts_with(text, "sqlite:")) {
    path = text.substr(7);
  } else if (starts_with(text, "file:")) {
    path = text.substr(5);
    if (starts_with(path, "//")) path = path.substr(2);
  } else {
    const auto colon = text.find(':');
    const bool has_scheme = colon != std::string::npos && colon > 0 &&
                            text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") == colon;
    if (has_scheme)
      throw configuration_error("unknown database URL scheme '" + text.substr(0, colon) + "' in " +
                                    mask_secrets(text),
                                k_supported);
    throw configuration_error("malformed database URL " + mask_secrets(text) + ": no scheme", k_supported);
  }
  // After '?': SQLite's own URI parameters mode and immutable; Prisma's (connection_limit,
  // socket_timeout) tune Prisma's pool and mean nothing to the file itself.
  std::string display_query;
  if (const auto question = path.find('?'); question != std::string::npos) {
    const std::string query = path.substr(question + 1);
    path = path.substr(0, question);
    for (std::size_t start = 0; start <= query.size();) {
      const auto amp = query.find('&', start);
      const std::string item = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      const auto eq = item.find('=');
      const std::string key = item.substr(0, eq), val = eq == std::string::npos ? "" : item.substr(eq + 1);
      if (key == "mode") {
        if (val != "ro" && val != "rw" && val != "rwc")
          throw configuration_error("SQLite URL " + text + ": mode must be ro, rw or rwc, not '" + val + "'",
                                    "mode=ro opens read-only, mode=rw never creates the file, mode=rwc (the default) creates it");
        url.m_sqlite_mode = val;
        if (val != "rwc") display_query += (display_query.empty() ? "?" : "&") + item;
      } else if (key == "immutable") {
        url.m_sqlite_immutable = val == "1" || val == "true";
        if (url.m_sqlite_immutable) display_query += (display_query.empty() ? "?" : "&") + std::string("immutable=1");
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  if (path.empty())
    throw configuration_error("SQLite URL " + text + " names no file", k_supported);
  url.m_kind = backend_kind::sqlite;
  url.m_sqlite_path = path;
  url.m_display = "sqlite:" + path + display_query;
  return url;
}

}  // namespace carrierdb
