/*
 * crypto/mx.c - base 32 and Mx address text (spec/crypto.md section 6).
 *
 * The reference turns bytes into a BigInteger and prints it in base 32
 * with the digits 0-9a-v, then swaps i, l, o for W, Y, Z and upper-cases.
 * As 32 is a power of two this is plain bit slicing: five bits per digit
 * from the least significant end, leading zero digits dropped.  An Mx
 * address is that text of 01 || int16 length || data || SHA3(data)[0..4);
 * the leading 01 keeps the data's leading zero bytes.
 */
#include <stdio.h>
#include <string.h>

#include <minima/stream.h>

#include "crypto/crypto.h"

#define MX_MAX_DATA 32767 /* the length travels as a signed int16 */
/* The longest text decoded: an address of MX_MAX_DATA bytes is
 * 8 * (MX_MAX_DATA + 7) / 5 digits; a little slack for the prefix. */
#define MX_MAX_TEXT 52500

static const char DIGITS[32] = "0123456789ABCDEFGHWJKYMNZPQRSTUV";

/* Value of a base-32 digit in the reference's reading, or -1. */
static int digit_value(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'Z')
    c = (unsigned char)(c - 'A' + 'a');
  if (c == 'w')
    return 18; /* i */
  if (c == 'y')
    return 21; /* l */
  if (c == 'z')
    return 24; /* o */
  if (c >= 'a' && c <= 'v')
    return c - 'a' + 10;
  return -1;
}

int mn__base32_encode(const uint8_t *data, size_t len, char *out, size_t cap) {
  /* Skip leading zero bits; what is left takes ceil(bits / 5) digits. */
  size_t first = 0;
  while (first < len && data[first] == 0)
    first++;
  size_t bits = 0;
  if (first < len) {
    unsigned top = data[first];
    unsigned tb = 0;
    while (top) {
      tb++;
      top >>= 1;
    }
    bits = (len - first - 1) * 8 + tb;
  }
  size_t ndig = bits ? (bits + 4) / 5 : 1;
  if (ndig > (size_t)INT32_MAX - 3)
    return MN_EINVAL;
  size_t total = 2 + ndig;
  if (cap > 0) {
    /* Digit k (0 = least significant) is bits 5k..5k+4 counted from the
     * end of the data. */
    size_t o = 0;
    const char *pre = "Mx";
    for (size_t i = 0; i < 2 && o + 1 < cap; i++)
      out[o++] = pre[i];
    for (size_t k = ndig; k-- > 0 && o + 1 < cap;) {
      unsigned v = 0;
      for (unsigned b = 0; b < 5; b++) {
        size_t bit = 5 * k + b; /* from the least significant end */
        if (bit < 8 * len) {
          uint8_t byte = data[len - 1 - bit / 8];
          v |= ((byte >> (bit % 8)) & 1u) << b;
        }
      }
      out[o++] = DIGITS[v];
    }
    out[o] = '\0';
  }
  return (int)total;
}

int mn__base32_decode(const char *text, size_t len, mn_buf_t *out) {
  const unsigned char *p = (const unsigned char *)text;
  if (len >= 2 && (p[0] == 'M' || p[0] == 'm') &&
      (p[1] == 'X' || p[1] == 'x')) {
    p += 2;
    len -= 2;
  }
  /* BigInteger's parser takes one leading '+'. */
  if (len >= 1 && p[0] == '+') {
    p++;
    len--;
  }
  if (len == 0 || len > MX_MAX_TEXT)
    return MN_EFORMAT;
  for (size_t i = 0; i < len; i++)
    if (digit_value(p[i]) < 0)
      return MN_EFORMAT;
  /* Skip leading zero digits, then pack 5 bits per digit into bytes from
   * the least significant end. */
  while (len > 1 && p[0] == '0') {
    p++;
    len--;
  }
  size_t nbytes = (len * 5 + 7) / 8;
  uint8_t tmp[(MX_MAX_TEXT * 5 + 7) / 8];
  memset(tmp, 0, nbytes);
  for (size_t k = 0; k < len; k++) {
    unsigned v = (unsigned)digit_value(p[len - 1 - k]);
    for (unsigned b = 0; b < 5; b++) {
      size_t bit = 5 * k + b;
      if (v >> b & 1u)
        tmp[nbytes - 1 - bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
  }
  /* Minimal big-endian bytes; zero is one 00 byte. */
  size_t first = 0;
  while (first + 1 < nbytes && tmp[first] == 0)
    first++;
  mn_buf_put(out, tmp + first, nbytes - first);
  return out->err;
}

int mn__mx_encode(const uint8_t *data, size_t len, char *out, size_t cap) {
  if (len > MX_MAX_DATA || (len && !data))
    return MN_EINVAL;
  uint8_t raw[1 + 2 + MX_MAX_DATA + 4];
  uint8_t h[32];
  mn__sha3_256(data, len, h);
  raw[0] = 1;
  raw[1] = (uint8_t)(len >> 8);
  raw[2] = (uint8_t)len;
  if (len)
    memcpy(raw + 3, data, len);
  memcpy(raw + 3 + len, h, 4);
  return mn__base32_encode(raw, len + 7, out, cap);
}

int mn__mx_decode(const char *text, size_t len, mn_buf_t *out) {
  mn_buf_t raw = {0};
  int rc = mn__base32_decode(text, len, &raw);
  if (rc)
    goto out;
  /* 01, int16 length, data, checksum; the reference ignores what follows. */
  mn_reader_t r;
  mn_reader_init(&r, raw.data, raw.len);
  uint8_t one = mn_reader_u8(&r);
  const uint8_t *l2 = mn_reader_take(&r, 2);
  if (r.err || one != 1) {
    rc = MN_EFORMAT;
    goto out;
  }
  int16_t dlen = (int16_t)(uint16_t)(l2[0] << 8 | l2[1]);
  if (dlen < 0) {
    rc = MN_EFORMAT;
    goto out;
  }
  const uint8_t *data = mn_reader_take(&r, (size_t)dlen);
  const uint8_t *sum = mn_reader_take(&r, 4);
  if (r.err) {
    rc = MN_EFORMAT;
    goto out;
  }
  uint8_t h[32];
  mn__sha3_256(data, (size_t)dlen, h);
  if (memcmp(h, sum, 4) != 0) {
    rc = MN_EINVALID;
    goto out;
  }
  mn_buf_put(out, data, (size_t)dlen);
  rc = out->err;
out:
  mn_buf_free(&raw);
  return rc;
}
