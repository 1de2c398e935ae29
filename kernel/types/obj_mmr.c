/*
 * MMRData, MMRProof and MMREntry (spec/objects.md §7, mmr.md §1-5):
 * reading and writing, leaves, parents, proof folding and the bagging of
 * peaks into a root.
 */
#include <string.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

static const uint8_t NUM0[3] = {0x00, 0x01, 0x00};
static const uint8_t NUM1[3] = {0x00, 0x01, 0x01};

static void put_len4(mn_sha3_t *h, size_t n) {
  uint8_t b[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                  (uint8_t)n};
  mn__sha3_update(h, b, 4);
}

/* --------------------------------------------------------------------------
 * MMRData
 * ------------------------------------------------------------------------ */

static void read_mmrdata_into(mn__dec_t *d, mn_mmrdata_t *out) {
  size_t n;
  const uint8_t *p = mn_reader_data(&d->r, MN_HASH_MAX, &n);
  if (!p) {
    mn__dec_fail(d, MN_EFORMAT);
    return;
  }
  memcpy(out->hash, p, n);
  out->len = (uint32_t)n;
  mn__dec_num(d, &out->value);
}

static void write_mmrdata(mn__sink_t *s, const mn_mmrdata_t *x) {
  if (x->len > MN_HASH_MAX) {
    mn__sink_fail(s, MN_ETOOBIG);
    return;
  }
  mn__sink_data(s, x->hash, x->len);
  mn__sink_num(s, &x->value);
}

void mn__read_mmrdata(mn__dec_t *d, mn_mmrdata_t *out) {
  read_mmrdata_into(d, out);
}

void mn__write_mmrdata(mn__sink_t *s, const mn_mmrdata_t *x) {
  write_mmrdata(s, x);
}

int mn__copy_mmrdata(mn__arena_t *a, mn_mmrdata_t *dst,
                     const mn_mmrdata_t *src) {
  (void)a;
  *dst = *src;
  return 0;
}

int mn__init_mmrdata(mn__arena_t *a, mn_mmrdata_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  return 0;
}

/* --------------------------------------------------------------------------
 * Leaves and parents
 * ------------------------------------------------------------------------ */

static int value_bytes(const mn_num_t *v, uint8_t enc[MN_NUM_MAX_ENCODED],
                       size_t *n) {
  int k = mn__num_encode(v, enc, MN_NUM_MAX_ENCODED);
  if (k < 0)
    return MN_EINVAL;
  *n = (size_t)k;
  return 0;
}

int mn__obj_mmr_leaf(const void *x, size_t len, const mn_num_t *value,
                     mn_mmrdata_t *out) {
  uint8_t enc[MN_NUM_MAX_ENCODED];
  size_t en;
  if (!value || !out || (len && !x))
    return MN_EINVAL;
  int rc = value_bytes(value, enc, &en);
  if (rc)
    return rc;
  mn_sha3_t h;
  mn__sha3_init(&h);
  mn__sha3_update(&h, NUM0, 3);
  mn__sha3_update(&h, x, len);
  mn__sha3_update(&h, enc, en);
  mn_num_t v = *value;
  mn__sha3_final(&h, out->hash);
  out->len = 32;
  out->reserved = 0;
  out->value = v;
  return 0;
}

int mn__obj_coin_leaf(const mn_coin_t *c, bool spent, mn_mmrdata_t *out) {
  mn_coin_t tmp = *c;
  const mn_num_t *value = &c->amount;
  if (spent) {
    tmp.spent = 1;
    value = &mn__num_zero;
  }
  uint8_t enc[MN_NUM_MAX_ENCODED];
  size_t en;
  int rc = value_bytes(value, enc, &en);
  if (rc)
    return rc;
  mn_num_t v = *value;
  mn_sha3_t h;
  mn__sink_t s;
  mn__sha3_init(&h);
  mn__sink_init(&s, NULL, &h);
  mn__sink_put(&s, NUM0, 3);
  mn__write_coin(&s, &tmp);
  mn__sink_put(&s, enc, en);
  rc = mn__sink_end(&s);
  if (rc)
    return rc;
  mn__sha3_final(&h, out->hash);
  out->len = 32;
  out->reserved = 0;
  out->value = v;
  return 0;
}

/* Absorbs the MiniString bytes Java would write for s (its UTF-8 decoding
 * re-encoded), length first. */
