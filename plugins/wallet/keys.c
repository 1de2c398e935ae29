/*
 * keys.c - the wallet's tree keys (spec/crypto.md §3, §4).
 *
 * Key k's private seed is SHA3(MiniData(base seed) || MiniData(k as
 * minimal bytes)); its public key is the root of a tree key of
 * key_size x key_depth (64 x 3 by default).  Making a key hashes for
 * about 20 ms, so the default (change) addresses are made on the host work
 * queue, a few per job, and signing runs there too.  The private seeds are
 * never stored: they are derived again when a key signs.
 *
 * Use counters: a key's `uses` is the next one-time path to sign with.
 * wal_reserve_uses() stores uses + 1 in one write transaction before any
 * signature is made; a crash wastes a path, never repeats one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

/* Default keys made per work item. */
#define KEYGEN_BATCH 4

size_t wal_modifier(uint32_t index, uint8_t out[4]) {
  uint8_t be[4] = {(uint8_t)(index >> 24), (uint8_t)(index >> 16),
                   (uint8_t)(index >> 8), (uint8_t)index};
  size_t skip = 0;
  while (skip < 3 && be[skip] == 0)
    skip++;
  memcpy(out, be + skip, 4 - skip);
  return 4 - skip;
}

void wal_privseed(const mn_crypto_api_t *c, const uint8_t seed[32],
                  uint32_t index, uint8_t out[32]) {
  uint8_t mod[4];
  size_t mlen = wal_modifier(index, mod);
  uint8_t pre[4 + 32 + 4 + 4] = {0, 0, 0, 32};
  memcpy(pre + 4, seed, 32);
  pre[36] = pre[37] = pre[38] = 0;
  pre[39] = (uint8_t)mlen;
  memcpy(pre + 40, mod, mlen);
  c->sha3_256(pre, 40 + mlen, out);
}

void wal_simple_script(const uint8_t pub[32], char *out) {
  static const char hex[] = "0123456789ABCDEF";
  char *w = out + sprintf(out, "RETURN SIGNEDBY(0x");
  for (int i = 0; i < 32; i++) {
    *w++ = hex[pub[i] >> 4];
    *w++ = hex[pub[i] & 15];
  }
  *w++ = ')';
  *w = '\0';
}

int wal_derive_pub(const mn_crypto_api_t *c, const uint8_t seed[32],
                   uint32_t index, uint32_t size, uint32_t depth,
                   uint8_t pub[32]) {
  uint8_t priv[32];
  wal_privseed(c, seed, index, priv);
  mn_treekey_t *tk;
  int err = c->treekey_new(priv, size, depth, &tk);
  memset(priv, 0, sizeof priv);
  if (err)
    return err;
  c->treekey_pubkey(tk, pub);
  c->treekey_free(tk);
  return 0;
}

wal_key_t *wal_key_find(wal_t *w, const uint8_t *pub, size_t len) {
  size_t i;
  return wal_hset_get(&w->keyidx, pub, len, &i) ? &w->keys[i] : NULL;
}

