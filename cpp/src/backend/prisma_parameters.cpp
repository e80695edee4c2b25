// Prisma's PostgreSQL URL parameters (what `prisma init` writes and teams keep in .env): which
// ones exist, their validation, and the libpq keywords that carry their meaning.
#include "prisma_parameters.hpp"

#include <cctype>
#include <set>

#include "carrierdb/error.hpp"

namespace carrierdb::internal {

namespace {

// libpq refuses unknown keywords, and reads sslcert and sslpassword differently from Prisma
// (a client certificate; Prisma: the server's CA certificate and the PKCS#12 identity's password).
const std::set<std::string> &prisma_keys() {
  static const std::set<std::string> keys = {"schema",     "pgbouncer",   "connection_limit", "pool_timeout", "statement_cache_size",
                                             "sslcert",    "sslidentity", "sslpassword",      "sslaccept",    "socket_timeout"};
  return keys;
}

std::string percent_decode(const std::string &s) {
  std::string out;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] == '%' && k + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[k + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[k + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(k + 1, 2), nullptr, 16));
      k += 2;
    } else {
      out += s[k] == '+' ? ' ' : s[k];
    }
  }
  return out;
}

bool is_count(const std::string &v) { return !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos; }

bool is_seconds(const std::string &v) {
  if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789.") != std::string::npos) return false;
  const auto dot = v.find('.');
  return dot == std::string::npos || (dot > 0 && v.find('.', dot + 1) == std::string::npos && dot + 1 < v.size());
}

void validate(const std::string &key, const std::string &value) {
  const auto refuse = [&](const std::string &expected) {
    // sslpassword's value is a secret: never echoed.
    const std::string shown = key == "sslpassword" ? "" : " '" + value + "'";
    throw configuration_error("the PostgreSQL URL parameter " + key + shown + " is not valid", key + " takes " + expected);
  };
  if (key == "pgbouncer" && value != "true" && value != "false") refuse("true or false");
  if (key == "connection_limit" && (!is_count(value) || std::stoi(value) < 1)) refuse("a whole number of connections, at least 1");
  if (key == "statement_cache_size" && !is_count(value)) refuse("a whole number of statements (0 turns preparation off)");
  if ((key == "pool_timeout" || key == "socket_timeout") && !is_seconds(value)) refuse("seconds, e.g. 10 or 2.5 (0: no limit)");
  if (key == "sslaccept" && value != "strict" && value != "accept_invalid_certs") refuse("strict or accept_invalid_certs");
  if (key == "schema" && value.empty()) refuse("a schema name");
}

}  // namespace

std::string take_prisma_parameters(const std::string &uri, std::map<std::string, std::string> &prisma) {
  // The query starts at the first '?' after the authority (a '?' in a password must be percent-encoded).
  const auto at = uri.rfind('@');
  const auto question = uri.find('?', at == std::string::npos ? 0 : at);
  if (question == std::string::npos) return uri;
  std::string kept;
  std::size_t start = question + 1;
  while (start <= uri.size()) {
    const auto amp = uri.find('&', start);
    const std::string pair = uri.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    const auto eq = pair.find('=');
    const std::string key = percent_decode(pair.substr(0, eq));
    if (prisma_keys().count(key)) {
      const std::string value = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
      validate(key, value);
      prisma[key] = value;
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "" : "&") + pair;
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return uri.substr(0, question) + (kept.empty() ? "" : "?" + kept);
}

void apply_prisma_tls(const std::map<std::string, std::string> &prisma, std::map<std::string, std::string> &libpq) {
  const auto get = [&](const char *key) {
    auto it = prisma.find(key);
    return it == prisma.end() ? std::string() : it->second;
  };
  const std::string ca = get("sslcert");
  if (!ca.empty() && libpq["sslrootcert"].empty()) libpq["sslrootcert"] = ca;
  std::string &mode = libpq["sslmode"];
  if (get("sslaccept") == "accept_invalid_certs") {
    // Encrypt, but check no certificate: libpq's require.
    if (mode == "verify-ca" || mode == "verify-full") mode = "require";
  } else if (!ca.empty() && mode == "require") {
    // Prisma's default sslaccept=strict checks the server against the given CA certificate.
    mode = "verify-full";
  }
  if (mode.empty()) libpq.erase("sslmode");
}

}  // namespace carrierdb::internal
