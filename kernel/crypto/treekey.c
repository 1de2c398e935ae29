/*
 * crypto/treekey.c - Minima's many-time signature key (spec/crypto.md
 * section 3): `levels` layers of nodes, each node K WOTS keys committed to
 * by an MMR whose root is the node's public key.  A signature is one
 * SignatureProof per layer: an upper key signs the root of the child node
 * below it, the last key signs the message.
 *
 * Building a node costs K WOTS public keys (K x 34 x 255 hashes), so a key
 * keeps the nodes on the path of its last signature and the proofs that
 * link them; consecutive uses share all but the last layer.
 *
 * The verifier reads untrusted bytes: every length is bounded by the input
 * before use, nothing is allocated per item, and the wire rules follow the
 * reference reader (counts are MiniNumbers read with getAsInt(), hashes
 * are MiniData of at most 64 bytes, chunk values are any MiniNumber and
 * are summed with MiniNumber arithmetic, as the reference sums them).
 */
#include <stdlib.h>
#include <string.h>

#include <minima/stream.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/wire.h"

#define TK_MAX_K 256
#define TK_MAX_ROWS 9    /* an MMR of 256 leaves has rows 0..8 */
#define TK_MAX_CHUNKS 32 /* proof-to-peak plus the bagging steps */
#define TK_MAX_PEAKS TK_MAX_ROWS

static const uint8_t NUM_ZERO[3] = {0x00, 0x01, 0x00};
static const uint8_t NUM_ONE[3] = {0x00, 0x01, 0x01};

/* MiniNumber wire form of a small non-negative integer: scale 0, minimal
 * two's complement.  Returns the length (3..7). */
static size_t small_num(uint8_t out[7], uint32_t v) {
  uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                   (uint8_t)v};
  size_t skip = 0;
  while (skip < 3 && be[skip] == 0)
    skip++;
  size_t n = 4 - skip;
  bool pad = be[skip] & 0x80;
  out[0] = 0;
  out[1] = (uint8_t)(n + pad);
  size_t o = 2;
  if (pad)
    out[o++] = 0;
  memcpy(out + o, be + skip, n);
  return o + n;
}

static void put_small_num(mn_buf_t *b, uint32_t v) {
  uint8_t x[7];
  mn_buf_put(b, x, small_num(x, v));
}

/* SHA3( MiniNumber(i) || MiniData(seed) ): WOTS key seeds and child node
 * seeds. */
static void indexed_seed(uint32_t i, const uint8_t seed[32], uint8_t out[32]) {
  uint8_t pre[7 + 4 + 32];
  size_t n = small_num(pre, i);
  pre[n] = pre[n + 1] = pre[n + 2] = 0;
  pre[n + 3] = 32;
  memcpy(pre + n + 4, seed, 32);
  mn__sha3_256(pre, n + 36, out);
}

/* MMR leaf for a WOTS public key: SHA3(0 || MiniData(pk) || 0). */
static void leaf_hash(const uint8_t pk[32], uint8_t out[32]) {
  uint8_t pre[3 + 4 + 32 + 3];
  memcpy(pre, NUM_ZERO, 3);
  pre[3] = pre[4] = pre[5] = 0;
  pre[6] = 32;
  memcpy(pre + 7, pk, 32);
  memcpy(pre + 39, NUM_ZERO, 3);
  mn__sha3_256(pre, sizeof pre, out);
}

/* MMR parent of two zero-valued 32-byte nodes. */
static void parent_hash(const uint8_t l[32], const uint8_t r[32],
                        uint8_t out[32]) {
  uint8_t pre[3 + 36 + 36 + 3];
  memcpy(pre, NUM_ONE, 3);
  pre[3] = pre[4] = pre[5] = 0;
  pre[6] = 32;
  memcpy(pre + 7, l, 32);
  pre[39] = pre[40] = pre[41] = 0;
  pre[42] = 32;
  memcpy(pre + 43, r, 32);
  memcpy(pre + 75, NUM_ZERO, 3);
  mn__sha3_256(pre, sizeof pre, out);
}

/* --------------------------------------------------------------------------
 * MMR over zero-valued leaves (objects.md section 7)
 * ------------------------------------------------------------------------ */

