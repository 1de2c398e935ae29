/* Fixed-width unsigned big integers (see bigint.h). */
#include "types/bigint.h"

#include <string.h>

#include <minima/errors.h>

__extension__ typedef unsigned __int128 u128;

#define BN_MAX 8 /* largest limb count the fixed buffers below allow */

/* 10^k for k = 0..77 in four little-endian limbs (10^77 < 2^256). */
static const uint64_t pow10_256[78][4] = {
    {0x1u, 0, 0, 0},                                                  /* 1e0 */
    {0xau, 0, 0, 0},                                                  /* 1e1 */
    {0x64u, 0, 0, 0},                                                 /* 1e2 */
    {0x3e8u, 0, 0, 0},                                                /* 1e3 */
    {0x2710u, 0, 0, 0},                                               /* 1e4 */
    {0x186a0u, 0, 0, 0},                                              /* 1e5 */
    {0xf4240u, 0, 0, 0},                                              /* 1e6 */
    {0x989680u, 0, 0, 0},                                             /* 1e7 */
    {0x5f5e100u, 0, 0, 0},                                            /* 1e8 */
    {0x3b9aca00u, 0, 0, 0},                                           /* 1e9 */
    {0x2540be400u, 0, 0, 0},                                          /* 1e10 */
    {0x174876e800u, 0, 0, 0},                                         /* 1e11 */
    {0xe8d4a51000u, 0, 0, 0},                                         /* 1e12 */
    {0x9184e72a000u, 0, 0, 0},                                        /* 1e13 */
    {0x5af3107a4000u, 0, 0, 0},                                       /* 1e14 */
    {0x38d7ea4c68000u, 0, 0, 0},                                      /* 1e15 */
    {0x2386f26fc10000u, 0, 0, 0},                                     /* 1e16 */
    {0x16345785d8a0000u, 0, 0, 0},                                    /* 1e17 */
    {0xde0b6b3a7640000u, 0, 0, 0},                                    /* 1e18 */
    {0x8ac7230489e80000u, 0, 0, 0},                                   /* 1e19 */
    {0x6bc75e2d63100000u, 0x5u, 0, 0},                                /* 1e20 */
    {0x35c9adc5dea00000u, 0x36u, 0, 0},                               /* 1e21 */
    {0x19e0c9bab2400000u, 0x21eu, 0, 0},                              /* 1e22 */
    {0x2c7e14af6800000u, 0x152du, 0, 0},                              /* 1e23 */
    {0x1bcecceda1000000u, 0xd3c2u, 0, 0},                             /* 1e24 */
    {0x161401484a000000u, 0x84595u, 0, 0},                            /* 1e25 */
    {0xdcc80cd2e4000000u, 0x52b7d2u, 0, 0},                           /* 1e26 */
    {0x9fd0803ce8000000u, 0x33b2e3cu, 0, 0},                          /* 1e27 */
    {0x3e25026110000000u, 0x204fce5eu, 0, 0},                         /* 1e28 */
    {0x6d7217caa0000000u, 0x1431e0faeu, 0, 0},                        /* 1e29 */
    {0x4674edea40000000u, 0xc9f2c9cd0u, 0, 0},                        /* 1e30 */
    {0xc0914b2680000000u, 0x7e37be2022u, 0, 0},                       /* 1e31 */
    {0x85acef8100000000u, 0x4ee2d6d415bu, 0, 0},                      /* 1e32 */
    {0x38c15b0a00000000u, 0x314dc6448d93u, 0, 0},                     /* 1e33 */
    {0x378d8e6400000000u, 0x1ed09bead87c0u, 0, 0},                    /* 1e34 */
    {0x2b878fe800000000u, 0x13426172c74d82u, 0, 0},                   /* 1e35 */
    {0xb34b9f1000000000u, 0xc097ce7bc90715u, 0, 0},                   /* 1e36 */
    {0xf436a000000000u, 0x785ee10d5da46d9u, 0, 0},                    /* 1e37 */
    {0x98a224000000000u, 0x4b3b4ca85a86c47au, 0, 0},                  /* 1e38 */
    {0x5f65568000000000u, 0xf050fe938943acc4u, 0x2u, 0},              /* 1e39 */
    {0xb9f5610000000000u, 0x6329f1c35ca4bfabu, 0x1du, 0},             /* 1e40 */
    {0x4395ca0000000000u, 0xdfa371a19e6f7cb5u, 0x125u, 0},            /* 1e41 */
    {0xa3d9e40000000000u, 0xbc627050305adf14u, 0xb7au, 0},            /* 1e42 */
    {0x6682e80000000000u, 0x5bd86321e38cb6ceu, 0x72cbu, 0},           /* 1e43 */
    {0x11d100000000000u, 0x9673df52e37f2410u, 0x47bf1u, 0},           /* 1e44 */
    {0xb22a00000000000u, 0xe086b93ce2f768a0u, 0x2cd76fu, 0},          /* 1e45 */
    {0x6f5a400000000000u, 0xc5433c60ddaa1640u, 0x1c06a5eu, 0},        /* 1e46 */
    {0x5986800000000000u, 0xb4a05bc8a8a4de84u, 0x118427b3u, 0},       /* 1e47 */
    {0x7f41000000000000u, 0xe4395d69670b12bu, 0xaf298d05u, 0},        /* 1e48 */
    {0xf88a000000000000u, 0x8ea3da61e066ebb2u, 0x6d79f8232u, 0},      /* 1e49 */
    {0xb564000000000000u, 0x926687d2c40534fdu, 0x446c3b15f9u, 0},     /* 1e50 */
    {0x15e8000000000000u, 0xb8014e3ba83411e9u, 0x2ac3a4edbbfu, 0},    /* 1e51 */
    {0xdb10000000000000u, 0x300d0e549208b31au, 0x1aba4714957du, 0},   /* 1e52 */
    {0x8ea0000000000000u, 0xe0828f4db456ff0cu, 0x10b46c6cdd6e3u, 0},  /* 1e53 */
    {0x9240000000000000u, 0xc51999090b65f67du, 0xa70c3c40a64e6u, 0},  /* 1e54 */
    {0xb680000000000000u, 0xb2fffa5a71fba0e7u, 0x6867a5a867f103u, 0}, /* 1e55 */
    {0x2100000000000000u, 0xfdffc78873d4490du, 0x4140c78940f6a24u,
     0}, /* 1e56 */
    {0x4a00000000000000u, 0xebfdcb54864ada83u, 0x28c87cb5c89a2571u,
     0}, /* 1e57 */
    {0xe400000000000000u, 0x37e9f14d3eec8920u, 0x97d4df19d6057673u,
     0x1u}, /* 1e58 */
    {0xe800000000000000u, 0x2f236d04753d5b48u, 0xee50b7025c36a080u,
     0xfu}, /* 1e59 */
    {0x1000000000000000u, 0xd762422c946590d9u, 0x4f2726179a224501u,
     0x9fu}, /* 1e60 */
    {0xa000000000000000u, 0x69d695bdcbf7a87au, 0x17877cec0556b212u,
     0x639u}, /* 1e61 */
    {0x4000000000000000u, 0x2261d969f7ac94cau, 0xeb4ae1383562f4b8u,
     0x3e3au}, /* 1e62 */
    {0x8000000000000000u, 0x57d27e23acbdcfe6u, 0x30eccc3215dd8f31u,
     0x26e4du},                                                       /* 1e63 */
    {0, 0x6e38ed64bf6a1f01u, 0xe93ff9f4daa797edu, 0x184f03u},         /* 1e64 */
    {0, 0x4e3945ef7a25360au, 0x1c7fc3908a8bef46u, 0xf31627u},         /* 1e65 */
    {0, 0xe3cbb5ac5741c64u, 0x1cfda3a5697758bfu, 0x97edd87u},         /* 1e66 */
    {0, 0x8e5f518bb6891be8u, 0x21e864761ea97776u, 0x5ef4a747u},       /* 1e67 */
    {0, 0x8fb92f75215b1710u, 0x5313ec9d329eaaa1u, 0x3b58e88c7u},      /* 1e68 */
    {0, 0x9d3bda934d8ee6a0u, 0x3ec73e23fa32aa4fu, 0x25179157c9u},     /* 1e69 */
    {0, 0x245689c107950240u, 0x73c86d67c5faa71cu, 0x172ebad6ddcu},    /* 1e70 */
    {0, 0x6b61618a4bd21680u, 0x85d4460dbbca8719u, 0xe7d34c64a9cu},    /* 1e71 */
    {0, 0x31cdcf66f634e100u, 0x3a4abc8955e946feu, 0x90e40fbeea1du},   /* 1e72 */
    {0, 0xf20a1a059e10ca00u, 0x46eb5d5d5b1cc5edu, 0x5a8e89d752524u},  /* 1e73 */
    {0, 0x746504382ca7e400u, 0xc531a5a58f1fbb4bu, 0x3899162693736au}, /* 1e74 */
    {0, 0x8bf22a31be8ee800u, 0xb3f07877973d50f2u,
     0x235fadd81c2822bu}, /* 1e75 */
    {0, 0x7775a5f171951000u, 0x764b4abe8652979u,
     0x161bcca7119915b5u}, /* 1e76 */
    {0, 0xaa987b6e6fd2a000u, 0x49ef0eb713f39ebeu,
     0xdd15fe86affad912u}, /* 1e77 */
};

