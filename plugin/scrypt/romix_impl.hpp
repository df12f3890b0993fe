// The generic ROMix/BlockMix (RFC 7914 sections 4-5) over a "core": how many lanes it
// carries at once and how it loads, stores, XORs and runs Salsa20/8 on one 64-byte sub-block
// of each lane. Included only by the kernel translation units (romix_*.cpp), each compiled
// with its own instruction-set flags. Everything here has internal linkage, so no copy built
// with one set of flags can be picked by the linker for another; for the same reason it uses
// no inline templates from the standard library.
#pragma once

#include <cstdint>
#include <cstring>

#include "scrypt/romix.hpp"

namespace eckid::scrypt::detail {
namespace {

// The Salsa20/8 state must stay in registers across loads, XORs and rounds: every helper is
// inlined into the ROMix loops.
#define ECKID_INLINE inline __attribute__((always_inline))

/// A portable core: one lane, sixteen 32-bit words in the SIMD word order.
struct ScalarCore {
  static constexpr unsigned kLanes = 1;
  struct State {
    std::uint32_t w[16];
  };

  ECKID_INLINE static State load(const std::uint32_t *const *p, std::size_t off) noexcept {
    State s;
    std::memcpy(s.w, p[0] + off, sizeof s.w);
    return s;
  }
  ECKID_INLINE static void store(std::uint32_t *const *p, std::size_t off,
                                 const State &s) noexcept {
    std::memcpy(p[0] + off, s.w, sizeof s.w);
  }
  ECKID_INLINE static State xor2(const State &a, const State &b) noexcept {
    State s;
    for (int i = 0; i < 16; ++i) s.w[i] = a.w[i] ^ b.w[i];
    return s;
  }
  ECKID_INLINE static std::uint32_t word0(const State &s, unsigned) noexcept { return s.w[0]; }

  ECKID_INLINE static std::uint32_t rotl(std::uint32_t v, int n) noexcept {
    return (v << n) | (v >> (32 - n));
  }

  // Salsa20/8 core (RFC 7914 section 3) on the words in standard order.
  ECKID_INLINE static State salsa(const State &in) noexcept {
    std::uint32_t x[16];
    for (int i = 0; i < 16; ++i) x[(5 * i) % 16] = in.w[i];
    std::uint32_t t[16];
    std::memcpy(t, x, sizeof t);
    for (int i = 0; i < 8; i += 2) {
      x[4] ^= rotl(x[0] + x[12], 7), x[8] ^= rotl(x[4] + x[0], 9);
      x[12] ^= rotl(x[8] + x[4], 13), x[0] ^= rotl(x[12] + x[8], 18);
      x[9] ^= rotl(x[5] + x[1], 7), x[13] ^= rotl(x[9] + x[5], 9);
      x[1] ^= rotl(x[13] + x[9], 13), x[5] ^= rotl(x[1] + x[13], 18);
      x[14] ^= rotl(x[10] + x[6], 7), x[2] ^= rotl(x[14] + x[10], 9);
      x[6] ^= rotl(x[2] + x[14], 13), x[10] ^= rotl(x[6] + x[2], 18);
      x[3] ^= rotl(x[15] + x[11], 7), x[7] ^= rotl(x[3] + x[15], 9);
      x[11] ^= rotl(x[7] + x[3], 13), x[15] ^= rotl(x[11] + x[7], 18);
      x[1] ^= rotl(x[0] + x[3], 7), x[2] ^= rotl(x[1] + x[0], 9);
      x[3] ^= rotl(x[2] + x[1], 13), x[0] ^= rotl(x[3] + x[2], 18);
      x[6] ^= rotl(x[5] + x[4], 7), x[7] ^= rotl(x[6] + x[5], 9);
      x[4] ^= rotl(x[7] + x[6], 13), x[5] ^= rotl(x[4] + x[7], 18);
      x[11] ^= rotl(x[10] + x[9], 7), x[8] ^= rotl(x[11] + x[10], 9);
      x[9] ^= rotl(x[8] + x[11], 13), x[10] ^= rotl(x[9] + x[8], 18);
      x[12] ^= rotl(x[15] + x[14], 7), x[13] ^= rotl(x[12] + x[15], 9);
      x[14] ^= rotl(x[13] + x[12], 13), x[15] ^= rotl(x[14] + x[13], 18);
    }
    State out;
    for (int i = 0; i < 16; ++i) out.w[i] = x[(5 * i) % 16] + t[(5 * i) % 16];
    return out;
  }
};

/// GCC vector types: 4 words (one lane's row) per 128 bits; W lanes side by side.
typedef std::uint32_t Vec1 __attribute__((vector_size(16)));
typedef std::uint32_t Vec2 __attribute__((vector_size(32)));
typedef std::uint32_t Vec4 __attribute__((vector_size(64)));

template <unsigned W>
struct VecOf;
template <>
struct VecOf<1> {
  using type = Vec1;
};
template <>
struct VecOf<2> {
  using type = Vec2;
};
template <>
struct VecOf<4> {
  using type = Vec4;
};

// The same word permutation within each lane's 128 bits.
template <int A, int B, int C, int D>
ECKID_INLINE Vec1 permute(Vec1 v) noexcept {
  return __builtin_shufflevector(v, v, A, B, C, D);
}
template <int A, int B, int C, int D>
ECKID_INLINE Vec2 permute(Vec2 v) noexcept {
  return __builtin_shufflevector(v, v, A, B, C, D, A + 4, B + 4, C + 4, D + 4);
}
template <int A, int B, int C, int D>
ECKID_INLINE Vec4 permute(Vec4 v) noexcept {
  return __builtin_shufflevector(v, v, A, B, C, D, A + 4, B + 4, C + 4, D + 4, A + 8, B + 8, C + 8,
                                 D + 8, A + 12, B + 12, C + 12, D + 12);
}

// Row `off` (4 words) of W lanes, lane w in 128-bit part w. Templates, so that a wide type
// only appears in a translation unit built for it.
template <unsigned W>
ECKID_INLINE typename VecOf<W>::type gather(const std::uint32_t *const *p,
                                            std::size_t off) noexcept {
  if constexpr (W == 1) {
    Vec1 v;
    std::memcpy(&v, p[0] + off, sizeof v);
    return v;
  } else if constexpr (W == 2) {
    const Vec1 a = gather<1>(p, off), b = gather<1>(p + 1, off);
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7);
  } else {
    const Vec2 a = gather<2>(p, off), b = gather<2>(p + 2, off);
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  }
}

template <class V>
ECKID_INLINE void scatter(std::uint32_t *const *p, std::size_t off, V v) noexcept {
  if constexpr (sizeof(V) == 16) {
    std::memcpy(p[0] + off, &v, sizeof v);
  } else if constexpr (sizeof(V) == 32) {
    scatter(p, off, Vec1(__builtin_shufflevector(v, v, 0, 1, 2, 3)));
    scatter(p + 1, off, Vec1(__builtin_shufflevector(v, v, 4, 5, 6, 7)));
  } else {
    scatter(p, off, Vec2(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7)));
    scatter(p + 2, off, Vec2(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)));
  }
}

