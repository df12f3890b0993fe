#include "private_postgres.hpp"

#include <fcntl.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "spawn.hpp"

namespace eckid_test {

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_line(const fs::path &path) {
  std::string line;
  std::ifstream in(path);
  std::getline(in, line);
  return line;
}

}  // namespace

bool PrivatePostgres::available() {
  return *ECKID_PYTHON3 != '\0' && fs::exists("/usr/lib/postgresql/15/bin/initdb");
}

PrivatePostgres::PrivatePostgres() {
  std::string folder = (fs::temp_directory_path() / "eckid-pg-XXXXXX").string();
  if (::mkdtemp(folder.data()) == nullptr) {
    throw std::runtime_error("cannot make a folder for a PostgreSQL cluster in " +
                             fs::temp_directory_path().string());
  }
  folder_ = folder;
  // The postgres user reaches the cluster inside (the script links one outside otherwise).
  fs::permissions(folder_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  try {
    url_ = run("start", {"--no-fsync"});
    url_.erase(url_.find_last_not_of('\n') + 1);
    port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
    password_file_ = folder_ / "password";
    password_ = first_line(password_file_);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(folder_, ec);
    throw;
  }
}

PrivatePostgres::~PrivatePostgres() {
  try {
    run("remove");
  } catch (...) {
    // Removing the folder below ends a server that would not stop at its next checkpoint.
  }
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

void PrivatePostgres::stop() {
  run("stop");
}

void PrivatePostgres::start() {
  run("restart");  // on a stopped cluster: starts it
}

std::string PrivatePostgres::sql(const std::string &statement, const std::string &database) const {
  return run("sql", {"--database", database}, statement);
}

std::string PrivatePostgres::run(const std::string &command, const std::vector<std::string> &args,
                                 const std::string &input) const {
  std::lock_guard lock(run_mutex_);
  const fs::path in = folder_ / "run.in", out = folder_ / "run.out", err = folder_ / "run.err";
  {
    // The statement may hold a password: a file only we can read, never a command line.
    const int fd = ::open(in.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + in.string());
    ::close(fd);
    std::ofstream(in, std::ios::binary) << input;
  }
  std::vector<std::string> argv = {ECKID_PYTHON3, ECKID_PRIVATE_POSTGRES_SCRIPT, command,
                                   folder_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = spawn_to_files(argv, out, err, in);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  std::string output = slurp(out);
  const std::string errors = slurp(err);
  std::error_code ec;
  for (const auto &p : {in, out, err}) fs::remove(p, ec);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(std::string(ECKID_PRIVATE_POSTGRES_SCRIPT) + " " + command +
                             " failed: " + output + errors);
  }
  return output;
}

}  // namespace eckid_test
