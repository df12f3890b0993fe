#include "pgn/hpgn.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "pgn/pgn.hpp"
#include "scrypt/scrypt.hpp"
#include "util/encoding.hpp"
#include "util/error.hpp"

namespace eckid {

// Workspaces of up to p lanes, as many as the budget holds (no more than there are cores),
// made on first need and reused.
class HpgnHasher::Pool {
 public:
  Pool(scrypt::Path path, std::uint64_t budget_lanes)
      : path_(path),
        cores_(std::max(1u, std::thread::hardware_concurrency())),
        lanes_(static_cast<unsigned>(std::min<std::uint64_t>(budget_lanes, kParams.p))),
        max_(static_cast<unsigned>(std::clamp<std::uint64_t>(budget_lanes / lanes_, 1, cores_))) {}

  void derive(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
              std::span<std::uint8_t> out) {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [this] { return !idle_.empty() || made_ < max_; });
    std::unique_ptr<scrypt::Workspace> ws;
    if (!idle_.empty()) {
      ws = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++made_;
    }
    const unsigned threads = std::max(1u, cores_ / ++busy_);
    lock.unlock();
    try {
      if (!ws) ws = std::make_unique<scrypt::Workspace>(kParams.N, kParams.r, lanes_);
      scrypt::derive(path_, password, salt, kParams, out, *ws, threads);
    } catch (...) {
      give_back(std::move(ws));
      throw;
    }
    give_back(std::move(ws));
  }

  scrypt::Path path() const noexcept { return path_; }

 private:
  static constexpr scrypt::Params kParams = scrypt::kHpgnParams;

  void give_back(std::unique_ptr<scrypt::Workspace> ws) {
    {
      std::lock_guard lock(mutex_);
      --busy_;
      if (ws) {
        idle_.push_back(std::move(ws));
      } else {
        --made_;  // it could not be made
      }
    }
    free_.notify_one();
  }

  const scrypt::Path path_;
  const unsigned cores_;
  const unsigned lanes_;  // per workspace
  const unsigned max_;    // workspaces
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<scrypt::Workspace>> idle_;
  unsigned made_ = 0;
  unsigned busy_ = 0;
};

HpgnHasher::HpgnHasher(const HashConfig &config, std::span<const std::uint8_t> salt)
    : config_(config), salt_(salt) {
  const std::uint64_t lane_mib = scrypt::lane_bytes(scrypt::kHpgnParams) >> 20;
  if (config.memory_budget_mib < lane_mib) {
    throw Error(ECKID_E_CONFIG,
                "[hash] memory_budget_mib = " + std::to_string(config.memory_budget_mib) +
                    " is below one scrypt lane: at least " + std::to_string(lane_mib) +
                    " MiB is needed");
  }
  if (config.engine == HashConfig::Engine::fast) {
    pool_ = std::make_unique<Pool>(scrypt::selected_path(), config.memory_budget_mib / lane_mib);
  }
}

HpgnHasher::~HpgnHasher() = default;
HpgnHasher::HpgnHasher(HpgnHasher &&) noexcept = default;
HpgnHasher &HpgnHasher::operator=(HpgnHasher &&) noexcept = default;

std::string HpgnHasher::hpgn(std::string_view pgn, eckid_pgn_kind kind) const {
  validate_pgn(pgn, kind);
  // Plain ASCII lowercasing: independent of the process locale (validation allows only
  // ASCII, so nothing else needs changing).
  SecureBytes password(pgn.size());
  for (std::size_t i = 0; i < pgn.size(); ++i) {
    const char c = pgn[i];
    password.data()[i] = static_cast<std::uint8_t>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  }
  std::array<std::uint8_t, 32> key{};
  if (pool_ && pool_->path() != scrypt::Path::openssl) {
    pool_->derive(password.span(), salt_.span(), key);
  } else {
    scrypt::derive_openssl(password.span(), salt_.span(), scrypt::kHpgnParams, key);
  }
  std::string hex = hex_lower(key);
  secure_clear(key.data(), key.size());
  return hex;
}

}  // namespace eckid
