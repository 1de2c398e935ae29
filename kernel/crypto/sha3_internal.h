/*
 * crypto/sha3_internal.h - what the SHA3 source files share: the round
 * constants, byte-order helpers and the per-instruction-set kernels that
 * keccak.c and sha3_many.c dispatch to.  Not for use outside kernel/crypto.
 */
#ifndef MN_SHA3_INTERNAL_H
#define MN_SHA3_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MN__SHA3_RATE 136 /* bytes absorbed per permutation (SHA3-256) */

extern const uint64_t mn__keccak_rc[24];

static inline uint64_t mn__load64le(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline void mn__store64le(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, 8);
}

/* Scalar kernels, baseline build (keccak.c).  chain32 replaces the four
 * little-endian lanes v (a 32-byte value) by their SHA3-256, steps times. */
void mn__ks_base_keccakf(uint64_t st[25]);
void mn__ks_base_sha3_256(const void *data, size_t len, uint8_t out[32]);
void mn__ks_base_chain32(uint64_t v[4], unsigned steps);

#if defined(__x86_64__) && defined(__GNUC__)
#define MN__SHA3_X86 1
/* The same kernels built with BMI1/BMI2 (keccak_bmi.c). */
void mn__ks_bmi_keccakf(uint64_t st[25]);
void mn__ks_bmi_sha3_256(const void *data, size_t len, uint8_t out[32]);
void mn__ks_bmi_chain32(uint64_t v[4], unsigned steps);

/* Four states in AVX2 registers (keccak_avx2.c).  v[w][j] is lane w of
 * value j.  hash hashes in[0..3] (each len bytes) into out[0..3]. */
void mn__k4_avx2_chain32(uint64_t v[4][4], unsigned steps);
void mn__k4_avx2_hash(const uint8_t *const in[4], size_t len,
                      uint8_t *const out[4]);

/* Eight states in AVX-512 registers (keccak_avx512.c). */
void mn__k8_avx512_chain32(uint64_t v[4][8], unsigned steps);
void mn__k8_avx512_hash(const uint8_t *const in[8], size_t len,
                        uint8_t *const out[8]);
#endif

#endif