/* 10^k for k = 0..19 (10^19 < 2^64). */
const uint64_t mn__pow10_u64[20] = {
    1u,
    10u,
    100u,
    1000u,
    10000u,
    100000u,
    1000000u,
    10000000u,
    100000000u,
    1000000000u,
    10000000000u,
    100000000000u,
    1000000000000u,
    10000000000000u,
    100000000000000u,
    1000000000000000u,
    10000000000000000u,
    100000000000000000u,
    1000000000000000000u,
    10000000000000000000u,
};

static unsigned clz64(uint64_t v) {
  return (unsigned)__builtin_clzll(v);
}

/* (hi:lo) / d with hi < d, so that the quotient fits 64 bits.  On x86-64
 * one divq instruction; the generic 128-bit division is a library call
 * several times slower. */
static inline uint64_t div128(uint64_t hi, uint64_t lo, uint64_t d,
                              uint64_t *rem) {
#if defined(__x86_64__)
  uint64_t q, r;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
  *rem = r;
  return q;
#else
  u128 n = (u128)hi << 64 | lo;
  *rem = (uint64_t)(n % d);
  return (uint64_t)(n / d);
#endif
}

static unsigned u64_digits(uint64_t v) {
  unsigned d = 1;
  while (d < 20 && v >= mn__pow10_u64[d])
    d++;
  return d;
}

