/*
 * types/num.h - MiniNumber, the kernel side of mn_num_api_t.
 *
 * mn__num_api() returns the function table that the host hands to plugins
 * as host->num; kernel code may call the functions below directly.  Each
 * mn__num_X has exactly the contract of the table's X in minima/types.h
 * (spec/serialization.md §3 has the rules): results are Java
 * BigDecimal(MathContext(64, DOWN)) values re-parsed from their plain text
 * and limit-checked (more than 44 decimals truncated, beyond +-(2^64-1)
 * MN_EOVERFLOW with the output untouched).  Outputs may alias inputs.
 *
 * Inputs are taken as the reference would hold them: a magnitude with more
 * than 64 digits, which neither these functions nor the decoder ever
 * produce, is first truncated to 64 digits.  Intermediates are exact
 * fixed-width integers (up to 512 bits).  A few operations on numbers that
 * only a hand-made or decoded value can hold (scales far outside -19..44)
 * would need wider intermediates than that; mn__num_rem then fails with
 * MN_EOVERFLOW instead of computing what the reference would.
 *
 * Everything here is pure: no allocation, no global state, thread-safe.
 */
#ifndef MN_TYPES_NUM_H
#define MN_TYPES_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/types.h>

/* The table for host->num (static storage, never NULL). */
const mn_num_api_t *mn__num_api(void);

int mn__num_parse(mn_num_t *out, const char *text, size_t len);
void mn__num_from_i64(mn_num_t *out, int64_t v);
void mn__num_from_u64(mn_num_t *out, uint64_t v);
size_t mn__num_to_str(const mn_num_t *a, char *buf, size_t cap);
size_t mn__num_to_plain(const mn_num_t *a, char *buf, size_t cap);
int mn__num_to_i64(const mn_num_t *a, int64_t *out);
int32_t mn__num_to_i32_wrap(const mn_num_t *a);
int mn__num_cmp(const mn_num_t *a, const mn_num_t *b);
int mn__num_sign(const mn_num_t *a);
bool mn__num_is_whole(const mn_num_t *a);
bool mn__num_is_valid_amount(const mn_num_t *a);
int mn__num_add(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
int mn__num_sub(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
int mn__num_mul(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
int mn__num_div(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
int mn__num_rem(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
int mn__num_pow(mn_num_t *r, const mn_num_t *a, int32_t n);
int mn__num_sqrt(mn_num_t *r, const mn_num_t *a);
int mn__num_floor(mn_num_t *r, const mn_num_t *a);
int mn__num_ceil(mn_num_t *r, const mn_num_t *a);
int mn__num_abs(mn_num_t *r, const mn_num_t *a);
int mn__num_neg(mn_num_t *r, const mn_num_t *a);
int mn__num_sigdig(mn_num_t *r, const mn_num_t *a, int digits);
int mn__num_encode(const mn_num_t *a, uint8_t *out, size_t cap);
int mn__num_decode(mn_num_t *out, const uint8_t *in, size_t len, size_t *used);

/* Kernel conveniences (not in the table). */

/* The reference's MiniNumber(BigDecimal) constructor applied to an
 * arbitrary (unscaled, scale) value: 64-digit truncation, plain re-parse
 * (a negative scale becomes 0) and the limit check.  This is what every
 * arithmetic result goes through; "1E1" gives (10, 0).  0 or
 * MN_EOVERFLOW (r untouched). */
int mn__num_from_decimal(mn_num_t *r, const mn_num_t *a);
/* Parses a NUL-terminated string (see mn__num_parse). */
int mn__num_parse_cstr(mn_num_t *out, const char *text);
static inline bool mn__num_is_zero(const mn_num_t *a) {
  return (a->mag[0] | a->mag[1] | a->mag[2] | a->mag[3]) == 0;
}
/* Structural equality: same unscaled value and scale (what decides the
 * serialized bytes), unlike mn__num_cmp() which compares values. */
static inline bool mn__num_same(const mn_num_t *a, const mn_num_t *b) {
  return a->mag[0] == b->mag[0] && a->mag[1] == b->mag[1] &&
         a->mag[2] == b->mag[2] && a->mag[3] == b->mag[3] &&
         a->scale == b->scale && a->neg == b->neg;
}

#endif
