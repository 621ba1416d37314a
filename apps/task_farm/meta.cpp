#include "meta.hpp"

#include <nlohmann/json.hpp>

#include "rank_output.hpp"
#include "relay/error.hpp"
#include "taskfile.hpp"

namespace task_farm {

namespace {
constexpr std::string_view format_name = "task_farm";
constexpr int format_version = 1;
}  // namespace

std::string to_json(const farm_meta& meta) {
  nlohmann::ordered_json j;
  j["format"] = format_name;
  j["version"] = format_version;
  j["task_file"] = meta.task_file;
  j["created"] = meta.created;
  j["runs"] = meta.runs;
  j["options"] = {{"chunksize", meta.options.chunksize},
                  {"retries", meta.options.retries},
                  {"timeout", meta.options.timeout},
                  {"grace", meta.options.grace},
                  {"fail_fast", meta.options.fail_fast},
                  {"cores_per_task", meta.options.cores_per_task},
                  {"output", to_string(static_cast<output_mode>(meta.options.output))},
                  {"halt_now", meta.options.halt_now}};
  return j.dump(2) + "\n";
}

farm_meta meta_from_json(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw relay::usage_error("farm.json is not valid JSON");
  }
  try {
    if (!j.is_object() || j.value("format", std::string()) != format_name)
      throw relay::usage_error("farm.json is not a task_farm's");
    if (j.at("version").get<int>() != format_version)
      throw relay::usage_error("farm.json has version " + j.at("version").dump() +
                               "; this task_farm reads version " + std::to_string(format_version));
    farm_meta meta;
    meta.task_file = j.at("task_file").get<std::string>();
    meta.created = j.at("created").get<std::string>();
    meta.runs = j.at("runs").get<std::uint64_t>();
    const auto& o = j.at("options");
    meta.options.chunksize = o.at("chunksize").get<std::uint64_t>();
    meta.options.retries = o.at("retries").get<std::uint64_t>();
    meta.options.timeout = o.at("timeout").get<double>();
    meta.options.grace = o.at("grace").get<double>();
    meta.options.fail_fast = o.at("fail_fast").get<bool>();
    meta.options.halt_now = o.value("halt_now", false);  // farms before --halt have none
    meta.options.cores_per_task = o.value("cores_per_task", std::uint64_t{1});  // older farms
    const auto output = output_mode_from(o.value("output", std::string("per-task")));
    if (!output) throw relay::usage_error("farm.json holds an unknown output mode");
    meta.options.output = static_cast<std::int32_t>(*output);
    if (meta.options.chunksize == 0 || meta.options.cores_per_task == 0 ||
        meta.options.timeout < 0 || meta.options.grace < 0)
      throw relay::usage_error("farm.json holds invalid options");
    return meta;
  } catch (const nlohmann::json::exception& e) {
    throw relay::usage_error(std::string("farm.json is incomplete: ") + e.what());
  }
}

}  // namespace task_farm
