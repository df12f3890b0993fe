#include "util/secret.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/secure.hpp"

namespace eckid {

std::optional<std::string> read_secret_file(const std::filesystem::path &path, std::string &error) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, f)) text.append(buffer, n);
  const bool ok = std::ferror(f) == 0;
  if (!ok) error = std::strerror(errno);
  std::fclose(f);
  secure_clear(buffer, sizeof buffer);
  if (!ok) {
    secure_clear(text.data(), text.size());
    return std::nullopt;
  }
  return text;
}

std::string cannot_read(const std::filesystem::path &path, std::string_view setting,
                        const std::string &error) {
  return "cannot read " + path.string() + " (" + std::string(setting) + "): " + error +
         "; check the path and that the host's user may read it";
}

std::optional<std::string> read_password(const PasswordSource &source, std::string &problem) {
  if (!source.file.empty()) {
    std::string error;
    auto text = read_secret_file(source.file, error);
    if (!text) {
      problem = cannot_read(source.file, source.file_setting, error);
      return std::nullopt;
    }
    std::string password = text->substr(0, text->find_first_of("\r\n"));
    secure_clear(text->data(), text->size());
    return password;
  }
  if (!source.env.empty()) {
    const char *v = std::getenv(source.env.c_str());
    if (v == nullptr) {
      problem = "the environment variable " + source.env + " (" + std::string(source.env_setting) +
                ") is not set; set it for the host's process";
      return std::nullopt;
    }
    return std::string(v);
  }
  return std::string();
}

}  // namespace eckid