typedef struct mmr {
  unsigned nrows;
  unsigned count[TK_MAX_ROWS];
  uint8_t (*row[TK_MAX_ROWS])[32];
} mmr_t;

typedef struct chunk {
  uint8_t left; /* the sibling is the left operand */
  uint8_t hash[32];
} chunk_t;

typedef struct pos {
  unsigned row, entry;
} pos_t;

/* Builds the rows above the n leaves; space holds n - 1 entries. */
static void mmr_build(mmr_t *m, uint8_t (*leaves)[32], unsigned n,
                      uint8_t (*space)[32]) {
  m->row[0] = leaves;
  m->count[0] = n;
  unsigned r = 0;
  while (m->count[r] >= 2) {
    m->count[r + 1] = m->count[r] / 2;
    m->row[r + 1] = space;
    for (unsigned e = 0; e < m->count[r + 1]; e++)
      parent_hash(m->row[r][2 * e], m->row[r][2 * e + 1], space[e]);
    space += m->count[r + 1];
    r++;
  }
  m->nrows = r + 1;
}

/* Peaks, highest row first: the last entry of every row with an odd
 * number of entries (the reference: the row's maximum entry is a left
 * child). */
static unsigned mmr_peaks(const mmr_t *m, pos_t *out) {
  unsigned n = 0;
  for (unsigned r = m->nrows; r-- > 0;)
    if (m->count[r] & 1)
      out[n++] = (pos_t){r, m->count[r] - 1};
  return n;
}

/* Siblings from leaf e up to its peak, appended to ch; returns the peak. */
static pos_t mmr_to_peak(const mmr_t *m, unsigned e, chunk_t *ch,
                         unsigned *nch) {
  unsigned r = 0;
  while (r < m->nrows && (e ^ 1u) < m->count[r]) {
    chunk_t *c = &ch[(*nch)++];
    c->left = (e & 1u) ? 1 : 0;
    memcpy(c->hash, m->row[r][e ^ 1u], 32);
    e >>= 1;
    r++;
  }
  return (pos_t){r, e};
}

/* Full proof of leaf e and the root: proof to the peak, then the peak's
 * path through the MMRs built from the peaks (as-is, not re-hashed) until
 * one remains.  ch may be NULL when only the root is wanted. */
static void mmr_proof(const mmr_t *m, unsigned e, chunk_t *ch, unsigned *nch,
                      uint8_t root[32]) {
  chunk_t scratch[TK_MAX_CHUNKS];
  unsigned n = 0;
  if (!ch)
    ch = scratch;
  pos_t peak = mmr_to_peak(m, e, ch, &n);
  pos_t pk[TK_MAX_PEAKS];
  unsigned np = mmr_peaks(m, pk);
  uint8_t hashes[TK_MAX_PEAKS][32];
  unsigned keep = 0;
  for (unsigned i = 0; i < np; i++) {
    memcpy(hashes[i], m->row[pk[i].row][pk[i].entry], 32);
    if (pk[i].row == peak.row && pk[i].entry == peak.entry)
      keep = i;
  }
  while (np > 1) {
    uint8_t space[TK_MAX_PEAKS][32];
    mmr_t b;
    mmr_build(&b, hashes, np, space);
    pos_t reached = mmr_to_peak(&b, keep, ch, &n);
    np = mmr_peaks(&b, pk);
    uint8_t next[TK_MAX_PEAKS][32];
    for (unsigned i = 0; i < np; i++) {
      memcpy(next[i], b.row[pk[i].row][pk[i].entry], 32);
      if (pk[i].row == reached.row && pk[i].entry == reached.entry)
        keep = i;
    }
    memcpy(hashes, next, np * 32);
  }
  memcpy(root, hashes[0], 32);
  if (nch)
    *nch = n;
}

/* --------------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------------ */

typedef struct tk_node {
  uint8_t seed[32];
  uint8_t child_seed[32];
  uint8_t root[32];
  unsigned k;
  uint8_t (*mem)[32]; /* k WOTS public keys, k leaves, k - 1 inner nodes */
  uint8_t (*pk)[32];
  mmr_t mmr;
} tk_node_t;

