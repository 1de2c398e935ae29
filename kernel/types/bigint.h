/*
 * types/bigint.h - fixed-width unsigned big integers.
 *
 * Two layers:
 *
 *  - limb arrays ("bn"): little-endian arrays of uint64_t (a[0] is the
 *    least significant limb) with an explicit limb count n.  These are the
 *    primitives; every function works for any n >= 1 and never allocates.
 *  - named widths: mn_u256_t (4 limbs) and mn_u512_t (8 limbs), thin
 *    wrappers for code that thinks in 256-bit values (MiniNumber
 *    magnitudes, difficulties, hashes read as integers).
 *
 * All values are unsigned.  Results that do not fit are reported by a
 * carry/borrow return or an error code; nothing wraps silently unless the
 * comment says so.  Unless a comment says otherwise, r may alias an input.
 * Every function is pure (no global state) and therefore thread-safe.
 *
 * Byte forms follow spec/serialization.md §4: big-endian, and the
 * "minimal" form is the reference's MiniData-from-BigInteger (leading zero
 * bytes removed, zero is the single byte 00).
 */
#ifndef MN_TYPES_BIGINT_H
#define MN_TYPES_BIGINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --------------------------------------------------------------------------
 * Limb arrays
 * ------------------------------------------------------------------------ */

/* Number of limbs up to and including the most significant non-zero one
 * (0 for zero). */
size_t mn__bn_len(const uint64_t *a, size_t n);
static inline bool mn__bn_is_zero(const uint64_t *a, size_t n) {
  return mn__bn_len(a, n) == 0;
}
/* Number of significant bits (0 for zero). */
unsigned mn__bn_bitlen(const uint64_t *a, size_t n);
/* Number of decimal digits, 1 for zero (Java's BigDecimal precision).
 * n <= 8. */
unsigned mn__bn_digits(const uint64_t *a, size_t n);

/* -1, 0 or 1 for a < b, a == b, a > b (both n limbs). */
int mn__bn_cmp(const uint64_t *a, const uint64_t *b, size_t n);

/* r = a + b over n limbs; returns the carry out (0 or 1). */
uint64_t mn__bn_add(uint64_t *r, const uint64_t *a, const uint64_t *b,
                    size_t n);
/* r = a - b over n limbs; returns the borrow out (0 or 1; 1 means a < b
 * and r holds a - b + 2^(64n)). */
uint64_t mn__bn_sub(uint64_t *r, const uint64_t *a, const uint64_t *b,
                    size_t n);
/* a += v over n limbs; returns the carry out. */
uint64_t mn__bn_add_u64(uint64_t *a, size_t n, uint64_t v);
/* r = a * m over n limbs; returns the limb that did not fit. */
uint64_t mn__bn_mul_u64(uint64_t *r, const uint64_t *a, size_t n, uint64_t m);
/* r[0 .. an+bn-1] = a * b (full product).  r must not alias a or b. */
void mn__bn_mul(uint64_t *r, const uint64_t *a, size_t an, const uint64_t *b,
                size_t bn);
/* q = a / d over n limbs (q may alias a); returns a % d.  d != 0. */
uint64_t mn__bn_divmod_u64(uint64_t *q, const uint64_t *a, size_t n,
                           uint64_t d);
/* Long division (Knuth's algorithm D): q[0 .. an-1] = a / d and
 * r[0 .. dn-1] = a % d.  Either q or r may be NULL when not wanted.  No
 * aliasing between outputs and inputs.  an <= 8 and dn <= 8.  Returns 0, or
 * MN_EDIVZERO when d is zero, or MN_EINVAL when a length is out of range. */
int mn__bn_divmod(uint64_t *q, uint64_t *r, const uint64_t *a, size_t an,
                  const uint64_t *d, size_t dn);
/* r = a << s and r = a >> s over n limbs (bits shifted out are lost;
 * s >= 64n gives zero). */
void mn__bn_shl(uint64_t *r, const uint64_t *a, size_t n, unsigned s);
void mn__bn_shr(uint64_t *r, const uint64_t *a, size_t n, unsigned s);

/* r = 10^k in n limbs.  Returns false (r zeroed) when it does not fit. */
bool mn__bn_pow10(uint64_t *r, size_t n, unsigned k);
/* a *= 10^k in place over n limbs.  Returns false when the product does
 * not fit, leaving a unspecified. */
bool mn__bn_mul_pow10(uint64_t *a, size_t n, unsigned k);
/* a = a / 10^k (truncating) in place over n limbs; returns true when the
 * discarded remainder was zero.  Any k is allowed. */
bool mn__bn_div_pow10(uint64_t *a, size_t n, unsigned k);
/* Number of trailing decimal zeros (0 for zero). */
unsigned mn__bn_trailing_zeros10(const uint64_t *a, size_t n);
/* r = floor(sqrt(a)) over n limbs (n <= 8). */
void mn__bn_isqrt(uint64_t *r, const uint64_t *a, size_t n);

