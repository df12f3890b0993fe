// eckid: the administrator's command-line tool (issue 7). Commands: doctor, import, status,
// retry, deliver (issue 17). Uses only the public C ABI of libeckid.so.
#include <CLI/CLI.hpp>
#include <iostream>
#include <limits>
#include <optional>
#include <string>

#include "deliver.hpp"
#include "doctor.hpp"
#include "duration.hpp"
#include "import.hpp"
#include "plugin.hpp"
#include "status.hpp"

namespace {

// The --config option every command has.
void add_config(CLI::App *command, std::string &config) {
  command->add_option("--config", config, "configuration file (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
}

// --max-wait DURATION (parse_duration()); `what` says what does not move on.
void add_max_wait(CLI::App *command, std::string &max_wait, const std::string &what) {
  const CLI::Validator duration(
      [](std::string &text) -> std::string {
        if (eckid_cli::parse_duration(text)) return "";
        return "'" + text + "' is not a duration such as 90s, 30m or 2h";
      },
      "DURATION");
  command
      ->add_option("--max-wait", max_wait,
                   "stop (exit status 4, the rest stays queued) when " + what +
                       " for this long, such as while the service cannot be reached: a whole "
                       "number with ms, s, m or h (default 1h; 0: wait without limit)")
      ->check(duration);
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"eckid: ECK iD plugin administration"};
  app.require_subcommand(1);

  std::string config;
  auto *doctor = app.add_subcommand(
      "doctor",
      "Check a configuration: file, client certificate, salt, service (ping), and each school's "
      "sector and chains. One line per check (OK/WARN/FAIL); exit status 1 on any FAIL.");
  add_config(doctor, config);

  eckid_cli::ImportOptions import_options;
  auto *import = app.add_subcommand(
      "import",
      "Get the ECK iDs of a school's whole pupil list (CSV with the header pupil_key,pgn,kind; "
      "kind pupil, staff or empty for pupil) with the service's batch operations, and write "
      "them to a CSV table (pupil_key, one column per chain of the school; never a PGN). "
      "Unreadable or refused rows and failed pupils are reported as 'line N: ...'. Ctrl-C "
      "stops cleanly; running the same command again resumes. Exit status: 0 all done, 1 a "
      "row was invalid, refused or failed, 2 nothing could be done, 3 the rest waits for the "
      "service's daily batch limit, 4 no pupil moved on for --max-wait (the rest stays "
      "queued), 130 stopped.");
  add_config(import, import_options.config_path);
  import->add_option("--school", import_options.school_key, "the school's [[school]] key")
      ->required();
  import->add_option("--output", import_options.output_path,
                     "the ECK iD table to write (default: PUPILS.eckid.csv beside PUPILS.csv)");
  import->add_flag("--verbose,-v", import_options.verbose, "also show the plugin's info lines");
  std::string max_wait;
  add_max_wait(import, max_wait, "no pupil moved on");
  import->add_option("PUPILS.csv", import_options.pupils_path, "the pupil list (CSV, UTF-8)")
      ->required()
      ->check(CLI::ExistingFile);

  std::string school;
  auto *status = app.add_subcommand(
      "status",
      "Show the queue (queued, failed, results not yet collected, oldest age, whether service "
      "calls are paused), each school's onboarding stages, and the failed events with their "
      "messages.");
  add_config(status, config);
  auto *status_school = status->add_option("--school", school, "only this school's onboarding");

  unsigned long long event = 0;
  auto *retry = app.add_subcommand(
      "retry",
      "Put failed events back in the queue after their cause was fixed: all of them, or one "
      "with --event (ids as 'eckid status' lists them). Exit status 1 for an unknown id.");
  add_config(retry, config);
  auto *retry_event = retry->add_option("--event", event, "only the failed event with this id")
                          ->check(CLI::Range(1ull, std::numeric_limits<unsigned long long>::max()));

  eckid_cli::DeliverOptions deliver_options;
  auto *deliver = app.add_subcommand(
      "deliver",
      "Work down the state folder's queue without a school system running (for a systemd "
      "timer): opens the plugin, which sends queued events and resumes onboarding and "
      "backfills, until nothing is due now, then closes it. Results are not collected: they "
      "stay for the school system. Work that waits for later (a retry time, the daily batch "
      "limit) stays queued; the summary line on stdout says how much and when it is due. Exit "
      "status: 0 nothing due now, 2 the configuration or state does not open, 4 nothing moved "
      "on for --max-wait (the rest stays queued), 130 stopped.");
  add_config(deliver, deliver_options.config_path);
  deliver->add_flag("--verbose,-v", deliver_options.verbose, "also show the plugin's info lines");
  add_max_wait(deliver, max_wait, "no event or pupil moved on");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : eckid_cli::kExitUsage;
  }
  if (doctor->parsed()) return eckid_cli::run_doctor(config, std::cout);
  if (import->parsed()) {
    if (!max_wait.empty()) import_options.max_wait = *eckid_cli::parse_duration(max_wait);
    return eckid_cli::run_import(import_options);
  }
  if (deliver->parsed()) {
    if (!max_wait.empty()) deliver_options.max_wait = *eckid_cli::parse_duration(max_wait);
    return eckid_cli::run_deliver(deliver_options);
  }
  if (status->parsed()) {
    return eckid_cli::run_status(config, *status_school ? std::optional(school) : std::nullopt);
  }
  if (retry->parsed()) {
    return eckid_cli::run_retry(config, *retry_event ? std::optional(event) : std::nullopt);
  }
  return eckid_cli::kExitUsage;
}
