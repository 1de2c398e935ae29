/*
 * MiniNumber: Java BigDecimal with MathContext(64, DOWN) as the reference
 * node uses it (spec/serialization.md §3).
 *
 * A value is (unscaled U, scale S) = U x 10^-S with a sign.  Arithmetic
 * first computes what BigDecimal computes with the 64-digit context, then
 * applies what the reference's MiniNumber(BigDecimal) constructor does to
 * it: plain text re-parse (a negative scale is multiplied out), truncation
 * to 44 decimals, range check.  finish() is that second half.
 *
 * Intermediates are "wide" values: 512-bit magnitudes with a 64-bit scale,
 * enough for the exact sum, product or scaled dividend of two 64-digit
 * operands (at most 155 digits fit in 512 bits).  Small operands (64-bit
 * magnitudes, scales 0..44, the amounts and counters a script sees) take
 * fast paths in unsigned __int128 that give the same results.
 */
#include "types/num.h"

#include <limits.h>
#include <string.h>

#include <minima/errors.h>

#include "types/bigint.h"

__extension__ typedef unsigned __int128 u128;

#define WL 8           /* limbs in a wide magnitude */
#define PREC 64        /* MN_NUM_MAX_DIGITS */
#define MAX_DEC 44     /* MN_NUM_MAX_DECIMALS */
#define MAX_INT_DIG 20 /* digits of 2^64 - 1 */

typedef struct wide {
  uint64_t w[WL];
  int64_t scale;
  bool neg;
} wide_t;


/* 10^k as u128 for k <= 38. */
static u128 p10_128(unsigned k) {
  return k <= 19 ? (u128)mn__pow10_u64[k] : (u128)mn__pow10_u64[19] * mn__pow10_u64[k - 19];
}

static unsigned u64_digits(uint64_t v) {
  unsigned d = 1;
  while (d < 20 && v >= mn__pow10_u64[d])
    d++;
  return d;
}

static bool is_small(const mn_num_t *a) {
  return (a->mag[1] | a->mag[2] | a->mag[3]) == 0;
}

/* True when a small number's scale allows the u128 fast paths. */
static bool fast_scale(int32_t s) {
  return s >= 0 && s <= MAX_DEC;
}

static int sign_of(const mn_num_t *a) {
  if (mn__num_is_zero(a))
    return 0;
  return a->neg ? -1 : 1;
}

/* Writes a u128 result with scale s in [0, 44] after the range check
 * |v| <= (2^64 - 1) x 10^s.  v < 2^128 is always below the limit when
 * s >= 20. */
static int put_small(mn_num_t *r, u128 v, int32_t s, bool neg) {
  if (s < MAX_INT_DIG && v > (u128)UINT64_MAX * mn__pow10_u64[s])
    return MN_EOVERFLOW;
  r->mag[0] = (uint64_t)v;
  r->mag[1] = (uint64_t)(v >> 64);
  r->mag[2] = r->mag[3] = 0;
  r->scale = s;
  r->neg = neg && v != 0;
  memset(r->reserved, 0, sizeof r->reserved);
  return 0;
}

/* --------------------------------------------------------------------------
 * Wide values
 * ------------------------------------------------------------------------ */

static unsigned wdigits(const wide_t *x) {
  return mn__bn_digits(x->w, WL);
}

static bool wzero(const wide_t *x) {
  return mn__bn_is_zero(x->w, WL);
}

/* Loads an operand.  A magnitude beyond 64 digits (never produced by this
 * module) is truncated to 64 digits first, as the reference's
 * constructors would have. */
static void load(wide_t *x, const mn_num_t *a) {
  memcpy(x->w, a->mag, sizeof a->mag);
  memset(x->w + 4, 0, 4 * sizeof x->w[0]);
  x->scale = a->scale;
  x->neg = a->neg && !mn__num_is_zero(a);
  if (x->w[3] >> 20) {
    unsigned d = wdigits(x);
    if (d > PREC) {
      mn__bn_div_pow10(x->w, WL, d - PREC);
      x->scale -= d - PREC;
    }
  }
}

static bool scale_ok(int64_t s) {
  return s >= INT32_MIN && s <= INT32_MAX;
}

/* Truncates x toward zero to at most prec significant digits (BigDecimal
 * rounding with RoundingMode.DOWN).  Returns MN_EOVERFLOW when the scale
 * leaves the int32 range (the reference throws there). */
static int round_prec(wide_t *x, unsigned prec) {
  if (mn__bn_len(x->w, WL) <= 1 && x->w[0] < mn__pow10_u64[19] && prec >= 19)
    return 0;
  unsigned d = wdigits(x);
  if (d > prec) {
    mn__bn_div_pow10(x->w, WL, d - prec);
    x->scale -= d - prec;
    if (!scale_ok(x->scale))
      return MN_EOVERFLOW;
  }
  return 0;
}

static void store(mn_num_t *r, const wide_t *x) {
  memcpy(r->mag, x->w, sizeof r->mag);
  r->scale = (int32_t)x->scale;
  r->neg = x->neg && !mn__num_is_zero(r);
  memset(r->reserved, 0, sizeof r->reserved);
}

/* |x| <= (2^64 - 1) x 10^s for s in [0, 44], x with d digits. */
static bool in_range(const wide_t *x, unsigned d, int64_t s) {
  if ((int64_t)d - s < MAX_INT_DIG)
    return true;
  if ((int64_t)d - s > MAX_INT_DIG)
    return false;
  uint64_t lim[WL] = {0}, p[WL];
  mn__bn_pow10(p, 4, (unsigned)s);
  /* lim = 10^s * 2^64 - 10^s */
  memcpy(lim + 1, p, 4 * sizeof p[0]);
  memset(p + 4, 0, 4 * sizeof p[0]);
  mn__bn_sub(lim, lim, p, WL);
  return mn__bn_cmp(x->w, lim, WL) <= 0;
}

