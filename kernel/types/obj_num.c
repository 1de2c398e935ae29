/*
 * Chain weights (exact decimals with Java's DECIMAL32 rounding) and the
 * 512-bit unsigned integers of difficulty arithmetic, on the limb
 * primitives of types/bigint.h.
 */
#include <stdio.h>
#include <string.h>

#include <minima/errors.h>

#include "types/bigint.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

#define W 8        /* limbs of a weight's unscaled value and of mn_uint_t */
#define WX 16      /* limbs of intermediates */
#define DIGITS32 7 /* DECIMAL32 precision */

/* --------------------------------------------------------------------------
 * Limb helpers for widths beyond the fixed buffers of bigint.c
 * ------------------------------------------------------------------------ */

static void set_pow10(uint64_t *r, size_t n, unsigned k, bool *ok) {
  memset(r, 0, n * sizeof *r);
  r[0] = 1;
  if (!mn__bn_mul_pow10(r, n, k))
    *ok = false;
}

/* Decimal digits of a (1 for zero), any width. */
static unsigned digits_n(const uint64_t *a, size_t n) {
  if (n <= 8)
    return mn__bn_digits(a, n);
  unsigned b = mn__bn_bitlen(a, n);
  if (b <= 512) {
    uint64_t t[8];
    memcpy(t, a, sizeof t);
    return mn__bn_digits(t, 8);
  }
  /* 2^(b-1) <= a < 2^b: d or d + 1 digits with d from log10(2). */
  unsigned d = (unsigned)(((uint64_t)(b - 1) * 1292913986u) >> 32) + 1;
  uint64_t p[WX * 2];
  bool ok = true;
  if (n > WX * 2)
    return d;
  set_pow10(p, n, d, &ok);
  if (!ok)
    return d;
  return mn__bn_cmp(a, p, n) >= 0 ? d + 1 : d;
}

/* num / den for a quotient below 2^63, by shift and subtract; num becomes
 * the remainder.  Both n limbs. */
static uint64_t small_quot(uint64_t *num, const uint64_t *den, size_t n) {
  unsigned bn = mn__bn_bitlen(num, n), bd = mn__bn_bitlen(den, n);
  uint64_t q = 0;
  if (bd == 0 || bn < bd)
    return 0;
  uint64_t t[WX * 2];
  for (unsigned sh = bn - bd + 1; sh-- > 0;) {
    mn__bn_shl(t, den, n, sh);
    if (mn__bn_cmp(num, t, n) >= 0) {
      mn__bn_sub(num, num, t, n);
      q |= (uint64_t)1 << sh;
    }
  }
  return q;
}

/* q = a / d, r = a % d for any width up to WX*2 limbs (bitwise long
 * division; used off the hot paths). */
static void long_div(uint64_t *q, uint64_t *r, const uint64_t *a,
                     const uint64_t *d, size_t n) {
  uint64_t rr[WX * 2] = {0}, qq[WX * 2] = {0};
  for (unsigned i = mn__bn_bitlen(a, n); i-- > 0;) {
    mn__bn_shl(rr, rr, n, 1);
    rr[0] |= (a[i / 64] >> (i % 64)) & 1;
    if (mn__bn_cmp(rr, d, n) >= 0) {
      mn__bn_sub(rr, rr, d, n);
      qq[i / 64] |= (uint64_t)1 << (i % 64);
    }
  }
  if (q)
    memcpy(q, qq, n * sizeof *q);
  if (r)
    memcpy(r, rr, n * sizeof *r);
}

/* HALF_EVEN: does the quotient t with remainder rem over den round up? */
static bool round_up_half_even(uint64_t t, const uint64_t *rem,
                               const uint64_t *den, size_t n) {
  uint64_t twice[WX * 2];
  if (mn__bn_bitlen(rem, n) + 1 > 64 * n)
    return true; /* 2 rem > den certainly (rem < den fits in n limbs) */
  mn__bn_shl(twice, rem, n, 1);
  int c = mn__bn_cmp(twice, den, n);
  return c > 0 || (c == 0 && (t & 1));
}

