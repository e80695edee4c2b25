// postgres_url: libpq's parser for PostgreSQL URLs and conninfo strings, and which failed
// connection attempts are worth repeating.
#include <libpq-fe.h>

#include "carrierdb/error.hpp"
#include "postgres_connection.hpp"

namespace carrierdb::internal {

std::string quote_conninfo_value(const std::string &v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::map<std::string, std::string> parse_postgres_url(const std::string &url) {
  char *err = nullptr;
  PQconninfoOption *opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    std::string why = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw configuration_error("malformed PostgreSQL URL " + mask_secrets(url) + ": " + mask_secrets(why),
                              "expected postgresql://user:password@host:port/database?param=value "
                              "(percent-encode special characters in the password)");
  }
  std::map<std::string, std::string> out;
  for (PQconninfoOption *o = opts; o->keyword; ++o)
    if (o->val) out[o->keyword] = o->val;
  PQconninfoFree(opts);
  if (auto it = out.find("port"); it != out.end()) {
    const std::string &port = it->second;
    bool valid = !port.empty();
    for (std::size_t start = 0; valid && start <= port.size();) {  // libpq allows a list: 5432,5433
      const auto comma = port.find(',', start);
      const std::string one = port.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      valid = !one.empty() && one.size() <= 5 && one.find_first_not_of("0123456789") == std::string::npos &&
              std::stoi(one) >= 1 && std::stoi(one) <= 65535;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    // The value is not echoed: with a raw '/' in a password, libpq reads part of it as the port.
    if (!valid)
      throw configuration_error("malformed PostgreSQL URL: the port is not a number from 1 to 65535",
                                "use a port between 1 and 65535, e.g. postgresql://host:5432/db; percent-encode "
                                "'/', '@' and ':' in the password (%2F, %40, %3A)");
  }
  if (auto it = out.find("host"); it != out.end() && it->second.find('@') != std::string::npos)
    throw configuration_error("malformed PostgreSQL URL: the host contains '@'",
                              "percent-encode '@' in the user name or password as %40");
  return out;
}

bool postgres_connect_error_is_transient(const std::string &message) {
  // The server answered and said no: repeating the attempt cannot help.
  static const char *const final_answers[] = {
      "password authentication failed", "no password supplied", "does not exist", "no pg_hba.conf entry",
      "permission denied", "authentication failed", "SSL is not enabled", "invalid",
  };
  for (const char *answer : final_answers)
    if (message.find(answer) != std::string::npos) return false;
  return true;
}

}  // namespace carrierdb::internal
