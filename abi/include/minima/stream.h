/*
 * minima/stream.h - header-only helpers for mn_buf_t and mn_reader_t.
 *
 * Minima's wire format is big-endian and unframed (spec/serialization.md):
 * an object is the concatenation of its fields.  These helpers write and
 * read the primitive fields; MiniNumbers go through host->num because their
 * encoding needs big-number code.
 *
 * Writers never fail loudly: the first allocation failure is remembered in
 * buf->err and later writes do nothing, so a serializer checks once at the
 * end.  Readers work the same way with reader->err (MN_EFORMAT on a short
 * or out-of-bounds read).  Pointers returned by readers point into the
 * reader's source bytes and live as long as those bytes.
 */
#ifndef MINIMA_STREAM_H
#define MINIMA_STREAM_H

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest MiniData a reader accepts (the reference's 512 MiB). */
#define MN_MINIDATA_MAX (512u * 1024u * 1024u)
/* Largest "hash" field (a MiniData with the hash-variant limit). */
#define MN_HASH_MAX 64u

static inline void mn_buf_free(mn_buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->err = 0;
}

/* Ensures room for `extra` more bytes.  Returns 0 or MN_ENOMEM. */
static inline int mn_buf_reserve(mn_buf_t *b, size_t extra) {
  if (b->err)
    return b->err;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->err = MN_ENOMEM;
    return b->err;
  }
  if (b->len + extra <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra)
    cap *= 2;
  uint8_t *p = (uint8_t *)realloc(b->data, cap);
  if (!p) {
    b->err = MN_ENOMEM;
    return b->err;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

static inline void mn_buf_put(mn_buf_t *b, const void *p, size_t n) {
  if (n == 0 || mn_buf_reserve(b, n))
    return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static inline void mn_buf_put_u8(mn_buf_t *b, uint8_t v) { mn_buf_put(b, &v, 1); }

static inline void mn_buf_put_u32be(mn_buf_t *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                  (uint8_t)v};
  mn_buf_put(b, x, 4);
}

/* MiniData / MiniString / hash field: int32 length then the bytes. */
static inline void mn_buf_put_data(mn_buf_t *b, const void *p, size_t n) {
  if (n > 0x7fffffffu) {
    if (!b->err)
      b->err = MN_ETOOBIG;
    return;
  }
  mn_buf_put_u32be(b, (uint32_t)n);
  mn_buf_put(b, p, n);
}

static inline void mn_reader_init(mn_reader_t *r, const void *p, size_t len) {
  r->p = (const uint8_t *)p;
  r->len = len;
  r->pos = 0;
  r->err = 0;
}

static inline size_t mn_reader_left(const mn_reader_t *r) {
  return r->err ? 0 : r->len - r->pos;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets
 * err) if fewer remain. */
static inline const uint8_t *mn_reader_take(mn_reader_t *r, size_t n) {
  if (r->err)
    return NULL;
  if (n > r->len - r->pos) {
    r->err = MN_EFORMAT;
    return NULL;
  }
  const uint8_t *p = r->p + r->pos;
  r->pos += n;
  return p;
}

static inline uint8_t mn_reader_u8(mn_reader_t *r) {
  const uint8_t *p = mn_reader_take(r, 1);
  return p ? p[0] : 0;
}

static inline uint32_t mn_reader_u32be(mn_reader_t *r) {
  const uint8_t *p = mn_reader_take(r, 4);
  if (!p)
    return 0;
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

/* Reads an int32-length-prefixed byte string of at most `max` bytes.  A
 * negative or larger length sets err to MN_EFORMAT.  *n receives the
 * length; the result points into the source. */
static inline const uint8_t *mn_reader_data(mn_reader_t *r, size_t max,
                                            size_t *n) {
  uint32_t len = mn_reader_u32be(r);
  *n = 0;
  if (r->err)
    return NULL;
  if (len > 0x7fffffffu || len > max) {
    r->err = MN_EFORMAT;
    return NULL;
  }
  const uint8_t *p = mn_reader_take(r, len);
  if (p)
    *n = len;
  return p;
}

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_STREAM_H */