size_t mn__bn_len(const uint64_t *a, size_t n) {
  while (n > 0 && a[n - 1] == 0)
    n--;
  return n;
}

unsigned mn__bn_bitlen(const uint64_t *a, size_t n) {
  size_t l = mn__bn_len(a, n);
  if (l == 0)
    return 0;
  return (unsigned)(64 * l) - clz64(a[l - 1]);
}

int mn__bn_cmp(const uint64_t *a, const uint64_t *b, size_t n) {
  while (n-- > 0) {
    if (a[n] != b[n])
      return a[n] < b[n] ? -1 : 1;
  }
  return 0;
}

uint64_t mn__bn_add(uint64_t *r, const uint64_t *a, const uint64_t *b,
                    size_t n) {
  uint64_t c = 0;
  for (size_t i = 0; i < n; i++) {
    u128 s = (u128)a[i] + b[i] + c;
    r[i] = (uint64_t)s;
    c = (uint64_t)(s >> 64);
  }
  return c;
}

uint64_t mn__bn_sub(uint64_t *r, const uint64_t *a, const uint64_t *b,
                    size_t n) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t x = a[i], y = b[i];
    uint64_t d = x - y;
    uint64_t b1 = x < y;
    uint64_t d2 = d - borrow;
    uint64_t b2 = d < borrow;
    r[i] = d2;
    borrow = b1 | b2;
  }
  return borrow;
}

