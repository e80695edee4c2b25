// Prisma's PostgreSQL URL parameters: taken out of the URL before libpq parses it, validated.
#pragma once

#include <map>
#include <string>

namespace carrierdb::internal {

/// Removes Prisma's own parameters from the query of a postgresql:// URI and returns the rest,
/// which libpq parses; `prisma` receives them percent-decoded and validated. Throws
/// configuration_error naming the parameter (never its value when it is a secret).
std::string take_prisma_parameters(const std::string &uri, std::map<std::string, std::string> &prisma);

/// Adds to `libpq` the keywords that give Prisma's TLS parameters their meaning there.
void apply_prisma_tls(const std::map<std::string, std::string> &prisma, std::map<std::string, std::string> &libpq);

}  // namespace carrierdb::internal