static int key_insert(wal_t *w, const wal_key_t *k) {
  if (w->nkeys == w->capkeys) {
    size_t cap = w->capkeys ? w->capkeys * 2 : 64;
    wal_key_t *a = realloc(w->keys, cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    w->keys = a;
    w->capkeys = cap;
  }
  int err = wal_hset_put(&w->keyidx, k->pub, w->nkeys);
  if (err)
    return err;
  w->keys[w->nkeys++] = *k;
  if (k->index >= w->next_index)
    w->next_index = k->index + 1;
  return 0;
}

static uint64_t max_uses(uint32_t size, uint32_t depth) {
  uint64_t m = 1;
  for (uint32_t i = 0; i < depth; i++) {
    if (m > UINT64_MAX / size)
      return UINT64_MAX;
    m *= size;
  }
  return m;
}

/* Stores n new keys with their simple scripts, then adds them to memory. */
static int store_keys(wal_t *w, const uint8_t (*pubs)[32], const uint32_t *idx,
                      size_t n, bool is_default, bool with_script,
                      wal_script_t **last) {
  wal_batch_t b = {0};
  wal_key_t *ks = calloc(n, sizeof *ks);
  wal_script_t *ss = calloc(n, sizeof *ss);
  int err = 0;
  if (!ks || !ss) {
    err = MN_ENOMEM;
    goto out;
  }
  uint32_t next = w->next_index;
  for (size_t i = 0; i < n; i++) {
    wal_key_t *k = &ks[i];
    memcpy(k->pub, pubs[i], 32);
    k->index = idx[i];
    k->size = w->key_size;
    k->depth = w->key_depth;
    k->maxuses = max_uses(w->key_size, w->key_depth);
    uint8_t rec[WAL_KEY_REC];
    wal_key_encode(k, rec);
    wal_put(&b, w->db_keys, k->pub, 32, rec, sizeof rec);
    if (idx[i] + 1 > next)
      next = idx[i] + 1;
    if (!with_script)
      continue;
    wal_script_t *s = &ss[i];
    char text[WAL_SIMPLE_SCRIPT_LEN + 1];
    wal_simple_script(k->pub, text);
    s->script = strdup(text);
    if (!s->script) {
      err = MN_ENOMEM;
      goto out;
    }
    s->len = strlen(text);
    w->obj->script_address(text, s->len, s->address);
    memcpy(s->pub, k->pub, 32);
    s->flags = WAL_S_SIMPLE | WAL_S_TRACK | (is_default ? WAL_S_DEFAULT : 0);
    s->seq = w->next_seq + i;
    mn_buf_t rec2 = {0};
    wal_script_encode(s, &rec2);
    wal_put(&b, w->db_scripts, s->address, 32, rec2.data, rec2.len);
    if (rec2.err)
      b.err = rec2.err;
    mn_buf_free(&rec2);
  }
  uint8_t nb[4] = {(uint8_t)next, (uint8_t)(next >> 8), (uint8_t)(next >> 16),
                   (uint8_t)(next >> 24)};
  wal_put(&b, w->db_meta, WAL_META_NEXTKEY, strlen(WAL_META_NEXTKEY), nb, 4);
  err = wal_commit(w, &b);
  if (err)
    goto out;
  for (size_t i = 0; i < n && !err; i++) {
    err = key_insert(w, &ks[i]);
    if (!err && !with_script)
      continue;
    if (!err)
      err = wal_script_insert(w, &ss[i]);
    if (!err) {
      ss[i].script = NULL; /* the table owns it now */
      if (last)
        *last = wal_script_find(w, ss[i].address, 32);
    }
  }
  if (with_script) {
    w->next_seq += n;
    /* Coins may already wait at a new address (a genesis paid to it, a
     * wallet restored from its phrase). */
    uint8_t(*addrs)[32] = malloc(n * 32);
    if (addrs) {
      for (size_t i = 0; i < n; i++)
        memcpy(addrs[i], ss[i].address, 32);
      wal_scan_addresses(w, (const uint8_t(*)[32])addrs, n);
      free(addrs);
    }
  }
out:
  wal_batch_free(&b);
  if (ss)
    for (size_t i = 0; i < n; i++)
      free(ss[i].script);
  free(ss);
  free(ks);
  return err;
}

int wal_new_simple(wal_t *w, bool is_default, wal_script_t **out) {
  if (!w->phrase)
    return MN_ESTATE;
  uint32_t index = w->next_index;
  uint8_t pub[32];
  int err =
      wal_derive_pub(w->crypto, w->seed, index, w->key_size, w->key_depth, pub);
  if (err)
    return err;
  w->next_index = index + 1;
  err = store_keys(w, (const uint8_t(*)[32])pub, &index, 1, is_default, true,
                   out);
  if (err && w->next_index == index + 1)
    w->next_index = index;
  return err;
}

/* ---- one key for a command, on the work queue ------------------------- */

typedef struct onekey {
  wal_t *w;
  uint32_t gen, index, size, depth;
  bool with_script;
  uint8_t seed[32], pub[32];
  int err;
  wal_key_done_fn done;
  void *data;
} onekey_t;

static void onekey_work(void *data) {
  onekey_t *j = data;
  j->err = wal_derive_pub(j->w->crypto, j->seed, j->index, j->size, j->depth,
                          j->pub);
}

static void onekey_done(void *data, int status) {
  onekey_t *j = data;
  wal_t *w = j->w;
  w->jobs--;
  int err = status ? status : j->err;
  if (!err && (w->stopping || j->gen != w->gen))
    err = MN_ECANCELED;
  wal_script_t *s = NULL;
  if (!err)
    err = store_keys(w, (const uint8_t(*)[32])j->pub, &j->index, 1, false,
                     j->with_script, &s);
  j->done(w, err, err ? NULL : wal_key_find(w, j->pub, 32), s, j->data);
  memset(j->seed, 0, sizeof j->seed);
  free(j);
}

int wal_new_key_async(wal_t *w, bool with_script, wal_key_done_fn done,
                      void *data) {
  if (!w->phrase)
    return MN_ESTATE;
  onekey_t *j = calloc(1, sizeof *j);
  if (!j)
    return MN_ENOMEM;
  *j = (onekey_t){.w = w,
                  .gen = w->gen,
                  .index = w->next_index,
                  .size = w->key_size,
                  .depth = w->key_depth,
                  .with_script = with_script,
                  .done = done,
                  .data = data};
  memcpy(j->seed, w->seed, 32);
  int err = w->host->work_submit(w->self, onekey_work, onekey_done, j);
  if (err) {
    free(j);
    return err;
  }
  w->next_index++;
  w->jobs++;
  return 0;
}

/* ---- default keys on the work queue ------------------------------------ */

struct wal_keygen {
  wal_t *w;
  uint32_t gen;
  uint8_t seed[32];
  uint32_t size, depth;
  uint32_t idx[KEYGEN_BATCH];
  uint8_t pubs[KEYGEN_BATCH][32];
  size_t n;
  int err;
};

static void keygen_work(void *data) {
  wal_keygen_t *g = data;
  for (size_t i = 0; i < g->n && !g->err; i++)
    g->err = wal_derive_pub(g->w->crypto, g->seed, g->idx[i], g->size, g->depth,
                            g->pubs[i]);
}

static void keygen_done(void *data, int status) {
  wal_keygen_t *g = data;
  wal_t *w = g->w;
  w->jobs--;
  w->keygen = NULL;
  if (status == 0 && !g->err && !w->stopping && g->gen == w->gen) {
    int err = store_keys(w, (const uint8_t(*)[32])g->pubs, g->idx, g->n, true,
                         true, NULL);
    if (err)
      w->host->log(w->self, MN_LOG_ERROR, "cannot store new default keys: %s",
                   mn_strerror(err));
    else
      wal_waiters_flush(w);
  } else if (g->err) {
    w->host->log(w->self, MN_LOG_ERROR, "cannot make a key: %s",
                 mn_strerror(g->err));
  }
  memset(g->seed, 0, sizeof g->seed);
  free(g);
  if (!w->stopping)
    wal_keygen_kick(w);
}

void wal_keygen_kick(wal_t *w) {
  if (w->keygen || w->stopping || !w->phrase || w->ndefault >= w->default_keys)
    return;
  wal_keygen_t *g = calloc(1, sizeof *g);
  if (!g)
    return;
  g->w = w;
  g->gen = w->gen;
  memcpy(g->seed, w->seed, 32);
  g->size = w->key_size;
  g->depth = w->key_depth;
  size_t want = w->default_keys - w->ndefault;
  g->n = want < KEYGEN_BATCH ? want : KEYGEN_BATCH;
  /* Indices are handed out now so a newaddress meanwhile gets another. */
  for (size_t i = 0; i < g->n; i++)
    g->idx[i] = w->next_index++;
  if (w->host->work_submit(w->self, keygen_work, keygen_done, g)) {
    w->next_index -= (uint32_t)g->n;
    free(g);
    return;
  }
  w->keygen = g;
  w->jobs++;
}

/* ---- use counters ------------------------------------------------------- */

int wal_reserve_uses(wal_t *w, const uint8_t (*pubs)[32], size_t n,
                     uint64_t *uses, char *why, size_t cap) {
  wal_batch_t b = {0};
  for (size_t i = 0; i < n; i++) {
    wal_key_t *k = wal_key_find(w, pubs[i], 32);
    if (!k) {
      char *hex = wal_hex(pubs[i], 32);
      snprintf(why, cap, "Public Key not found : %s", hex ? hex : "?");
      free(hex);
      wal_batch_free(&b);
      return MN_ENOENT;
    }
    /* A key listed twice takes two consecutive uses. */
    uint64_t u = k->uses;
    for (size_t j = 0; j < i; j++)
      if (memcmp(pubs[j], pubs[i], 32) == 0)
        u++;
    if (u >= k->maxuses) {
      char *hex = wal_hex(k->pub, 32);
      snprintf(why, cap,
               "Key %s has used all %llu of its one-time signatures; it "
               "cannot sign again. Move its coins with another key's "
               "signature or spend from another address",
               hex ? hex : "?", (unsigned long long)k->maxuses);
      free(hex);
      wal_batch_free(&b);
      return MN_EEXHAUSTED;
    }
    uses[i] = u;
    wal_key_t next = *k;
    next.uses = u + 1;
    uint8_t rec[WAL_KEY_REC];
    wal_key_encode(&next, rec);
    wal_put(&b, w->db_keys, k->pub, 32, rec, sizeof rec);
  }
  int err = wal_commit(w, &b);
  if (err) {
    snprintf(why, cap,
             "Cannot store the key use counters (%s); nothing "
             "was signed",
             mn_strerror(err));
    return MN_EIO;
  }
  for (size_t i = 0; i < n; i++) {
    wal_key_t *k = wal_key_find(w, pubs[i], 32);
    if (uses[i] + 1 > k->uses)
      k->uses = uses[i] + 1;
    /* Say so while there is time to move the key's coins. */
    uint64_t left = k->maxuses - k->uses;
    if (left <= k->maxuses / 10 && (left % 64 == 0 || left < 16)) {
      char *hex = wal_hex(k->pub, 32);
      w->host->log(w->self, MN_LOG_WARN,
                   "key %s has %llu of %llu one-time signatures left: move "
                   "its coins to a new address",
                   hex ? hex : "?", (unsigned long long)left,
                   (unsigned long long)k->maxuses);
      free(hex);
    }
  }
  return 0;
}

/* A tree key for k: the cached one, or a new one (cached when possible). */
static int get_tk(wal_t *w, wal_key_t *k, mn_treekey_t **out, bool *cached) {
  if (k->tk && !k->busy) {
    k->busy = true;
    *out = k->tk;
    *cached = true;
    return 0;
  }
  uint8_t priv[32];
  wal_privseed(w->crypto, w->seed, k->index, priv);
  int err = w->crypto->treekey_new(priv, k->size, k->depth, out);
  memset(priv, 0, sizeof priv);
  *cached = false;
  return err;
}

static void put_tk(wal_t *w, const uint8_t pub[32], mn_treekey_t *tk,
                   bool cached) {
  wal_key_t *k = wal_key_find(w, pub, 32);
  if (cached && k && k->tk == tk) {
    k->busy = false;
    return;
  }
  if (k && !k->tk && !w->stopping) {
    k->tk = tk;
    k->busy = false;
    return;
  }
  w->crypto->treekey_free(tk);
}

int wal_sign_now(wal_t *w, const uint8_t pub[32], uint64_t use, const void *msg,
                 size_t len, mn_buf_t *sig) {
  wal_key_t *k = wal_key_find(w, pub, 32);
  if (!k)
    return MN_ENOENT;
  mn_treekey_t *tk;
  bool cached;
  int err = get_tk(w, k, &tk, &cached);
  if (err)
    return err;
  err = w->crypto->treekey_sign(tk, use, msg, len, sig);
  put_tk(w, pub, tk, cached);
  return err;
}

typedef struct sign_job {
  wal_t *w;
  size_t n;
  uint8_t (*pubs)[32];
  uint64_t *uses;
  mn_treekey_t **tks;
  bool *cached;
  uint8_t (*privs)[32]; /* seeds for keys made in the work function */
  uint32_t *sizes, *depths;
  mn_buf_t *sigs;
  uint8_t msg[32];
  int err;
  wal_signed_fn done;
  void *data;
} sign_job_t;

static void sign_job_free(sign_job_t *j) {
  if (j->privs)
    memset(j->privs, 0, j->n * 32);
  for (size_t i = 0; i < j->n; i++)
    mn_buf_free(&j->sigs[i]);
  free(j->pubs);
  free(j->uses);
  free(j->tks);
  free(j->cached);
  free(j->privs);
  free(j->sizes);
  free(j->depths);
  free(j->sigs);
  free(j);
}

static void sign_work(void *data) {
  sign_job_t *j = data;
  const mn_crypto_api_t *c = j->w->crypto;
  for (size_t i = 0; i < j->n && !j->err; i++) {
    if (!j->tks[i])
      j->err =
          c->treekey_new(j->privs[i], j->sizes[i], j->depths[i], &j->tks[i]);
    if (!j->err)
      j->err = c->treekey_sign(j->tks[i], j->uses[i], j->msg, 32, &j->sigs[i]);
  }
}

static void sign_done(void *data, int status) {
  sign_job_t *j = data;
  wal_t *w = j->w;
  w->jobs--;
  for (size_t i = 0; i < j->n; i++)
    if (j->tks[i])
      put_tk(w, j->pubs[i], j->tks[i], j->cached[i]);
  int err = status ? status : j->err;
  j->done(w, err, j->sigs, j->n, j->data);
  sign_job_free(j);
}

int wal_sign_async(wal_t *w, const uint8_t (*pubs)[32], const uint64_t *uses,
                   size_t n, const uint8_t msg[32], wal_signed_fn done,
                   void *data) {
  if (w->stopping)
    return MN_ESTATE;
  sign_job_t *j = calloc(1, sizeof *j);
  if (!j)
    return MN_ENOMEM;
  j->w = w;
  j->n = n;
  j->done = done;
  j->data = data;
  memcpy(j->msg, msg, 32);
  size_t m = n ? n : 1;
  j->pubs = calloc(m, 32);
  j->uses = calloc(m, sizeof *j->uses);
  j->tks = calloc(m, sizeof *j->tks);
  j->cached = calloc(m, sizeof *j->cached);
  j->privs = calloc(m, 32);
  j->sizes = calloc(m, sizeof *j->sizes);
  j->depths = calloc(m, sizeof *j->depths);
  j->sigs = calloc(m, sizeof *j->sigs);
  if (!j->pubs || !j->uses || !j->tks || !j->cached || !j->privs || !j->sizes ||
      !j->depths || !j->sigs) {
    sign_job_free(j);
    return MN_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    wal_key_t *k = wal_key_find(w, pubs[i], 32);
    if (!k) {
      for (size_t q = 0; q < i; q++)
        if (j->tks[q])
          put_tk(w, j->pubs[q], j->tks[q], j->cached[q]);
      sign_job_free(j);
      return MN_ENOENT;
    }
    memcpy(j->pubs[i], pubs[i], 32);
    j->uses[i] = uses[i];
    j->sizes[i] = k->size;
    j->depths[i] = k->depth;
    if (k->tk && !k->busy) {
      k->busy = true;
      j->tks[i] = k->tk;
      j->cached[i] = true;
    } else {
      wal_privseed(w->crypto, w->seed, k->index, j->privs[i]);
    }
  }
  int err = w->host->work_submit(w->self, sign_work, sign_done, j);
  if (err) {
    for (size_t i = 0; i < n; i++)
      if (j->tks[i])
        put_tk(w, j->pubs[i], j->tks[i], j->cached[i]);
    memset(j->tks, 0, m * sizeof *j->tks);
    sign_job_free(j);
    return err;
  }
  w->jobs++;
  return 0;
}

void wal_keys_free(wal_t *w) {
  /* A busy signer belongs to its job, which frees it. */
  for (size_t i = 0; i < w->nkeys; i++)
    if (w->keys[i].tk && !w->keys[i].busy)
      w->crypto->treekey_free(w->keys[i].tk);
  free(w->keys);
  w->keys = NULL;
  w->nkeys = w->capkeys = 0;
  wal_hset_free(&w->keyidx);
}
