/*
 * Arenas and roots, the decoder and the encoding sink of the chain
 * objects, and Java's UTF-8 decoding (obj_internal.h).
 *
 * These functions are reachable by plugins, so allocation failures are
 * reported (NULL / MN_ENOMEM), never fatal.
 */
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/wire.h"

/* --------------------------------------------------------------------------
 * Arenas
 * ------------------------------------------------------------------------ */

#define ALIGN 16u
#define CHUNK_MIN 1024u
#define CHUNK_MAX (4u << 20)

struct mn__chunk {
  mn__chunk_t *next;
  size_t cap, used;
  /* data follows, 16-byte aligned */
};

#define CHUNK_HDR ((sizeof(mn__chunk_t) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static size_t align_up(size_t n) {
  return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static mn__chunk_t *chunk_new(mn__arena_t *a, size_t cap) {
  if (cap > SIZE_MAX - CHUNK_HDR)
    return NULL;
  mn__chunk_t *c = malloc(CHUNK_HDR + cap);
  if (!c)
    return NULL;
  c->cap = cap;
  c->used = 0;
  c->next = a->head;
  a->head = c;
  a->total += CHUNK_HDR + cap;
  return c;
}

#define BIG 256u /* requests this large that do not fit get their own chunk */

void *mn__arena_alloc(mn__arena_t *a, size_t n) {
  if (n > SIZE_MAX / 2)
    return NULL;
  size_t need = align_up(n ? n : 1);
  mn__chunk_t *c = a->head;
  if (c && c->cap - c->used < need && need >= BIG) {
    /* A big block (a list) that does not fit: a chunk of its own behind
     * the head, which keeps serving small requests, so the head's free
     * tail is not abandoned. */
    if (need > SIZE_MAX - CHUNK_HDR)
      return NULL;
    mn__chunk_t *big = malloc(CHUNK_HDR + need);
    if (!big)
      return NULL;
    big->cap = big->used = need;
    big->next = c->next;
    c->next = big;
    a->total += CHUNK_HDR + need;
    a->used += need;
    void *p = (uint8_t *)big + CHUNK_HDR;
    memset(p, 0, need);
    return p;
  }
  if (!c || c->cap - c->used < need) {
    /* A new head as large as what is in use (within bounds): few chunks,
     * and the tail abandoned in the old head is below BIG bytes. */
    size_t cap = a->used < CHUNK_MIN   ? CHUNK_MIN
                 : a->used > CHUNK_MAX ? CHUNK_MAX
                                       : a->used;
    if (cap < need)
      cap = need;
    c = chunk_new(a, cap);
    if (!c)
      return NULL;
  }
  void *p = (uint8_t *)c + CHUNK_HDR + c->used;
  c->used += need;
  a->used += need;
  memset(p, 0, need);
  return p;
}

static const uint8_t g_empty[1];

const uint8_t *mn__arena_dup(mn__arena_t *a, const void *p, size_t n) {
  if (n == 0)
    return g_empty;
  uint8_t *q = mn__arena_alloc(a, n);
  if (q)
    memcpy(q, p, n);
  return q;
}

static void arena_release(mn__arena_t *a) {
  mn__chunk_t *c = a->head;
  while (c) {
    mn__chunk_t *next = c->next;
    free(c);
    c = next;
  }
}

/* --------------------------------------------------------------------------
 * Roots: a header in front of the object, both in the arena's first
 * chunk, so the object's address finds its arena.
 * ------------------------------------------------------------------------ */

#define ROOT_MAGIC 0x4d4e4f626a526f74ull /* "MNObjRot" */

typedef struct root {
  uint64_t magic;
  mn_obj_kind_t kind;
  mn__arena_t arena;
} root_t;

#define ROOT_HDR align_up(sizeof(root_t))

void *mn__root_new(mn_obj_kind_t kind, size_t objsize, size_t hint) {
  mn__arena_t a = {0};
  size_t first = ROOT_HDR + align_up(objsize);
  size_t cap = first + (hint < CHUNK_MAX ? hint : CHUNK_MAX);
  if (cap < CHUNK_MIN)
    cap = CHUNK_MIN;
  if (!chunk_new(&a, cap))
    return NULL;
  root_t *r = mn__arena_alloc(&a, first);
  r->magic = ROOT_MAGIC;
  r->kind = kind;
  r->arena = a;
  return (uint8_t *)r + ROOT_HDR;
}

