/*
 * mmr.c - sparse per-block MMR layers (spec/mmr.md).
 *
 * A layer holds only the nodes its block created or touched, keyed by
 * (row, entry), and links to its parent's layer; lookups fall through to
 * ancestors.  Per row it remembers the largest entry it holds, from which
 * the peaks come (a row's largest entry is a peak when it is a left
 * node), exactly as the reference's MMR does.
 */
#include <string.h>

#include "cs.h"

typedef struct slot {
  uint64_t entry;
  uint8_t row;
  bool used;
  mn_mmrdata_t data;
} slot_t;

struct cs_mmr {
  int64_t blocktime;
  uint64_t leaves; /* the reference's mEntryNumber */
  cs_mmr_t *parent;
  slot_t *slots;
  size_t cap, n;
  int max_row;
  bool has_max[CS_MMR_ROWS];
  uint64_t max_entry[CS_MMR_ROWS];
  bool finalized;
  size_t npeaks;
  mn_mmrentry_t peaks[CS_MMR_ROWS];
  bool has_root;
  mn_mmrdata_t root;
};

static uint64_t key_hash(int row, uint64_t entry) {
  uint64_t h = entry * 0x9E3779B97F4A7C15ull ^ ((uint64_t)row << 57);
  return h ^ (h >> 31);
}

cs_mmr_t *cs_mmr_new(int64_t blocktime) {
  cs_mmr_t *m = cs_xcalloc(1, sizeof *m);
  m->blocktime = blocktime;
  return m;
}

void cs_mmr_free(cs_mmr_t *m) {
  if (!m)
    return;
  free(m->slots);
  free(m);
}

void cs_mmr_set_parent(cs_mmr_t *m, cs_mmr_t *parent) {
  m->parent = parent;
}
cs_mmr_t *cs_mmr_parent(const cs_mmr_t *m) {
  return m->parent;
}
int64_t cs_mmr_blocktime(const cs_mmr_t *m) {
  return m->blocktime;
}
uint64_t cs_mmr_leaves(const cs_mmr_t *m) {
  return m->leaves;
}
size_t cs_mmr_size(const cs_mmr_t *m) {
  return m->n;
}
bool cs_mmr_max(const cs_mmr_t *m, int row, uint64_t *entry) {
  if (row < 0 || row >= CS_MMR_ROWS || !m->has_max[row])
    return false;
  *entry = m->max_entry[row];
  return true;
}
int cs_mmr_max_row(const cs_mmr_t *m) {
  return m->max_row;
}
void cs_mmr_set_leaves(cs_mmr_t *m, uint64_t leaves) {
  m->leaves = leaves;
}

static slot_t *lookup(const cs_mmr_t *m, int row, uint64_t entry) {
  if (!m->cap)
    return NULL;
  size_t mask = m->cap - 1;
  for (size_t i = key_hash(row, entry) & mask;; i = (i + 1) & mask) {
    slot_t *s = &m->slots[i];
    if (!s->used)
      return NULL;
    if (s->row == row && s->entry == entry)
      return s;
  }
}

static void rehash(cs_mmr_t *m) {
  size_t cap = m->cap ? m->cap * 2 : 32;
  slot_t *old = m->slots;
  size_t oldcap = m->cap;
  m->slots = cs_xcalloc(cap, sizeof *m->slots);
  m->cap = cap;
  size_t mask = cap - 1;
  for (size_t j = 0; j < oldcap; j++) {
    if (!old[j].used)
      continue;
    for (size_t i = key_hash(old[j].row, old[j].entry) & mask;;
         i = (i + 1) & mask)
      if (!m->slots[i].used) {
        m->slots[i] = old[j];
        break;
      }
  }
  free(old);
}

