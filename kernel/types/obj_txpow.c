/*
 * Magic, TxHeader, TxBody, TxPoW, TxBlock, cascade nodes, the cascade and
 * the IBD container (spec/objects.md §9-13, consensus.md §2-3 and §6,
 * cascade.md §2 and §4-5, p2p.md §2); derived TxPoW values and mining.
 */
#include <string.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/bigint.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

static const uint8_t k_max_hash[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* floor((2^256 - 1) / 10000): the easiest TxPoW work, 31 bytes. */
static const uint8_t k_min_work[31] = {
    0x06, 0x8d, 0xb8, 0xba, 0xc7, 0x10, 0xcb, 0x29, 0x5e, 0x9e, 0x1b,
    0x08, 0x9a, 0x02, 0x75, 0x25, 0x46, 0x0a, 0xa6, 0x4c, 0x2f, 0x83,
    0x7b, 0x4a, 0x23, 0x39, 0xc0, 0xeb, 0xed, 0xfa, 0x43};

const mn_data_t mn__data_max_hash = {k_max_hash, 32};
const mn_data_t mn__data_min_work = {k_min_work, 31};

/* --------------------------------------------------------------------------
 * Magic
 * ------------------------------------------------------------------------ */

void mn__read_magic(mn__dec_t *d, mn_magic_t *out) {
  mn__dec_num(d, &out->max_txpow_size);
  mn__dec_num(d, &out->max_kissvm_ops);
  mn__dec_num(d, &out->max_txns);
  out->min_txpow_work = mn__dec_data(d, MN_MINIDATA_MAX);
  mn__dec_num(d, &out->desired_max_txpow_size);
  mn__dec_num(d, &out->desired_max_kissvm_ops);
  mn__dec_num(d, &out->desired_max_txns);
  out->desired_min_txpow_work = mn__dec_data(d, MN_MINIDATA_MAX);
}

void mn__write_magic(mn__sink_t *s, const mn_magic_t *x) {
  mn__sink_num(s, &x->max_txpow_size);
  mn__sink_num(s, &x->max_kissvm_ops);
  mn__sink_num(s, &x->max_txns);
  mn__sink_d(s, &x->min_txpow_work);
  mn__sink_num(s, &x->desired_max_txpow_size);
  mn__sink_num(s, &x->desired_max_kissvm_ops);
  mn__sink_num(s, &x->desired_max_txns);
  mn__sink_d(s, &x->desired_min_txpow_work);
}

int mn__copy_magic(mn__arena_t *a, mn_magic_t *dst, const mn_magic_t *src) {
  mn_magic_t m = *src;
  if (mn__copy_data(a, &m.min_txpow_work, &src->min_txpow_work) ||
      mn__copy_data(a, &m.desired_min_txpow_work, &src->desired_min_txpow_work))
    return MN_ENOMEM;
  *dst = m;
  return 0;
}

void mn__obj_magic_default(mn_magic_t *m) {
  memset(m, 0, sizeof *m);
  mn__num_from_u64(&m->max_txpow_size, 65536);
  mn__num_from_u64(&m->max_kissvm_ops, 1024);
  mn__num_from_u64(&m->max_txns, 256);
  m->min_txpow_work = mn__data_min_work;
  m->desired_max_txpow_size = m->max_txpow_size;
  m->desired_max_kissvm_ops = m->max_kissvm_ops;
  m->desired_max_txns = m->max_txns;
  m->desired_min_txpow_work = mn__data_min_work;
}

int mn__init_magic(mn__arena_t *a, mn_magic_t *x) {
  (void)a;
  mn__obj_magic_default(x);
  return 0;
}

/* One of the three numeric values of calculateNewCurrent. */
static int next_num(const mn_num_t *cur, const mn_num_t *desired,
                    uint64_t hardmin, mn_num_t *out) {
  mn_num_t two, lo, hi, d = *desired, floor, w16383, w16384, t;
  mn__num_from_u64(&two, 2);
  mn__num_from_u64(&floor, hardmin);
  mn__num_from_u64(&w16383, 16383);
  mn__num_from_u64(&w16384, 16384);
  int rc = mn__num_div(&lo, cur, &two);
  if (!rc)
    rc = mn__num_mul(&hi, cur, &two);
  if (rc)
    return rc;
  if (mn__num_cmp(&d, &lo) < 0)
    d = lo;
  else if (mn__num_cmp(&d, &hi) > 0)
    d = hi;
  if (mn__num_cmp(&d, &floor) < 0)
    d = floor;
  rc = mn__num_mul(&t, cur, &w16383);
  if (!rc)
    rc = mn__num_add(&t, &t, &d);
  if (!rc)
    rc = mn__num_div(&t, &t, &w16384);
  if (!rc)
    *out = t;
  return rc;
}

#define WL 10 /* limbs for the work arithmetic: 640 bits */

/* Significant bytes of a big-endian string. */
static size_t sig_bytes(const uint8_t *p, size_t n) {
  while (n > 0 && p[0] == 0) {
    p++;
    n--;
  }
  return n;
}

int mn__obj_magic_next(const mn_magic_t *parent, mn_magic_t *out,
                       uint8_t work[64]) {
  mn_magic_t m;
  mn__obj_magic_default(&m);
  int rc = next_num(&parent->max_txpow_size, &parent->desired_max_txpow_size,
                    65536, &m.max_txpow_size);
  if (!rc)
    rc = next_num(&parent->max_kissvm_ops, &parent->desired_max_kissvm_ops,
                  1024, &m.max_kissvm_ops);
  if (!rc)
    rc = next_num(&parent->max_txns, &parent->desired_max_txns, 256,
                  &m.max_txns);
  if (rc)
    return rc;

  /* Work, with BigInteger arithmetic on the unsigned values. */
  const mn_data_t *ow = &parent->min_txpow_work;
  const mn_data_t *dw = &parent->desired_min_txpow_work;
  uint64_t old[WL], lo[WL], hi[WL], d[WL], cap[WL], t[WL];
  if (sig_bytes(ow->data, ow->len) > 64)
    return MN_EOVERFLOW;
  mn__bn_from_be(old, WL, ow->data, ow->len);
  mn__bn_shr(lo, old, WL, 1);
  mn__bn_shl(hi, old, WL, 1);
  if (mn__bn_from_be(d, WL, dw->data, dw->len) != 0) {
    memcpy(d, hi, sizeof d); /* beyond 640 bits: above the upper clamp */
  } else if (mn__bn_cmp(d, lo, WL) < 0) {
    memcpy(d, lo, sizeof d);
  } else if (mn__bn_cmp(d, hi, WL) > 0) {
    memcpy(d, hi, sizeof d);
  }
  mn__bn_from_be(cap, WL, k_min_work, sizeof k_min_work);
  if (mn__bn_cmp(d, cap, WL) > 0)
    memcpy(d, cap, sizeof d);
  mn__bn_mul_u64(t, old, WL, 16383);
  mn__bn_add(t, t, d, WL);
  mn__bn_shr(t, t, WL, 14); /* ÷ 16384 */
  uint8_t be[WL * 8];
  size_t n = mn__bn_to_be(t, WL, be);
  if (n > 64)
    return MN_EOVERFLOW; /* cannot happen for old < 2^512 */
  memcpy(work, be, n);
  m.min_txpow_work.data = work;
  m.min_txpow_work.len = n;
  *out = m;
  return 0;
}

bool mn__obj_magic_same(const mn_magic_t *a, const mn_magic_t *b) {
  return mn__num_cmp(&a->max_txpow_size, &b->max_txpow_size) == 0 &&
         mn__num_cmp(&a->max_kissvm_ops, &b->max_kissvm_ops) == 0 &&
         mn__num_cmp(&a->max_txns, &b->max_txns) == 0 &&
         a->min_txpow_work.len == b->min_txpow_work.len &&
         (a->min_txpow_work.len == 0 ||
          memcmp(a->min_txpow_work.data, b->min_txpow_work.data,
                 a->min_txpow_work.len) == 0);
}

/* --------------------------------------------------------------------------
 * TxHeader
 * ------------------------------------------------------------------------ */

void mn__read_txheader(mn__dec_t *d, mn_txheader_t *out) {
  mn__dec_num(d, &out->nonce);
  out->chainid = mn__dec_data(d, MN_MINIDATA_MAX);
  mn__dec_num(d, &out->timemilli);
  mn__dec_num(d, &out->blocknumber);
  out->blockdifficulty = mn__dec_data(d, MN_MINIDATA_MAX);
  /* Run-length list: (count, hash) pairs until 32 slots are filled; a
   * count beyond the slots left makes the reference fail. */
  unsigned tot = 0;
  while (tot < MN_CASCADE_LEVELS && mn__dec_ok(d)) {
    unsigned cnt = mn__dec_u8(d);
    mn_data_t sp = mn__dec_data(d, MN_HASH_MAX);
    if (!mn__dec_ok(d))
      break;
    if (cnt > MN_CASCADE_LEVELS - tot) {
      mn__dec_fail(d, MN_EFORMAT);
      break;
    }
    for (unsigned i = 0; i < cnt; i++)
      out->superparents[tot++] = sp;
  }
  out->mmrroot = mn__dec_data(d, MN_HASH_MAX);
  mn__dec_num(d, &out->mmrtotal);
  mn__read_magic(d, &out->magic);
  out->customhash = mn__dec_data(d, MN_HASH_MAX);
  out->bodyhash = mn__dec_data(d, MN_HASH_MAX);
}

static bool data_eq(const mn_data_t *a, const mn_data_t *b) {
  return a->len == b->len && (a->len == 0 || a->data == b->data ||
                              memcmp(a->data, b->data, a->len) == 0);
}

void mn__write_txheader(mn__sink_t *s, const mn_txheader_t *x) {
  mn__sink_num(s, &x->nonce);
  mn__sink_d(s, &x->chainid);
  mn__sink_num(s, &x->timemilli);
  mn__sink_num(s, &x->blocknumber);
  mn__sink_d(s, &x->blockdifficulty);
  unsigned start = 0;
  for (unsigned i = 1; i <= MN_CASCADE_LEVELS; i++) {
    if (i < MN_CASCADE_LEVELS &&
        data_eq(&x->superparents[i], &x->superparents[start]))
      continue;
    mn__sink_u8(s, (uint8_t)(i - start));
    mn__sink_hash(s, &x->superparents[start]);
    start = i;
  }
  mn__sink_hash(s, &x->mmrroot);
  mn__sink_num(s, &x->mmrtotal);
  mn__write_magic(s, &x->magic);
  mn__sink_hash(s, &x->customhash);
  mn__sink_hash(s, &x->bodyhash);
}

int mn__copy_txheader(mn__arena_t *a, mn_txheader_t *dst,
                      const mn_txheader_t *src) {
  mn_txheader_t h = *src;
  if (mn__copy_data(a, &h.chainid, &src->chainid) ||
      mn__copy_data(a, &h.blockdifficulty, &src->blockdifficulty) ||
      mn__copy_data(a, &h.mmrroot, &src->mmrroot) ||
      mn__copy_data(a, &h.customhash, &src->customhash) ||
      mn__copy_data(a, &h.bodyhash, &src->bodyhash) ||
      mn__copy_magic(a, &h.magic, &src->magic))
    return MN_ENOMEM;
  for (unsigned i = 0; i < MN_CASCADE_LEVELS; i++) {
    if (i > 0 && data_eq(&src->superparents[i], &src->superparents[i - 1])) {
      h.superparents[i] = h.superparents[i - 1];
      continue;
    }
    if (mn__copy_data(a, &h.superparents[i], &src->superparents[i]))
      return MN_ENOMEM;
  }
  *dst = h;
  return 0;
}

int mn__init_txheader(mn__arena_t *a, mn_txheader_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->chainid = mn__data_zero;
  x->blockdifficulty = mn__data_max_hash;
  for (unsigned i = 0; i < MN_CASCADE_LEVELS; i++)
    x->superparents[i] = mn__data_empty;
  x->mmrroot = mn__data_zero;
  mn__obj_magic_default(&x->magic);
  x->customhash = mn__data_zero;
  x->bodyhash = mn__data_zero;
  return 0;
}

/* --------------------------------------------------------------------------
 * TxBody
 * ------------------------------------------------------------------------ */

void mn__read_txbody(mn__dec_t *d, mn_txbody_t *out) {
  out->prng = mn__dec_data(d, MN_HASH_MAX);
  out->txndifficulty = mn__dec_data(d, MN_MINIDATA_MAX);
  mn__read_transaction(d, &out->txn);
  mn__read_witness(d, &out->witness);
  mn__read_transaction(d, &out->burntxn);
  mn__read_witness(d, &out->burnwitness);
  out->n_txpowlist = mn__dec_count(d, MN__MIN_HASH);
  out->txpowlist = mn__dec_array(d, out->n_txpowlist, sizeof *out->txpowlist);
  for (uint32_t i = 0; i < out->n_txpowlist && mn__dec_ok(d); i++)
    out->txpowlist[i] = mn__dec_data(d, MN_HASH_MAX);
  if (!mn__dec_ok(d)) {
    out->n_txpowlist = 0;
    out->txpowlist = NULL;
  }
  out->cap_txpowlist = out->n_txpowlist;
}

void mn__write_txbody(mn__sink_t *s, const mn_txbody_t *x) {
  mn__sink_hash(s, &x->prng);
  mn__sink_d(s, &x->txndifficulty);
  mn__write_transaction(s, &x->txn);
  mn__write_witness(s, &x->witness);
  mn__write_transaction(s, &x->burntxn);
  mn__write_witness(s, &x->burnwitness);
  mn__sink_int(s, x->n_txpowlist);
  for (uint32_t i = 0; i < x->n_txpowlist && !s->err; i++)
    mn__sink_hash(s, &x->txpowlist[i]);
}

int mn__copy_txbody(mn__arena_t *a, mn_txbody_t *dst, const mn_txbody_t *src) {
  mn_txbody_t b = *src;
  if (mn__copy_data(a, &b.prng, &src->prng) ||
      mn__copy_data(a, &b.txndifficulty, &src->txndifficulty) ||
      mn__copy_transaction(a, &b.txn, &src->txn) ||
      mn__copy_witness(a, &b.witness, &src->witness) ||
      mn__copy_transaction(a, &b.burntxn, &src->burntxn) ||
      mn__copy_witness(a, &b.burnwitness, &src->burnwitness))
    return MN_ENOMEM;
  b.txpowlist = NULL;
  b.cap_txpowlist = b.n_txpowlist;
  if (b.n_txpowlist) {
    b.txpowlist = mn__arena_alloc(a, (size_t)b.n_txpowlist * sizeof(mn_data_t));
    if (!b.txpowlist)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < b.n_txpowlist; i++)
      if (mn__copy_data(a, &b.txpowlist[i], &src->txpowlist[i]))
        return MN_ENOMEM;
  }
  *dst = b;
  return 0;
}