/* The reference's MiniNumber(BigDecimal): 64-digit truncation, plain text
 * re-parse (negative scale multiplied out), at most 44 decimals, range
 * check.  r is written only on success. */
static int finish(mn_num_t *r, wide_t *x) {
  if (wzero(x)) {
    int64_t s = x->scale < 0 ? 0 : x->scale > MAX_DEC ? MAX_DEC : x->scale;
    memset(r, 0, sizeof *r);
    r->scale = (int32_t)s;
    return 0;
  }
  unsigned d = wdigits(x);
  if (d > PREC && x->scale - (d - PREC) >= MAX_DEC) {
    /* Both truncations at once: they compose into one. */
    int64_t k = x->scale - MAX_DEC;
    if (k >= d) {
      memset(x->w, 0, sizeof x->w);
      d = 1;
    } else {
      mn__bn_div_pow10(x->w, WL, (unsigned)k);
      d -= (unsigned)k;
    }
    x->scale = MAX_DEC;
  } else if (d > PREC) {
    mn__bn_div_pow10(x->w, WL, d - PREC);
    x->scale -= d - PREC;
    d = PREC;
  }
  if (x->scale < 0) {
    if ((int64_t)d - x->scale > MAX_INT_DIG)
      return MN_EOVERFLOW;
    mn__bn_mul_pow10(x->w, WL, (unsigned)-x->scale);
    d += (unsigned)-x->scale;
    x->scale = 0;
  } else if (x->scale > MAX_DEC) {
    int64_t k = x->scale - MAX_DEC;
    if (k >= d) {
      memset(x->w, 0, sizeof x->w);
      d = 1;
    } else {
      mn__bn_div_pow10(x->w, WL, (unsigned)k);
      d -= (unsigned)k;
    }
    x->scale = MAX_DEC;
  }
  if (!in_range(x, d, x->scale))
    return MN_EOVERFLOW;
  store(r, x);
  return 0;
}

int mn__num_from_decimal(mn_num_t *r, const mn_num_t *a) {
  wide_t x;
  load(&x, a);
  return finish(r, &x);
}

/* --------------------------------------------------------------------------
 * Construction and text
 * ------------------------------------------------------------------------ */

void mn__num_from_u64(mn_num_t *out, uint64_t v) {
  memset(out, 0, sizeof *out);
  out->mag[0] = v;
}

void mn__num_from_i64(mn_num_t *out, int64_t v) {
  memset(out, 0, sizeof *out);
  out->mag[0] = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  out->neg = v < 0;
}

/* Java's BigDecimal(String, MathContext(64, DOWN)) then the limit check. */
int mn__num_parse(mn_num_t *out, const char *s, size_t len) {
  size_t i = 0;
  bool neg = false;
  if (len > INT32_MAX)
    return MN_EFORMAT;
  if (i < len && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    i++;
  }
  wide_t x;
  memset(&x, 0, sizeof x);
  uint64_t chunk = 0;
  unsigned inchunk = 0, kept = 0;
  int64_t frac = 0, dropped = 0;
  bool any = false, dot = false, sig = false;
  for (; i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (dot)
        frac++;
      if (!sig && c == '0')
        continue;
      sig = true;
      if (kept == PREC) {
        dropped++;
        continue;
      }
      chunk = chunk * 10 + (uint64_t)(c - '0');
      kept++;
      if (++inchunk == 19) {
        mn__bn_mul_u64(x.w, x.w, 4, mn__pow10_u64[19]);
        mn__bn_add_u64(x.w, 4, chunk);
        chunk = 0;
        inchunk = 0;
      }
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any)
    return MN_EFORMAT;
  if (inchunk) {
    mn__bn_mul_u64(x.w, x.w, 4, mn__pow10_u64[inchunk]);
    mn__bn_add_u64(x.w, 4, chunk);
  }
  int64_t exp = 0;
  if (i < len) {
    if (s[i] != 'e' && s[i] != 'E')
      return MN_EFORMAT;
    i++;
    bool eneg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      i++;
    }
    if (i == len)
      return MN_EFORMAT;
    while (i < len && s[i] == '0' && len - i > 1)
      i++;
    if (len - i > 10)
      return MN_EFORMAT;
    for (; i < len; i++) {
      if (s[i] < '0' || s[i] > '9')
        return MN_EFORMAT;
      exp = exp * 10 + (s[i] - '0');
    }
    if (eneg)
      exp = -exp;
  }
  x.scale = frac - exp;
  if (!scale_ok(x.scale))
    return MN_EFORMAT;
  x.scale -= dropped;
  if (!scale_ok(x.scale))
    return MN_EOVERFLOW;
  x.neg = neg;
  /* The limit check: at most 44 decimals, then the range.  A negative
   * scale is kept. */
  if (wzero(&x)) {
    if (x.scale > MAX_DEC)
      x.scale = MAX_DEC;
    store(out, &x);
    return 0;
  }
  unsigned d = kept;
  if (x.scale > MAX_DEC) {
    int64_t k = x.scale - MAX_DEC;
    if (k >= d) {
      memset(x.w, 0, sizeof x.w);
      d = 1;
    } else {
      mn__bn_div_pow10(x.w, WL, (unsigned)k);
      d -= (unsigned)k;
    }
    x.scale = MAX_DEC;
  }
  if (x.scale < 0) {
    if ((int64_t)d - x.scale > MAX_INT_DIG)
      return MN_EOVERFLOW;
    wide_t t = x;
    mn__bn_mul_pow10(t.w, WL, (unsigned)-x.scale);
    if (!in_range(&t, (unsigned)((int64_t)d - x.scale), 0))
      return MN_EOVERFLOW;
  } else if (!in_range(&x, d, x.scale)) {
    return MN_EOVERFLOW;
  }
  store(out, &x);
  return 0;
}

