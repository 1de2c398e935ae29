/* Primitive wire types (spec/serialization.md §2-6); see wire.h. */
#include "types/wire.h"

#include <string.h>

#include <minima/errors.h>

#include "types/num.h"
#include "util/util.h"

static void buf_fail(mn_buf_t *b, int err) {
  if (!b->err)
    b->err = err;
}

static int reader_fail(mn_reader_t *r) {
  if (!r->err)
    r->err = MN_EFORMAT;
  return r->err;
}

void mn__num_put(mn_buf_t *b, const mn_num_t *a) {
  uint8_t enc[MN_NUM_MAX_ENCODED];
  int n = mn__num_encode(a, enc, sizeof enc);
  if (n < 0) {
    buf_fail(b, n);
    return;
  }
  mn_buf_put(b, enc, (size_t)n);
}

void mn__num_put_i64(mn_buf_t *b, int64_t v) {
  mn_num_t n;
  mn__num_from_i64(&n, v);
  mn__num_put(b, &n);
}

int mn__num_get(mn_reader_t *r, mn_num_t *out) {
  size_t used = 0;
  memset(out, 0, sizeof *out);
  if (r->err)
    return r->err;
  int rc = mn__num_decode(out, r->p + r->pos, r->len - r->pos, &used);
  if (rc) {
    memset(out, 0, sizeof *out);
    return reader_fail(r);
  }
  r->pos += used;
  return 0;
}

const uint8_t *mn__data_get_exact(mn_reader_t *r, size_t want) {
  size_t n;
  const uint8_t *p = mn_reader_data(r, MN_MINIDATA_MAX, &n);
  if (!p)
    return NULL;
  if (n != want) {
    reader_fail(r);
    return NULL;
  }
  return p;
}

void mn__hash_put(mn_buf_t *b, const void *p, size_t n) {
  if (n > MN_HASH_MAX) {
    buf_fail(b, MN_ETOOBIG);
    return;
  }
  mn_buf_put_data(b, p, n);
}

size_t mn__data_to_0x(const uint8_t *p, size_t n, char *buf, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t full = n ? 2 + 2 * n : 0;
  if (cap == 0)
    return full;
  size_t w = 0;
  for (size_t i = 0; i < full && w + 1 < cap; i++) {
    char c;
    if (i < 2)
      c = i == 0 ? '0' : 'x';
    else if ((i - 2) % 2 == 0)
      c = hex[p[(i - 2) / 2] >> 4];
    else
      c = hex[p[(i - 2) / 2] & 15];
    buf[w++] = c;
  }
  buf[w] = '\0';
  return full;
}

int mn__data_from_hex(const char *text, size_t len, mn_buf_t *out) {
  size_t before = out->len;
  int rc = mn__hex_decode(text, len, out);
  if (rc && !out->err)
    out->len = before;
  return rc;
}

size_t mn__data_from_u64(uint64_t v, uint8_t out[8]) {
  return mn__bn_to_be(&v, 1, out);
}

int mn__data_cmp_value(const uint8_t *a, size_t an, const uint8_t *b,
                       size_t bn) {
  while (an > 0 && a[0] == 0) {
    a++;
    an--;
  }
  while (bn > 0 && b[0] == 0) {
    b++;
    bn--;
  }
  if (an != bn)
    return an < bn ? -1 : 1;
  int c = an ? memcmp(a, b, an) : 0;
  return c < 0 ? -1 : c > 0;
}

void mn__mmr_entry_put(mn_buf_t *b, uint64_t v) {
  uint8_t be[9];
  mn__num_put_i64(b, 0);
  /* Two's complement: a set top bit needs a leading 00. */
  be[0] = 0;
  size_t n = mn__bn_to_be(&v, 1, be + 1);
  if (be[1] & 0x80)
    mn_buf_put_data(b, be, n + 1);
  else
    mn_buf_put_data(b, be + 1, n);
}

int mn__mmr_entry_get(mn_reader_t *r, uint64_t *v) {
  mn_num_t scale;
  size_t n;
  *v = 0;
  if (mn__num_get(r, &scale))
    return r->err;
  const uint8_t *p = mn_reader_data(r, MN_MINIDATA_MAX, &n);
  if (!p)
    return r->err;
  if (mn__num_to_i32_wrap(&scale) != 0 || n == 0 || (p[0] & 0x80))
    return reader_fail(r);
  uint64_t x;
  if (mn__bn_from_be(&x, 1, p, n))
    return reader_fail(r);
  *v = x;
  return 0;
}