static bool fits(const uint64_t *a, size_t n, size_t limbs) {
  return mn__bn_len(a, n) <= limbs;
}

/* --------------------------------------------------------------------------
 * Weights
 * ------------------------------------------------------------------------ */

int mn__obj_weight_of(const uint8_t *diff, size_t len, mn_weight_t *out) {
  uint64_t y[W];
  if (mn__bn_from_be(y, W, diff, len))
    return MN_ERANGE;
  if (mn__bn_is_zero(y, W))
    return MN_EDIVZERO;
  /* x / y to 7 significant digits: find e with 10^6 <= x 10^e / y < 10^7,
   * then round the quotient HALF_EVEN.  x = 2^256 - 1 has 78 digits. */
  int e = 6 - 78 + (int)mn__bn_digits(y, W);
  uint64_t num[WX], den[WX], t = 0;
  for (int tries = 0; tries < 3; tries++) {
    bool ok = true;
    memset(num, 0, sizeof num);
    memset(den, 0, sizeof den);
    memset(num, 0xff, 4 * sizeof *num);
    memcpy(den, y, sizeof y);
    if (e > 0 && !mn__bn_mul_pow10(num, WX, (unsigned)e))
      ok = false;
    if (e < 0 && !mn__bn_mul_pow10(den, WX, (unsigned)-e))
      ok = false;
    if (!ok)
      return MN_ERANGE;
    t = small_quot(num, den, WX);
    if (t < 1000000)
      e++;
    else if (t >= 10000000)
      e--;
    else
      break;
  }
  bool exact = mn__bn_is_zero(num, WX);
  if (!exact && round_up_half_even(t, num, den, WX))
    t++;
  if (t == 10000000) {
    t = 1000000;
    e--;
  }
  if (exact) /* an exact quotient takes the scale nearest 0 */
    while (e > 0 && t % 10 == 0) {
      t /= 10;
      e--;
    }
  memset(out, 0, sizeof *out);
  out->mag[0] = t;
  out->scale = e;
  return 0;
}

/* x *= 10^k over WX limbs; false when it does not fit. */
static bool scale_up(uint64_t *x, int64_t k) {
  if (k == 0 || mn__bn_is_zero(x, WX))
    return true;
  return k <= 400 && mn__bn_mul_pow10(x, WX, (unsigned)k);
}

int mn__obj_weight_add(mn_weight_t *r, const mn_weight_t *a,
                       const mn_weight_t *b) {
  int32_t s = a->scale > b->scale ? a->scale : b->scale;
  uint64_t x[WX] = {0}, y[WX] = {0};
  memcpy(x, a->mag, sizeof a->mag);
  memcpy(y, b->mag, sizeof b->mag);
  if (!scale_up(x, (int64_t)s - a->scale) ||
      !scale_up(y, (int64_t)s - b->scale))
    return MN_EOVERFLOW;
  if (mn__bn_add(x, x, y, WX) || !fits(x, WX, W))
    return MN_EOVERFLOW;
  memset(r, 0, sizeof *r);
  memcpy(r->mag, x, sizeof r->mag);
  r->scale = s;
  return 0;
}

int mn__obj_weight_cmp(const mn_weight_t *a, const mn_weight_t *b) {
  bool za = mn__bn_is_zero(a->mag, W), zb = mn__bn_is_zero(b->mag, W);
  if (za || zb)
    return za && zb ? 0 : za ? -1 : 1;
  int64_t ea = (int64_t)mn__bn_digits(a->mag, W) - a->scale;
  int64_t eb = (int64_t)mn__bn_digits(b->mag, W) - b->scale;
  if (ea != eb)
    return ea < eb ? -1 : 1;
  /* Same magnitude: align the scales (the difference is below 155). */
  uint64_t x[WX] = {0}, y[WX] = {0};
  memcpy(x, a->mag, sizeof a->mag);
  memcpy(y, b->mag, sizeof b->mag);
  if (a->scale < b->scale)
    mn__bn_mul_pow10(x, WX, (unsigned)(b->scale - a->scale));
  else if (b->scale < a->scale)
    mn__bn_mul_pow10(y, WX, (unsigned)(a->scale - b->scale));
  return mn__bn_cmp(x, y, WX);
}