int mn__num_parse_cstr(mn_num_t *out, const char *text) {
  return mn__num_parse(out, text, strlen(text));
}

/* A bounded writer: counts every character, stores what fits. */
typedef struct emit {
  char *buf;
  size_t cap, len;
} emit_t;

static void emit_n(emit_t *e, const char *p, size_t n) {
  if (e->len + 1 < e->cap) {
    size_t room = e->cap - 1 - e->len;
    memcpy(e->buf + e->len, p, n < room ? n : room);
  }
  e->len += n;
}

static void emit_rep(emit_t *e, char c, size_t n) {
  if (e->len + 1 < e->cap) {
    size_t room = e->cap - 1 - e->len;
    memset(e->buf + e->len, c, n < room ? n : room);
  }
  e->len += n;
}

static size_t emit_end(emit_t *e) {
  if (e->cap > 0)
    e->buf[e->len < e->cap ? e->len : e->cap - 1] = '\0';
  return e->len;
}

/* Decimal digits of the (normalised) magnitude; returns the count. */
static size_t mag_digits(const mn_num_t *a, char dig[80]) {
  if (is_small(a)) {
    char t[20];
    size_t n = 0;
    uint64_t v = a->mag[0];
    do {
      t[n++] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
      dig[i] = t[n - 1 - i];
    return n;
  }
  return mn__bn_to_dec(a->mag, 4, dig, 80);
}

/* Plain notation of (digits, scale): Java's toPlainString. */
static size_t plain(const char *dig, size_t n, int64_t scale, bool neg,
                    char *buf, size_t cap) {
  emit_t e = {buf, cap, 0};
  bool zero = n == 1 && dig[0] == '0';
  if (neg && !zero)
    emit_n(&e, "-", 1);
  if (scale <= 0) {
    emit_n(&e, dig, n);
    if (!zero)
      emit_rep(&e, '0', (size_t)-scale);
  } else if ((uint64_t)scale < n) {
    emit_n(&e, dig, n - (size_t)scale);
    emit_n(&e, ".", 1);
    emit_n(&e, dig + n - (size_t)scale, (size_t)scale);
  } else {
    emit_n(&e, "0.", 2);
    emit_rep(&e, '0', (size_t)scale - n);
    emit_n(&e, dig, n);
  }
  return emit_end(&e);
}

size_t mn__num_to_plain(const mn_num_t *a, char *buf, size_t cap) {
  char dig[80];
  size_t n = mag_digits(a, dig);
  return plain(dig, n, a->scale, a->neg, buf, cap);
}

size_t mn__num_to_str(const mn_num_t *a, char *buf, size_t cap) {
  char dig[80];
  size_t n = mag_digits(a, dig);
  int64_t scale = a->scale;
  if (n == 1 && dig[0] == '0') {
    scale = 0;
  } else {
    while (scale > 0 && n > 1 && dig[n - 1] == '0') {
      n--;
      scale--;
    }
  }
  return plain(dig, n, scale, a->neg, buf, cap);
}

/* --------------------------------------------------------------------------
 * Conversions and predicates
 * ------------------------------------------------------------------------ */

int mn__num_sign(const mn_num_t *a) {
  return sign_of(a);
}

/* The integer part (toward zero) of |a| in 4 limbs, or false when it
 * needs more (only with a negative scale). */
static bool int_part(const mn_num_t *a, uint64_t q[4]) {
  wide_t x;
  load(&x, a);
  if (x.scale >= 0) {
    mn__bn_div_pow10(x.w, WL, x.scale > 200 ? 200 : (unsigned)x.scale);
  } else if (!wzero(&x)) {
    if (-x.scale > 77 || !mn__bn_mul_pow10(x.w, WL, (unsigned)-x.scale))
      return false;
  }
  if (mn__bn_len(x.w, WL) > 4)
    return false;
  memcpy(q, x.w, 4 * sizeof q[0]);
  return true;
}

int mn__num_to_i64(const mn_num_t *a, int64_t *out) {
  uint64_t q[4];
  if (!int_part(a, q) || (q[1] | q[2] | q[3]))
    return MN_ERANGE;
  bool neg = a->neg && q[0] != 0;
  if (!neg && q[0] > (uint64_t)INT64_MAX)
    return MN_ERANGE;
  if (neg && q[0] > (uint64_t)INT64_MAX + 1)
    return MN_ERANGE;
  *out = neg ? (int64_t)(0 - q[0]) : (int64_t)q[0];
  if (neg && q[0] == (uint64_t)INT64_MAX + 1)
    *out = INT64_MIN;
  return 0;
}

int32_t mn__num_to_i32_wrap(const mn_num_t *a) {
  uint64_t low;
  wide_t x;
  load(&x, a);
  if (x.scale >= 0) {
    mn__bn_div_pow10(x.w, WL, x.scale > 200 ? 200 : (unsigned)x.scale);
    low = x.w[0];
  } else if (x.scale <= -64) {
    low = 0; /* 10^64 is a multiple of 2^64 */
  } else {
    low = x.w[0];
    for (int64_t k = 0; k < -x.scale; k++)
      low *= 10;
  }
  if (x.neg)
    low = 0 - low;
  uint32_t v = (uint32_t)low;
  return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) + INT32_MIN;
}