int mn__init_txbody(mn__arena_t *a, mn_txbody_t *x) {
  memset(x, 0, sizeof *x);
  uint8_t r[32];
  if (mn__random(r, sizeof r))
    return MN_EIO;
  const uint8_t *p = mn__arena_dup(a, r, sizeof r);
  if (!p)
    return MN_ENOMEM;
  x->prng.data = p;
  x->prng.len = 32;
  x->txndifficulty = mn__data_max_hash;
  mn__init_transaction(a, &x->txn);
  mn__init_witness(a, &x->witness);
  mn__init_transaction(a, &x->burntxn);
  mn__init_witness(a, &x->burnwitness);
  return 0;
}

/* --------------------------------------------------------------------------
 * TxPoW
 * ------------------------------------------------------------------------ */

void mn__read_txpow(mn__dec_t *d, mn_txpow_t *out) {
  mn__read_txheader(d, &out->header);
  out->body = NULL;
  if (mn__dec_bool(d) && mn__dec_ok(d)) {
    out->body = mn__dec_array(d, 1, sizeof *out->body);
    if (out->body)
      mn__read_txbody(d, out->body);
  }
  if (!mn__dec_ok(d)) {
    out->body = NULL;
    return;
  }
  int rc = mn__obj_txpow_compute(out);
  if (rc)
    mn__dec_fail(d, rc == MN_ENOMEM ? rc : MN_EFORMAT);
}