/* Frees a node and wipes its seeds. */
static void node_clear(tk_node_t *nd) {
  free(nd->mem);
  explicit_bzero(nd, sizeof *nd);
}

static int node_build(tk_node_t *nd, const uint8_t seed[32], unsigned k) {
  node_clear(nd);
  uint8_t(*mem)[32] = malloc((size_t)3 * k * 32);
  uint8_t(*seeds)[32] = malloc((size_t)k * 32);
  if (!mem || !seeds) {
    free(mem);
    free(seeds);
    return MN_ENOMEM;
  }
  for (unsigned i = 0; i < k; i++)
    indexed_seed(i, seed, seeds[i]);
  int rc = mn__wots_pubkeys((const uint8_t(*)[32])seeds, k, mem);
  explicit_bzero(seeds, (size_t)k * 32);
  free(seeds);
  if (rc) {
    free(mem);
    return rc;
  }
  nd->mem = mem;
  nd->pk = mem;
  nd->k = k;
  memcpy(nd->seed, seed, 32);
  uint8_t md[36] = {0, 0, 0, 32};
  memcpy(md + 4, seed, 32);
  mn__sha3_256(md, sizeof md, nd->child_seed);
  uint8_t(*leaves)[32] = mem + k;
  for (unsigned i = 0; i < k; i++)
    leaf_hash(nd->pk[i], leaves[i]);
  mmr_build(&nd->mmr, leaves, k, mem + 2 * k);
  mmr_proof(&nd->mmr, 0, NULL, NULL, nd->root);
  return 0;
}

int mn__treekey_node_pubkey(const uint8_t seed[32], unsigned keys_per_level,
                            uint8_t pk[32]) {
  if (keys_per_level < 2 || keys_per_level > TK_MAX_K)
    return MN_EINVAL;
  tk_node_t nd;
  memset(&nd, 0, sizeof nd);
  int rc = node_build(&nd, seed, keys_per_level);
  if (rc == 0)
    memcpy(pk, nd.root, 32);
  node_clear(&nd);
  return rc;
}

/* Appends SignatureProof(pk_i, WOTS_i(msg), MMR proof of i) for key i of
 * the node. */
static void put_sigproof(mn_buf_t *out, const tk_node_t *nd, unsigned i,
                         const void *msg, size_t len) {
  uint8_t wseed[32], sig[MN_WOTS_SIG_LEN];
  indexed_seed(i, nd->seed, wseed);
  mn__wots_sign(wseed, msg, len, sig);
  explicit_bzero(wseed, sizeof wseed);
  chunk_t ch[TK_MAX_CHUNKS];
  unsigned nch = 0;
  uint8_t root[32];
  mmr_proof(&nd->mmr, i, ch, &nch, root);
  mn_buf_put_data(out, nd->pk[i], 32);
  mn_buf_put_data(out, sig, sizeof sig);
  mn_buf_put(out, NUM_ZERO, 3); /* block time */
  put_small_num(out, nch);
  for (unsigned c = 0; c < nch; c++) {
    mn_buf_put_u8(out, ch[c].left);
    mn_buf_put_data(out, ch[c].hash, 32);
    mn_buf_put(out, NUM_ZERO, 3);
  }
}

/* --------------------------------------------------------------------------
 * Tree keys
 * ------------------------------------------------------------------------ */

struct mn_treekey {
  unsigned k, levels;
  uint64_t max_uses;
  /* node[d] is the node at depth d on the path of the last signature;
   * node[d + 1] is child path[d] of node[d]; nodes [0, valid) are built.
   * link[d] (d >= 1) is the SignatureProof by which node[d - 1] signs
   * node[d]'s root. */
  unsigned valid;
  unsigned path[MN_TREEKEY_MAX_LEVELS];
  tk_node_t node[MN_TREEKEY_MAX_LEVELS];
  mn_buf_t link[MN_TREEKEY_MAX_LEVELS];
};

