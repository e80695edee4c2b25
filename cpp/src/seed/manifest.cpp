// manifest: a seed set's manifest.json (name, version, files with their model and key), and the
// totals of a seed result.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "carrierdb/error.hpp"
#include "carrierdb/seed/data_files.hpp"
#include "carrierdb/seed/seeder.hpp"

namespace fs = std::filesystem;

namespace carrierdb {

std::int64_t seed_result::inserted() const {
  std::int64_t n = 0;
  for (const auto &f : files) n += f.inserted;
  return n;
}
std::int64_t seed_result::updated() const {
  std::int64_t n = 0;
  for (const auto &f : files) n += f.updated;
  return n;
}
std::int64_t seed_result::unchanged() const {
  std::int64_t n = 0;
  for (const auto &f : files) n += f.unchanged;
  return n;
}

seed_manifest seed_manifest::load(const std::string &manifest_path) {
  std::ifstream in(manifest_path, std::ios::binary);
  if (!in) throw configuration_error("cannot read seed manifest " + manifest_path, "create it: {\"name\", \"version\", \"files\": [...]}");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::parse_error &e) {
    throw configuration_error("malformed seed manifest " + manifest_path + ": " + e.what());
  }
  const auto need = [&](const nlohmann::json &obj, const char *key, const std::string &where) -> const nlohmann::json & {
    if (!obj.is_object() || !obj.contains(key))
      throw configuration_error(manifest_path + ": " + where + " needs \"" + key + "\"",
                                "a manifest is {\"name\": ..., \"version\": ..., \"files\": [{\"path\": ..., \"model\": ..., \"key\": [...]}]}");
    return obj.at(key);
  };
  seed_manifest m;
  m.path = manifest_path;
  m.name = need(j, "name", "the manifest").get<std::string>();
  m.version = need(j, "version", "the manifest").get<std::string>();
  const auto &files = need(j, "files", "the manifest");
  if (!files.is_array() || files.empty()) throw configuration_error(manifest_path + ": \"files\" must be a non-empty list");
  const fs::path base = fs::path(manifest_path).parent_path();
  for (std::size_t k = 0; k < files.size(); ++k) {
    const std::string where = "files[" + std::to_string(k) + "]";
    seed_file_spec spec;
    spec.path = need(files[k], "path", where).get<std::string>();
    spec.model = need(files[k], "model", where).get<std::string>();
    if (files[k].contains("relation")) {
      spec.relation = files[k].at("relation").get<std::string>();
      if (files[k].contains("key"))
        throw configuration_error(manifest_path + ": " + where + " holds pairs of the relation " + spec.relation + ", which take no \"key\"",
                                  "remove \"key\": the pairs themselves are the key");
    } else if (files[k].contains("key")) {
      const auto &key = files[k].at("key");
      if (key.is_string()) spec.key = {key.get<std::string>()};
      else spec.key = key.get<std::vector<std::string>>();
    }
    spec.resolved_path = (base / spec.path).lexically_normal().string();
    format_of(spec.resolved_path);  // an unknown extension is an error now, not halfway through
    m.files.push_back(std::move(spec));
  }
  return m;
}

}  // namespace carrierdb