void mn__write_txpow(mn__sink_t *s, const mn_txpow_t *x) {
  mn__write_txheader(s, &x->header);
  mn__sink_u8(s, x->body ? 1 : 0);
  if (x->body)
    mn__write_txbody(s, x->body);
}

int mn__copy_txpow(mn__arena_t *a, mn_txpow_t *dst, const mn_txpow_t *src) {
  mn_txpow_t t = *src;
  if (mn__copy_txheader(a, &t.header, &src->header))
    return MN_ENOMEM;
  if (src->body) {
    t.body = mn__arena_alloc(a, sizeof *t.body);
    if (!t.body || mn__copy_txbody(a, t.body, src->body))
      return MN_ENOMEM;
  }
  *dst = t;
  return 0;
}

int mn__init_txpow(mn__arena_t *a, mn_txpow_t *x) {
  memset(x, 0, sizeof *x);
  mn__init_txheader(a, &x->header);
  x->body = mn__arena_alloc(a, sizeof *x->body);
  if (!x->body)
    return MN_ENOMEM;
  int rc = mn__init_txbody(a, x->body);
  if (rc)
    return rc;
  return mn__obj_txpow_compute(x);
}

/* Number of significant bits of a big-endian string. */
static size_t bitlen_be(const uint8_t *p, size_t n) {
  while (n > 0 && p[0] == 0) {
    p++;
    n--;
  }
  if (n == 0)
    return 0;
  unsigned top = 0;
  for (uint8_t b = p[0]; b; b >>= 1)
    top++;
  return (n - 1) * 8 + top;
}

