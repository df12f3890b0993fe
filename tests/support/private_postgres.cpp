#include "private_postgres.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace eckid_test {

namespace {

const std::filesystem::path kBin = "/usr/lib/postgresql/15/bin";
constexpr const char *kOwner = "postgres";  // the system user that runs the cluster as root

bool root() {
  return ::geteuid() == 0;
}

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr *>(&a), &n) != 0) {
    if (s >= 0) ::close(s);
    throw std::runtime_error("no free port on 127.0.0.1");
  }
  ::close(s);
  return ntohs(a.sin_port);
}

std::string random_hex(std::size_t n) {
  std::random_device rd;
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rd() % 16];
  return s;
}

// The cluster's files belong to the postgres user when the tests run as root.
void give_to_owner(const std::filesystem::path &p) {
  if (!root()) return;
  const passwd *pw = ::getpwnam(kOwner);
  if (pw == nullptr || ::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error("cannot give " + p.string() + " to the user postgres");
  }
}

// Runs argv, returning its exit status and its output (stdout and stderr).
int execute(const std::vector<std::string> &argv, std::string &output) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

bool PrivatePostgres::available() {
  return std::filesystem::exists(kBin / "initdb");
}

PrivatePostgres::PrivatePostgres()
    : root_(std::filesystem::temp_directory_path() / ("eckid-pg-" + random_hex(12))),
      data_(root_ / "data"),
      socket_(root_ / "socket"),
      password_file_(root_ / "eckid.pass"),
      password_(random_hex(24)) {
  namespace fs = std::filesystem;
  fs::create_directories(socket_);
  fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  try {
    give_to_owner(root_);
    give_to_owner(socket_);
    run("initdb", {"-D", data_.string(), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"});
    port_ = free_port();
    start();
    sql("CREATE ROLE eckid LOGIN PASSWORD '" + password_ + "'", "postgres");
    sql("CREATE DATABASE eckid OWNER eckid", "postgres");
    std::ofstream(password_file_) << password_ << "\n";
    fs::permissions(password_file_, fs::perms::owner_read | fs::perms::owner_write);
  } catch (...) {
    remove();
    throw;
  }
}

PrivatePostgres::~PrivatePostgres() {
  remove();
}

void PrivatePostgres::remove() noexcept {
  try {
    stop();
  } catch (...) {
    // Removing the folder below ends a server that would not stop at its next checkpoint.
  }
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

std::string PrivatePostgres::url() const {
  return "postgresql://eckid@127.0.0.1:" + std::to_string(port_) + "/eckid";
}

void PrivatePostgres::stop() {
  if (!running_) return;
  run("pg_ctl", {"-D", data_.string(), "-m", "fast", "-w", "stop"});
  running_ = false;
}

void PrivatePostgres::start() {
  // fsync off: a test cluster that needs no crash safety starts and commits faster.
  run("pg_ctl", {"-D", data_.string(), "-l", (root_ / "server.log").string(), "-w", "-o",
                 "-p " + std::to_string(port_) + " -k " + socket_.string() +
                     " -c listen_addresses=127.0.0.1 -c fsync=off",
                 "start"});
  running_ = true;
}

std::string PrivatePostgres::sql(const std::string &statement, const std::string &database) const {
  return run("psql", {"-h", socket_.string(), "-p", std::to_string(port_), "-U", "postgres", "-d",
                      database, "-AtX", "-v", "ON_ERROR_STOP=1", "-c", statement});
}

std::string PrivatePostgres::run(const std::string &program,
                                 const std::vector<std::string> &args) const {
  std::vector<std::string> argv;
  if (root()) argv = {"runuser", "-u", kOwner, "--"};
  argv.push_back((kBin / program).string());
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  if (execute(argv, output) != 0) {
    throw std::runtime_error(program + " failed: " + output);
  }
  return output;
}

}  // namespace eckid_test