static root_t *root_of(const void *obj) {
  if (!obj)
    return NULL;
  root_t *r = (root_t *)(uintptr_t)((const uint8_t *)obj - ROOT_HDR);
  return r->magic == ROOT_MAGIC ? r : NULL;
}

mn__arena_t *mn__root_arena(const void *obj) {
  root_t *r = root_of(obj);
  return r ? &r->arena : NULL;
}

mn_obj_kind_t mn__root_kind(const void *obj) {
  root_t *r = root_of(obj);
  return r ? r->kind : MN_OBJ_NONE;
}

void mn__root_free(void *obj) {
  root_t *r = root_of(obj);
  if (!r)
    return;
  mn__arena_t a = r->arena;
  r->magic = 0;
  arena_release(&a);
}

size_t mn__root_mem(const void *obj) {
  root_t *r = root_of(obj);
  return r ? r->arena.total : 0;
}

void *mn__list_grow(mn__arena_t *a, void **items, uint32_t *n, uint32_t *cap,
                    size_t isz) {
  if (*n >= INT32_MAX)
    return NULL;
  if (*cap == 0 || *n >= *cap) {
    uint32_t ncap = *n < 4 ? 4 : *n * 2;
    uint8_t *p = mn__arena_alloc(a, (size_t)ncap * isz);
    if (!p)
      return NULL;
    if (*n)
      memcpy(p, *items, (size_t)*n * isz);
    *items = p;
    *cap = ncap;
  }
  uint8_t *slot = (uint8_t *)*items + (size_t)*n * isz;
  memset(slot, 0, isz);
  (*n)++;
  return slot;
}

/* --------------------------------------------------------------------------
 * Decoder
 * ------------------------------------------------------------------------ */

int mn__dec_fail(mn__dec_t *d, int err) {
  if (!d->err)
    d->err = err;
  if (!d->r.err)
    d->r.err = MN_EFORMAT; /* stop every later read */
  return d->err;
}

uint8_t mn__dec_u8(mn__dec_t *d) {
  uint8_t v = mn_reader_u8(&d->r);
  if (d->r.err)
    mn__dec_fail(d, MN_EFORMAT);
  return v;
}

bool mn__dec_bool(mn__dec_t *d) {
  return mn__dec_u8(d) != 0;
}

void mn__dec_num(mn__dec_t *d, mn_num_t *out) {
  if (mn__num_get(&d->r, out))
    mn__dec_fail(d, MN_EFORMAT);
}

mn_data_t mn__dec_data(mn__dec_t *d, size_t max) {
  mn_data_t out = {g_empty, 0};
  size_t n;
  const uint8_t *p = mn_reader_data(&d->r, max, &n);
  if (!p) {
    mn__dec_fail(d, MN_EFORMAT);
    return out;
  }
  const uint8_t *q = mn__arena_dup(d->a, p, n);
  if (!q) {
    mn__dec_fail(d, MN_ENOMEM);
    return out;
  }
  out.data = q;
  out.len = n;
  return out;
}

mn_data_t mn__dec_string(mn__dec_t *d) {
  mn_data_t out = {g_empty, 0};
  size_t n;
  const uint8_t *p = mn_reader_data(&d->r, MN_MINIDATA_MAX, &n);
  if (!p) {
    mn__dec_fail(d, MN_EFORMAT);
    return out;
  }
  bool same;
  size_t m = mn__utf8_java(p, n, NULL, &same);
  if (same) {
    const uint8_t *q = mn__arena_dup(d->a, p, n);
    if (!q) {
      mn__dec_fail(d, MN_ENOMEM);
      return out;
    }
    out.data = q;
    out.len = n;
    return out;
  }
  uint8_t *q = mn__arena_alloc(d->a, m);
  if (!q) {
    mn__dec_fail(d, MN_ENOMEM);
    return out;
  }
  mn__utf8_java(p, n, q, NULL);
  out.data = q;
  out.len = m;
  return out;
}

