/* Hex text in the reference's conventions (spec/serialization.md §4). */
#include <minima/errors.h>
#include <minima/stream.h>

#include "util/util.h"

static int nibble(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int mn__hex_decode(const char *text, size_t len, mn_buf_t *out) {
  if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text += 2;
    len -= 2;
  }
  for (size_t i = 0; i < len; i++)
    if (nibble(text[i]) < 0)
      return MN_EFORMAT;
  if (mn_buf_reserve(out, len / 2 + 1))
    return MN_ENOMEM;
  size_t i = 0;
  if (len % 2) {
    mn_buf_put_u8(out, (uint8_t)nibble(text[0]));
    i = 1;
  }
  for (; i < len; i += 2)
    mn_buf_put_u8(out, (uint8_t)(nibble(text[i]) << 4 | nibble(text[i + 1])));
  return out->err;
}

void mn__hex_encode(const uint8_t *data, size_t len, char *out, bool upper) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  out[2 * len] = '\0';
}

char *mn__hex_0x(const uint8_t *data, size_t len, bool empty_bare) {
  if (len == 0 && empty_bare)
    return mn__xstrdup("");
  char *s = mn__xmalloc(2 * len + 3);
  s[0] = '0';
  s[1] = 'x';
  mn__hex_encode(data, len, s + 2, true);
  return s;
}
