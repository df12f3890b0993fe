// `eckid import`: a school's whole pupil list to ECK iDs with the plugin's onboarding
// (eckid_onboard()), with progress, a clean stop on SIGINT/SIGTERM and resumption.
#pragma once

#include <chrono>
#include <string>

namespace eckid_cli {

/// What `eckid import` was asked to do.
struct ImportOptions {
  std::string config_path;  ///< the plugin's configuration file
  std::string school_key;   ///< the [[school]] key
  std::string pupils_path;  ///< the pupil list (README.md, "The pupil list")
  std::string output_path;  ///< the ECK iD table; empty: PUPILS.eckid.csv beside the list
  bool verbose = false;     ///< also the plugin's info log lines
  /// The longest the run waits while no pupil moves on (no result collected, no HPgn
  /// computed), e.g. while the service cannot be reached: the plugin keeps retrying such an
  /// outage without counting attempts, so without this bound an unattended run would never
  /// end. Then the run stops like on SIGINT, with exit status 4. Zero: no bound.
  std::chrono::milliseconds max_wait{std::chrono::hours(1)};
};

/// Runs an import and returns the exit status: 0 when every row was read and every pupil
/// got its ECK iDs; 1 when a row was invalid or refused or a pupil failed (each reported as
/// "line N: ..."); 2 when nothing could be done (arguments, configuration, files); 3 when
/// the rest waits for the service's daily batch limit; 4 when no pupil moved on for
/// options.max_wait (the rest stays queued; the plugin's warnings say why, e.g. the service
/// unreachable); 130 when SIGINT or SIGTERM stopped it. In every case but 2 the ECK iD table is
/// written first (atomically), and only then are the results acknowledged, so running the same
/// command again resumes. Report lines and the summary go to stdout, progress and the plugin's log
/// lines to stderr (a redrawn bar when it is a terminal). Never prints or writes a PGN. Blocks
/// SIGINT and SIGTERM in the calling thread for the rest of the process (StopSignals): call it from
/// main's thread.
int run_import(const ImportOptions &options);

}  // namespace eckid_cli