/* Compares |a| and |b|. */
static int cmp_mag(const mn_num_t *a, const mn_num_t *b) {
  if (is_small(a) && is_small(b) && fast_scale(a->scale) &&
      fast_scale(b->scale)) {
    int32_t d = a->scale - b->scale;
    if (d == 0)
      return a->mag[0] < b->mag[0] ? -1 : a->mag[0] > b->mag[0];
    if (d > -20 && d < 20) {
      u128 x = a->mag[0], y = b->mag[0];
      if (d > 0)
        y *= mn__pow10_u64[d];
      else
        x *= mn__pow10_u64[-d];
      return x < y ? -1 : x > y;
    }
  }
  bool xz = mn__num_is_zero(a), yz = mn__num_is_zero(b);
  if (xz || yz)
    return xz && yz ? 0 : xz ? -1 : 1;
  wide_t x, y;
  if ((a->mag[3] | b->mag[3]) >> 20) {
    load(&x, a); /* possibly beyond 64 digits */
    load(&y, b);
  } else {
    memcpy(x.w, a->mag, sizeof a->mag);
    memcpy(y.w, b->mag, sizeof b->mag);
    x.scale = a->scale;
    y.scale = b->scale;
  }
  int64_t ex = (int64_t)mn__bn_digits(x.w, 4) - 1 - x.scale;
  int64_t ey = (int64_t)mn__bn_digits(y.w, 4) - 1 - y.scale;
  if (ex != ey)
    return ex < ey ? -1 : 1;
  if (x.scale == y.scale)
    return mn__bn_cmp(x.w, y.w, 4);
  /* Same leading position: the scales differ by less than 64, and the
   * aligned magnitude fits the wide buffer. */
  memset(x.w + 4, 0, 4 * sizeof x.w[0]);
  memset(y.w + 4, 0, 4 * sizeof y.w[0]);
  if (x.scale < y.scale)
    mn__bn_mul_pow10(x.w, WL, (unsigned)(y.scale - x.scale));
  else
    mn__bn_mul_pow10(y.w, WL, (unsigned)(x.scale - y.scale));
  return mn__bn_cmp(x.w, y.w, WL);
}

int mn__num_cmp(const mn_num_t *a, const mn_num_t *b) {
  int sa = sign_of(a), sb = sign_of(b);
  if (sa != sb)
    return sa < sb ? -1 : 1;
  if (sa == 0)
    return 0;
  int c = cmp_mag(a, b);
  return sa > 0 ? c : -c;
}

bool mn__num_is_whole(const mn_num_t *a) {
  if (a->scale <= 0 || mn__num_is_zero(a))
    return true;
  if (is_small(a) && a->scale < 20)
    return a->mag[0] % mn__pow10_u64[a->scale] == 0;
  wide_t x;
  load(&x, a);
  if (x.scale >= (int64_t)wdigits(&x))
    return false;
  return mn__bn_div_pow10(x.w, WL, (unsigned)x.scale);
}

bool mn__num_is_valid_amount(const mn_num_t *a) {
  static const mn_num_t billion = {{1000000000u, 0, 0, 0}, 0, 0, {0}};
  return sign_of(a) > 0 && mn__num_cmp(a, &billion) <= 0;
}

/* --------------------------------------------------------------------------
 * Addition and subtraction
 * ------------------------------------------------------------------------ */

static int add_wide(mn_num_t *r, wide_t *x, wide_t *y) {
  bool xz = wzero(x), yz = wzero(y);
  int64_t pref = x->scale > y->scale ? x->scale : y->scale;
  if (xz || yz) {
    /* BigDecimal returns the other operand, widened toward the larger
     * scale as far as 64 digits allow (what the exact sum rounded to 64
     * digits is). */
    wide_t *o = xz ? y : x;
    if (xz && yz) {
      o->neg = false;
    } else if (o->scale < pref) {
      int64_t room = PREC - (int64_t)wdigits(o);
      int64_t pad = pref - o->scale < room ? pref - o->scale : room;
      mn__bn_mul_pow10(o->w, WL, (unsigned)pad);
      o->scale += pad;
    }
    if (xz && yz)
      o->scale = pref;
    return finish(r, o);
  }
  int64_t gap = x->scale - y->scale;
  wide_t *big = x, *small = y;
  if (gap > 64 || gap < -64) {
    int64_t ex = (int64_t)wdigits(x) - 1 - x->scale;
    int64_t ey = (int64_t)wdigits(y) - 1 - y->scale;
    big = ex >= ey ? x : y;
    small = ex >= ey ? y : x;
    int64_t eb = ex >= ey ? ex : ey, es = ex >= ey ? ey : ex;
    if (es <= eb - 65) {
      /* The small operand lies wholly below the 64-digit window of the
       * result (and below the big operand's last digit): only its sign
       * can matter to the truncated sum, so any value of that sign below
       * the window gives the same result.  Use one unit just below it. */
      memset(small->w, 0, sizeof small->w);
      small->w[0] = 1;
      small->scale = 65 - eb;
    }
  }
  int64_t s = big->scale > small->scale ? big->scale : small->scale;
  if (s - big->scale > 154 || s - small->scale > 154 ||
      !mn__bn_mul_pow10(big->w, WL, (unsigned)(s - big->scale)) ||
      !mn__bn_mul_pow10(small->w, WL, (unsigned)(s - small->scale)))
    return MN_EOVERFLOW;
  wide_t z;
  z.scale = s;
  if (x->neg == y->neg) {
    mn__bn_add(z.w, x->w, y->w, WL);
    z.neg = x->neg;
  } else if (mn__bn_cmp(x->w, y->w, WL) >= 0) {
    mn__bn_sub(z.w, x->w, y->w, WL);
    z.neg = x->neg;
  } else {
    mn__bn_sub(z.w, y->w, x->w, WL);
    z.neg = y->neg;
  }
  return finish(r, &z);
}

