// eckid: the administrator's command-line tool (issue 7). Commands: doctor.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "doctor.hpp"

int main(int argc, char **argv) {
  CLI::App app{"eckid: ECK iD plugin administration"};
  app.require_subcommand(1);

  std::string config;
  auto *doctor = app.add_subcommand(
      "doctor",
      "Check a configuration: file, client certificate, salt, service (ping), and each school's "
      "sector and chains. One line per check (OK/WARN/FAIL); exit status 1 on any FAIL.");
  doctor->add_option("--config", config, "configuration file (TOML)")
      ->required()
      ->check(CLI::ExistingFile);

  CLI11_PARSE(app, argc, argv);
  if (doctor->parsed()) return eckid_cli::run_doctor(config, std::cout);
  return 2;
}