uint32_t mn__dec_count(mn__dec_t *d, size_t minsize) {
  mn_num_t v;
  int64_t i;
  mn__dec_num(d, &v);
  if (d->err)
    return 0;
  if (v.neg || !mn__num_is_whole(&v) || mn__num_to_i64(&v, &i) || i < 0 ||
      i > INT32_MAX) {
    mn__dec_fail(d, MN_EFORMAT);
    return 0;
  }
  size_t left = mn_reader_left(&d->r);
  if ((uint64_t)i > left / (minsize ? minsize : 1)) {
    mn__dec_fail(d, MN_EFORMAT);
    return 0;
  }
  return (uint32_t)i;
}

uint64_t mn__dec_entry(mn__dec_t *d) {
  uint64_t v = 0;
  if (mn__mmr_entry_get(&d->r, &v))
    mn__dec_fail(d, MN_EFORMAT);
  return v;
}

void *mn__dec_array(mn__dec_t *d, uint32_t n, size_t isz) {
  if (n == 0 || d->err)
    return NULL;
  void *p = mn__arena_alloc(d->a, (size_t)n * isz);
  if (!p)
    mn__dec_fail(d, MN_ENOMEM);
  return p;
}

/* --------------------------------------------------------------------------
 * Sink
 * ------------------------------------------------------------------------ */

void mn__sink_init(mn__sink_t *s, mn_buf_t *buf, mn_sha3_t *sha) {
  s->buf = buf;
  s->sha = sha;
  s->fixed = NULL;
  s->fixed_cap = 0;
  s->n = 0;
  s->err = 0;
  s->slen = 0;
}

void mn__sink_init_fixed(mn__sink_t *s, uint8_t *p, size_t cap) {
  mn__sink_init(s, NULL, NULL);
  s->fixed = p;
  s->fixed_cap = cap;
}

void mn__sink_fail(mn__sink_t *s, int err) {
  if (!s->err)
    s->err = err;
}

static void sink_flush(mn__sink_t *s) {
  if (s->slen) {
    mn__sha3_update(s->sha, s->stage, s->slen);
    s->slen = 0;
  }
}

void mn__sink_put(mn__sink_t *s, const void *p, size_t n) {
  if (s->err || n == 0)
    return;
  if (s->fixed) {
    if (n > s->fixed_cap - s->n) {
      mn__sink_fail(s, MN_ETOOBIG);
      return;
    }
    memcpy(s->fixed + s->n, p, n);
    s->n += n;
    return;
  }
  s->n += n;
  if (s->buf) {
    mn_buf_put(s->buf, p, n);
    if (s->buf->err)
      mn__sink_fail(s, s->buf->err);
  } else if (s->sha) {
    if (n <= sizeof s->stage - s->slen) {
      memcpy(s->stage + s->slen, p, n);
      s->slen += n;
    } else {
      sink_flush(s);
      if (n < sizeof s->stage) {
        memcpy(s->stage, p, n);
        s->slen = n;
      } else {
        mn__sha3_update(s->sha, p, n);
      }
    }
  }
}

int mn__sink_end(mn__sink_t *s) {
  if (s->sha && !s->err)
    sink_flush(s);
  return s->err;
}

void mn__sink_num(mn__sink_t *s, const mn_num_t *v) {
  uint8_t enc[MN_NUM_MAX_ENCODED];
  int n = mn__num_encode(v, enc, sizeof enc);
  if (n < 0) {
    mn__sink_fail(s, MN_EINVAL);
    return;
  }
  mn__sink_put(s, enc, (size_t)n);
}