static int add_signed(mn_num_t *r, const mn_num_t *a, const mn_num_t *b,
                      bool negb) {
  if (is_small(a) && is_small(b) && fast_scale(a->scale) &&
      fast_scale(b->scale)) {
    int32_t d = a->scale - b->scale;
    if (d > -20 && d < 20) {
      u128 x = a->mag[0], y = b->mag[0];
      int32_t s = a->scale;
      if (d > 0) {
        y *= mn__pow10_u64[d];
      } else if (d < 0) {
        x *= mn__pow10_u64[-d];
        s = b->scale;
      }
      bool nx = a->neg && a->mag[0], ny = (b->neg != negb) && b->mag[0];
      if (nx == ny)
        return put_small(r, x + y, s, nx);
      if (x >= y)
        return put_small(r, x - y, s, nx);
      return put_small(r, y - x, s, ny);
    }
  }
  wide_t x, y;
  load(&x, a);
  load(&y, b);
  if (negb && !wzero(&y))
    y.neg = !y.neg;
  return add_wide(r, &x, &y);
}

int mn__num_add(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  return add_signed(r, a, b, false);
}

int mn__num_sub(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  return add_signed(r, a, b, true);
}

/* --------------------------------------------------------------------------
 * Multiplication, division, remainder
 * ------------------------------------------------------------------------ */

/* z = x * y exactly (both at most 4 limbs), scale x.scale + y.scale.
 * MN_EOVERFLOW when a non-zero product's scale leaves int32 (the
 * reference throws). */
static int mul_exact(wide_t *z, const wide_t *x, const wide_t *y) {
  uint64_t t[WL];
  mn__bn_mul(t, x->w, 4, y->w, 4);
  memcpy(z->w, t, sizeof t);
  z->scale = x->scale + y->scale;
  z->neg = x->neg != y->neg;
  if (wzero(z)) {
    z->neg = false;
    return 0;
  }
  return scale_ok(z->scale) ? 0 : MN_EOVERFLOW;
}

int mn__num_mul(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  if (is_small(a) && is_small(b) && fast_scale(a->scale) &&
      fast_scale(b->scale)) {
    u128 p = (u128)a->mag[0] * b->mag[0];
    int32_t s = a->scale + b->scale;
    if (s > MAX_DEC) {
      unsigned k = (unsigned)(s - MAX_DEC);
      p = k > 38 ? 0 : p / p10_128(k);
      s = MAX_DEC;
    }
    return put_small(r, p, s, a->neg != b->neg);
  }
  wide_t x, y, z;
  load(&x, a);
  load(&y, b);
  int rc = mul_exact(&z, &x, &y);
  if (rc)
    return rc;
  return finish(r, &z);
}

/* Strips up to `most` trailing decimal zeros from x; returns how many. */
static unsigned strip_zeros(wide_t *x, int64_t most) {
  if (most <= 0 || wzero(x))
    return 0;
  unsigned tz = mn__bn_trailing_zeros10(x->w, WL);
  unsigned k = (int64_t)tz < most ? tz : (unsigned)most;
  mn__bn_div_pow10(x->w, WL, k);
  return k;
}

static uint64_t gcd64(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0)
    return a | b;
  unsigned shift = (unsigned)__builtin_ctzll(a | b);
  a >>= __builtin_ctzll(a);
  do {
    b >>= __builtin_ctzll(b);
    if (a > b) {
      uint64_t t = a;
      a = b;
      b = t;
    }
    b -= a;
  } while (b != 0);
  return a << shift;
}

/* Division of small operands whose quotient terminates: x/y has a finite
 * decimal expansion when y / gcd(x, y) is 2^i 5^j, and then its shortest
 * scale at or above the preferred one is pref + max(i, j) (x / gcd has
 * no factor 2 or 5 left to make a trailing zero when i or j is not 0).
 * Returns 1 when the case is not one of these (the caller then takes the
 * general path). */
static int div_small(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  uint64_t x = a->mag[0], y = b->mag[0];
  int32_t pref = a->scale - b->scale;
  bool neg = a->neg != b->neg;
  if (x == 0)
    return put_small(r, 0, pref < 0 ? 0 : pref, false);
  uint64_t yy = y / gcd64(x, y);
  unsigned i = (unsigned)__builtin_ctzll(yy), j = 0;
  yy >>= i;
  while (yy % 5 == 0) {
    yy /= 5;
    j++;
  }
  if (yy != 1)
    return 1;
  unsigned e = i > j ? i : j;
  /* A negative scale is multiplied out by the plain re-parse. */
  int32_t s = pref + (int32_t)e > 0 ? pref + (int32_t)e : 0;
  int32_t k = s - pref;
  if (s > MAX_DEC || k > 19)
    return 1;
  uint64_t n[2], q[2];
  u128 prod = (u128)x * mn__pow10_u64[k];
  n[0] = (uint64_t)prod;
  n[1] = (uint64_t)(prod >> 64);
  mn__bn_divmod_u64(q, n, 2, y);
  return put_small(r, (u128)q[1] << 64 | q[0], s, neg);
}