template <int N, class V>
ECKID_INLINE V rotl(V v) noexcept {
  return (v << N) | (v >> (32 - N));
}

/// A SIMD core: K independent chains (for instruction-level parallelism), each holding W
/// lanes in one vector per row. Rows follow the SSE2 layout of Percival's scrypt: row 0 =
/// words {0,5,10,15}, row 1 = {4,9,14,3}, row 2 = {8,13,2,7}, row 3 = {12,1,6,11}.
template <unsigned W, unsigned K>
struct SimdCore {
  using V = typename VecOf<W>::type;
  static constexpr unsigned kLanes = W * K;
  struct State {
    V x[K][4];
  };

  ECKID_INLINE static State load(const std::uint32_t *const *p, std::size_t off) noexcept {
    State s;
    for (unsigned k = 0; k < K; ++k) {
      for (unsigned row = 0; row < 4; ++row) s.x[k][row] = gather<W>(p + k * W, off + 4 * row);
    }
    return s;
  }
  ECKID_INLINE static void store(std::uint32_t *const *p, std::size_t off,
                                 const State &s) noexcept {
    for (unsigned k = 0; k < K; ++k) {
      for (unsigned row = 0; row < 4; ++row) scatter(p + k * W, off + 4 * row, s.x[k][row]);
    }
  }
  ECKID_INLINE static State xor2(const State &a, const State &b) noexcept {
    State s;
    for (unsigned k = 0; k < K; ++k) {
      for (unsigned row = 0; row < 4; ++row) s.x[k][row] = a.x[k][row] ^ b.x[k][row];
    }
    return s;
  }
  ECKID_INLINE static std::uint32_t word0(const State &s, unsigned lane) noexcept {
    return s.x[lane / W][0][(lane % W) * 4];
  }

  ECKID_INLINE static State salsa(const State &in) noexcept {
    State s = in;
#pragma GCC unroll 4
    for (int i = 0; i < 8; i += 2) {
      // Columns, with the chains side by side so their instructions interleave.
      for (unsigned k = 0; k < K; ++k) s.x[k][1] ^= rotl<7>(s.x[k][0] + s.x[k][3]);
      for (unsigned k = 0; k < K; ++k) s.x[k][2] ^= rotl<9>(s.x[k][1] + s.x[k][0]);
      for (unsigned k = 0; k < K; ++k) s.x[k][3] ^= rotl<13>(s.x[k][2] + s.x[k][1]);
      for (unsigned k = 0; k < K; ++k) s.x[k][0] ^= rotl<18>(s.x[k][3] + s.x[k][2]);
      for (unsigned k = 0; k < K; ++k) {
        s.x[k][1] = permute<3, 0, 1, 2>(s.x[k][1]);
        s.x[k][2] = permute<2, 3, 0, 1>(s.x[k][2]);
        s.x[k][3] = permute<1, 2, 3, 0>(s.x[k][3]);
      }
      // Rows.
      for (unsigned k = 0; k < K; ++k) s.x[k][3] ^= rotl<7>(s.x[k][0] + s.x[k][1]);
      for (unsigned k = 0; k < K; ++k) s.x[k][2] ^= rotl<9>(s.x[k][3] + s.x[k][0]);
      for (unsigned k = 0; k < K; ++k) s.x[k][1] ^= rotl<13>(s.x[k][2] + s.x[k][3]);
      for (unsigned k = 0; k < K; ++k) s.x[k][0] ^= rotl<18>(s.x[k][1] + s.x[k][2]);
      for (unsigned k = 0; k < K; ++k) {
        s.x[k][1] = permute<1, 2, 3, 0>(s.x[k][1]);
        s.x[k][2] = permute<2, 3, 0, 1>(s.x[k][2]);
        s.x[k][3] = permute<3, 0, 1, 2>(s.x[k][3]);
      }
    }
    for (unsigned k = 0; k < K; ++k) {
      for (unsigned row = 0; row < 4; ++row) s.x[k][row] += in.x[k][row];
    }
    return s;
  }
};

