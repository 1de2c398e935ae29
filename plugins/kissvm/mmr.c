/*
 * mmr.c - MMR leaf/parent hashing, MMR proof reading, script addresses and
 * CHECKSIG's tree-key verification (spec/kissvm.md §9.8-§10.4,
 * spec/objects.md §6-§8, spec/crypto.md §3.3).
 *
 * Proofs are read completely before anything is hashed, as the reference
 * deserializes before it computes: a malformed proof is a [format] error
 * even when folding its first chunks would already have overflowed.
 */
#include <string.h>

#include "kiss.h"

static void put_num(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                    mn_sha3_t *h, const mn_num_t *n) {
  uint8_t b[MN_NUM_MAX_ENCODED + 8];
  int k = num->encode(n, b, sizeof b);
  if (k > 0)
    cr->sha3_update(h, b, (size_t)k);
}

static void put_data(const mn_crypto_api_t *cr, mn_sha3_t *h,
                     const uint8_t *p, size_t n) {
  uint8_t l[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                  (uint8_t)n};
  cr->sha3_update(h, l, 4);
  if (n)
    cr->sha3_update(h, p, n);
}

void kiss_mmr_leaf(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                   const uint8_t *data, size_t len, const mn_num_t *sum,
                   kmmr_t *out) {
  mn_sha3_t h;
  mn_num_t zero;
  num->from_i64(&zero, 0);
  cr->sha3_init(&h);
  put_num(cr, num, &h, &zero);
  put_data(cr, &h, data, len);
  put_num(cr, num, &h, sum);
  cr->sha3_final(&h, out->hash);
  out->hlen = 32;
  out->value = *sum;
}

int kiss_mmr_parent(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                    const kmmr_t *l, const kmmr_t *r, kmmr_t *out) {
  mn_num_t v, one;
  int rc = num->add(&v, &l->value, &r->value);
  if (rc)
    return rc;
  num->from_i64(&one, 1);
  mn_sha3_t h;
  cr->sha3_init(&h);
  put_num(cr, num, &h, &one);
  put_data(cr, &h, l->hash, l->hlen);
  put_data(cr, &h, r->hash, r->hlen);
  put_num(cr, num, &h, &v);
  cr->sha3_final(&h, out->hash);
  out->hlen = 32;
  out->value = v;
  return 0;
}

/* MiniNumber.ReadFromStream */
static int rd_num(const mn_num_api_t *num, const uint8_t *p, size_t len,
                  size_t *pos, mn_num_t *out) {
  size_t used = 0;
  if (*pos >= len)
    return MN_EFORMAT;
  if (num->decode(out, p + *pos, len - *pos, &used))
    return MN_EFORMAT;
  *pos += used;
  return 0;
}

static int rd_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *v) {
  if (len - *pos < 4)
    return MN_EFORMAT;
  const uint8_t *q = p + *pos;
  *v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 |
       q[3];
  *pos += 4;
  return 0;
}

typedef struct chunk {
  bool left;
  const uint8_t *hash;
  uint32_t hlen;
  mn_num_t value;
} chunk_t;

/* Reads an MMRProof at *pos; when fold is set, folds it over cur (after
 * the whole proof was read). */
static int proof(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                 const uint8_t *p, size_t len, size_t *pos, kmmr_t *cur,
                 bool fold) {
  mn_num_t bt, cnt;
  if (rd_num(num, p, len, pos, &bt) || rd_num(num, p, len, pos, &cnt))
    return MN_EFORMAT;
  int32_t n = num->to_i32_wrap(&cnt);
  size_t start = *pos;
  for (int32_t i = 0; i < n; i++) {
    if (*pos >= len)
      return MN_EFORMAT;
    (*pos)++; /* left flag */
    uint32_t hl;
    if (rd_u32(p, len, pos, &hl) || hl > MN_HASH_MAX || len - *pos < hl)
      return MN_EFORMAT;
    *pos += hl;
    mn_num_t v;
    if (rd_num(num, p, len, pos, &v))
      return MN_EFORMAT;
  }
  if (!fold)
    return 0;
  size_t q = start;
  for (int32_t i = 0; i < n; i++) {
    chunk_t c;
    c.left = p[q++] != 0;
    uint32_t hl = 0;
    rd_u32(p, len, &q, &hl);
    c.hash = p + q;
    c.hlen = hl;
    q += hl;
    rd_num(num, p, len, &q, &c.value);
    kmmr_t k;
    memcpy(k.hash, c.hash, hl);
    k.hlen = hl;
    k.value = c.value;
    kmmr_t nx;
    int rc = c.left ? kiss_mmr_parent(cr, num, &k, cur, &nx)
                    : kiss_mmr_parent(cr, num, cur, &k, &nx);
    if (rc)
      return rc;
    *cur = nx;
  }
  return 0;
}