/* Bit i (0 = most significant of the bl significant bits). */
static unsigned bit_at(const uint8_t *p, size_t n, size_t bl, size_t i) {
  size_t pos = bl - 1 - i; /* position from the least significant end */
  size_t byte = n - 1 - pos / 8;
  return (p[byte] >> (pos % 8)) & 1u;
}

int mn__obj_superlevel(const uint8_t *diff, size_t dlen, const uint8_t *id,
                       size_t idlen, int *level) {
  size_t bd = bitlen_be(diff, dlen), bi = bitlen_be(id, idlen);
  if (bi == 0)
    return MN_EDIVZERO;
  if (bd < bi) {
    *level = -1;
    return 0;
  }
  /* q = floor(diff / id) has s + 1 bits when diff >= id << s, else s,
   * where s = bd - bi; diff and id << s then have the same length, so
   * compare them bit by bit from the top. */
  size_t s = bd - bi;
  int c = 0;
  for (size_t i = 0; i < bi && c == 0; i++) {
    unsigned a = bit_at(diff, dlen, bd, i), b = bit_at(id, idlen, bi, i);
    c = (int)a - (int)b;
  }
  /* Equal top bits: the low s bits of diff are >= 0, so diff >= id << s
   * (c == 0 counts as >=). */
  long lv = c >= 0 ? (long)s : (long)s - 1;
  if (lv < 0) {
    *level = -1; /* diff < id: only when s == 0 */
    return 0;
  }
  *level = lv > MN_SUPERLEVEL_MAX ? MN_SUPERLEVEL_MAX : (int)lv;
  return 0;
}

