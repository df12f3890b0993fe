// eckid-host: a reference host. Loads the eckid plugin from a plugin folder, opens it with a
// per-school configuration, fires the events of an enrolment file and keeps a pupil table.
//
//   eckid-host --plugin-dir DIR --config FILE --events FILE --pupils OUT.csv [--wait S] [--debug]
//
// Exit status: 0 all events done (or rejected for their data), 1 a bad row or an event that
// failed for another reason, 2 a usage, loading or configuration error.
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "enrolment_run.hpp"
#include "event_file.hpp"
#include "plugin_library.hpp"
#include "pupil_table.hpp"

namespace {

constexpr const char *kUsage =
    "usage: eckid-host --plugin-dir DIR --config FILE --events FILE --pupils OUT.csv "
    "[--wait SECONDS] [--debug]\n"
    "  --plugin-dir DIR  folder holding libeckid.so.<ABI> or libeckid.so\n"
    "  --config FILE     the plugin's per-school configuration (TOML)\n"
    "  --events FILE     enrolment events, CSV: "
    "event,school,pupil_key,pgn,old_pgn,target_school,date\n"
    "  --pupils OUT.csv  the host's pupil table (school,pupil_key,chain,eckid), read when it\n"
    "                    exists and rewritten at the end\n"
    "  --wait SECONDS    how long to wait for queued events' results at the end (default 120)\n"
    "  --debug           pass the plugin's debug log lines (HPgn and ECK iD values) too\n";

// Plugin log lines go to stderr, prefixed with their level.
void log_line(eckid_log_level level, const char *message, void * /*payload*/) {
  static constexpr const char *kNames[] = {"debug", "info", "warn", "error"};
  const char *name = level >= ECKID_LOG_DEBUG && level <= ECKID_LOG_ERROR ? kNames[level] : "?";
  std::cerr << "[eckid " << name << "] " << message << '\n';
}

// Options by name; false (with a message) on a usage error.
bool parse_args(int argc, char **argv, std::map<std::string, std::string> &args) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (arg == "--debug") {
      args[arg] = "1";
    } else if ((arg == "--plugin-dir" || arg == "--config" || arg == "--events" ||
                arg == "--pupils" || arg == "--wait") &&
               i + 1 < argc) {
      args[arg] = argv[++i];
    } else {
      std::cerr << "eckid-host: unknown option or missing value: " << arg << '\n' << kUsage;
      return false;
    }
  }
  args.try_emplace("--wait", "120");
  if (args["--wait"].empty() ||
      args["--wait"].find_first_not_of("0123456789") != std::string::npos ||
      args["--wait"].size() > 6) {
    std::cerr << "eckid-host: --wait expects whole seconds\n";
    return false;
  }
  for (const char *required : {"--plugin-dir", "--config", "--events", "--pupils"}) {
    if (!args.contains(required)) {
      std::cerr << "eckid-host: " << required << " is required\n" << kUsage;
      return false;
    }
  }
  return true;
}

int run(std::map<std::string, std::string> &args) {
  const eckid_host::PluginLibrary library(eckid_host::find_plugin(args["--plugin-dir"]));
  const eckid_host::PluginApi &api = library.api();
  const auto rows = eckid_host::read_event_file(
      args["--events"],
      [&api](std::string_view value, std::string_view noun) { return quoted(api, value, noun); });
  eckid_host::PupilTable table;
  table.load(args["--pupils"]);
  std::cout << "plugin: " << library.file().string() << " (eckid " << api.version() << ", ABI "
            << api.abi_version() << ")\n";

  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  options.log = log_line;
  options.log_level = args.contains("--debug") ? ECKID_LOG_DEBUG : ECKID_LOG_INFO;
  eckid_plugin *handle = nullptr;
  if (api.open(args["--config"].c_str(), &options, &handle) != ECKID_OK) {
    std::cerr << "eckid-host: cannot open the plugin: " << api.last_error() << '\n';
    return 2;
  }
  const std::unique_ptr<eckid_plugin, decltype(api.close)> closer(handle, api.close);

  eckid_host::EnrolmentRun enrolment(api, handle, table, std::cout, std::cerr);
  for (const auto &row : rows) enrolment.fire(row);
  enrolment.collect_queued(std::chrono::seconds(std::stoi(args["--wait"])));
  enrolment.refresh_table();
  table.save(args["--pupils"]);
  enrolment.print_totals();
  std::cout << "pupil table written to " << args["--pupils"] << '\n';
  return enrolment.failed() ? 1 : 0;
}

}  // namespace

int main(int argc, char **argv) {
  std::map<std::string, std::string> args;
  if (!parse_args(argc, argv, args)) return 2;
  try {
    return run(args);
  } catch (const std::exception &e) {
    std::cerr << "eckid-host: " << e.what() << '\n';
    return 2;
  }
}