int mn__obj_weight_mul_pow2(mn_weight_t *r, const mn_weight_t *a,
                            uint32_t level) {
  if (mn__bn_is_zero(a->mag, W)) {
    *r = *a;
    return 0;
  }
  uint64_t p[WX] = {0};
  unsigned bl = mn__bn_bitlen(a->mag, W);
  if ((uint64_t)bl + level > 64u * WX - 1)
    return MN_EOVERFLOW;
  memcpy(p, a->mag, sizeof a->mag);
  mn__bn_shl(p, p, WX, level);
  unsigned d = digits_n(p, WX);
  int64_t scale = a->scale;
  uint64_t t;
  if (d <= DIGITS32) {
    t = p[0];
  } else {
    unsigned k = d - DIGITS32;
    uint64_t den[WX];
    bool ok = true;
    set_pow10(den, WX, k, &ok);
    t = small_quot(p, den, WX);
    if (round_up_half_even(t, p, den, WX))
      t++;
    if (t == 10000000) {
      t = 1000000;
      k++;
    }
    scale -= k;
  }
  if (scale < INT32_MIN)
    return MN_EOVERFLOW;
  memset(r, 0, sizeof *r);
  r->mag[0] = t;
  r->scale = (int32_t)scale;
  return 0;
}

int mn__obj_weight_trunc(mn_weight_t *r, const mn_weight_t *a) {
  uint64_t x[WX] = {0};
  memcpy(x, a->mag, sizeof a->mag);
  if (a->scale < 0) {
    if (!mn__bn_is_zero(x, WX) &&
        (a->scale < -400 ||
         !mn__bn_mul_pow10(x, WX, (unsigned)-(int64_t)a->scale) ||
         !fits(x, WX, W)))
      return MN_EOVERFLOW;
  } else if (a->scale > 0) {
    mn__bn_div_pow10(x, WX, (unsigned)a->scale);
  }
  memset(r, 0, sizeof *r);
  memcpy(r->mag, x, sizeof r->mag);
  return 0;
}

static void emit(char *buf, size_t cap, size_t *n, const char *s, size_t k) {
  for (size_t i = 0; i < k; i++, (*n)++)
    if (*n + 1 < cap)
      buf[*n] = s[i];
}

size_t mn__obj_weight_to_str(const mn_weight_t *a, char *buf, size_t cap) {
  char coeff[160];
  size_t cl = mn__bn_to_dec(a->mag, W, coeff, sizeof coeff);
  size_t n = 0;
  int64_t scale = a->scale;
  int64_t adjusted = -scale + (int64_t)cl - 1;
  if (scale == 0) {
    emit(buf, cap, &n, coeff, cl);
  } else if (scale > 0 && adjusted >= -6) {
    if ((int64_t)cl > scale) {
      emit(buf, cap, &n, coeff, cl - (size_t)scale);
      emit(buf, cap, &n, ".", 1);
      emit(buf, cap, &n, coeff + cl - (size_t)scale, (size_t)scale);
    } else {
      emit(buf, cap, &n, "0.", 2);
      for (int64_t i = 0; i < scale - (int64_t)cl; i++)
        emit(buf, cap, &n, "0", 1);
      emit(buf, cap, &n, coeff, cl);
    }
  } else {
    char ex[24];
    emit(buf, cap, &n, coeff, 1);
    if (cl > 1) {
      emit(buf, cap, &n, ".", 1);
      emit(buf, cap, &n, coeff + 1, cl - 1);
    }
    int k = snprintf(ex, sizeof ex, "E%s%lld", adjusted > 0 ? "+" : "",
                     (long long)adjusted);
    emit(buf, cap, &n, ex, (size_t)k);
  }
  if (cap)
    buf[n < cap ? n : cap - 1] = '\0';
  return n;
}

/* --------------------------------------------------------------------------
 * 512-bit unsigned integers
 * ------------------------------------------------------------------------ */