/* Decimal digits of a, most significant first, no sign and no leading
 * zeros ("0" for zero).  Writes at most cap-1 characters and a NUL
 * (nothing when cap is 0) and returns the full length, like snprintf.
 * n <= 8; a 512-bit value has at most 155 digits. */
size_t mn__bn_to_dec(const uint64_t *a, size_t n, char *buf, size_t cap);
/* Parses len ASCII decimal digits (no sign, leading zeros allowed, at
 * least one digit).  Returns 0, MN_EFORMAT for any other character or an
 * empty string, MN_EOVERFLOW when the value needs more than n limbs. */
int mn__bn_from_dec(uint64_t *r, size_t n, const char *s, size_t len);

/* Minimal big-endian bytes (leading zero bytes removed, zero -> one 00
 * byte) into out, which holds 8n bytes.  Returns the byte count. */
size_t mn__bn_to_be(const uint64_t *a, size_t n, uint8_t *out);
/* Big-endian bytes of any length (leading zeros allowed, empty is zero).
 * Returns 0, or MN_EOVERFLOW when the value needs more than n limbs. */
int mn__bn_from_be(uint64_t *r, size_t n, const uint8_t *p, size_t len);

/* --------------------------------------------------------------------------
 * 256 and 512-bit values
 * ------------------------------------------------------------------------ */

typedef struct mn_u256 {
  uint64_t w[4]; /* little-endian limbs */
} mn_u256_t;

typedef struct mn_u512 {
  uint64_t w[8]; /* little-endian limbs */
} mn_u512_t;

static inline void mn__u256_set_u64(mn_u256_t *r, uint64_t v) {
  r->w[0] = v;
  r->w[1] = r->w[2] = r->w[3] = 0;
}
static inline bool mn__u256_is_zero(const mn_u256_t *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}
static inline int mn__u256_cmp(const mn_u256_t *a, const mn_u256_t *b) {
  return mn__bn_cmp(a->w, b->w, 4);
}
/* r = a + b; returns the carry (r holds the low 256 bits). */
static inline uint64_t mn__u256_add(mn_u256_t *r, const mn_u256_t *a,
                                    const mn_u256_t *b) {
  return mn__bn_add(r->w, a->w, b->w, 4);
}
/* r = a - b; returns the borrow (1 when a < b). */
static inline uint64_t mn__u256_sub(mn_u256_t *r, const mn_u256_t *a,
                                    const mn_u256_t *b) {
  return mn__bn_sub(r->w, a->w, b->w, 4);
}
/* Full 512-bit product; r must not alias a or b. */
static inline void mn__u256_mul(mn_u512_t *r, const mn_u256_t *a,
                                const mn_u256_t *b) {
  mn__bn_mul(r->w, a->w, 4, b->w, 4);
}
/* q = a / d, rem = a % d (either may be NULL).  MN_EDIVZERO when d == 0. */
int mn__u256_divmod(mn_u256_t *q, mn_u256_t *rem, const mn_u256_t *a,
                    const mn_u256_t *d);
/* q = a / d (512 by 256 bits), rem = a % d (either may be NULL).
 * MN_EDIVZERO when d == 0. */
int mn__u512_divmod(mn_u512_t *q, mn_u256_t *rem, const mn_u512_t *a,
                    const mn_u256_t *d);
static inline void mn__u256_shl(mn_u256_t *r, const mn_u256_t *a, unsigned s) {
  mn__bn_shl(r->w, a->w, 4, s);
}
static inline void mn__u256_shr(mn_u256_t *r, const mn_u256_t *a, unsigned s) {
  mn__bn_shr(r->w, a->w, 4, s);
}
static inline unsigned mn__u256_bitlen(const mn_u256_t *a) {
  return mn__bn_bitlen(a->w, 4);
}
/* Minimal big-endian bytes (MiniData from an unsigned integer): at most 32
 * bytes, zero gives one 00 byte.  Returns the length. */
static inline size_t mn__u256_to_be(const mn_u256_t *a, uint8_t out[32]) {
  return mn__bn_to_be(a->w, 4, out);
}
/* Unsigned big-endian bytes (any length, leading zeros allowed).  Returns
 * 0 or MN_EOVERFLOW when the value is 2^256 or more. */
static inline int mn__u256_from_be(mn_u256_t *r, const uint8_t *p, size_t len) {
  return mn__bn_from_be(r->w, 4, p, len);
}
/* Decimal text, snprintf-like (at most 78 digits). */
static inline size_t mn__u256_to_dec(const mn_u256_t *a, char *buf,
                                     size_t cap) {
  return mn__bn_to_dec(a->w, 4, buf, cap);
}
/* Decimal text; MN_EFORMAT or MN_EOVERFLOW (2^256 or more). */
static inline int mn__u256_from_dec(mn_u256_t *r, const char *s, size_t len) {
  return mn__bn_from_dec(r->w, 4, s, len);
}

/* 10^k for k = 0..19, the powers of ten that fit in 64 bits. */
extern const uint64_t mn__pow10_u64[20];

#endif