int cs_mmr_set(cs_mmr_t *m, int row, uint64_t entry, const mn_mmrdata_t *d) {
  if (row < 0 || row >= CS_MMR_ROWS)
    return MN_ERANGE;
  if (m->finalized)
    return MN_ESTATE;
  slot_t *s = lookup(m, row, entry);
  if (!s) {
    if ((m->n + 1) * 4 >= m->cap * 3)
      rehash(m);
    size_t mask = m->cap - 1;
    for (size_t i = key_hash(row, entry) & mask;; i = (i + 1) & mask)
      if (!m->slots[i].used) {
        s = &m->slots[i];
        break;
      }
    s->used = true;
    s->row = (uint8_t)row;
    s->entry = entry;
    m->n++;
  }
  s->data = *d;
  if (row > m->max_row)
    m->max_row = row;
  if (!m->has_max[row] || m->max_entry[row] <= entry) {
    m->has_max[row] = true;
    m->max_entry[row] = entry;
  }
  return 0;
}

const mn_mmrdata_t *cs_mmr_get(const cs_mmr_t *m, int row, uint64_t entry,
                               int64_t maxback) {
  if (row < 0 || row >= CS_MMR_ROWS)
    return NULL;
  for (const cs_mmr_t *c = m; c; c = c->parent) {
    if (c->blocktime < maxback)
      break;
    slot_t *s = lookup(c, row, entry);
    if (s)
      return &s->data;
  }
  return NULL;
}

static size_t compute_peaks(const cs_mmr_t *m, mn_mmrentry_t *out) {
  size_t n = 0;
  for (int r = m->max_row; r >= 0; r--) {
    if (!m->has_max[r] || (m->max_entry[r] & 1))
      continue;
    slot_t *s = lookup(m, r, m->max_entry[r]);
    memset(&out[n], 0, sizeof out[n]);
    out[n].row = r;
    out[n].entry = m->max_entry[r];
    out[n].data = s->data;
    n++;
  }
  return n;
}

size_t cs_mmr_peaks(const cs_mmr_t *m, mn_mmrentry_t *out) {
  if (m->finalized) {
    memcpy(out, m->peaks, m->npeaks * sizeof *out);
    return m->npeaks;
  }
  return compute_peaks(m, out);
}

static int bag(const cs_env_t *env, const mn_mmrentry_t *peaks, size_t n,
               mn_mmrdata_t *root) {
  if (n == 0)
    return MN_ENOENT;
  mn_mmrdata_t d[CS_MMR_ROWS];
  for (size_t i = 0; i < n; i++)
    d[i] = peaks[i].data;
  return env->obj->mmr_bag(d, n, root);
}

int cs_mmr_root(const cs_env_t *env, const cs_mmr_t *m, mn_mmrdata_t *root) {
  if (m->finalized) {
    if (!m->has_root)
      return MN_ENOENT;
    *root = m->root;
    return 0;
  }
  mn_mmrentry_t p[CS_MMR_ROWS];
  size_t n = compute_peaks(m, p);
  return bag(env, p, n, root);
}

void cs_mmr_finalize(const cs_env_t *env, cs_mmr_t *m) {
  m->finalized = false;
  m->npeaks = compute_peaks(m, m->peaks);
  m->has_root = bag(env, m->peaks, m->npeaks, &m->root) == 0;
  m->finalized = true;
}

void cs_mmr_unfinalize(cs_mmr_t *m) {
  m->finalized = false;
}

static uint64_t leaves_of(const mn_mmrentry_t *p, size_t n) {
  uint64_t tot = 0;
  for (size_t i = 0; i < n; i++)
    tot += (uint64_t)1 << p[i].row;
  return tot;
}

cs_mmr_t *cs_mmr_child(const cs_env_t *env, cs_mmr_t *parent) {
  if (!parent->finalized)
    cs_mmr_finalize(env, parent);
  cs_mmr_t *m = cs_mmr_new(parent->blocktime + 1);
  m->parent = parent;
  for (size_t i = 0; i < parent->npeaks; i++)
    cs_mmr_set(m, parent->peaks[i].row, parent->peaks[i].entry,
               &parent->peaks[i].data);
  m->leaves = leaves_of(parent->peaks, parent->npeaks);
  return m;
}