int mn__obj_uint_from_bytes(mn_uint_t *r, const uint8_t *p, size_t len) {
  mn_uint_t t;
  if (mn__bn_from_be(t.w, W, p, len))
    return MN_EOVERFLOW;
  *r = t;
  return 0;
}

size_t mn__obj_uint_to_bytes(const mn_uint_t *a, uint8_t out[64]) {
  return mn__bn_to_be(a->w, W, out);
}

void mn__obj_uint_from_u64(mn_uint_t *r, uint64_t v) {
  memset(r, 0, sizeof *r);
  r->w[0] = v;
}

int mn__obj_uint_cmp(const mn_uint_t *a, const mn_uint_t *b) {
  return mn__bn_cmp(a->w, b->w, W);
}

unsigned mn__obj_uint_bitlen(const mn_uint_t *a) {
  return mn__bn_bitlen(a->w, W);
}

int mn__obj_uint_add(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b) {
  mn_uint_t t;
  if (mn__bn_add(t.w, a->w, b->w, W))
    return MN_EOVERFLOW;
  *r = t;
  return 0;
}

int mn__obj_uint_sub(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b) {
  mn_uint_t t;
  if (mn__bn_sub(t.w, a->w, b->w, W))
    return MN_ERANGE;
  *r = t;
  return 0;
}

int mn__obj_uint_mul(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b) {
  uint64_t p[2 * W];
  mn__bn_mul(p, a->w, W, b->w, W);
  if (!fits(p, 2 * W, W))
    return MN_EOVERFLOW;
  memcpy(r->w, p, sizeof r->w);
  return 0;
}

int mn__obj_uint_divmod(mn_uint_t *q, mn_uint_t *rem, const mn_uint_t *a,
                        const mn_uint_t *b) {
  mn_uint_t qq, rr;
  int rc = mn__bn_divmod(qq.w, rr.w, a->w, W, b->w, W);
  if (rc)
    return rc;
  if (q)
    *q = qq;
  if (rem)
    *rem = rr;
  return 0;
}

/* The magnitude of n scaled to an integer by 10^-scale into x (WX limbs);
 * positive scales are returned in *down for the caller. */
static bool load_num(uint64_t *x, const mn_num_t *n) {
  memset(x, 0, WX * sizeof *x);
  memcpy(x, n->mag, sizeof n->mag);
  return true;
}

int mn__obj_uint_from_num(mn_uint_t *r, const mn_num_t *n) {
  if (n->neg && !mn__num_is_zero(n))
    return MN_ERANGE;
  uint64_t x[WX];
  load_num(x, n);
  if (n->scale > 0)
    mn__bn_div_pow10(x, WX, (unsigned)n->scale);
  else if (n->scale < 0 && !mn__bn_is_zero(x, WX) &&
           (n->scale < -400 || !mn__bn_mul_pow10(x, WX, (unsigned)-n->scale)))
    return MN_EOVERFLOW;
  if (!fits(x, WX, W))
    return MN_EOVERFLOW;
  memcpy(r->w, x, sizeof r->w);
  return 0;
}

int mn__obj_uint_mul_num(mn_uint_t *r, const mn_uint_t *a,
                         const mn_num_t *ratio) {
  if (ratio->neg && !mn__num_is_zero(ratio))
    return MN_ERANGE;
  uint64_t p[WX] = {0};
  mn__bn_mul(p, a->w, W, ratio->mag, 4);
  if (ratio->scale > 0)
    mn__bn_div_pow10(p, WX, (unsigned)ratio->scale);
  else if (ratio->scale < 0 && !mn__bn_is_zero(p, WX) &&
           (ratio->scale < -400 ||
            !mn__bn_mul_pow10(p, WX, (unsigned)-ratio->scale)))
    return MN_EOVERFLOW;
  if (!fits(p, WX, W))
    return MN_EOVERFLOW;
  memcpy(r->w, p, sizeof r->w);
  return 0;
}