int mn__num_div(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  if (mn__num_is_zero(b))
    return MN_EDIVZERO;
  /* Every in-range quotient has at most 20 integer digits, so the 64-digit
   * BigDecimal quotient reaches at least 44 decimals and the limit check
   * cuts it to exactly 44: computing the quotient truncated at scale 44
   * gives the same value.  When that is exact, BigDecimal would have
   * returned the exact quotient at the scale nearest the preferred one
   * a.scale - b.scale, so trailing zeros are removed down to it (and not
   * below 0, where the plain re-parse would add them back). */
  if (is_small(a) && is_small(b) && fast_scale(a->scale) &&
      fast_scale(b->scale)) {
    int rc = div_small(r, a, b);
    if (rc != 1)
      return rc;
  }
  wide_t x, y;
  load(&x, a);
  load(&y, b);
  int64_t pref = x.scale - y.scale;
  bool neg = x.neg != y.neg;
  int64_t k = MAX_DEC - pref;
  wide_t q;
  uint64_t rem[4];
  bool exact;
  if (wzero(&x)) {
    x.scale = pref;
    x.neg = false;
    return finish(r, &x);
  }
  if (k >= 0) {
    if (k > 154 || !mn__bn_mul_pow10(x.w, WL, (unsigned)k))
      return MN_EOVERFLOW; /* the quotient is far beyond the range */
    exact = true;
  } else {
    exact = -k <= 154 ? mn__bn_div_pow10(x.w, WL, (unsigned)-k) : false;
    if (-k > 154)
      memset(x.w, 0, sizeof x.w);
  }
  mn__bn_divmod(q.w, rem, x.w, WL, y.w, 4);
  exact = exact && mn__bn_is_zero(rem, 4);
  q.scale = MAX_DEC;
  q.neg = neg;
  if (exact && k > 0)
    q.scale -= strip_zeros(&q, MAX_DEC - (pref > 0 ? pref : 0));
  return finish(r, &q);
}

int mn__num_rem(mn_num_t *r, const mn_num_t *a, const mn_num_t *b) {
  if (mn__num_is_zero(b))
    return MN_EDIVZERO;
  wide_t x, y;
  load(&x, a);
  load(&y, b);
  if (cmp_mag(a, b) < 0)
    return finish(r, &x); /* the quotient is 0: a itself, same scale */
  int64_t pref = x.scale - y.scale;
  /* num / den = |a| / |b| at the common scale s0. */
  int64_t s0 = x.scale > y.scale ? x.scale : y.scale;
  wide_t num = x, den = y;
  if (s0 - x.scale > 154 || s0 - y.scale > 154 ||
      !mn__bn_mul_pow10(num.w, WL, (unsigned)(s0 - x.scale)) ||
      !mn__bn_mul_pow10(den.w, WL, (unsigned)(s0 - y.scale)) ||
      mn__bn_len(den.w, WL) > 4)
    return MN_EOVERFLOW;
  wide_t q;
  uint64_t rm[4];
  mn__bn_divmod(q.w, rm, num.w, WL, den.w, 4);
  bool frac = !mn__bn_is_zero(rm, 4);
  unsigned dq = wdigits(&q), tzq = mn__bn_trailing_zeros10(q.w, WL);
  int64_t e = (int64_t)dq - 1;

  /* The scale BigDecimal's divideToIntegralValue(b, mc) gives the integer
   * quotient: it starts from the 64-digit quotient divide(b, mc), which
   * keeps a negative scale when its last digit lies above the units. */
  int64_t sd; /* scale of divide(b, mc) when negative, else 0 */
  if (!frac) {
    if (dq - tzq > PREC)
      return MN_EOVERFLOW; /* "Division impossible" in the reference */
    /* A quotient that is a power of ten comes out of BigDecimal's
     * division as 10^64 at one more scale before its zeros go. */
    bool pow10 = false;
    if (dq - tzq == 1) {
      wide_t t = q;
      mn__bn_div_pow10(t.w, WL, tzq);
      pow10 = mn__bn_len(t.w, WL) == 1 && t.w[0] == 1;
    }
    if (pow10)
      sd = 64 - e > pref ? (pref > -e ? pref : -e) : 63 - e;
    else
      sd = 63 - e >= pref ? (pref > -(int64_t)tzq ? pref : -(int64_t)tzq)
                          : 63 - e;
  } else if (e >= PREC) {
    if (tzq < e - 63)
      return MN_EOVERFLOW; /* "Division impossible" in the reference */
    sd = 63 - e;
  } else {
    sd = 0;
  }
  int64_t sq = sd < 0 ? sd : 0;
  /* Then toward the preferred scale: zeros appended while 64 digits
   * allow, or trailing zeros removed. */
  int64_t pq = (int64_t)dq + sq; /* digits of the scaled quotient */
  if (pref > sq && pq < PREC) {
    int64_t pad = PREC - pq < pref - sq ? PREC - pq : pref - sq;
    sq += pad;
  } else if (sq > pref) {
    int64_t zeros = (int64_t)tzq + sq; /* zeros left in the unscaled value */
    int64_t lo = sq - zeros;
    sq = lo > pref ? lo : pref;
  }
  /* a - q*b at scale max(a.scale, q.scale + b.scale): the remainder
   * rm (at scale s0) rescaled. */
  int64_t sr = x.scale > sq + y.scale ? x.scale : sq + y.scale;
  wide_t z;
  memset(&z, 0, sizeof z);
  memcpy(z.w, rm, sizeof rm);
  z.neg = x.neg;
  z.scale = sr;
  if (sr >= s0) {
    if (sr - s0 > 154 || !mn__bn_mul_pow10(z.w, WL, (unsigned)(sr - s0)))
      return MN_EOVERFLOW;
  } else {
    mn__bn_div_pow10(z.w, WL, s0 - sr > 200 ? 200 : (unsigned)(s0 - sr));
  }
  return finish(r, &z);
}