int cs_mmr_add(const cs_env_t *env, cs_mmr_t *m, const mn_mmrdata_t *leaf,
               uint64_t *entry) {
  uint64_t e = m->leaves;
  int rc = cs_mmr_set(m, 0, e, leaf);
  if (rc)
    return rc;
  if (entry)
    *entry = e;
  m->leaves++;
  int row = 0;
  mn_mmrdata_t cur = *leaf;
  while (e & 1) {
    const mn_mmrdata_t *sib = cs_mmr_get(m, row, e - 1, 0);
    if (!sib)
      return MN_EINVALID;
    mn_mmrdata_t par;
    rc = env->obj->mmr_parent(sib, &cur, &par);
    if (rc)
      return rc;
    row++;
    e >>= 1;
    rc = cs_mmr_set(m, row, e, &par);
    if (rc)
      return rc;
    cur = par;
  }
  return 0;
}

static bool at_peak(const mn_mmrentry_t *p, size_t n, int row, uint64_t entry) {
  for (size_t i = 0; i < n; i++)
    if (p[i].row == row && p[i].entry == entry)
      return true;
  return false;
}

int cs_mmr_update(const cs_env_t *env, cs_mmr_t *m, uint64_t entry,
                  const mn_mmrproof_t *proof, const mn_mmrdata_t *leaf) {
  mn_mmrentry_t peaks[CS_MMR_ROWS];
  size_t np = cs_mmr_peaks(m, peaks);
  int64_t prooftime;
  if (cs_num_i64(env, &proof->blocktime, &prooftime))
    return MN_EINVALID;
  uint32_t k = 0;
  int row = 0;
  uint64_t e = entry;
  int rc = cs_mmr_set(m, 0, e, leaf);
  if (rc)
    return rc;
  mn_mmrdata_t cur = *leaf;
  while (!at_peak(peaks, np, row, e)) {
    if (row + 1 >= CS_MMR_ROWS)
      return MN_EINVALID;
    uint64_t se = (e & 1) ? e - 1 : e + 1;
    const mn_mmrdata_t *s = cs_mmr_get(m, row, se, prooftime);
    mn_mmrdata_t sd;
    if (s) {
      sd = *s;
    } else {
      if (k >= proof->n_chunks)
        return MN_EINVALID;
      sd = proof->chunks[k].data;
    }
    k++;
    rc = cs_mmr_set(m, row, se, &sd);
    if (rc)
      return rc;
    mn_mmrdata_t par;
    rc = (e & 1) ? env->obj->mmr_parent(&sd, &cur, &par)
                 : env->obj->mmr_parent(&cur, &sd, &par);
    if (rc)
      return rc;
    row++;
    e >>= 1;
    rc = cs_mmr_set(m, row, e, &par);
    if (rc)
      return rc;
    cur = par;
  }
  return 0;
}

int cs_mmr_proof_to_peak(const cs_env_t *env, const cs_mmr_t *m, uint64_t entry,
                         void *owner, mn_mmrproof_t *out) {
  env->num->from_i64(&out->blocktime, m->blocktime);
  int row = 0;
  uint64_t se = (entry & 1) ? entry - 1 : entry + 1;
  const mn_mmrdata_t *s = cs_mmr_get(m, row, se, 0);
  while (s) {
    mn_mmrchunk_t ch;
    memset(&ch, 0, sizeof ch);
    ch.left = (se & 1) ? 0 : 1;
    ch.data = *s;
    int rc = mn_add_proof_chunks(env->obj, owner, out, &ch);
    if (rc)
      return rc;
    if (row + 1 >= CS_MMR_ROWS)
      break;
    row++;
    uint64_t pe = se >> 1;
    se = (pe & 1) ? pe - 1 : pe + 1;
    s = cs_mmr_get(m, row, se, 0);
  }
  return 0;
}

bool cs_mmr_check_proof(const cs_env_t *env, const cs_mmr_t *m,
                        const mn_mmrdata_t *leaf, const mn_mmrproof_t *p) {
  mn_mmrdata_t r;
  if (env->obj->mmr_fold(p, leaf, &r))
    return false;
  mn_mmrdata_t root;
  if (cs_mmr_root(env, m, &root))
    return false; /* the reference throws on a null root */
  if (env->obj->mmr_equal(&r, &root))
    return true;
  mn_mmrentry_t peaks[CS_MMR_ROWS];
  size_t n = cs_mmr_peaks(m, peaks);
  for (size_t i = 0; i < n; i++)
    if (env->obj->mmr_equal(&r, &peaks[i].data))
      return true;
  return false;
}