static void absorb_java_string(mn_sha3_t *h, const uint8_t *s, size_t n) {
  bool same;
  size_t m = mn__utf8_java(s, n, NULL, &same);
  put_len4(h, m);
  if (same) {
    mn__sha3_update(h, s, n);
    return;
  }
  /* Rare: normalise in slices cut where a unit starts.  A byte that is
   * not a continuation byte always starts a unit, and so does a
   * continuation byte preceded by three more (no unit is longer than
   * four bytes). */
  uint8_t tmp[3 * 256];
  size_t i = 0;
  while (i < n) {
    size_t take = n - i < 256 ? n - i : 256;
    if (i + take < n) {
      size_t q = take;
      for (int back = 0; back < 4 && q > 0; back++, q--)
        if ((s[i + q] & 0xc0) != 0x80)
          break;
      if (q > 0 && (s[i + q] & 0xc0) != 0x80)
        take = q;
    }
    size_t w = mn__utf8_java(s + i, take, tmp, NULL);
    mn__sha3_update(h, tmp, w);
    i += take;
  }
}

void mn__mmr_leaf_string(const uint8_t *s, size_t len, mn_mmrdata_t *out) {
  mn_sha3_t h;
  mn__sha3_init(&h);
  mn__sha3_update(&h, NUM0, 3);
  absorb_java_string(&h, s, len);
  mn__sha3_update(&h, NUM0, 3);
  mn__sha3_final(&h, out->hash);
  out->len = 32;
  out->reserved = 0;
  out->value = mn__num_zero;
}

void mn__obj_script_address(const char *script, size_t len, uint8_t out[32]) {
  mn_mmrdata_t d;
  mn__mmr_leaf_string((const uint8_t *)script, len, &d);
  memcpy(out, d.hash, 32);
}

void mn__mmr_parent_hash(const mn_mmrdata_t *l, const mn_mmrdata_t *r,
                         const mn_num_t *sum, uint8_t out[32]) {
  uint8_t enc[MN_NUM_MAX_ENCODED];
  int en = mn__num_encode(sum, enc, sizeof enc);
  mn_sha3_t h;
  mn__sha3_init(&h);
  mn__sha3_update(&h, NUM1, 3);
  put_len4(&h, l->len);
  mn__sha3_update(&h, l->hash, l->len);
  put_len4(&h, r->len);
  mn__sha3_update(&h, r->hash, r->len);
  mn__sha3_update(&h, enc, en > 0 ? (size_t)en : 0);
  mn__sha3_final(&h, out);
}

int mn__obj_mmr_parent(const mn_mmrdata_t *l, const mn_mmrdata_t *r,
                       mn_mmrdata_t *out) {
  mn_num_t sum;
  if (l->len > MN_HASH_MAX || r->len > MN_HASH_MAX)
    return MN_EINVAL;
  int rc = mn__num_add(&sum, &l->value, &r->value);
  if (rc)
    return rc;
  uint8_t h[32];
  mn__mmr_parent_hash(l, r, &sum, h);
  memcpy(out->hash, h, 32);
  out->len = 32;
  out->reserved = 0;
  out->value = sum;
  return 0;
}

int mn__mmr_fold(const mn_mmrchunk_t *ch, uint32_t n, mn_mmrdata_t *cur) {
  for (uint32_t i = 0; i < n; i++) {
    int rc = ch[i].left ? mn__obj_mmr_parent(&ch[i].data, cur, cur)
                        : mn__obj_mmr_parent(cur, &ch[i].data, cur);
    if (rc)
      return rc;
  }
  return 0;
}

int mn__obj_mmr_fold(const mn_mmrproof_t *p, const mn_mmrdata_t *leaf,
                     mn_mmrdata_t *root) {
  mn_mmrdata_t cur = *leaf;
  int rc = mn__mmr_fold(p->chunks, p->n_chunks, &cur);
  if (rc)
    return rc;
  *root = cur;
  return 0;
}

bool mn__obj_mmr_equal(const mn_mmrdata_t *a, const mn_mmrdata_t *b) {
  return a->len == b->len && a->len <= MN_HASH_MAX &&
         memcmp(a->hash, b->hash, a->len) == 0 &&
         mn__num_cmp(&a->value, &b->value) == 0;
}

/* Peaks of an MMR built from m leaves given as-is: the append rule joins a
 * right child with its left sibling, which on a stack of (row, node) is
 * "merge the top two while their rows are equal".  In place: p[0..*m)
 * becomes the peaks, highest row first. */