/* BigDecimal.divide(y, MathContext(prec, DOWN)) for the power function's
 * reciprocal: the quotient truncated to prec digits, or when it is exact,
 * the exact quotient with trailing zeros removed toward the preferred
 * scale x.scale - y.scale. */
static int div_mc(wide_t *z, const wide_t *x, const wide_t *y, unsigned prec) {
  if (wzero(y))
    return MN_EDIVZERO;
  int64_t pref = x->scale - y->scale;
  if (wzero(x)) {
    memset(z, 0, sizeof *z);
    z->scale = pref < INT32_MIN   ? INT32_MIN
               : pref > INT32_MAX ? INT32_MAX
                                  : pref;
    return 0;
  }
  int64_t px = wdigits(x), py = wdigits(y);
  int64_t a = (int64_t)prec + py - px;
  wide_t n = *x;
  uint64_t rem[WL];
  bool exact = true;
  if (a >= 0) {
    if (a > 154 || !mn__bn_mul_pow10(n.w, WL, (unsigned)a))
      return MN_EOVERFLOW;
  } else {
    exact = mn__bn_div_pow10(n.w, WL, (unsigned)-a);
  }
  mn__bn_divmod(z->w, rem, n.w, WL, y->w, WL);
  exact = exact && mn__bn_is_zero(rem, WL);
  z->scale = pref + a;
  z->neg = x->neg != y->neg;
  unsigned dz = wdigits(z);
  if (dz > prec) {
    uint64_t tp[WL];
    mn__bn_pow10(tp, WL, prec);
    bool ten_p = exact && mn__bn_cmp(z->w, tp, WL) == 0;
    if (!ten_p) {
      exact = mn__bn_div_pow10(z->w, WL, 1) && exact;
      z->scale -= 1;
    }
  }
  if (exact)
    z->scale -= strip_zeros(z, z->scale - pref);
  if (!scale_ok(z->scale))
    return MN_EOVERFLOW;
  return round_prec(z, prec);
}

/* --------------------------------------------------------------------------
 * Power, square root, rounding
 * ------------------------------------------------------------------------ */

int mn__num_pow(mn_num_t *r, const mn_num_t *a, int32_t n) {
  if (n < -999999999 || n > 999999999)
    return MN_ERANGE;
  wide_t acc;
  memset(&acc, 0, sizeof acc);
  acc.w[0] = 1;
  if (n == 0)
    return finish(r, &acc); /* x^0 is 1, also for x = 0 */
  wide_t x;
  load(&x, a);
  uint32_t m = n < 0 ? (uint32_t) - (int64_t)n : (uint32_t)n;
  if (wzero(&x)) {
    if (n < 0)
      return MN_EDIVZERO;
    acc.w[0] = 0;
    acc.scale = x.scale * (int64_t)m;
    return finish(r, &acc);
  }
  /* ANSI X3.274 as BigDecimal.pow(n, mc) does it: left-to-right binary
   * powering in a context of 64 + digits(|n|) + 1 digits. */
  unsigned w = PREC + u64_digits(m) + 1;
  bool seen = false;
  int rc;
  for (int bit = 30; bit >= 0; bit--) {
    if (m >> bit & 1) {
      seen = true;
      if ((rc = mul_exact(&acc, &acc, &x)) || (rc = round_prec(&acc, w)))
        return rc;
    }
    if (bit > 0 && seen) {
      if ((rc = mul_exact(&acc, &acc, &acc)) || (rc = round_prec(&acc, w)))
        return rc;
    }
  }
  if (n < 0) {
    wide_t one, q;
    memset(&one, 0, sizeof one);
    one.w[0] = 1;
    if ((rc = div_mc(&q, &one, &acc, w)))
      return rc;
    acc = q;
  }
  if ((rc = round_prec(&acc, PREC)))
    return rc;
  return finish(r, &acc);
}

int mn__num_sqrt(mn_num_t *r, const mn_num_t *a) {
  wide_t x;
  load(&x, a);
  if (x.neg)
    return MN_EINVAL;
  int64_t pref = x.scale / 2; /* Java's int division, toward zero */
  if (wzero(&x)) {
    x.scale = pref;
    return finish(r, &x);
  }
  /* sqrt(U x 10^-S) = sqrt(U x 10^k) x 10^-((S + k) / 2) with S + k even
   * and U x 10^k of 127 or 128 digits, whose integer root has exactly 64
   * digits: the root truncated to 64 digits. */
  int64_t k = 127 - (int64_t)wdigits(&x);
  if ((k + x.scale) % 2 != 0)
    k++;
  mn__bn_mul_pow10(x.w, WL, (unsigned)k);
  wide_t z;
  mn__bn_isqrt(z.w, x.w, WL);
  z.scale = (x.scale + k) / 2;
  z.neg = false;
  /* BigDecimal.sqrt then prefers the scale a.scale / 2: trailing zeros
   * are stripped, and zeros are appended back toward it while 64 digits
   * allow. */
  z.scale -= strip_zeros(&z, 200);
  if (z.scale < pref) {
    int64_t room = PREC - (int64_t)wdigits(&z);
    int64_t pad = pref - z.scale < room ? pref - z.scale : room;
    mn__bn_mul_pow10(z.w, WL, (unsigned)pad);
    z.scale += pad;
  }
  return finish(r, &z);
}