const cs_mmr_t *cs_mmr_at(const cs_mmr_t *m, int64_t t) {
  for (const cs_mmr_t *c = m; c; c = c->parent) {
    if (c->blocktime == t)
      return c;
    if (c->blocktime < t)
      return NULL;
  }
  return NULL;
}

bool cs_mmr_check_time_valid(const cs_env_t *env, const cs_mmr_t *m,
                             uint64_t entry, const mn_mmrdata_t *leaf,
                             const mn_mmrproof_t *p) {
  int64_t t;
  if (cs_num_i64(env, &p->blocktime, &t))
    return false;
  const cs_mmr_t *at = cs_mmr_at(m, t);
  if (!at)
    return false;
  if (!cs_mmr_check_proof(env, at, leaf, p))
    return false;
  const mn_mmrdata_t *x = cs_mmr_get(m, 0, entry, t);
  if (!x)
    return true;
  return env->obj->mmr_equal(x, leaf);
}

void cs_mmr_each(const cs_mmr_t *m,
                 void (*fn)(int row, uint64_t entry, const mn_mmrdata_t *d,
                            void *data),
                 void *data) {
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].used)
      fn(m->slots[i].row, m->slots[i].entry, &m->slots[i].data, data);
}

static void put_u64(mn_buf_t *b, uint64_t v) {
  uint8_t x[8];
  for (int i = 0; i < 8; i++)
    x[i] = (uint8_t)(v >> (56 - 8 * i));
  mn_buf_put(b, x, 8);
}

static uint64_t get_u64(mn_reader_t *r) {
  const uint8_t *p = mn_reader_take(r, 8);
  uint64_t v = 0;
  if (p)
    for (int i = 0; i < 8; i++)
      v = v << 8 | p[i];
  return v;
}

typedef struct enc_ctx {
  const cs_env_t *env;
  mn_buf_t *out;
  int err;
} enc_ctx_t;

static void enc_one(int row, uint64_t entry, const mn_mmrdata_t *d,
                    void *data) {
  enc_ctx_t *c = data;
  mn_buf_put_u8(c->out, (uint8_t)row);
  put_u64(c->out, entry);
  mn_buf_put_u8(c->out, (uint8_t)d->len);
  mn_buf_put(c->out, d->hash, d->len);
  uint8_t nb[MN_NUM_MAX_ENCODED];
  int n = c->env->num->encode(&d->value, nb, sizeof nb);
  if (n < 0) {
    c->err = n;
    return;
  }
  mn_buf_put(c->out, nb, (size_t)n);
}

int cs_mmr_encode(const cs_env_t *env, const cs_mmr_t *m, mn_buf_t *out) {
  put_u64(out, (uint64_t)m->blocktime);
  put_u64(out, m->leaves);
  put_u64(out, m->n);
  enc_ctx_t c = {env, out, 0};
  cs_mmr_each(m, enc_one, &c);
  return c.err ? c.err : out->err;
}

int cs_mmr_decode(const cs_env_t *env, mn_reader_t *r, cs_mmr_t **out) {
  *out = NULL;
  int64_t bt = (int64_t)get_u64(r);
  uint64_t leaves = get_u64(r);
  uint64_t n = get_u64(r);
  if (r->err || n > mn_reader_left(r))
    return MN_ECORRUPT;
  cs_mmr_t *m = cs_mmr_new(bt);
  m->leaves = leaves;
  for (uint64_t i = 0; i < n; i++) {
    mn_mmrdata_t d;
    memset(&d, 0, sizeof d);
    int row = mn_reader_u8(r);
    uint64_t entry = get_u64(r);
    size_t len = mn_reader_u8(r);
    const uint8_t *h = mn_reader_take(r, len);
    if (r->err || len > MN_HASH_MAX)
      goto bad;
    memcpy(d.hash, h, len);
    d.len = (uint32_t)len;
    size_t used;
    if (env->num->decode(&d.value, r->p + r->pos, mn_reader_left(r), &used))
      goto bad;
    mn_reader_take(r, used);
    if (cs_mmr_set(m, row, entry, &d))
      goto bad;
  }
  cs_mmr_finalize(env, m);
  *out = m;
  return 0;
bad:
  cs_mmr_free(m);
  return MN_ECORRUPT;
}
