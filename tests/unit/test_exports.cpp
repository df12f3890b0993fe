// libeckid.so exports exactly the functions eckid.h declares, and they resolve with RTLD_NOW;
// its SONAME carries the header's ABI version.
#include <dlfcn.h>
#include <eckid/eckid.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {
std::set<std::string> declared_functions() {
  std::ifstream in(ECKID_HEADER_PATH);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::set<std::string> names;
  static const std::regex decl(R"(ECKID_API[^;(]*?\b(eckid_[a-z0-9_]+)\s*\()");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl); it != std::sregex_iterator();
       ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

// The output lines of a binutils command run on the library.
std::vector<std::string> tool_lines(const std::string &tool) {
  const std::string cmd = tool + " " + ECKID_LIBRARY_PATH;
  FILE *pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::vector<std::string> lines;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) lines.emplace_back(line);
  REQUIRE(pclose(pipe) == 0);
  return lines;
}

std::set<std::string> exported_symbols() {
  std::set<std::string> names;
  for (const auto &line : tool_lines("nm -D --defined-only")) {
    std::istringstream ls(line);
    std::string addr, type, name;
    ls >> addr >> type >> name;
    if (!name.empty()) names.insert(name.substr(0, name.find('@')));
  }
  return names;
}
}  // namespace

TEST_CASE("exported symbols equal the header's declarations", "[abi][exports]") {
  const auto declared = declared_functions();
  REQUIRE(declared.size() >= 10);
  CHECK(declared.contains("eckid_status_name"));
  const auto exported = exported_symbols();
  CHECK(exported == declared);
}

TEST_CASE("dlopen with RTLD_NOW resolves every declared function", "[abi][exports]") {
  void *lib = dlopen(ECKID_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL);
  INFO((lib ? "" : dlerror()));
  REQUIRE(lib != nullptr);
  for (const auto &name : declared_functions()) {
    INFO(name);
    CHECK(dlsym(lib, name.c_str()) != nullptr);
  }
  using version_fn = unsigned (*)();
  auto v = reinterpret_cast<version_fn>(dlsym(lib, "eckid_abi_version"));
  REQUIRE(v != nullptr);
  CHECK(v() == ECKID_ABI_VERSION);
  dlclose(lib);
}

TEST_CASE("the SONAME is libeckid.so.<ECKID_ABI_VERSION>", "[abi][exports]") {
  std::string soname;
  for (const auto &line : tool_lines("objdump -p")) {
    std::istringstream ls(line);
    std::string tag, value;
    ls >> tag >> value;
    if (tag == "SONAME") soname = value;
  }
  CHECK(soname == "libeckid.so." + std::to_string(ECKID_ABI_VERSION));
}