void mn__sink_int(mn__sink_t *s, int64_t v) {
  uint8_t enc[2 + 8];
  uint8_t be[8];
  /* Minimal two's complement, scale 0. */
  for (int i = 0; i < 8; i++)
    be[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
  int start = 0;
  while (start < 7 && ((be[start] == 0x00 && !(be[start + 1] & 0x80)) ||
                       (be[start] == 0xff && (be[start + 1] & 0x80))))
    start++;
  enc[0] = 0;
  enc[1] = (uint8_t)(8 - start);
  memcpy(enc + 2, be + start, (size_t)(8 - start));
  mn__sink_put(s, enc, (size_t)(2 + 8 - start));
}

void mn__sink_data(mn__sink_t *s, const uint8_t *p, size_t n) {
  if (n > 0x7fffffffu) {
    mn__sink_fail(s, MN_ETOOBIG);
    return;
  }
  uint8_t len4[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                     (uint8_t)n};
  mn__sink_put(s, len4, 4);
  mn__sink_put(s, p, n);
}

void mn__sink_hash(mn__sink_t *s, const mn_data_t *d) {
  if (d->len > MN_HASH_MAX) {
    mn__sink_fail(s, MN_ETOOBIG);
    return;
  }
  mn__sink_data(s, d->data, d->len);
}

void mn__sink_entry(mn__sink_t *s, uint64_t v) {
  uint8_t be[9];
  mn__sink_int(s, 0);
  be[0] = 0;
  size_t n = mn__data_from_u64(v, be + 1);
  if (be[1] & 0x80)
    mn__sink_data(s, be, n + 1);
  else
    mn__sink_data(s, be + 1, n);
}

/* --------------------------------------------------------------------------
 * UTF-8 the way Java's decoder (CharsetDecoder with REPLACE, end of input)
 * reads it: each malformed sequence becomes one U+FFFD; the length of a
 * malformed sequence follows the JDK's rules, which differ from Unicode's
 * "maximal subpart" for surrogates (ED A0 80 is one replacement).
 * ------------------------------------------------------------------------ */

static bool cont(uint8_t b) {
  return (b & 0xc0) == 0x80;
}

/* Length of the next unit at in[0..n) and whether it is kept as is. */
static size_t utf8_unit(const uint8_t *in, size_t n, bool *ok) {
  uint8_t b1 = in[0];
  *ok = false;
  if (b1 < 0x80) {
    *ok = true;
    return 1;
  }
  if (b1 >= 0xc2 && b1 <= 0xdf) {
    if (n < 2)
      return n; /* truncated at the end: one replacement for the rest */
    if (!cont(in[1]))
      return 1;
    *ok = true;
    return 2;
  }
  if (b1 >= 0xe0 && b1 <= 0xef) {
    if (n < 3) {
      if (n > 1 && ((b1 == 0xe0 && (in[1] & 0xe0) == 0x80) || !cont(in[1])))
        return 1;
      return n;
    }
    uint8_t b2 = in[1], b3 = in[2];
    if ((b1 == 0xe0 && (b2 & 0xe0) == 0x80) || !cont(b2) || !cont(b3))
      return ((b1 == 0xe0 && (b2 & 0xe0) == 0x80) || !cont(b2)) ? 1 : 2;
    unsigned c = (unsigned)(b1 & 0x0f) << 12 | (unsigned)(b2 & 0x3f) << 6 |
                 (unsigned)(b3 & 0x3f);
    if (c >= 0xd800 && c <= 0xdfff)
      return 3;
    *ok = true;
    return 3;
  }
  if (b1 >= 0xf0 && b1 <= 0xf7) {
    if (n < 4) {
      if (b1 > 0xf4 ||
          (n > 1 && ((b1 == 0xf0 && (in[1] < 0x90 || in[1] > 0xbf)) ||
                     (b1 == 0xf4 && (in[1] & 0xf0) != 0x80) || !cont(in[1]))))
        return 1;
      if (n > 2 && !cont(in[2]))
        return 2;
      return n;
    }
    uint8_t b2 = in[1], b3 = in[2], b4 = in[3];
    unsigned uc = (unsigned)(b1 & 0x07) << 18 | (unsigned)(b2 & 0x3f) << 12 |
                  (unsigned)(b3 & 0x3f) << 6 | (unsigned)(b4 & 0x3f);
    if (!cont(b2) || !cont(b3) || !cont(b4) || uc < 0x10000 || uc > 0x10ffff) {
      if (b1 > 0xf4 || (b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) ||
          (b1 == 0xf4 && (b2 & 0xf0) != 0x80) || !cont(b2))
        return 1;
      return cont(b3) ? 3 : 2;
    }
    *ok = true;
    return 4;
  }
  return 1;
}

size_t mn__utf8_java(const uint8_t *in, size_t n, uint8_t *out, bool *same) {
  static const uint8_t repl[3] = {0xef, 0xbf, 0xbd};
  size_t i = 0, m = 0;
  bool all = true;
  while (i < n) {
    bool ok;
    size_t u = utf8_unit(in + i, n - i, &ok);
    if (ok) {
      if (out)
        memcpy(out + m, in + i, u);
      m += u;
    } else {
      if (out)
        memcpy(out + m, repl, 3);
      m += 3;
      all = false;
    }
    i += u;
  }
  if (same)
    *same = all;
  return m;
}
