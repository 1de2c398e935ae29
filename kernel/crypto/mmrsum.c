/*
 * crypto/mmrsum.c - the MiniNumber arithmetic inside MMR proofs.
 *
 * A tree-key proof chunk carries an MMRData value; applying the chunk
 * hashes the parent with the MiniNumber sum of the two children's values
 * (objects.md section 7), and list counts are MiniNumbers read with
 * getAsInt().  Honest proofs hold only 0 (00 01 00), but a key owner can
 * write any MiniNumber there, and the reference still computes a root with
 * BigDecimal semantics.  To agree with it on every input this file
 * reproduces exactly the operations involved, on 256-bit magnitudes:
 *
 *   read:  new BigDecimal(unscaled, scale, MathContext(64, DOWN)), so an
 *          unscaled value of more than 64 digits is truncated and its
 *          scale lowered; no limit check.
 *   int32: BigDecimal.intValue(), the integer part's low 32 bits.
 *   add:   a.add(b, MathContext(64, DOWN)) re-parsed from its plain text
 *          (a negative scale becomes 0), then MiniNumber.checkLimits():
 *          more than 44 decimals are truncated to 44, and a result beyond
 *          +-(2^64 - 1) throws.
 *
 * In add, a is always such a checked result (the running value, scale
 * 0..44), which bounds every case: once |b| >= 2^65 the sum is out of range;
 * otherwise the exact sum has fewer than 64 digits when b.scale <= 44, and
 * for b.scale > 44 rounding to 64 digits and then to 44 decimals is one
 * truncation toward zero at 44 decimals.
 */
#include <string.h>

#include <minima/stream.h>

#include "crypto/crypto.h"

typedef uint64_t u256[4]; /* little-endian limbs */

static const u256 TEN_POW_64 = {UINT64_C(0x0), UINT64_C(0x6e38ed64bf6a1f01),
                                UINT64_C(0xe93ff9f4daa797ed),
                                UINT64_C(0x184f03)};

static bool u_zero(const u256 a) {
  return !(a[0] | a[1] | a[2] | a[3]);
}

static int u_cmp(const u256 a, const u256 b) {
  for (int i = 3; i >= 0; i--)
    if (a[i] != b[i])
      return a[i] < b[i] ? -1 : 1;
  return 0;
}

/* a *= m (m < 2^32); returns true on overflow (a is then garbage).
 * Works on 32-bit halves so that no 128-bit type is needed. */
static bool u_mul_small(u256 a, uint32_t m) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t lo = (a[i] & 0xffffffffu) * m + carry;
    uint64_t hi = (a[i] >> 32) * m + (lo >> 32);
    a[i] = (hi << 32) | (lo & 0xffffffffu);
    carry = hi >> 32;
  }
  return carry != 0;
}

/* a /= 10; returns the remainder. */
static unsigned u_div10(u256 a) {
  uint64_t rem = 0;
  for (int i = 3; i >= 0; i--) {
    uint64_t hi = (rem << 32) | (a[i] >> 32);
    uint64_t qh = hi / 10;
    rem = hi % 10;
    uint64_t lo = (rem << 32) | (a[i] & 0xffffffffu);
    uint64_t ql = lo / 10;
    rem = lo % 10;
    a[i] = (qh << 32) | ql;
  }
  return (unsigned)rem;
}

static bool u_add(u256 r, const u256 a, const u256 b) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t t = a[i] + carry;
    uint64_t c1 = t < carry;
    r[i] = t + b[i];
    carry = c1 | (r[i] < t);
  }
  return carry != 0;
}

/* r = a - b, a >= b. */
static void u_sub(u256 r, const u256 a, const u256 b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t t = a[i] - b[i] - borrow;
    borrow = (a[i] < b[i]) || (a[i] - b[i] < borrow);
    r[i] = t;
  }
}

/* a *= 10^k; true on overflow. */
static bool u_scale_up(u256 a, unsigned k) {
  while (k--)
    if (u_mul_small(a, 10))
      return true;
  return false;
}

/* a = trunc(a / 10^k); true when a non-zero remainder was dropped. */
static bool u_scale_down(u256 a, unsigned k) {
  bool frac = false;
  while (k-- && !u_zero(a))
    frac |= u_div10(a) != 0;
  return frac;
}

/* 2^64 - 1 at the given scale (0..44). */
static void u_max_at(u256 out, int scale) {
  out[0] = UINT64_MAX;
  out[1] = out[2] = out[3] = 0;
  u_scale_up(out, (unsigned)scale); /* < 2^211, never overflows */
}