int mn__obj_txpow_compute(mn_txpow_t *t) {
  const mn_txheader_t *h = &t->header;
  int rc = mn__obj_hash(MN_OBJ_TXHEADER, h, t->txpowid);
  if (rc)
    return rc;
  const mn_data_t *diff = &h->blockdifficulty;
  t->is_block = mn__data_cmp_value(t->txpowid, 32, diff->data, diff->len) < 0;
  memset(&t->weight, 0, sizeof t->weight);
  if (t->is_block && mn__obj_weight_of(diff->data, diff->len, &t->weight) != 0)
    memset(&t->weight, 0, sizeof t->weight); /* 2^512 or more: see header */
  int lv;
  rc = mn__obj_superlevel(diff->data, diff->len, t->txpowid, 32, &lv);
  if (rc)
    return rc;
  t->superlevel = lv;
  memset(t->txnid, 0, 32);
  memset(t->burntxnid, 0, 32);
  t->txn_pow = false;
  if (t->body) {
    rc = mn__obj_hash(MN_OBJ_TRANSACTION, &t->body->txn, t->txnid);
    if (!rc)
      rc = mn__obj_hash(MN_OBJ_TRANSACTION, &t->body->burntxn, t->burntxnid);
    if (rc)
      return rc;
    const mn_data_t *td = &t->body->txndifficulty;
    t->txn_pow = mn__data_cmp_value(t->txpowid, 32, td->data, td->len) < 0 &&
                 !mn_transaction_is_empty(&t->body->txn);
  }
  size_t n;
  rc = mn__obj_measure(MN_OBJ_TXPOW, t, &n);
  if (rc)
    return rc;
  t->size = n;
  return 0;
}