uint64_t mn__bn_add_u64(uint64_t *a, size_t n, uint64_t v) {
  for (size_t i = 0; i < n && v; i++) {
    uint64_t s = a[i] + v;
    v = s < v;
    a[i] = s;
  }
  return v;
}

uint64_t mn__bn_mul_u64(uint64_t *r, const uint64_t *a, size_t n, uint64_t m) {
  uint64_t c = 0;
  for (size_t i = 0; i < n; i++) {
    u128 p = (u128)a[i] * m + c;
    r[i] = (uint64_t)p;
    c = (uint64_t)(p >> 64);
  }
  return c;
}

void mn__bn_mul(uint64_t *r, const uint64_t *a, size_t an, const uint64_t *b,
                size_t bn) {
  memset(r, 0, (an + bn) * sizeof *r);
  size_t la = mn__bn_len(a, an), lb = mn__bn_len(b, bn);
  for (size_t i = 0; i < la; i++) {
    uint64_t c = 0;
    if (a[i] == 0)
      continue;
    for (size_t j = 0; j < lb; j++) {
      u128 p = (u128)a[i] * b[j] + r[i + j] + c;
      r[i + j] = (uint64_t)p;
      c = (uint64_t)(p >> 64);
    }
    r[i + lb] = c;
  }
}

uint64_t mn__bn_divmod_u64(uint64_t *q, const uint64_t *a, size_t n,
                           uint64_t d) {
  uint64_t rem = 0;
  for (size_t i = n; i-- > 0;)
    q[i] = div128(rem, a[i], d, &rem);
  return rem;
}

/* u = u - qhat * v over m limbs plus the top limb u[m]; returns true when
 * the result went negative (qhat was one too large). */
static bool mulsub(uint64_t *u, const uint64_t *v, size_t m, uint64_t qhat) {
  uint64_t k = 0, borrow = 0;
  for (size_t i = 0; i < m; i++) {
    u128 p = (u128)qhat * v[i] + k;
    k = (uint64_t)(p >> 64);
    uint64_t lo = (uint64_t)p;
    uint64_t t = u[i] - lo;
    uint64_t b1 = u[i] < lo;
    uint64_t t2 = t - borrow;
    uint64_t b2 = t < borrow;
    u[i] = t2;
    borrow = b1 | b2;
  }
  uint64_t t = u[m] - k;
  uint64_t b1 = u[m] < k;
  uint64_t t2 = t - borrow;
  uint64_t b2 = t < borrow;
  u[m] = t2;
  return (b1 | b2) != 0;
}