int kiss_mmr_fold(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                  const uint8_t *p, size_t len, size_t *pos, kmmr_t *cur) {
  size_t save = *pos;
  int rc = proof(cr, num, p, len, pos, cur, false);
  if (rc)
    return rc;
  *pos = save;
  return proof(cr, num, p, len, pos, cur, true);
}

void kiss_script_address(const mn_crypto_api_t *cr, const uint8_t *s,
                         size_t len, uint8_t out[32]) {
  mn_sha3_t h;
  static const uint8_t zero[3] = {0, 1, 0};
  uint8_t l[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                  (uint8_t)(len >> 8), (uint8_t)len};
  cr->sha3_init(&h);
  cr->sha3_update(&h, zero, 3);
  cr->sha3_update(&h, l, 4);
  if (len)
    cr->sha3_update(&h, s, len);
  cr->sha3_update(&h, zero, 3);
  cr->sha3_final(&h, out);
}

/* ---- CHECKSIG ----------------------------------------------------------- */

typedef struct sproof {
  const uint8_t *pk, *sig;
  uint32_t pklen, siglen;
  size_t proof; /* offset of its MMRProof */
} sproof_t;

/* MiniData.ReadFromStream */
static int rd_data(const uint8_t *p, size_t len, size_t *pos,
                   const uint8_t **d, uint32_t *n) {
  uint32_t l;
  if (rd_u32(p, len, pos, &l) || l > 0x7fffffffu || len - *pos < l)
    return MN_EFORMAT;
  *d = p + *pos;
  *n = l;
  *pos += l;
  return 0;
}

static int root_key(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                    const uint8_t *sig, size_t siglen, const sproof_t *sp,
                    kmmr_t *out) {
  mn_num_t zero;
  num->from_i64(&zero, 0);
  kiss_mmr_leaf(cr, num, sp->pk, sp->pklen, &zero, out);
  size_t pos = sp->proof;
  return proof(cr, num, sig, siglen, &pos, out, true);
}

static int wots(const mn_crypto_api_t *cr, const sproof_t *sp,
                const uint8_t *msg, size_t mlen) {
  if (sp->siglen != MN_WOTS_SIG_LEN)
    return MN_EFORMAT; /* the reference dereferences a null key here */
  if (sp->pklen != 32)
    return 0;
  return cr->wots_verify(sp->pk, msg, mlen, sp->sig, sp->siglen) ? 1 : 0;
}

int kiss_checksig(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                  const uint8_t *pk, size_t pklen, const uint8_t *data,
                  size_t dlen, const uint8_t *sig, size_t siglen) {
  size_t pos = 0;
  mn_num_t cnt;
  if (rd_num(num, sig, siglen, &pos, &cnt))
    return MN_EFORMAT;
  int32_t n = num->to_i32_wrap(&cnt);
  sproof_t sp[MN_TREEKEY_MAX_LEVELS];
  int32_t total = 0;
  for (int32_t i = 0; i < n; i++) {
    sproof_t s;
    if (rd_data(sig, siglen, &pos, &s.pk, &s.pklen) ||
        rd_data(sig, siglen, &pos, &s.sig, &s.siglen))
      return MN_EFORMAT;
    s.proof = pos;
    kmmr_t dummy;
    if (proof(cr, num, sig, siglen, &pos, &dummy, false))
      return MN_EFORMAT;
    if (total < MN_TREEKEY_MAX_LEVELS)
      sp[total] = s;
    total++;
  }
  if (total > MN_TREEKEY_MAX_LEVELS || total <= 0)
    return 0;
  for (int32_t d = 0; d < total; d++) {
    if (d == 0) {
      kmmr_t r;
      int rc = root_key(cr, num, sig, siglen, &sp[0], &r);
      if (rc)
        return rc;
      if (r.hlen != pklen || memcmp(r.hash, pk, pklen) != 0)
        return 0;
    }
    if (d == total - 1)
      return wots(cr, &sp[d], data, dlen);
    kmmr_t child;
    int rc = root_key(cr, num, sig, siglen, &sp[d + 1], &child);
    if (rc)
      return rc;
    rc = wots(cr, &sp[d], child.hash, child.hlen);
    if (rc != 1)
      return rc;
  }
  return 0;
}