int mn__treekey_new(const uint8_t seed[32], unsigned keys_per_level,
                    unsigned levels, mn_treekey_t **out) {
  *out = NULL;
  if (keys_per_level < 2 || keys_per_level > TK_MAX_K || levels < 1 ||
      levels > MN_TREEKEY_MAX_LEVELS)
    return MN_EINVAL;
  mn_treekey_t *key = calloc(1, sizeof *key);
  if (!key)
    return MN_ENOMEM;
  key->k = keys_per_level;
  key->levels = levels;
  uint64_t max = 1;
  for (unsigned i = 0; i < levels; i++)
    max = max > UINT64_MAX / keys_per_level ? UINT64_MAX : max * keys_per_level;
  key->max_uses = max;
  int rc = node_build(&key->node[0], seed, keys_per_level);
  if (rc) {
    free(key);
    return rc;
  }
  key->valid = 1;
  *out = key;
  return 0;
}

void mn__treekey_free(mn_treekey_t *key) {
  if (!key)
    return;
  for (unsigned d = 0; d < MN_TREEKEY_MAX_LEVELS; d++) {
    node_clear(&key->node[d]);
    mn_buf_free(&key->link[d]);
  }
  explicit_bzero(key, sizeof *key);
  free(key);
}

void mn__treekey_pubkey(const mn_treekey_t *key, uint8_t pk[32]) {
  memcpy(pk, key->node[0].root, 32);
}

uint64_t mn__treekey_max_uses(const mn_treekey_t *key) {
  return key->max_uses;
}

/* Makes node[d + 1] child p of node[d], with its link. */
static int descend(mn_treekey_t *key, unsigned d, unsigned p) {
  if (key->valid > d + 1 && key->path[d] == p)
    return 0;
  key->valid = d + 1;
  uint8_t cseed[32];
  indexed_seed(p, key->node[d].child_seed, cseed);
  int rc = node_build(&key->node[d + 1], cseed, key->k);
  explicit_bzero(cseed, sizeof cseed);
  if (rc)
    return rc;
  mn_buf_t *link = &key->link[d + 1];
  mn_buf_free(link);
  put_sigproof(link, &key->node[d], p, key->node[d + 1].root, 32);
  if (link->err) {
    rc = link->err;
    mn_buf_free(link);
    return rc;
  }
  key->path[d] = p;
  key->valid = d + 2;
  return 0;
}

int mn__treekey_sign(mn_treekey_t *key, uint64_t use, const void *msg,
                     size_t len, mn_buf_t *out) {
  if (use >= key->max_uses)
    return MN_EEXHAUSTED;
  unsigned digit[MN_TREEKEY_MAX_LEVELS];
  uint64_t u = use;
  for (unsigned d = key->levels; d-- > 0;) {
    digit[d] = (unsigned)(u % key->k);
    u /= key->k;
  }
  size_t start = out->len;
  int rc = out->err;
  if (rc)
    return rc;
  put_small_num(out, key->levels);
  for (unsigned d = 0; d + 1 < key->levels; d++) {
    rc = descend(key, d, digit[d]);
    if (rc)
      goto fail;
    mn_buf_put(out, key->link[d + 1].data, key->link[d + 1].len);
  }
  put_sigproof(out, &key->node[key->levels - 1], digit[key->levels - 1], msg,
               len);
  if (out->err) {
    rc = out->err;
    goto fail;
  }
  return 0;
fail:
  if (out->len > start)
    out->len = start;
  return rc;
}

/* --------------------------------------------------------------------------
 * Reading and verifying Signatures
 * ------------------------------------------------------------------------ */

/* One SignatureProof as read: pointers into the signature bytes. */
typedef struct sp_view {
  const uint8_t *pk;
  size_t pklen;
  const uint8_t *sig;
  size_t siglen;
  const uint8_t *chunks; /* nchunks chunks, already checked */
  size_t chunkslen;
  uint32_t nchunks;
} sp_view_t;

/* Reads a MiniNumber count as the reference's getAsInt(); negative counts
 * read as zero items. */
static int read_count(mn_reader_t *r, uint32_t *n) {
  mn_num_t v;
  int rc = mn__num_get(r, &v);
  if (rc)
    return rc;
  int32_t i = mn__num_to_i32_wrap(&v);
  *n = i < 0 ? 0 : (uint32_t)i;
  return 0;
}

/* Reads a Signature; the first `max` proofs are described in sp.  Loops
 * are bounded by the input: every proof takes at least 14 bytes and every
 * chunk 8, so a count larger than the data fails at its end. */