int mn__obj_txpow_set_bodyhash(void *owner, mn_txpow_t *t) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !t)
    return MN_EINVAL;
  if (!t->body)
    return MN_ESTATE;
  uint8_t h[32];
  int rc = mn__obj_hash(MN_OBJ_TXBODY, t->body, h);
  if (rc)
    return rc;
  const uint8_t *p = mn__arena_dup(a, h, 32);
  if (!p)
    return MN_ENOMEM;
  t->header.bodyhash.data = p;
  t->header.bodyhash.len = 32;
  return 0;
}

int mn__obj_txpow_burn(const mn_txpow_t *t, mn_num_t *out) {
  if (!t->body) {
    *out = mn__num_zero;
    return 0;
  }
  mn_num_t a, b;
  int rc = mn__obj_txn_burn(&t->body->txn, &a);
  if (!rc)
    rc = mn__obj_txn_burn(&t->body->burntxn, &b);
  if (!rc)
    rc = mn__num_add(out, &a, &b);
  return rc;
}

/* --------------------------------------------------------------------------
 * Mining
 * ------------------------------------------------------------------------ */

int mn__obj_mine_prepare(mn_txpow_t *t, mn_buf_t *hdr) {
  mn_num_t nonce;
  int rc = mn__num_parse_cstr(&nonce, MN_MINE_NONCE);
  if (rc)
    return rc;
  t->header.nonce = nonce;
  return mn__obj_encode(MN_OBJ_TXHEADER, &t->header, hdr);
}

void mn__obj_mine_counter(uint8_t *hdr, size_t len, uint64_t counter) {
  uint8_t be[9];
  be[0] = 0;
  for (int i = 0; i < 8; i++)
    be[1 + i] = (uint8_t)(counter >> (56 - 8 * i));
  /* BigInteger.toByteArray: the fewest bytes with a clear sign bit. */
  int start = 0;
  while (start < 8 && be[start] == 0 && !(be[start + 1] & 0x80))
    start++;
  size_t n = (size_t)(9 - start);
  if (len < MN_MINE_OFFSET || len - MN_MINE_OFFSET < n)
    return;
  memcpy(hdr + MN_MINE_OFFSET, be + start, n);
}

int mn__obj_mine_finish(mn_txpow_t *t, const uint8_t *hdr, size_t len) {
  mn_num_t nonce;
  size_t used;
  if (mn__num_decode(&nonce, hdr, len, &used))
    return MN_EFORMAT;
  t->header.nonce = nonce;
  return mn__obj_txpow_compute(t);
}

/* --------------------------------------------------------------------------
 * TxBlock
 * ------------------------------------------------------------------------ */