int mn__mmrsum_read(mn_reader_t *r, mn_num_t *out) {
  int scale = (int8_t)mn_reader_u8(r);
  int len = (int8_t)mn_reader_u8(r);
  if (r->err)
    return MN_EFORMAT;
  if (len < 1 || len > 32) {
    r->err = MN_EFORMAT;
    return MN_EFORMAT;
  }
  const uint8_t *p = mn_reader_take(r, (size_t)len);
  if (!p)
    return MN_EFORMAT;
  /* Two's complement, sign-extended to 256 bits, then the magnitude. */
  bool neg = p[0] & 0x80;
  uint8_t be[32];
  memset(be, neg ? 0xff : 0x00, 32 - (size_t)len);
  memcpy(be + 32 - len, p, (size_t)len);
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 8; j++)
      out->mag[i] |= (uint64_t)be[31 - (8 * i + j)] << (8 * j);
  if (neg) {
    for (int i = 0; i < 4; i++)
      out->mag[i] = ~out->mag[i];
    static const u256 one = {1, 0, 0, 0};
    u_add(out->mag, out->mag, one);
  }
  /* MathContext(64, DOWN): keep 64 significant digits. */
  while (u_cmp(out->mag, TEN_POW_64) >= 0) {
    u_div10(out->mag);
    scale--;
  }
  out->scale = scale;
  out->neg = neg && !u_zero(out->mag);
  return 0;
}

int32_t mn__mmrsum_int32(const mn_num_t *v) {
  u256 q;
  memcpy(q, v->mag, sizeof q);
  uint32_t low;
  if (v->scale <= 0) {
    /* 10^k for k >= 32 is a multiple of 2^32. */
    unsigned k = (unsigned)(-(int64_t)v->scale);
    low = (uint32_t)q[0];
    for (unsigned i = 0; i < k && low; i++)
      low *= 10u;
    if (k >= 32)
      low = 0;
  } else {
    u_scale_down(q, (unsigned)v->scale);
    low = (uint32_t)q[0];
  }
  if (v->neg)
    low = 0u - low;
  return low <= INT32_MAX ? (int32_t)low : -(int32_t)(~low) - 1;
}

/* r = (an ? -A : A) + (bn ? -B : B) as sign and magnitude. */
static void signed_add(u256 r, bool *rn, const u256 a, bool an, const u256 b,
                       bool bn) {
  if (an == bn) {
    u_add(r, a, b); /* callers keep both below 2^213 */
    *rn = an;
  } else if (u_cmp(a, b) >= 0) {
    u_sub(r, a, b);
    *rn = an;
  } else {
    u_sub(r, b, a);
    *rn = bn;
  }
  if (u_zero(r))
    *rn = false;
}

int mn__mmrsum_add(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  /* |b| >= 2^65 puts the sum out of range whatever a is. */
  if (!u_zero(b->mag)) {
    u256 ip;
    memcpy(ip, b->mag, sizeof ip);
    if (b->scale <= 0) {
      if (u_scale_up(ip, (unsigned)(-(int64_t)b->scale)))
        return MN_EOVERFLOW;
    } else {
      u_scale_down(ip, (unsigned)b->scale);
    }
    if (ip[3] || ip[2] || ip[1] > 1)
      return MN_EOVERFLOW;
  }

  u256 am, bm, s;
  bool sn;
  int scale;
  memcpy(am, a->mag, sizeof am);
  memcpy(bm, b->mag, sizeof bm);
  if (b->scale <= MN_NUM_MAX_DECIMALS) {
    /* Exact at the larger scale. */
    scale = a->scale > b->scale ? a->scale : b->scale;
    u_scale_up(am, (unsigned)(scale - a->scale));
    if (!u_zero(bm))
      u_scale_up(bm, (unsigned)(scale - b->scale));
    signed_add(s, &sn, am, a->neg, bm, b->neg);
  } else {
    /* Truncated toward zero at 44 decimals. */
    scale = MN_NUM_MAX_DECIMALS;
    u_scale_up(am, (unsigned)(scale - a->scale));
    bool frac = u_scale_down(bm, (unsigned)(b->scale - scale));
    signed_add(s, &sn, am, a->neg, bm, b->neg && !u_zero(bm));
    if (frac && !u_zero(s) && sn != (bool)b->neg) {
      static const u256 one = {1, 0, 0, 0};
      u_sub(s, s, one);
      if (u_zero(s))
        sn = false;
    }
  }
  u256 max;
  u_max_at(max, scale);
  if (u_cmp(s, max) > 0)
    return MN_EOVERFLOW;
  memset(r, 0, sizeof *r);
  memcpy(r->mag, s, sizeof s);
  r->scale = scale;
  r->neg = sn;
  return 0;
}

size_t mn__mmrsum_encode(const mn_num_t *v, uint8_t out[MN_NUM_MAX_ENCODED]) {
  /* Two's complement of the signed value in 33 big-endian bytes (one more
   * than the magnitude needs, for the sign), then the minimal tail. */
  uint8_t be[33];
  u256 m;
  memcpy(m, v->mag, sizeof m);
  if (v->neg) {
    for (int i = 0; i < 4; i++)
      m[i] = ~m[i];
    static const u256 one = {1, 0, 0, 0};
    u_add(m, m, one);
  }
  be[0] = v->neg ? 0xff : 0x00;
  for (int i = 0; i < 32; i++)
    be[32 - i] = (uint8_t)(m[i / 8] >> (8 * (i % 8)));
  size_t start = 0;
  while (start < 32 && be[start] == be[0] &&
         (be[start + 1] & 0x80) == (be[0] & 0x80))
    start++;
  size_t n = 33 - start;
  out[0] = (uint8_t)v->scale;
  out[1] = (uint8_t)n;
  memcpy(out + 2, be + start, n);
  return n + 2;
}
