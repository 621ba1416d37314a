#pragma once
// The farm's output directory on disk: paths, existence, creation, and the default name.

#include <string>

namespace task_farm {

/// `path` made absolute (resolved if it exists, else joined to the working directory).
[[nodiscard]] std::string absolute(const std::string& path);
/// True if `path` names a directory (symbolic links followed).
[[nodiscard]] bool is_directory(const std::string& path);
/// True if something (a symbolic link too, even a dangling one) is at `path`.
[[nodiscard]] bool exists(const std::string& path);
/// mkdir -p, then checks the directory can be written; throws relay::usage_error naming it.
void make_directories(const std::string& path);
/// ./farm-<local timestamp>, with -2, -3, ... appended while that name is taken.
[[nodiscard]] std::string default_output_dir();

}  // namespace task_farm