static int to_integer(mn_num_t *r, const mn_num_t *a, bool up_if_pos,
                      bool up_if_neg) {
  wide_t x;
  load(&x, a);
  if (x.scale > 0) {
    bool exact = x.scale <= 200 ? mn__bn_div_pow10(x.w, WL, (unsigned)x.scale)
                                : wzero(&x);
    if (x.scale > 200)
      memset(x.w, 0, sizeof x.w);
    x.scale = 0;
    if (!exact && (x.neg ? up_if_neg : up_if_pos))
      mn__bn_add_u64(x.w, WL, 1);
  }
  return finish(r, &x);
}

int mn__num_floor(mn_num_t *r, const mn_num_t *a) {
  return to_integer(r, a, false, true);
}

int mn__num_ceil(mn_num_t *r, const mn_num_t *a) {
  return to_integer(r, a, true, false);
}

int mn__num_abs(mn_num_t *r, const mn_num_t *a) {
  wide_t x;
  load(&x, a);
  x.neg = false;
  return finish(r, &x);
}

int mn__num_neg(mn_num_t *r, const mn_num_t *a) {
  wide_t x;
  load(&x, a);
  x.neg = !x.neg && !wzero(&x);
  return finish(r, &x);
}

int mn__num_sigdig(mn_num_t *r, const mn_num_t *a, int digits) {
  if (digits < 0 || digits > PREC)
    return MN_ERANGE;
  wide_t x;
  load(&x, a);
  if (digits > 0) {
    int rc = round_prec(&x, (unsigned)digits);
    if (rc)
      return rc;
  }
  return finish(r, &x);
}

/* --------------------------------------------------------------------------
 * Wire form
 * ------------------------------------------------------------------------ */

int mn__num_encode(const mn_num_t *a, uint8_t *out, size_t cap) {
  uint64_t v[4];
  bool neg = a->neg && !mn__num_is_zero(a);
  memcpy(v, a->mag, sizeof v);
  /* Java's BigInteger.toByteArray: bitLength / 8 + 1 bytes, where the bit
   * length of -m is that of m - 1. */
  if (neg)
    mn__bn_sub(v, v, (const uint64_t[4]){1, 0, 0, 0}, 4);
  unsigned len = mn__bn_bitlen(v, 4) / 8 + 1;
  if (len > 32)
    return MN_EINVAL; /* >= 2^255: never built by this module */
  if (cap < 2 + (size_t)len)
    return MN_ETOOBIG;
  out[0] = (uint8_t)(a->scale & 0xff);
  out[1] = (uint8_t)len;
  for (unsigned i = 0; i < len; i++) {
    unsigned bi = len - 1 - i;
    uint8_t byte = bi < 32 ? (uint8_t)(v[bi / 8] >> (8 * (bi % 8))) : 0;
    out[2 + i] = neg ? (uint8_t)~byte : byte;
  }
  return (int)(2 + len);
}

int mn__num_decode(mn_num_t *out, const uint8_t *in, size_t len, size_t *used) {
  if (len < 2)
    return MN_EFORMAT;
  int scale = (int8_t)in[0];
  int n = (int8_t)in[1];
  if (n < 1 || n > 32 || len < 2 + (size_t)n)
    return MN_EFORMAT;
  const uint8_t *p = in + 2;
  bool neg = p[0] & 0x80;
  wide_t x;
  memset(&x, 0, sizeof x);
  for (int i = 0; i < n; i++) {
    unsigned bi = (unsigned)(n - 1 - i);
    uint8_t byte = neg ? (uint8_t)~p[i] : p[i];
    x.w[bi / 8] |= (uint64_t)byte << (8 * (bi % 8));
  }
  if (neg)
    mn__bn_add_u64(x.w, WL, 1); /* -(~bits + 1) */
  x.neg = neg;
  x.scale = scale;
  /* BigDecimal(BigInteger, scale, mc): rounded to 64 digits, but no limit
   * check. */
  round_prec(&x, PREC);
  store(out, &x);
  *used = 2 + (size_t)n;
  return 0;
}

/* --------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

static const mn_num_api_t num_api = {
    .size = sizeof(mn_num_api_t),
    .parse = mn__num_parse,
    .from_i64 = mn__num_from_i64,
    .from_u64 = mn__num_from_u64,
    .to_str = mn__num_to_str,
    .to_plain = mn__num_to_plain,
    .to_i64 = mn__num_to_i64,
    .to_i32_wrap = mn__num_to_i32_wrap,
    .cmp = mn__num_cmp,
    .sign = mn__num_sign,
    .is_whole = mn__num_is_whole,
    .is_valid_amount = mn__num_is_valid_amount,
    .add = mn__num_add,
    .sub = mn__num_sub,
    .mul = mn__num_mul,
    .div = mn__num_div,
    .rem = mn__num_rem,
    .pow = mn__num_pow,
    .sqrt = mn__num_sqrt,
    .floor = mn__num_floor,
    .ceil = mn__num_ceil,
    .abs = mn__num_abs,
    .neg = mn__num_neg,
    .sigdig = mn__num_sigdig,
    .encode = mn__num_encode,
    .decode = mn__num_decode,
};

const mn_num_api_t *mn__num_api(void) {
  return &num_api;
}