int mn__obj_uint_div_num(mn_uint_t *r, const mn_uint_t *a, const mn_num_t *d,
                         unsigned digits) {
  if (mn__num_is_zero(d))
    return MN_EDIVZERO;
  if (d->neg)
    return MN_ERANGE;
  /* q = a / d = (a 10^s) / u for d = u 10^-s. */
  uint64_t num[WX] = {0}, den[WX] = {0};
  memcpy(num, a->w, sizeof a->w);
  load_num(den, d);
  if ((d->scale > 0 &&
       (d->scale > 400 || !mn__bn_mul_pow10(num, WX, (unsigned)d->scale))) ||
      (d->scale < 0 &&
       (d->scale < -400 || !mn__bn_mul_pow10(den, WX, (unsigned)-d->scale))))
    return MN_EOVERFLOW;
  uint64_t q[WX], rem[WX];
  long_div(q, rem, num, den, WX);
  if (digits == 0 || mn__bn_is_zero(num, WX)) {
    if (!fits(q, WX, W))
      return MN_EOVERFLOW;
    memcpy(r->w, q, sizeof r->w);
    return 0;
  }
  bool ok = true;
  if (mn__bn_is_zero(q, WX)) {
    /* q < 1 rounds to 1 only from within half a unit of the last place:
     * 2 10^P num >= (2 10^P - 1) den. */
    uint64_t l[WX * 2] = {0}, rr[WX * 2] = {0}, p2[WX * 2];
    memcpy(l, num, sizeof num);
    memcpy(rr, den, sizeof den);
    set_pow10(p2, WX * 2, digits, &ok);
    mn__bn_shl(p2, p2, WX * 2, 1);
    uint64_t prod[WX * 4];
    mn__bn_mul(prod, l, WX * 2, p2, WX * 2);
    memcpy(l, prod, sizeof l);
    uint64_t one[WX * 2] = {1};
    mn__bn_sub(p2, p2, one, WX * 2);
    mn__bn_mul(prod, rr, WX * 2, p2, WX * 2);
    memcpy(rr, prod, sizeof rr);
    if (!ok)
      return MN_EOVERFLOW;
    mn__obj_uint_from_u64(r, mn__bn_cmp(l, rr, WX * 2) >= 0 ? 1 : 0);
    return 0;
  }
  unsigned m = digits_n(q, WX);
  uint64_t t[WX];
  if (m >= digits) {
    unsigned k = m - digits;
    uint64_t dk[WX], p10[WX];
    memcpy(dk, den, sizeof den);
    if (!mn__bn_mul_pow10(dk, WX, k))
      return MN_EOVERFLOW;
    long_div(t, rem, num, dk, WX);
    if (round_up_half_even(t[0], rem, dk, WX))
      mn__bn_add_u64(t, WX, 1);
    set_pow10(p10, WX, k, &ok);
    uint64_t prod[2 * WX];
    mn__bn_mul(prod, t, WX, p10, WX);
    if (!ok || !fits(prod, 2 * WX, W))
      return MN_EOVERFLOW;
    memcpy(r->w, prod, sizeof r->w);
    return 0;
  }
  unsigned k = digits - m;
  uint64_t nk[WX];
  memcpy(nk, num, sizeof num);
  if (!mn__bn_mul_pow10(nk, WX, k))
    return MN_EOVERFLOW;
  long_div(t, rem, nk, den, WX);
  if (round_up_half_even(t[0], rem, den, WX))
    mn__bn_add_u64(t, WX, 1);
  mn__bn_div_pow10(t, WX, k);
  if (!fits(t, WX, W))
    return MN_EOVERFLOW;
  memcpy(r->w, t, sizeof r->w);
  return 0;
}

size_t mn__obj_uint_to_dec(const mn_uint_t *a, char *buf, size_t cap) {
  return mn__bn_to_dec(a->w, W, buf, cap);
}

int mn__obj_uint_from_dec(mn_uint_t *r, const char *s, size_t len) {
  mn_uint_t t;
  int rc = mn__bn_from_dec(t.w, W, s, len);
  if (rc)
    return rc;
  *r = t;
  return 0;
}

int mn__obj_data_cmp_value(const uint8_t *a, size_t alen, const uint8_t *b,
                           size_t blen) {
  return mn__data_cmp_value(a, alen, b, blen);
}