static int bag_once(mn_mmrdata_t *p, size_t *m) {
  uint8_t rows[64];
  size_t top = 0;
  for (size_t i = 0; i < *m; i++) {
    p[top] = p[i];
    rows[top] = 0;
    top++;
    while (top >= 2 && rows[top - 1] == rows[top - 2]) {
      int rc = mn__obj_mmr_parent(&p[top - 2], &p[top - 1], &p[top - 2]);
      if (rc)
        return rc;
      rows[top - 2]++;
      top--;
    }
  }
  *m = top;
  return 0;
}

int mn__obj_mmr_bag(const mn_mmrdata_t *peaks, size_t n, mn_mmrdata_t *root) {
  if (n == 0 || !peaks || !root)
    return MN_EINVAL;
  /* The first pass appends the peaks as leaves; its stack never holds
   * more than log2(n) + 1 nodes.  Later passes work in place. */
  mn_mmrdata_t work[64];
  size_t m = 0;
  uint8_t rows[64];
  for (size_t i = 0; i < n; i++) {
    work[m] = peaks[i];
    rows[m] = 0;
    m++;
    while (m >= 2 && rows[m - 1] == rows[m - 2]) {
      int rc = mn__obj_mmr_parent(&work[m - 2], &work[m - 1], &work[m - 2]);
      if (rc)
        return rc;
      rows[m - 2]++;
      m--;
    }
  }
  while (m > 1) {
    int rc = bag_once(work, &m);
    if (rc)
      return rc;
  }
  *root = work[0];
  return 0;
}

/* --------------------------------------------------------------------------
 * MMRProof
 * ------------------------------------------------------------------------ */

void mn__read_mmrproof(mn__dec_t *d, mn_mmrproof_t *out) {
  mn__dec_num(d, &out->blocktime);
  out->n_chunks = mn__dec_count(d, MN__MIN_CHUNK);
  out->cap_chunks = out->n_chunks;
  out->chunks = mn__dec_array(d, out->n_chunks, sizeof *out->chunks);
  for (uint32_t i = 0; i < out->n_chunks && mn__dec_ok(d); i++) {
    out->chunks[i].left = mn__dec_u8(d);
    read_mmrdata_into(d, &out->chunks[i].data);
  }
  if (!mn__dec_ok(d)) {
    out->n_chunks = out->cap_chunks = 0;
    out->chunks = NULL;
  }
}

void mn__write_mmrproof(mn__sink_t *s, const mn_mmrproof_t *x) {
  mn__sink_num(s, &x->blocktime);
  mn__sink_int(s, x->n_chunks);
  for (uint32_t i = 0; i < x->n_chunks && !s->err; i++) {
    mn__sink_u8(s, x->chunks[i].left);
    write_mmrdata(s, &x->chunks[i].data);
  }
}

int mn__copy_mmrproof(mn__arena_t *a, mn_mmrproof_t *dst,
                      const mn_mmrproof_t *src) {
  mn_mmrproof_t p = *src;
  p.chunks = NULL;
  p.cap_chunks = p.n_chunks;
  if (p.n_chunks) {
    p.chunks = mn__arena_alloc(a, (size_t)p.n_chunks * sizeof *p.chunks);
    if (!p.chunks)
      return MN_ENOMEM;
    memcpy(p.chunks, src->chunks, (size_t)p.n_chunks * sizeof *p.chunks);
  }
  *dst = p;
  return 0;
}

int mn__init_mmrproof(mn__arena_t *a, mn_mmrproof_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  return 0;
}

/* --------------------------------------------------------------------------
 * MMREntry
 * ------------------------------------------------------------------------ */

void mn__read_mmrentry(mn__dec_t *d, mn_mmrentry_t *out) {
  mn_num_t row;
  int64_t r;
  mn__dec_num(d, &row);
  if (!mn__dec_ok(d))
    return;
  /* Rows are 0..255 in any MMR the reference can build (MAXROWS). */
  if (!mn__num_is_whole(&row) || mn__num_to_i64(&row, &r) || r < 0 || r > 255) {
    mn__dec_fail(d, MN_EFORMAT);
    return;
  }
  out->row = (int32_t)r;
  out->entry = mn__dec_entry(d);
  read_mmrdata_into(d, &out->data);
}

void mn__write_mmrentry(mn__sink_t *s, const mn_mmrentry_t *x) {
  mn__sink_int(s, x->row);
  mn__sink_entry(s, x->entry);
  write_mmrdata(s, &x->data);
}

int mn__copy_mmrentry(mn__arena_t *a, mn_mmrentry_t *dst,
                      const mn_mmrentry_t *src) {
  (void)a;
  *dst = *src;
  return 0;
}

int mn__init_mmrentry(mn__arena_t *a, mn_mmrentry_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  return 0;
}
