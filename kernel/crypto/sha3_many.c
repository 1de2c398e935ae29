/*
 * crypto/sha3_many.c - many independent SHA3-256 hashes at once.
 *
 * Two shapes of work reach the multi-buffer kernels:
 *   - sha3_256_many: count messages of one length (the miner's nonces);
 *   - chain32: iterated hashing of 32-byte values, each value its own
 *     number of times (the Winternitz hash chains behind every key,
 *     signature and verification).
 * Chains of different lengths are scheduled onto the SIMD lanes as on a
 * small processor pool: the kernel runs until the shortest running chain
 * ends, that lane takes the next waiting chain, and so on, so no lane idles
 * while work is left.  The last chain or two finish on the scalar code,
 * which is faster than a mostly empty vector.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/sha3_internal.h"

/* Below this many messages a wide kernel costs more than scalar calls
 * (measured on a Xeon with AVX-512: one 8-wide permutation costs about 1.6
 * scalar ones, one 4-wide AVX2 permutation about 2). */
#define MANY_MIN_8 2
#define MANY_MIN_4 3

#ifdef MN__SHA3_X86
static void many_8(const uint8_t *const *in, size_t len, size_t n,
                   uint8_t (*out)[MN_HASH_LEN]) {
  uint8_t spare[8][MN_HASH_LEN];
  const uint8_t *p[8];
  uint8_t *o[8];
  for (size_t j = 0; j < 8; j++) {
    p[j] = in[j < n ? j : 0];
    o[j] = j < n ? out[j] : spare[j];
  }
  mn__k8_avx512_hash(p, len, o);
}

static void many_4(const uint8_t *const *in, size_t len, size_t n,
                   uint8_t (*out)[MN_HASH_LEN]) {
  uint8_t spare[4][MN_HASH_LEN];
  const uint8_t *p[4];
  uint8_t *o[4];
  for (size_t j = 0; j < 4; j++) {
    p[j] = in[j < n ? j : 0];
    o[j] = j < n ? out[j] : spare[j];
  }
  mn__k4_avx2_hash(p, len, o);
}
#endif

void mn__sha3_256_many(const uint8_t *const *in, size_t len, size_t count,
                       uint8_t (*out)[MN_HASH_LEN]) {
  size_t i = 0;
#ifdef MN__SHA3_X86
  int isa = mn__sha3_isa();
  if (isa >= MN__SHA3_ISA_AVX512) {
    for (; i < count && count - i >= MANY_MIN_8; i += 8)
      many_8(in + i, len, count - i < 8 ? count - i : 8, out + i);
  } else if (isa >= MN__SHA3_ISA_AVX2) {
    for (; i < count && count - i >= MANY_MIN_4; i += 4)
      many_4(in + i, len, count - i < 4 ? count - i : 4, out + i);
  }
  if (i > count)
    i = count;
#endif
  for (; i < count; i++)
    mn__sha3_256(in[i], len, out[i]);
}

/* --------------------------------------------------------------------------
 * Hash chains
 * ------------------------------------------------------------------------ */

static void to_lanes(const uint8_t v[32], uint64_t l[4]) {
  for (int w = 0; w < 4; w++)
    l[w] = mn__load64le(v + 8 * w);
}

static void from_lanes(const uint64_t l[4], uint8_t v[32]) {
  for (int w = 0; w < 4; w++)
    mn__store64le(v + 8 * w, l[w]);
}

static void chain_scalar(uint8_t (*v)[32], size_t n, const uint8_t *steps,
                         unsigned uniform) {
  for (size_t i = 0; i < n; i++) {
    unsigned s = steps ? steps[i] : uniform;
    if (s == 0)
      continue;
    uint64_t l[4];
    to_lanes(v[i], l);
    mn__sha3_chain32_one(l, s);
    from_lanes(l, v[i]);
  }
}

#ifdef MN__SHA3_X86
/* The lane pool for a kernel of width W (4 or 8). */
typedef struct pool {
  unsigned width;
  uint64_t lanes[4][8];
  size_t job[8];
  unsigned left[8]; /* 0: the lane is idle */
  unsigned active;
  size_t next;
} pool_t;

static void pool_fill(pool_t *pl, unsigned s, uint8_t (*v)[32], size_t n,
                      const uint8_t *steps, unsigned uniform) {
  while (pl->next < n) {
    size_t i = pl->next++;
    unsigned k = steps ? steps[i] : uniform;
    if (k == 0)
      continue;
    pl->job[s] = i;
    pl->left[s] = k;
    for (int w = 0; w < 4; w++)
      pl->lanes[w][s] = mn__load64le(v[i] + 8 * w);
    pl->active++;
    return;
  }
  pl->left[s] = 0;
}

static void pool_run(pool_t *pl, unsigned steps) {
  if (pl->width == 8) {
    mn__k8_avx512_chain32(pl->lanes, steps);
  } else {
    uint64_t l[4][4];
    for (int w = 0; w < 4; w++)
      memcpy(l[w], pl->lanes[w], sizeof l[w]);
    mn__k4_avx2_chain32(l, steps);
    for (int w = 0; w < 4; w++)
      memcpy(pl->lanes[w], l[w], sizeof l[w]);
  }
}

static void chain_pool(unsigned width, uint8_t (*v)[32], size_t n,
                       const uint8_t *steps, unsigned uniform) {
  pool_t pl;
  memset(&pl, 0, sizeof pl);
  pl.width = width;
  for (unsigned s = 0; s < width; s++)
    pool_fill(&pl, s, v, n, steps, uniform);
  /* Run while enough lanes are busy to beat the scalar code. */
  unsigned tail = width == 8 ? 1 : 2;
  while (pl.active > tail || (pl.active > 0 && pl.next < n)) {
    unsigned m = ~0u;
    for (unsigned s = 0; s < width; s++)
      if (pl.left[s] && pl.left[s] < m)
        m = pl.left[s];
    pool_run(&pl, m);
    for (unsigned s = 0; s < width; s++) {
      if (!pl.left[s])
        continue;
      pl.left[s] -= m;
      if (pl.left[s])
        continue;
      for (int w = 0; w < 4; w++)
        mn__store64le(v[pl.job[s]] + 8 * w, pl.lanes[w][s]);
      pl.active--;
      pool_fill(&pl, s, v, n, steps, uniform);
    }
  }
  for (unsigned s = 0; s < width; s++) {
    if (!pl.left[s])
      continue;
    uint64_t l[4];
    for (int w = 0; w < 4; w++)
      l[w] = pl.lanes[w][s];
    mn__sha3_chain32_one(l, pl.left[s]);
    from_lanes(l, v[pl.job[s]]);
  }
}
#endif

void mn__sha3_chain32(uint8_t (*v)[32], size_t n, const uint8_t *steps,
                      unsigned uniform) {
#ifdef MN__SHA3_X86
  int isa = mn__sha3_isa();
  if (n >= 3 && isa >= MN__SHA3_ISA_AVX512) {
    chain_pool(8, v, n, steps, uniform);
    return;
  }
  if (n >= 3 && isa >= MN__SHA3_ISA_AVX2) {
    chain_pool(4, v, n, steps, uniform);
    return;
  }
#endif
  chain_scalar(v, n, steps, uniform);
}