static int sig_read(mn_reader_t *r, sp_view_t *sp, unsigned max,
                    uint32_t *count) {
  uint32_t n;
  if (read_count(r, &n))
    return MN_EFORMAT;
  for (uint32_t i = 0; i < n; i++) {
    sp_view_t v;
    mn_num_t tmp;
    v.pk = mn_reader_data(r, MN_MINIDATA_MAX, &v.pklen);
    v.sig = mn_reader_data(r, MN_MINIDATA_MAX, &v.siglen);
    if (r->err || mn__num_get(r, &tmp) || read_count(r, &v.nchunks))
      return MN_EFORMAT;
    size_t start = r->pos;
    v.chunks = r->p + start;
    for (uint32_t c = 0; c < v.nchunks; c++) {
      size_t hl;
      mn_reader_u8(r);
      mn_reader_data(r, MN_HASH_MAX, &hl);
      if (r->err || mn__num_get(r, &tmp))
        return MN_EFORMAT;
    }
    v.chunkslen = r->pos - start;
    if (i < max)
      sp[i] = v;
  }
  *count = n;
  return 0;
}

static bool is_zero_num(const mn_num_t *v) {
  return v->scale == 0 && !(v->mag[0] | v->mag[1] | v->mag[2] | v->mag[3]);
}

/* Applies n chunks (already checked by the reader) to the node (cur,
 * val).  MN_EOVERFLOW when the reference's value sum would throw. */
static int apply_chunks(mn_reader_t *r, uint32_t n, uint8_t cur[32],
                        mn_num_t *val) {
  for (uint32_t c = 0; c < n; c++) {
    bool left = mn_reader_u8(r) != 0;
    size_t hl;
    const uint8_t *hash = mn_reader_data(r, MN_HASH_MAX, &hl);
    uint8_t sum[MN_NUM_MAX_ENCODED];
    size_t sumlen;
    if (mn_reader_left(r) >= 3 && memcmp(r->p + r->pos, NUM_ZERO, 3) == 0 &&
        is_zero_num(val)) {
      /* 0 + 0: the only case honest tree-key proofs contain. */
      mn_reader_take(r, 3);
      memcpy(sum, NUM_ZERO, 3);
      sumlen = 3;
    } else {
      mn_num_t v, s;
      if (mn__num_get(r, &v))
        return MN_EFORMAT;
      int rc = mn__num_add(&s, val, &v);
      if (rc)
        return rc;
      *val = s;
      sumlen = (size_t)mn__num_encode(val, sum, sizeof sum);
    }
    if (r->err)
      return MN_EFORMAT;
    /* parent = SHA3(1 || MiniData(left) || MiniData(right) || sum) */
    uint8_t hl4[4] = {0, 0, 0, (uint8_t)hl};
    static const uint8_t cl4[4] = {0, 0, 0, 32};
    mn_sha3_t h;
    mn__sha3_init(&h);
    mn__sha3_update(&h, NUM_ONE, 3);
    if (left) {
      mn__sha3_update(&h, hl4, 4);
      mn__sha3_update(&h, hash, hl);
      mn__sha3_update(&h, cl4, 4);
      mn__sha3_update(&h, cur, 32);
    } else {
      mn__sha3_update(&h, cl4, 4);
      mn__sha3_update(&h, cur, 32);
      mn__sha3_update(&h, hl4, 4);
      mn__sha3_update(&h, hash, hl);
    }
    mn__sha3_update(&h, sum, sumlen);
    mn__sha3_final(&h, cur);
  }
  return 0;
}

/* The root the proof gives for leaf(MiniData(pk), 0). */
static int sp_root(const sp_view_t *sp, uint8_t root[32]) {
  mn_sha3_t h;
  uint8_t len4[4] = {(uint8_t)(sp->pklen >> 24), (uint8_t)(sp->pklen >> 16),
                     (uint8_t)(sp->pklen >> 8), (uint8_t)sp->pklen};
  mn__sha3_init(&h);
  mn__sha3_update(&h, NUM_ZERO, 3);
  mn__sha3_update(&h, len4, 4);
  mn__sha3_update(&h, sp->pk, sp->pklen);
  mn__sha3_update(&h, NUM_ZERO, 3);
  mn__sha3_final(&h, root);
  mn_num_t val;
  memset(&val, 0, sizeof val);
  mn_reader_t r;
  mn_reader_init(&r, sp->chunks, sp->chunkslen);
  return apply_chunks(&r, sp->nchunks, root, &val);
}