/// ROMix on Core::kLanes lanes: x, v point at that many lanes; buf holds 4*r States.
template <class Core>
void romix_group(std::uint32_t *const *x, std::uint32_t *const *v, std::uint32_t r, std::uint64_t N,
                 typename Core::State *buf) noexcept {
  using State = typename Core::State;
  constexpr unsigned L = Core::kLanes;
  const std::size_t blocks = 2 * static_cast<std::size_t>(r);  // 64-byte sub-blocks per lane
  const std::size_t words = 16 * blocks;                       // words per lane block
  State *X = buf;
  State *Y = buf + blocks;
  for (std::size_t b = 0; b < blocks; ++b) X[b] = Core::load(x, 16 * b);

  // V[i] = X; X = BlockMix(X). Sub-block b of the output goes to (b even) b/2, (b odd) r+b/2.
  std::uint32_t *dst[L];
  for (std::uint64_t i = 0; i < N; ++i) {
    for (unsigned l = 0; l < L; ++l) dst[l] = v[l] + i * words;
    State t = X[blocks - 1];
    for (std::size_t b = 0; b < blocks; ++b) {
      Core::store(dst, 16 * b, X[b]);
      t = Core::salsa(Core::xor2(t, X[b]));
      Y[(b & 1) * r + b / 2] = t;
    }
    State *const swap = X;
    X = Y;
    Y = swap;
  }

  // j = Integerify(X) mod N; X = BlockMix(X xor V[j]). V[j] is read from memory at random:
  // its first sub-blocks are prefetched as soon as j is known, the rest kAhead sub-blocks
  // before use, so the misses overlap the Salsa20/8 rounds without filling the miss queue.
  constexpr std::size_t kAhead = 4;
  const std::uint64_t mask = N - 1;
  const std::uint32_t *src[L];
  for (std::uint64_t i = 0; i < N; ++i) {
    for (unsigned l = 0; l < L; ++l) {
      src[l] = v[l] + (Core::word0(X[blocks - 1], l) & mask) * words;
      __builtin_prefetch(src[l] + 16 * (blocks - 1));
      for (std::size_t b = 0; b < kAhead && b < blocks; ++b) __builtin_prefetch(src[l] + 16 * b);
    }
    State t = Core::xor2(X[blocks - 1], Core::load(src, 16 * (blocks - 1)));
    for (std::size_t b = 0; b < blocks; ++b) {
      if (b + kAhead < blocks - 1) {
        for (unsigned l = 0; l < L; ++l) __builtin_prefetch(src[l] + 16 * (b + kAhead));
      }
      // X[b] ^ V[j][b] first: only one XOR on the chain from one Salsa20/8 to the next.
      t = Core::salsa(Core::xor2(t, Core::xor2(X[b], Core::load(src, 16 * b))));
      Y[(b & 1) * r + b / 2] = t;
    }
    State *const swap = X;
    X = Y;
    Y = swap;
  }
  for (std::size_t b = 0; b < blocks; ++b) Core::store(x, 16 * b, X[b]);
}

/// Runs the job's lanes in groups, each with the first core (widest first) that fits.
template <class Core, class... Narrower>
void romix_lanes(const RomixJob &job) noexcept {
  unsigned done = 0;
  auto *buf = static_cast<typename Core::State *>(job.scratch);
  if constexpr (sizeof...(Narrower) == 0) {
    static_assert(Core::kLanes == 1, "the narrowest core must carry one lane");
  }
  while (job.lanes - done >= Core::kLanes) {
    romix_group<Core>(job.x + done, job.v + done, job.r, job.N, buf);
    done += Core::kLanes;
  }
  if constexpr (sizeof...(Narrower) > 0) {
    if (done < job.lanes) {
      RomixJob rest = job;
      rest.x += done;
      rest.v += done;
      rest.lanes -= done;
      romix_lanes<Narrower...>(rest);
    }
  }
}

#undef ECKID_INLINE

}  // namespace
}  // namespace eckid::scrypt::detail
