// The environment names the engine knows: aliases and the one production rule. The seeder's and
// the reset's guards ask it, and so does Python's Environment (through the binding), so `prod`
// is guarded exactly as `production` wherever the name comes from.
#pragma once

#include <string>

namespace carrierdb {

/// What an environment name stands for: test -> testing, dev -> development, prod -> production;
/// any other name is itself.
std::string canonical_environment(const std::string &name);

/// The production rule: true for `production` and its alias.
inline bool is_production_environment(const std::string &name) { return canonical_environment(name) == "production"; }

}  // namespace carrierdb