int mn__bn_divmod(uint64_t *q, uint64_t *r, const uint64_t *a, size_t an,
                  const uint64_t *d, size_t dn) {
  if (an == 0 || dn == 0 || an > BN_MAX || dn > BN_MAX)
    return MN_EINVAL;
  size_t m = mn__bn_len(d, dn);
  if (m == 0)
    return MN_EDIVZERO;
  size_t la = mn__bn_len(a, an);
  uint64_t qq[BN_MAX] = {0};
  uint64_t rr[BN_MAX] = {0};

  if (la < m || (la == m && mn__bn_cmp(a, d, m) < 0)) {
    memcpy(rr, a, la * sizeof *a);
  } else if (m == 1) {
    rr[0] = mn__bn_divmod_u64(qq, a, la, d[0]);
  } else {
    /* Normalise so that the divisor's top limb has its high bit set; the
     * quotient digit estimate is then off by at most two. */
    unsigned s = clz64(d[m - 1]);
    uint64_t v[BN_MAX], u[BN_MAX + 1];
    mn__bn_shl(v, d, m, s);
    u[la] = s ? a[la - 1] >> (64 - s) : 0;
    mn__bn_shl(u, a, la, s);
    for (size_t j = la - m + 1; j-- > 0;) {
      u128 num = (u128)u[j + m] << 64 | u[j + m - 1];
      u128 qhat, rhat;
      if (u[j + m] >= v[m - 1]) {
        qhat = UINT64_MAX;
        rhat = num - qhat * v[m - 1];
      } else {
        uint64_t r64;
        qhat = div128(u[j + m], u[j + m - 1], v[m - 1], &r64);
        rhat = r64;
      }
      while (rhat >> 64 == 0 && qhat * v[m - 2] > (rhat << 64 | u[j + m - 2])) {
        qhat--;
        rhat += v[m - 1];
      }
      if (mulsub(u + j, v, m, (uint64_t)qhat)) {
        qhat--;
        uint64_t c = mn__bn_add(u + j, u + j, v, m);
        u[j + m] += c;
      }
      qq[j] = (uint64_t)qhat;
    }
    mn__bn_shr(rr, u, m, s);
    if (s)
      rr[m - 1] |= u[m] << (64 - s);
  }
  if (q)
    memcpy(q, qq, an * sizeof *q);
  if (r)
    memcpy(r, rr, dn * sizeof *r);
  return 0;
}

void mn__bn_shl(uint64_t *r, const uint64_t *a, size_t n, unsigned s) {
  size_t limbs = s / 64;
  unsigned bits = s % 64;
  if (limbs >= n) {
    memset(r, 0, n * sizeof *r);
    return;
  }
  for (size_t i = n; i-- > limbs;) {
    uint64_t hi = a[i - limbs];
    uint64_t lo = i - limbs > 0 ? a[i - limbs - 1] : 0;
    r[i] = bits ? hi << bits | lo >> (64 - bits) : hi;
  }
  for (size_t i = 0; i < limbs; i++)
    r[i] = 0;
}

void mn__bn_shr(uint64_t *r, const uint64_t *a, size_t n, unsigned s) {
  size_t limbs = s / 64;
  unsigned bits = s % 64;
  if (limbs >= n) {
    memset(r, 0, n * sizeof *r);
    return;
  }
  for (size_t i = 0; i + limbs < n; i++) {
    uint64_t lo = a[i + limbs];
    uint64_t hi = i + limbs + 1 < n ? a[i + limbs + 1] : 0;
    r[i] = bits ? lo >> bits | hi << (64 - bits) : lo;
  }
  for (size_t i = n - limbs; i < n; i++)
    r[i] = 0;
}

bool mn__bn_pow10(uint64_t *r, size_t n, unsigned k) {
  uint64_t t[2 * 4];
  memset(r, 0, n * sizeof *r);
  if (k <= 77) {
    memcpy(t, pow10_256[k], 4 * sizeof *t);
    memset(t + 4, 0, 4 * sizeof *t);
  } else if (k <= 154) {
    mn__bn_mul(t, pow10_256[77], 4, pow10_256[k - 77], 4);
  } else {
    return false;
  }
  if (mn__bn_len(t, 8) > n)
    return false;
  memcpy(r, t, (n < 8 ? n : 8) * sizeof *r);
  return true;
}

bool mn__bn_mul_pow10(uint64_t *a, size_t n, unsigned k) {
  size_t len = mn__bn_len(a, n);
  while (k > 0 && len > 0) {
    unsigned step = k > 19 ? 19 : k;
    uint64_t c = mn__bn_mul_u64(a, a, len, mn__pow10_u64[step]);
    if (c) {
      if (len == n)
        return false;
      a[len++] = c;
    }
    k -= step;
  }
  return true;
}

