/*
 * crypto/keccak_avx2.c - four Keccak states side by side in AVX2
 * registers: each __m256i holds the same lane of four independent hashes.
 * AVX2 has no 64-bit rotate, so rotates are a shift pair.  Built with
 * -mavx2 for this file only and called only after the CPU has been
 * checked (keccak.c).
 */
#include "crypto/sha3_internal.h"

#ifdef MN__SHA3_X86
#include <immintrin.h>

#include "crypto/keccak_round.h"

#define KT __m256i
#define KXOR(a, b) _mm256_xor_si256((a), (b))
#define KXOR5(a, b, c, d, e)                                                   \
  _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256((a), (b)),                \
                                    _mm256_xor_si256((c), (d))),               \
                   (e))
#define KROL(a, n)                                                             \
  _mm256_or_si256(_mm256_slli_epi64((a), (n)), _mm256_srli_epi64((a), 64 - (n)))
/* andnot(b, c) is ~b & c. */
#define KCHI(a, b, c) _mm256_xor_si256((a), _mm256_andnot_si256((b), (c)))
#define KRC(i) _mm256_set1_epi64x((long long)mn__keccak_rc[(i)])

#define K4_ZERO(lane, i) lane = _mm256_setzero_si256()
#define K4_ABSORB(lane, i)                                                     \
  lane = _mm256_xor_si256(                                                     \
      lane,                                                                    \
      _mm256_i64gather_epi64(                                                  \
          (const long long *)(const void *)(base + off + 8 * (i)), idx, 1))

void mn__k4_avx2_chain32(uint64_t v[4][4], unsigned steps) {
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)v[0]);
  __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)v[1]);
  __m256i v2 = _mm256_loadu_si256((const __m256i *)(const void *)v[2]);
  __m256i v3 = _mm256_loadu_si256((const __m256i *)(const void *)v[3]);
  const __m256i pad0 = _mm256_set1_epi64x(0x06);
  const __m256i pad1 =
      _mm256_set1_epi64x((long long)UINT64_C(0x8000000000000000));
  while (steps--) {
    MN__KECCAK_EACH(a, K4_ZERO);
    a00 = v0;
    a10 = v1;
    a20 = v2;
    a30 = v3;
    a40 = pad0;
    a13 = pad1;
    MN__KECCAK_PERMUTE(a, e);
    v0 = a00;
    v1 = a10;
    v2 = a20;
    v3 = a30;
  }
  _mm256_storeu_si256((__m256i *)(void *)v[0], v0);
  _mm256_storeu_si256((__m256i *)(void *)v[1], v1);
  _mm256_storeu_si256((__m256i *)(void *)v[2], v2);
  _mm256_storeu_si256((__m256i *)(void *)v[3], v3);
}

void mn__k4_avx2_hash(const uint8_t *const in[4], size_t len,
                      uint8_t *const out[4]) {
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  MN__KECCAK_EACH(a, K4_ZERO);
  const uint8_t *base = in[0];
  long long d[4];
  for (int j = 0; j < 4; j++)
    d[j] = (long long)((uintptr_t)in[j] - (uintptr_t)base);
  __m256i idx = _mm256_loadu_si256((const __m256i *)(const void *)d);
  size_t off = 0;
  while (len - off >= MN__SHA3_RATE) {
    MN__KECCAK_EACH_RATE(a, K4_ABSORB);
    MN__KECCAK_PERMUTE(a, e);
    off += MN__SHA3_RATE;
  }
  uint8_t last[4][MN__SHA3_RATE];
  size_t rem = len - off;
  for (int j = 0; j < 4; j++) {
    memset(last[j], 0, MN__SHA3_RATE);
    if (rem)
      memcpy(last[j], in[j] + off, rem);
    last[j][rem] ^= 0x06;
    last[j][MN__SHA3_RATE - 1] ^= 0x80;
  }
  base = last[0];
  off = 0;
  idx = _mm256_setr_epi64x(0, MN__SHA3_RATE, 2 * MN__SHA3_RATE,
                           3 * MN__SHA3_RATE);
  MN__KECCAK_EACH_RATE(a, K4_ABSORB);
  MN__KECCAK_PERMUTE(a, e);
  uint64_t o[4][4];
  _mm256_storeu_si256((__m256i *)(void *)o[0], a00);
  _mm256_storeu_si256((__m256i *)(void *)o[1], a10);
  _mm256_storeu_si256((__m256i *)(void *)o[2], a20);
  _mm256_storeu_si256((__m256i *)(void *)o[3], a30);
  for (int j = 0; j < 4; j++)
    for (int w = 0; w < 4; w++)
      mn__store64le(out[j] + 8 * w, o[w][j]);
}

#else
typedef int mn__keccak_avx2_unused;
#endif
