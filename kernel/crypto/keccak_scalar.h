/*
 * crypto/keccak_scalar.h - the one-state (scalar) Keccak code, compiled
 * more than once: keccak.c builds it for the baseline instruction set and
 * keccak_bmi.c for CPUs with BMI1/BMI2 (and-not, rotate without flags),
 * chosen at run time.  The includer defines MN__KS(name), which gives each
 * copy its own function names.
 *
 * Everything works on 25 local variables, so the compiler keeps the state
 * in registers for a whole message instead of a memory array.
 */
#include <stdint.h>
#include <string.h>

#include "crypto/keccak_round.h"
#include "crypto/sha3_internal.h"

#define KT uint64_t
#define KXOR(a, b) ((a) ^ (b))
#define KXOR5(a, b, c, d, e) ((a) ^ (b) ^ (c) ^ (d) ^ (e))
#define KROL(a, n) (((a) << (n)) | ((a) >> (64 - (n))))
#define KCHI(a, b, c) ((a) ^ (~(b) & (c)))
#define KRC(i) (mn__keccak_rc[(i)])

#define KS_LOAD_ST(lane, i) lane = st[i]
#define KS_STORE_ST(lane, i) st[i] = lane
#define KS_ZERO(lane, i) lane = 0
#define KS_ABSORB(lane, i) lane ^= mn__load64le(p + 8 * (i))

void MN__KS(keccakf)(uint64_t st[25]) {
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  MN__KECCAK_EACH(a, KS_LOAD_ST);
  MN__KECCAK_PERMUTE(a, e);
  MN__KECCAK_EACH(a, KS_STORE_ST);
}

void MN__KS(sha3_256)(const void *data, size_t len, uint8_t out[32]) {
  const uint8_t *p = (const uint8_t *)data;
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  MN__KECCAK_EACH(a, KS_ZERO);
  while (len >= MN__SHA3_RATE) {
    MN__KECCAK_EACH_RATE(a, KS_ABSORB);
    MN__KECCAK_PERMUTE(a, e);
    p += MN__SHA3_RATE;
    len -= MN__SHA3_RATE;
  }
  /* The last, padded block: domain bits 01, then pad10*1. */
  uint8_t last[MN__SHA3_RATE];
  memset(last, 0, sizeof last);
  if (len)
    memcpy(last, p, len);
  last[len] ^= 0x06;
  last[MN__SHA3_RATE - 1] ^= 0x80;
  p = last;
  MN__KECCAK_EACH_RATE(a, KS_ABSORB);
  MN__KECCAK_PERMUTE(a, e);
  mn__store64le(out, a00);
  mn__store64le(out + 8, a10);
  mn__store64le(out + 16, a20);
  mn__store64le(out + 24, a30);
}

void MN__KS(chain32)(uint64_t v[4], unsigned steps) {
  MN__KECCAK_DECL(a);
  MN__KECCAK_DECL(e);
  uint64_t v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
  while (steps--) {
    MN__KECCAK_EACH(a, KS_ZERO);
    a00 = v0;
    a10 = v1;
    a20 = v2;
    a30 = v3;
    a40 = 0x06;
    a13 = UINT64_C(0x8000000000000000);
    MN__KECCAK_PERMUTE(a, e);
    v0 = a00;
    v1 = a10;
    v2 = a20;
    v3 = a30;
  }
  v[0] = v0;
  v[1] = v1;
  v[2] = v2;
  v[3] = v3;
}

#undef KS_LOAD_ST
#undef KS_STORE_ST
#undef KS_ZERO
#undef KS_ABSORB
#undef KT
#undef KXOR
#undef KXOR5
#undef KROL
#undef KCHI
#undef KRC