bool mn__bn_div_pow10(uint64_t *a, size_t n, unsigned k) {
  bool exact = true;
  size_t len = mn__bn_len(a, n);
  while (k > 0 && len > 0) {
    unsigned step = k > 19 ? 19 : k;
    if (mn__bn_divmod_u64(a, a, len, mn__pow10_u64[step]))
      exact = false;
    k -= step;
    len = mn__bn_len(a, len);
  }
  return exact;
}

/* Trailing decimal zeros of a non-zero 64-bit value. */
static unsigned u64_tz10(uint64_t v) {
  unsigned count = 0;
  static const unsigned steps[] = {16, 8, 4, 2, 1};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    uint64_t p = mn__pow10_u64[steps[i]];
    if (v % p == 0) {
      v /= p;
      count += steps[i];
    }
  }
  return count;
}

unsigned mn__bn_trailing_zeros10(const uint64_t *a, size_t n) {
  size_t len = mn__bn_len(a, n);
  if (len == 0 || len > BN_MAX || (a[0] & 1))
    return 0;
  if (len == 1)
    return u64_tz10(a[0]);
  uint64_t t[BN_MAX], q[BN_MAX];
  memcpy(t, a, len * sizeof *t);
  unsigned count = 0;
  for (;;) {
    uint64_t rem = mn__bn_divmod_u64(q, t, len, mn__pow10_u64[19]);
    if (rem != 0)
      return count + u64_tz10(rem);
    count += 19;
    len = mn__bn_len(q, len);
    memcpy(t, q, len * sizeof *t);
  }
}

/* Compares a (len significant limbs) with 10^k. */
static int cmp_pow10(const uint64_t *a, size_t len, unsigned k) {
  if (k > 77) {
    uint64_t p[BN_MAX];
    if (len > BN_MAX || !mn__bn_pow10(p, BN_MAX, k))
      return len > BN_MAX ? 1 : -1;
    uint64_t x[BN_MAX] = {0};
    memcpy(x, a, len * sizeof *a);
    return mn__bn_cmp(x, p, BN_MAX);
  }
  const uint64_t *t = pow10_256[k];
  if (len > 4)
    return 1;
  for (size_t i = 4; i-- > 0;) {
    uint64_t x = i < len ? a[i] : 0;
    if (x != t[i])
      return x < t[i] ? -1 : 1;
  }
  return 0;
}

unsigned mn__bn_digits(const uint64_t *a, size_t n) {
  size_t len = mn__bn_len(a, n);
  if (len <= 1)
    return u64_digits(len ? a[0] : 0);
  if (len > BN_MAX)
    return 155;
  unsigned b = (unsigned)(64 * len) - clz64(a[len - 1]);
  /* 2^(b-1) <= a < 2^b, and 2^(b-1) has d digits (the constant is
   * log10(2) * 2^32, exact enough for every b up to 512); a has d or
   * d + 1 digits. */
  unsigned d = (unsigned)(((uint64_t)(b - 1) * 1292913986u) >> 32) + 1;
  return cmp_pow10(a, len, d) >= 0 ? d + 1 : d;
}

void mn__bn_isqrt(uint64_t *r, const uint64_t *a, size_t n) {
  uint64_t x[BN_MAX] = {0}, y[BN_MAX], t[BN_MAX];
  unsigned b = mn__bn_bitlen(a, n);
  if (b == 0 || n > BN_MAX) {
    memset(r, 0, n * sizeof *r);
    return;
  }
  /* Start above the root; Newton's iteration then decreases strictly until
   * it reaches floor(sqrt(a)). */
  unsigned e = (b + 1) / 2;
  x[e / 64] = (uint64_t)1 << (e % 64);
  for (;;) {
    mn__bn_divmod(t, NULL, a, n, x, n);
    mn__bn_add(y, x, t, n);
    mn__bn_shr(y, y, n, 1);
    if (mn__bn_cmp(y, x, n) >= 0)
      break;
    memcpy(x, y, n * sizeof *x);
  }
  memcpy(r, x, n * sizeof *r);
}

