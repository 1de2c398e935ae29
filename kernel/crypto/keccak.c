/*
 * crypto/keccak.c - SHA3-256 (FIPS 202) on our own Keccak-f[1600]: the
 * one-shot and incremental functions, and the choice of instruction set.
 *
 * The one-shot hash is the node's hottest function (mining hashes a TxPoW
 * header millions of times), so it runs on register-resident state built
 * from keccak_scalar.h.  On x86-64 a second copy of that code is compiled
 * for BMI1/BMI2 and used when the CPU has them; the multi-buffer kernels
 * (sha3_many.c) use AVX2 or AVX-512 the same way.
 */
#include <stdatomic.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/sha3_internal.h"

const uint64_t mn__keccak_rc[24] = {
    UINT64_C(0x0000000000000001), UINT64_C(0x0000000000008082),
    UINT64_C(0x800000000000808a), UINT64_C(0x8000000080008000),
    UINT64_C(0x000000000000808b), UINT64_C(0x0000000080000001),
    UINT64_C(0x8000000080008081), UINT64_C(0x8000000000008009),
    UINT64_C(0x000000000000008a), UINT64_C(0x0000000000000088),
    UINT64_C(0x0000000080008009), UINT64_C(0x000000008000000a),
    UINT64_C(0x000000008000808b), UINT64_C(0x800000000000008b),
    UINT64_C(0x8000000000008089), UINT64_C(0x8000000000008003),
    UINT64_C(0x8000000000008002), UINT64_C(0x8000000000000080),
    UINT64_C(0x000000000000800a), UINT64_C(0x800000008000000a),
    UINT64_C(0x8000000080008081), UINT64_C(0x8000000000008080),
    UINT64_C(0x0000000080000001), UINT64_C(0x8000000080008008)};

#define MN__KS(name) mn__ks_base_##name
#include "crypto/keccak_scalar.h"
#undef MN__KS

/* --------------------------------------------------------------------------
 * Instruction-set selection
 * ------------------------------------------------------------------------ */

static int detect_isa(void) {
#ifdef MN__SHA3_X86
  __builtin_cpu_init();
  int bmi = __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  if (!bmi)
    return MN__SHA3_ISA_BASE;
  if (__builtin_cpu_supports("avx512f"))
    return MN__SHA3_ISA_AVX512;
  if (__builtin_cpu_supports("avx2"))
    return MN__SHA3_ISA_AVX2;
  return MN__SHA3_ISA_BMI;
#else
  return MN__SHA3_ISA_BASE;
#endif
}

/* -1 until first use; then the tier in effect.  Races only ever store the
 * same detected value, or a tier a test asked for. */
static atomic_int g_isa = -1;
static atomic_int g_isa_best = -1;

static int isa_best(void) {
  int best = atomic_load_explicit(&g_isa_best, memory_order_relaxed);
  if (best < 0) {
    best = detect_isa();
    atomic_store_explicit(&g_isa_best, best, memory_order_relaxed);
  }
  return best;
}

int mn__sha3_isa(void) {
  int isa = atomic_load_explicit(&g_isa, memory_order_relaxed);
  if (isa < 0) {
    isa = isa_best();
    atomic_store_explicit(&g_isa, isa, memory_order_relaxed);
  }
  return isa;
}

int mn__sha3_set_isa(int max) {
  int best = isa_best();
  int isa = max < 0 ? best : (max < best ? max : best);
  atomic_store_explicit(&g_isa, isa, memory_order_relaxed);
  return isa;
}

/* --------------------------------------------------------------------------
 * Scalar entry points
 * ------------------------------------------------------------------------ */

void mn__keccakf(uint64_t st[25]) {
#ifdef MN__SHA3_X86
  if (mn__sha3_isa() >= MN__SHA3_ISA_BMI) {
    mn__ks_bmi_keccakf(st);
    return;
  }
#endif
  mn__ks_base_keccakf(st);
}

void mn__sha3_256(const void *data, size_t len, uint8_t out[MN_HASH_LEN]) {
#ifdef MN__SHA3_X86
  if (mn__sha3_isa() >= MN__SHA3_ISA_BMI) {
    mn__ks_bmi_sha3_256(data, len, out);
    return;
  }
#endif
  mn__ks_base_sha3_256(data, len, out);
}

void mn__sha3_chain32_one(uint64_t v[4], unsigned steps) {
#ifdef MN__SHA3_X86
  if (mn__sha3_isa() >= MN__SHA3_ISA_BMI) {
    mn__ks_bmi_chain32(v, steps);
    return;
  }
#endif
  mn__ks_base_chain32(v, steps);
}

/* --------------------------------------------------------------------------
 * Incremental hashing.  The state holds lanes in host order; bytes are
 * XORed in at their little-endian position within the lanes.
 * ------------------------------------------------------------------------ */

void mn__sha3_init(mn_sha3_t *ctx) {
  memset(ctx, 0, sizeof *ctx);
}

static void xor_byte(mn_sha3_t *ctx, unsigned pos, uint8_t b) {
  ctx->st[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

void mn__sha3_update(mn_sha3_t *ctx, const void *data, size_t len) {
  const uint8_t *p = (const uint8_t *)data;
  unsigned pos = ctx->pos;
  /* Finish a partial block byte by byte, absorb whole blocks by lanes. */
  while (len > 0 && (pos % 8 != 0 || len < 8)) {
    xor_byte(ctx, pos++, *p++);
    len--;
    if (pos == MN__SHA3_RATE) {
      mn__keccakf(ctx->st);
      pos = 0;
    }
  }
  while (len >= 8) {
    ctx->st[pos / 8] ^= mn__load64le(p);
    pos += 8;
    p += 8;
    len -= 8;
    if (pos == MN__SHA3_RATE) {
      mn__keccakf(ctx->st);
      pos = 0;
    }
  }
  while (len > 0) {
    xor_byte(ctx, pos++, *p++);
    len--;
  }
  ctx->pos = pos;
}

void mn__sha3_final(mn_sha3_t *ctx, uint8_t out[MN_HASH_LEN]) {
  xor_byte(ctx, ctx->pos, 0x06);
  xor_byte(ctx, MN__SHA3_RATE - 1, 0x80);
  mn__keccakf(ctx->st);
  for (int i = 0; i < 4; i++)
    mn__store64le(out + 8 * i, ctx->st[i]);
  memset(ctx, 0, sizeof *ctx);
}