int mn__mmr_proof_root(const uint8_t *proof, size_t len, size_t *used,
                       const uint8_t leaf[32], const mn_num_t *value,
                       uint8_t root[32], mn_num_t *rootval) {
  if (value->scale < 0 || value->scale > MN_NUM_MAX_DECIMALS)
    return MN_EINVAL;
  mn_reader_t r;
  mn_num_t tmp;
  uint32_t n;
  mn_reader_init(&r, proof, len);
  if (mn__num_get(&r, &tmp) || read_count(&r, &n))
    return MN_EFORMAT;
  /* Check the chunks first, as sig_read does, then apply them. */
  size_t start = r.pos;
  for (uint32_t c = 0; c < n; c++) {
    size_t hl;
    mn_reader_u8(&r);
    mn_reader_data(&r, MN_HASH_MAX, &hl);
    if (r.err || mn__num_get(&r, &tmp))
      return MN_EFORMAT;
  }
  size_t end = r.pos;
  mn_reader_init(&r, proof + start, end - start);
  memcpy(root, leaf, 32);
  *rootval = *value;
  int rc = apply_chunks(&r, n, root, rootval);
  if (rc == 0 && used)
    *used = end;
  return rc;
}

int mn__treekey_sig_measure(const uint8_t *p, size_t len, size_t *used) {
  mn_reader_t r;
  uint32_t n;
  mn_reader_init(&r, p, len);
  if (sig_read(&r, NULL, 0, &n))
    return MN_EFORMAT;
  *used = r.pos;
  return 0;
}

int mn__treekey_sig_root(const uint8_t *sig, size_t siglen, uint8_t root[32]) {
  mn_reader_t r;
  sp_view_t sp[1];
  uint32_t n;
  mn_reader_init(&r, sig, siglen);
  if (sig_read(&r, sp, 1, &n) || mn_reader_left(&r) != 0 || n == 0)
    return MN_EFORMAT;
  return sp_root(&sp[0], root) ? MN_EFORMAT : 0;
}

int mn__treekey_verify(const uint8_t *pk, size_t pklen, const void *msg,
                       size_t len, const uint8_t *sig, size_t siglen) {
  mn_reader_t r;
  sp_view_t sp[MN_TREEKEY_MAX_LEVELS];
  uint32_t n;
  mn_reader_init(&r, sig, siglen);
  if (sig_read(&r, sp, MN_TREEKEY_MAX_LEVELS, &n) || mn_reader_left(&r) != 0)
    return MN_EFORMAT;
  if (n == 0 || n > MN_TREEKEY_MAX_LEVELS)
    return MN_EINVALID;

  uint8_t roots[MN_TREEKEY_MAX_LEVELS][32];
  for (uint32_t j = 0; j < n; j++)
    if (sp_root(&sp[j], roots[j]))
      return MN_EINVALID;
  if (pklen != 32 || memcmp(roots[0], pk, 32) != 0)
    return MN_EINVALID;

  /* Level j signs the root of level j + 1; the last level the message. */
  uint8_t digests[MN_TREEKEY_MAX_LEVELS][32];
  const uint8_t *sigs[MN_TREEKEY_MAX_LEVELS];
  for (uint32_t j = 0; j < n; j++) {
    if (sp[j].siglen != MN_WOTS_SIG_LEN || sp[j].pklen != 32)
      return MN_EINVALID;
    if (j + 1 < n)
      mn__sha3_256(roots[j + 1], 32, digests[j]);
    else
      mn__sha3_256(msg, len, digests[j]);
    sigs[j] = sp[j].sig;
  }
  uint8_t got[MN_TREEKEY_MAX_LEVELS][32];
  int rc = mn__wots_recover(sigs, (const uint8_t(*)[32])digests, n, got);
  if (rc)
    return rc;
  for (uint32_t j = 0; j < n; j++)
    if (memcmp(got[j], sp[j].pk, 32) != 0)
      return MN_EINVALID;
  return 0;
}