void mn__read_txblock(mn__dec_t *d, mn_txblock_t *out) {
  mn__read_txpow(d, &out->txpow);
  out->n_peaks = mn__dec_count(d, MN__MIN_MMRENTRY);
  out->peaks = mn__dec_array(d, out->n_peaks, sizeof *out->peaks);
  for (uint32_t i = 0; i < out->n_peaks && mn__dec_ok(d); i++)
    mn__read_mmrentry(d, &out->peaks[i]);
  out->n_spent = mn__dec_count(d, MN__MIN_COINPROOF);
  out->spent = mn__dec_array(d, out->n_spent, sizeof *out->spent);
  for (uint32_t i = 0; i < out->n_spent && mn__dec_ok(d); i++)
    mn__read_coinproof(d, &out->spent[i]);
  out->n_newcoins = mn__dec_count(d, MN__MIN_COIN);
  out->newcoins = mn__dec_array(d, out->n_newcoins, sizeof *out->newcoins);
  for (uint32_t i = 0; i < out->n_newcoins && mn__dec_ok(d); i++)
    mn__read_coin(d, &out->newcoins[i]);
  if (!mn__dec_ok(d)) {
    out->n_peaks = out->n_spent = out->n_newcoins = 0;
    out->peaks = NULL;
    out->spent = NULL;
    out->newcoins = NULL;
  }
  out->cap_peaks = out->n_peaks;
  out->cap_spent = out->n_spent;
  out->cap_newcoins = out->n_newcoins;
}

void mn__write_txblock(mn__sink_t *s, const mn_txblock_t *x) {
  mn__write_txpow(s, &x->txpow);
  mn__sink_int(s, x->n_peaks);
  for (uint32_t i = 0; i < x->n_peaks && !s->err; i++)
    mn__write_mmrentry(s, &x->peaks[i]);
  mn__sink_int(s, x->n_spent);
  for (uint32_t i = 0; i < x->n_spent && !s->err; i++)
    mn__write_coinproof(s, &x->spent[i]);
  mn__sink_int(s, x->n_newcoins);
  for (uint32_t i = 0; i < x->n_newcoins && !s->err; i++)
    mn__write_coin(s, &x->newcoins[i]);
}

int mn__copy_txblock(mn__arena_t *a, mn_txblock_t *dst,
                     const mn_txblock_t *src) {
  mn_txblock_t b = *src;
  if (mn__copy_txpow(a, &b.txpow, &src->txpow))
    return MN_ENOMEM;
  b.cap_peaks = b.n_peaks;
  b.cap_spent = b.n_spent;
  b.cap_newcoins = b.n_newcoins;
  b.peaks = NULL;
  b.spent = NULL;
  b.newcoins = NULL;
  if (b.n_peaks) {
    b.peaks = mn__arena_alloc(a, (size_t)b.n_peaks * sizeof *b.peaks);
    if (!b.peaks)
      return MN_ENOMEM;
    memcpy(b.peaks, src->peaks, (size_t)b.n_peaks * sizeof *b.peaks);
  }
  if (b.n_spent) {
    b.spent = mn__arena_alloc(a, (size_t)b.n_spent * sizeof *b.spent);
    if (!b.spent)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < b.n_spent; i++)
      if (mn__copy_coinproof(a, &b.spent[i], &src->spent[i]))
        return MN_ENOMEM;
  }
  if (b.n_newcoins) {
    b.newcoins = mn__arena_alloc(a, (size_t)b.n_newcoins * sizeof *b.newcoins);
    if (!b.newcoins)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < b.n_newcoins; i++)
      if (mn__copy_coin(a, &b.newcoins[i], &src->newcoins[i]))
        return MN_ENOMEM;
  }
  *dst = b;
  return 0;
}

int mn__init_txblock(mn__arena_t *a, mn_txblock_t *x) {
  memset(x, 0, sizeof *x);
  return mn__init_txpow(a, &x->txpow);
}

/* --------------------------------------------------------------------------
 * Cascade nodes, cascade, IBD
 * ------------------------------------------------------------------------ */

void mn__read_cascnode(mn__dec_t *d, mn_cascnode_t *out) {
  mn_num_t lv;
  int64_t v;
  mn__read_txpow(d, &out->txpow);
  mn__dec_num(d, &lv);
  if (!mn__dec_ok(d))
    return;
  if (!mn__num_is_whole(&lv) || mn__num_to_i64(&lv, &v) || v < 0 ||
      v > INT32_MAX) {
    mn__dec_fail(d, MN_EFORMAT);
    return;
  }
  out->level = (int32_t)v;
}

void mn__write_cascnode(mn__sink_t *s, const mn_cascnode_t *x) {
  mn__write_txpow(s, &x->txpow);
  mn__sink_int(s, x->level);
}

