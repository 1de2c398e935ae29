/*
 * types/wire.h - the primitive wire types of spec/serialization.md.
 *
 * Each type is a writer onto an mn_buf_t and a reader from an mn_reader_t
 * (minima/stream.h).  Writers never fail loudly: a failure is recorded in
 * buf->err (first error wins) and later writes do nothing.  Readers record
 * MN_EFORMAT in reader->err on short or malformed input and return zero
 * values; check err once after a run of reads.  Pointers returned by
 * readers point into the reader's source bytes and live as long as they do.
 *
 *   MiniByte        1 byte; as a bool, any non-zero byte reads as true  §2
 *   MiniNumber      scale, length, two's-complement unscaled value      §3
 *   MiniData        int32 length (at most 512 MiB on read) + bytes      §4
 *   hash            MiniData limited to 64 bytes on write and read      §4
 *   MiniString      MiniData of UTF-8 bytes                             §5
 *   MMREntryNumber  MiniNumber scale + MiniData unscaled value          §6
 */
#ifndef MN_TYPES_WIRE_H
#define MN_TYPES_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/stream.h>
#include <minima/types.h>

#include "types/bigint.h"

/* -- MiniByte / bool ------------------------------------------------------ */

static inline void mn__bool_put(mn_buf_t *b, bool v) {
  mn_buf_put_u8(b, v ? 1 : 0);
}
/* Any non-zero byte is true (the reference's MiniByte.isTrue()). */
static inline bool mn__bool_get(mn_reader_t *r) {
  return mn_reader_u8(r) != 0;
}

/* -- MiniNumber ----------------------------------------------------------- */

/* Writes a MiniNumber (mn__num_encode).  A value no API function builds
 * (magnitude >= 2^255) records MN_EINVAL in b->err. */
void mn__num_put(mn_buf_t *b, const mn_num_t *a);
/* Writes the integer v as a MiniNumber with scale 0 (list counts, the
 * reference's MiniNumber.WriteToStream(int)). */
void mn__num_put_i64(mn_buf_t *b, int64_t v);
/* Reads a MiniNumber (mn__num_decode: no limit check).  Returns 0, or the
 * reader's error (MN_EFORMAT) with *out zeroed. */
int mn__num_get(mn_reader_t *r, mn_num_t *out);

/* -- MiniData -------------------------------------------------------------- */

/* int32 length + bytes.  n > INT32_MAX records MN_ETOOBIG. */
static inline void mn__data_put(mn_buf_t *b, const void *p, size_t n) {
  mn_buf_put_data(b, p, n);
}
/* A MiniData of at most MN_MINIDATA_MAX (512 MiB) bytes; a negative or
 * larger length is MN_EFORMAT.  *n receives the length. */
static inline const uint8_t *mn__data_get(mn_reader_t *r, size_t *n) {
  return mn_reader_data(r, MN_MINIDATA_MAX, n);
}
/* A MiniData that must be exactly `want` bytes long (the reference's
 * network reads with a given size); anything else is MN_EFORMAT. */
const uint8_t *mn__data_get_exact(mn_reader_t *r, size_t want);

/* The hash variant: same bytes, at most MN_HASH_MAX (64) bytes.  A longer
 * value records MN_ETOOBIG in b->err and writes nothing. */
void mn__hash_put(mn_buf_t *b, const void *p, size_t n);
static inline const uint8_t *mn__hash_get(mn_reader_t *r, size_t *n) {
  return mn_reader_data(r, MN_HASH_MAX, n);
}

/* -- MiniString ------------------------------------------------------------ */

/* UTF-8 bytes as a MiniData.  No terminator, no normalisation.  Note that
 * the reference decodes a read MiniString to Java text, so bytes that are
 * not valid UTF-8 would come back from it re-encoded (U+FFFD); these
 * helpers keep the bytes as they are. */
static inline void mn__string_put(mn_buf_t *b, const char *s, size_t n) {
  mn_buf_put_data(b, s, n);
}
/* The bytes (not NUL-terminated) of a MiniString; *n its length. */
static inline const char *mn__string_get(mn_reader_t *r, size_t *n) {
  return (const char *)mn_reader_data(r, MN_MINIDATA_MAX, n);
}

/* -- MiniData text and integers ------------------------------------------ */

/* The reference's to0xString: "0x" + upper-case hex, and "" (no prefix) for
 * empty data.  snprintf-like: writes at most cap-1 characters and a NUL,
 * returns the full length (2 + 2n, or 0). */
size_t mn__data_to_0x(const uint8_t *p, size_t n, char *buf, size_t cap);
/* Parses hex text as the reference's MiniData(String): optional 0x/0X,
 * either case, an odd digit count gets a leading 0 nibble, "0x" is empty.
 * Appends to out; MN_EFORMAT on any other character (out unchanged). */
int mn__data_from_hex(const char *text, size_t len, mn_buf_t *out);

/* MiniData from an unsigned integer: minimal big-endian bytes, zero is one
 * 00 byte.  Returns the length written to out (at most 32 / 8). */
static inline size_t mn__data_from_u256(const mn_u256_t *v, uint8_t out[32]) {
  return mn__u256_to_be(v, out);
}
size_t mn__data_from_u64(uint64_t v, uint8_t out[8]);
/* The unsigned big-endian value of MiniData bytes (leading zeros allowed,
 * empty is 0).  MN_EOVERFLOW when it is 2^256 or more. */
static inline int mn__data_to_u256(const uint8_t *p, size_t n, mn_u256_t *out) {
  return mn__u256_from_be(out, p, n);
}
/* Orders MiniData as the reference's isLess/isMore do: as unsigned
 * big-endian integers, leading zero bytes ignored.  -1, 0 or 1.  (Byte
 * equality, which decides hashes, is memcmp plus the lengths.) */
int mn__data_cmp_value(const uint8_t *a, size_t an, const uint8_t *b,
                       size_t bn);

/* -- MMREntryNumber ------------------------------------------------------ */

/* An MMR entry index.  The reference keeps an unbounded BigDecimal; here
 * it is a uint64_t, which covers every index a chain can reach.  Written as
 * the MiniNumber 0 (the scale) and a MiniData of the minimal
 * two's-complement bytes of v (so 255 is 00 ff). */
void mn__mmr_entry_put(mn_buf_t *b, uint64_t v);
/* Reads an MMREntryNumber.  The scale MiniNumber must convert to the int
 * 0 (as the reference's getAsInt() reads it) and the value must be a
 * non-negative integer below 2^64 given by at least one byte (leading
 * zero bytes allowed): a negative value, a larger one, a non-zero scale or
 * an empty value is MN_EFORMAT (recorded in r->err). */
int mn__mmr_entry_get(mn_reader_t *r, uint64_t *v);

#endif