size_t mn__bn_to_dec(const uint64_t *a, size_t n, char *buf, size_t cap) {
  char tmp[16 * 20];
  uint64_t chunks[16];
  uint64_t t[BN_MAX];
  size_t len = mn__bn_len(a, n), nc = 0, out = 0;
  if (len > BN_MAX)
    len = BN_MAX;
  memcpy(t, a, len * sizeof *t);
  do {
    chunks[nc++] = mn__bn_divmod_u64(t, t, len, mn__pow10_u64[19]);
    len = mn__bn_len(t, len);
  } while (len > 0);
  /* The top chunk without padding, the rest as 19 digits each. */
  char d[20];
  int k = 0;
  uint64_t v = chunks[nc - 1];
  do {
    d[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k > 0)
    tmp[out++] = d[--k];
  for (size_t i = nc - 1; i-- > 0;) {
    v = chunks[i];
    for (int j = 18; j >= 0; j--) {
      tmp[out + (size_t)j] = (char)('0' + v % 10);
      v /= 10;
    }
    out += 19;
  }
  if (cap > 0) {
    size_t c = out < cap - 1 ? out : cap - 1;
    memcpy(buf, tmp, c);
    buf[c] = '\0';
  }
  return out;
}

int mn__bn_from_dec(uint64_t *r, size_t n, const char *s, size_t len) {
  if (len == 0)
    return MN_EFORMAT;
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return MN_EFORMAT;
  memset(r, 0, n * sizeof *r);
  size_t i = 0;
  while (i < len) {
    size_t step = len - i > 19 ? 19 : len - i;
    uint64_t chunk = 0;
    for (size_t j = 0; j < step; j++)
      chunk = chunk * 10 + (uint64_t)(s[i + j] - '0');
    if (mn__bn_mul_u64(r, r, n, mn__pow10_u64[step]) || mn__bn_add_u64(r, n, chunk))
      return MN_EOVERFLOW;
    i += step;
  }
  return 0;
}

size_t mn__bn_to_be(const uint64_t *a, size_t n, uint8_t *out) {
  size_t len = mn__bn_len(a, n);
  if (len == 0) {
    out[0] = 0;
    return 1;
  }
  unsigned bytes = (mn__bn_bitlen(a, len) + 7) / 8;
  for (unsigned i = 0; i < bytes; i++) {
    unsigned bi = bytes - 1 - i; /* byte index from the least significant */
    out[i] = (uint8_t)(a[bi / 8] >> (8 * (bi % 8)));
  }
  return bytes;
}

int mn__bn_from_be(uint64_t *r, size_t n, const uint8_t *p, size_t len) {
  while (len > 0 && p[0] == 0) {
    p++;
    len--;
  }
  if (len > 8 * n)
    return MN_EOVERFLOW;
  memset(r, 0, n * sizeof *r);
  for (size_t i = 0; i < len; i++) {
    size_t bi = len - 1 - i;
    r[bi / 8] |= (uint64_t)p[i] << (8 * (bi % 8));
  }
  return 0;
}

int mn__u256_divmod(mn_u256_t *q, mn_u256_t *rem, const mn_u256_t *a,
                    const mn_u256_t *d) {
  return mn__bn_divmod(q ? q->w : NULL, rem ? rem->w : NULL, a->w, 4, d->w, 4);
}

int mn__u512_divmod(mn_u512_t *q, mn_u256_t *rem, const mn_u512_t *a,
                    const mn_u256_t *d) {
  return mn__bn_divmod(q ? q->w : NULL, rem ? rem->w : NULL, a->w, 8, d->w, 4);
}