int mn__copy_cascnode(mn__arena_t *a, mn_cascnode_t *dst,
                      const mn_cascnode_t *src) {
  mn_cascnode_t c = *src;
  if (mn__copy_txpow(a, &c.txpow, &src->txpow))
    return MN_ENOMEM;
  *dst = c;
  return 0;
}

int mn__init_cascnode(mn__arena_t *a, mn_cascnode_t *x) {
  memset(x, 0, sizeof *x);
  int rc = mn__init_txpow(a, &x->txpow);
  if (rc)
    return rc;
  x->txpow.body = NULL;
  return mn__obj_txpow_compute(&x->txpow);
}

void mn__read_cascade(mn__dec_t *d, mn_cascade_t *out) {
  out->n_nodes = mn__dec_count(d, MN__MIN_CASCNODE);
  out->nodes = mn__dec_array(d, out->n_nodes, sizeof *out->nodes);
  for (uint32_t i = 0; i < out->n_nodes && mn__dec_ok(d); i++)
    mn__read_cascnode(d, &out->nodes[i]);
  if (!mn__dec_ok(d)) {
    out->n_nodes = 0;
    out->nodes = NULL;
  }
  out->cap_nodes = out->n_nodes;
}

void mn__write_cascade(mn__sink_t *s, const mn_cascade_t *x) {
  mn__sink_int(s, x->n_nodes);
  for (uint32_t i = 0; i < x->n_nodes && !s->err; i++)
    mn__write_cascnode(s, &x->nodes[i]);
}

int mn__copy_cascade(mn__arena_t *a, mn_cascade_t *dst,
                     const mn_cascade_t *src) {
  mn_cascade_t c = {NULL, src->n_nodes, src->n_nodes};
  if (c.n_nodes) {
    c.nodes = mn__arena_alloc(a, (size_t)c.n_nodes * sizeof *c.nodes);
    if (!c.nodes)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < c.n_nodes; i++)
      if (mn__copy_cascnode(a, &c.nodes[i], &src->nodes[i]))
        return MN_ENOMEM;
  }
  *dst = c;
  return 0;
}

int mn__init_cascade(mn__arena_t *a, mn_cascade_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  return 0;
}

void mn__read_ibd(mn__dec_t *d, mn_ibd_t *out) {
  out->has_cascade = mn__dec_bool(d);
  if (out->has_cascade && mn__dec_ok(d))
    mn__read_cascade(d, &out->cascade);
  out->n_blocks = mn__dec_count(d, MN__MIN_TXBLOCK);
  out->blocks = mn__dec_array(d, out->n_blocks, sizeof *out->blocks);
  for (uint32_t i = 0; i < out->n_blocks && mn__dec_ok(d); i++)
    mn__read_txblock(d, &out->blocks[i]);
  if (!mn__dec_ok(d)) {
    out->n_blocks = 0;
    out->blocks = NULL;
  }
  out->cap_blocks = out->n_blocks;
}

void mn__write_ibd(mn__sink_t *s, const mn_ibd_t *x) {
  mn__sink_u8(s, x->has_cascade ? 1 : 0);
  if (x->has_cascade)
    mn__write_cascade(s, &x->cascade);
  mn__sink_int(s, x->n_blocks);
  for (uint32_t i = 0; i < x->n_blocks && !s->err; i++)
    mn__write_txblock(s, &x->blocks[i]);
}

int mn__copy_ibd(mn__arena_t *a, mn_ibd_t *dst, const mn_ibd_t *src) {
  mn_ibd_t b = *src;
  if (mn__copy_cascade(a, &b.cascade, &src->cascade))
    return MN_ENOMEM;
  b.blocks = NULL;
  b.cap_blocks = b.n_blocks;
  if (b.n_blocks) {
    b.blocks = mn__arena_alloc(a, (size_t)b.n_blocks * sizeof *b.blocks);
    if (!b.blocks)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < b.n_blocks; i++)
      if (mn__copy_txblock(a, &b.blocks[i], &src->blocks[i]))
        return MN_ENOMEM;
  }
  *dst = b;
  return 0;
}

int mn__init_ibd(mn__arena_t *a, mn_ibd_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  return 0;
}
