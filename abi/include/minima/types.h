/*
 * minima/types.h - core value types shared by the kernel and every plugin.
 *
 * MiniNumber (mn_num_t) is Minima's decimal number: an unscaled integer U and
 * a scale S with value U x 10^-S, exactly Java BigDecimal as the reference
 * node uses it (64 significant digits, truncation toward zero, at most 44
 * decimal places, range +-(2^64-1)).  Two numbers with equal value but
 * different scales compare equal yet serialize differently, so hashes depend
 * on the scale: never normalise a number you did not compute.
 *
 * The arithmetic lives in the kernel and reaches plugins through
 * host->num (mn_num_api_t below); tools and tests linked with the kernel's
 * core library get the same table from mn__num_api().  A mn_num_t is a plain
 * value: copy it with '=', keep it on the stack, no ownership.
 *
 * Byte buffers (mn_buf_t) and bounded readers (mn_reader_t) are the two
 * halves of every serializer; their helpers are header-only in
 * minima/stream.h.
 */
#ifndef MINIMA_TYPES_H
#define MINIMA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --------------------------------------------------------------------------
 * MiniNumber
 * ------------------------------------------------------------------------ */

/* Value = (neg ? -1 : 1) * mag * 10^-scale.  mag is little-endian in 64-bit
 * limbs (mag[0] least significant) and always < 2^256.  Zero is never
 * negative.  Numbers built by the API hold at most 64 significant digits,
 * and so do numbers read from the wire (the reader rounds toward zero to 64
 * digits like the reference's BigDecimal(BigInteger, scale, mc)), but a
 * read number is not limit-checked: it may exceed +-(2^64-1) or have any
 * scale from -141 to 127, and is re-serialized as read. */
typedef struct mn_num {
  uint64_t mag[4];
  int32_t scale;
  uint8_t neg;
  uint8_t reserved[3]; /* zero */
} mn_num_t;

_Static_assert(sizeof(mn_num_t) == 40, "mn_num_t layout is ABI");

#define MN_NUM_MAX_DIGITS 64       /* significant digits kept */
#define MN_NUM_MAX_DECIMALS 44     /* decimal places kept */
#define MN_NUM_MAX_ENCODED 34      /* scale byte + length byte + 32 bytes */
#define MN_NUM_STR_MAX 208         /* buffer that holds any printed number */

/* The MiniNumber function table (host->num).  Unless a comment says
 * otherwise, results are computed exactly, truncated toward zero to 64
 * significant digits, rendered plain (a negative scale becomes 0, trailing
 * zeros are kept) and then limit-checked: more than 44 decimals are truncated
 * to 44, a value beyond +-(2^64-1) fails with MN_EOVERFLOW and leaves *r
 * untouched.  `r` may alias an operand.  All functions are thread-safe. */
typedef struct mn_num_api {
  uint32_t size; /* sizeof(mn_num_api_t) as the kernel was built */

  /* -- ABI 1.0 ------------------------------------------------------------ */

  /* Text as Java `new BigDecimal(text, MathContext(64, DOWN))`: optional
   * sign, digits, optional fraction, optional exponent (E/e, signed).
   * "1E9" has scale -9, "1.000" scale 3.  MN_EFORMAT for anything else,
   * MN_EOVERFLOW beyond the range.  Not NUL-terminated: len bytes. */
  int (*parse)(mn_num_t *out, const char *text, size_t len);
  void (*from_i64)(mn_num_t *out, int64_t v);
  void (*from_u64)(mn_num_t *out, uint64_t v);

  /* The reference's toString: trailing zeros stripped, plain notation,
   * "0" for zero.  Writes at most cap-1 characters and a NUL; returns the
   * full length (like snprintf).  MN_NUM_STR_MAX always suffices. */
  size_t (*to_str)(const mn_num_t *a, char *buf, size_t cap);
  /* Plain notation keeping the scale ("1.50", "0.00"); for diagnostics. */
  size_t (*to_plain)(const mn_num_t *a, char *buf, size_t cap);

  /* Integer part (toward zero) as int64; MN_ERANGE if it does not fit. */
  int (*to_i64)(const mn_num_t *a, int64_t *out);
  /* Integer part (toward zero), low 32 bits of two's complement as a
   * signed int (Java BigDecimal.intValue()). */
  int32_t (*to_i32_wrap)(const mn_num_t *a);

  /* Numeric comparison: <0, 0, >0.  1.0 and 1 are equal. */
  int (*cmp)(const mn_num_t *a, const mn_num_t *b);
  /* -1, 0 or 1. */
  int (*sign)(const mn_num_t *a);
  /* True when the fractional part is zero. */
  bool (*is_whole)(const mn_num_t *a);
  /* 0 < a <= 1 000 000 000 (the reference's isValidMinimaValue). */
  bool (*is_valid_amount)(const mn_num_t *a);

  int (*add)(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
  int (*sub)(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
  int (*mul)(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
  /* MN_EDIVZERO when b is zero.  Exact quotients keep the scale closest to
   * a.scale - b.scale (1.00 / 2 = 0.50). */
  int (*div)(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
  /* Remainder of truncated division, sign of the dividend.  MN_EDIVZERO. */
  int (*rem)(mn_num_t *r, const mn_num_t *a, const mn_num_t *b);
  /* a^n as Java BigDecimal.pow(n, MathContext(64, DOWN)) (ANSI X3.274).
   * |n| <= 999999999 else MN_ERANGE; n < 0 with a == 0 is MN_EDIVZERO. */
  int (*pow)(mn_num_t *r, const mn_num_t *a, int32_t n);
  /* Square root truncated to 64 digits.  MN_EINVAL when a < 0. */
  int (*sqrt)(mn_num_t *r, const mn_num_t *a);
  int (*floor)(mn_num_t *r, const mn_num_t *a);
  int (*ceil)(mn_num_t *r, const mn_num_t *a);
  int (*abs)(mn_num_t *r, const mn_num_t *a);
  int (*neg)(mn_num_t *r, const mn_num_t *a);
  /* Round toward zero to `digits` significant digits (0..64; 0 = none). */
  int (*sigdig)(mn_num_t *r, const mn_num_t *a, int digits);

  /* Wire form: scale (1 byte, low 8 bits), length (1 byte), minimal
   * two's-complement big-endian unscaled value.  Returns the number of
   * bytes written (3..34), or MN_ETOOBIG when cap is too small (MN_EINVAL
   * for a magnitude of 2^255 or more, which no API function builds). */
  int (*encode)(const mn_num_t *a, uint8_t *out, size_t cap);
  /* Reads the wire form; no limit check (see mn_num_t).  *used receives
   * the bytes consumed.  MN_EFORMAT on a length outside 1..32 or short
   * input. */
  int (*decode)(mn_num_t *out, const uint8_t *in, size_t len, size_t *used);
} mn_num_api_t;

/* --------------------------------------------------------------------------
 * Byte buffers and readers
 * ------------------------------------------------------------------------ */

/* A growable byte buffer.  data is malloc()ed and owned by the buffer; free
 * it with mn_buf_free() (minima/stream.h) or hand ownership on by taking
 * data and zeroing the struct.  A zeroed mn_buf_t is a valid empty buffer. */
typedef struct mn_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  int err; /* first error (MN_ENOMEM); later appends are no-ops */
} mn_buf_t;

/* A bounded cursor over bytes it does not own.  Reads past the end set err
 * to MN_EFORMAT and return zeros; check err once after a run of reads. */
typedef struct mn_reader {
  const uint8_t *p;
  size_t len;
  size_t pos;
  int err;
} mn_reader_t;

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_TYPES_H */
