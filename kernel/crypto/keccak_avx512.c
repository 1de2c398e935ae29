/*
 * crypto/keccak_avx512.c - eight Keccak states side by side in AVX-512
 * registers: each __m512i holds the same lane of eight independent hashes.
 * Rotates are single instructions and chi and the five-way XOR of theta
 * are ternary-logic operations.  Built with -mavx512f for this file only
 * and called only after the CPU has been checked (keccak.c).
 */
#include "crypto/sha3_internal.h"

#ifdef MN__SHA3_X86
#include <immintrin.h>

#define KXOR3(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0x96)
#include "crypto/keccak_round.h"

#define KT __m512i
#define KXOR(a, b) _mm512_xor_si512((a), (b))
/* 0x96: a ^ b ^ c.  0xd2: a ^ (~b & c). */
#define KXOR5(a, b, c, d, e) KXOR3(KXOR3((a), (b), (c)), (d), (e))
#define KROL(a, n) _mm512_rol_epi64((a), (n))
#define KCHI(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xd2)
#define KRC(i) _mm512_set1_epi64((long long)mn__keccak_rc[(i)])

#define K8_ZERO(lane, i) lane = _mm512_setzero_si512()
/* Lane i of eight messages: a gather from base + idx + off + 8i. */
#define K8_ABSORB(lane, i)                                                     \
  lane = _mm512_xor_si512(                                                     \
      lane,                                                                    \
      _mm512_i64gather_epi64(idx, (const void *)(base + off + 8 * (i)), 1))

void mn__k8_avx512_chain32(uint64_t v[4][8], unsigned steps) {
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  __m512i v0 = _mm512_loadu_si512((const void *)v[0]);
  __m512i v1 = _mm512_loadu_si512((const void *)v[1]);
  __m512i v2 = _mm512_loadu_si512((const void *)v[2]);
  __m512i v3 = _mm512_loadu_si512((const void *)v[3]);
  const __m512i pad0 = _mm512_set1_epi64(0x06);
  const __m512i pad1 =
      _mm512_set1_epi64((long long)UINT64_C(0x8000000000000000));
  while (steps--) {
    MN__KECCAK_EACH(a, K8_ZERO);
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
  _mm512_storeu_si512((void *)v[0], v0);
  _mm512_storeu_si512((void *)v[1], v1);
  _mm512_storeu_si512((void *)v[2], v2);
  _mm512_storeu_si512((void *)v[3], v3);
}

void mn__k8_avx512_hash(const uint8_t *const in[8], size_t len,
                        uint8_t *const out[8]) {
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  MN__KECCAK_EACH(a, K8_ZERO);
  /* Offsets of the messages from the first one, so that one gather reads
   * the same lane of all eight. */
  const uint8_t *base = in[0];
  long long d[8];
  for (int j = 0; j < 8; j++)
    d[j] = (long long)((uintptr_t)in[j] - (uintptr_t)base);
  __m512i idx = _mm512_loadu_si512((const void *)d);
  size_t off = 0;
  while (len - off >= MN__SHA3_RATE) {
    MN__KECCAK_EACH_RATE(a, K8_ABSORB);
    MN__KECCAK_PERMUTE(a, e);
    off += MN__SHA3_RATE;
  }
  /* The padded last blocks, laid out one after another. */
  uint8_t last[8][MN__SHA3_RATE];
  size_t rem = len - off;
  for (int j = 0; j < 8; j++) {
    memset(last[j], 0, MN__SHA3_RATE);
    if (rem)
      memcpy(last[j], in[j] + off, rem);
    last[j][rem] ^= 0x06;
    last[j][MN__SHA3_RATE - 1] ^= 0x80;
  }
  base = last[0];
  off = 0;
  idx = _mm512_setr_epi64(
      0, MN__SHA3_RATE, 2 * MN__SHA3_RATE, 3 * MN__SHA3_RATE, 4 * MN__SHA3_RATE,
      5 * MN__SHA3_RATE, 6 * MN__SHA3_RATE, 7 * MN__SHA3_RATE);
  MN__KECCAK_EACH_RATE(a, K8_ABSORB);
  MN__KECCAK_PERMUTE(a, e);
  uint64_t o[4][8];
  _mm512_storeu_si512((void *)o[0], a00);
  _mm512_storeu_si512((void *)o[1], a10);
  _mm512_storeu_si512((void *)o[2], a20);
  _mm512_storeu_si512((void *)o[3], a30);
  for (int j = 0; j < 8; j++)
    for (int w = 0; w < 4; w++)
      mn__store64le(out[j] + 8 * w, o[w][j]);
}

#else
typedef int mn__keccak_avx512_unused;
#endif
