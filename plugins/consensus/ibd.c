/*
 * ibd.c - initial blockchain download (spec/cascade.md §7, §8): building
 * an IBD for a peer's greeting and processing one from a peer.
 */
#include <stdio.h>
#include <string.h>

#include "cons.h"

#define MAX_BLOCKS_FOR_IBD 34000

static int put_count(const cs_env_t *env, mn_buf_t *b, uint64_t n) {
  mn_num_t x;
  env->num->from_u64(&x, n);
  uint8_t nb[MN_NUM_MAX_ENCODED];
  int k = env->num->encode(&x, nb, sizeof nb);
  if (k < 0)
    return k;
  mn_buf_put(b, nb, (size_t)k);
  return 0;
}

/* Main-chain nodes root first. */
static cs_node_t **main_chain(cs_t *c, size_t *n) {
  size_t k = 0;
  for (cs_node_t *x = c->tree.tip; x; x = x->parent)
    k++;
  cs_node_t **v = cs_xcalloc(k ? k : 1, sizeof *v);
  size_t i = k;
  for (cs_node_t *x = c->tree.tip; x; x = x->parent)
    v[--i] = x;
  *n = k;
  return v;
}

static int put_blocks(cs_t *c, cs_node_t **v, size_t from, size_t to,
                      mn_buf_t *out, const mn_buf_t *prefix, size_t nprefix) {
  int rc = put_count(&c->env, out, nprefix + (to - from));
  if (rc)
    return rc;
  if (prefix)
    mn_buf_put(out, prefix->data, prefix->len);
  for (size_t i = from; i < to && !rc; i++)
    rc = mn_txblock_encode(c->env.obj, v[i]->tb, out);
  return rc ? rc : out->err;
}

static int complete_ibd(cs_t *c, mn_buf_t *out) {
  mn_buf_put_u8(out, 1);
  int rc = cs_cascade_encode(&c->env, &c->casc, out);
  if (rc)
    return rc;
  size_t n;
  cs_node_t **v = main_chain(c, &n);
  rc = put_blocks(c, v, 0, n, out, NULL, 0);
  free(v);
  return rc;
}

/* The archived main-chain block number holding id, or -1. */
static int64_t archive_find(cs_t *c, const uint8_t id[32]) {
  mn_txpow_t *owned = NULL;
  const mn_txpow_t *t = cs_txpow_find(c, id, &owned);
  int64_t found = -1;
  if (t && t->is_block) {
    int64_t num = cs_txpow_number(&c->env, t);
    uint8_t k[8];
    for (int i = 0; i < 8; i++)
      k[i] = (uint8_t)((uint64_t)num >> (56 - 8 * i));
    mn_buf_t b = {0};
    mn_txblock_t *tb;
    if (cs_db_read(c, CS_DB_ARCHIVE, k, 8, &b) == 0 &&
        mn_txblock_decode(c->env.obj, b.data, b.len, NULL, &tb) == 0) {
      if (memcmp(tb->txpow.txpowid, id, 32) == 0)
        found = num;
      c->env.obj->free(tb);
    }
    mn_buf_free(&b);
  }
  c->env.obj->free(owned);
  return found;
}

int cs_ibd_build(cs_t *c, int64_t top, const uint8_t (*ids)[32], size_t n,
                 mn_buf_t *out, bool *crossover) {
  *crossover = true;
  if (!c->tree.tip) {
    mn_buf_put_u8(out, 0);
    int rc = put_count(&c->env, out, 0);
    return rc ? rc : out->err;
  }
  if (top == -1)
    return complete_ibd(c, out);
  int64_t myroot = c->tree.root->number, mytip = c->tree.tip->number;
  int64_t greetroot = top - ((int64_t)n - 1);
  if (top < myroot) {
    int64_t found = -1;
    for (size_t i = 0; i < n && found < 0; i++)
      if (i % 20 == 0)
        found = archive_find(c, ids[i]);
    if (found < 0 && n > 0)
      found = archive_find(c, ids[n - 1]);
    if (found < 0 || myroot - found > MAX_BLOCKS_FOR_IBD)
      return complete_ibd(c, out);
    /* Archived blocks after the crossover, then the whole tree. */
    mn_buf_t pre = {0};
    size_t np = 0;
    for (int64_t b = found + 1; b < myroot; b++) {
      uint8_t k[8];
      for (int i = 0; i < 8; i++)
        k[i] = (uint8_t)((uint64_t)b >> (56 - 8 * i));
      if (cs_db_read(c, CS_DB_ARCHIVE, k, 8, &pre) == 0)
        np++;
    }
    mn_buf_put_u8(out, 0);
    size_t nn;
    cs_node_t **v = main_chain(c, &nn);
    int rc = pre.err ? pre.err : put_blocks(c, v, 0, nn, out, &pre, np);
    free(v);
    mn_buf_free(&pre);
    return rc;
  }
  if (greetroot > mytip)
    return complete_ibd(c, out);
  size_t nn;
  cs_node_t **v = main_chain(c, &nn);
  int rc;
  for (size_t i = 0; i < n; i++) {
    cs_node_t *x = cs_tree_find(&c->tree, ids[i]);
    if (x && x->on_main) {
      size_t from = 0;
      while (from < nn && v[from] != x)
        from++;
      mn_buf_put_u8(out, 0);
      rc = put_blocks(c, v, from + 1, nn, out, NULL, 0);
      free(v);
      return rc;
    }
  }
  free(v);
  *crossover = false;
  c->host->log(c->self, MN_LOG_INFO,
               "a peer's greeting shares no block with our chain; it is on "
               "a different chain (sending our complete IBD)");
  return complete_ibd(c, out);
}

/* ---- chain weight comparison (IBD.checkOurChainHeavier) ------------------ */

/* A chain as the comparison sees it: tree TxPoWs oldest first and a
 * cascade (oldest first). */
typedef struct side {
  const mn_txpow_t **blocks;
  size_t n;
  const cs_cascade_t *casc;
} side_t;

static int side_weight(const cs_env_t *env, const side_t *s, const uint8_t *x,
                       mn_uint_t *out) {
  const mn_obj_api_t *obj = env->obj;
  mn_weight_t tw;
  memset(&tw, 0, sizeof tw);
  size_t from = 0;
  bool in_blocks = false;
  if (x)
    for (size_t i = s->n; i-- > 0;)
      if (memcmp(s->blocks[i]->txpowid, x, 32) == 0) {
        from = i;
        in_blocks = true;
        break;
      }
  int rc = 0;
  for (size_t i = from; i < s->n && !rc; i++)
    rc = obj->weight_add(&tw, &tw, &s->blocks[i]->weight);
  mn_weight_t cw;
  memset(&cw, 0, sizeof cw);
  if (!rc && x && !in_blocks) {
    /* The cascade from its tip back to the crossover, re-cascaded. */
    cs_cascade_t tmp;
    cs_cascade_init(&tmp);
    size_t start = 0;
    for (size_t i = s->casc->n; i-- > 0;)
      if (memcmp(s->casc->nodes[i].txpow->txpowid, x, 32) == 0) {
        start = i;
        break;
      }
    for (size_t i = start; i < s->casc->n && !rc; i++)
      rc = cs_cascade_add(env, &tmp, s->casc->nodes[i].txpow);
    if (!rc)
      rc = cs_cascade_chain(env, &tmp);
    cw = tmp.total;
    cs_cascade_free(env, &tmp);
  } else if (!rc && !x) {
    cw = s->casc->total;
  }
  mn_weight_t a, b;
  mn_uint_t ua, ub;
  if (rc || (rc = obj->weight_trunc(&a, &tw)) ||
      (rc = obj->weight_trunc(&b, &cw)))
    return rc;
  /* Truncated weights are integers: read their magnitudes. */
  memcpy(ua.w, a.mag, sizeof ua.w);
  memcpy(ub.w, b.mag, sizeof ub.w);
  return obj->uint_add(out, &ua, &ub);
}

static bool casc_has(const cs_cascade_t *c, const uint8_t id[32]) {
  for (uint32_t i = 0; i < c->n; i++)
    if (memcmp(c->nodes[i].txpow->txpowid, id, 32) == 0)
      return true;
  return false;
}

static bool blocks_has(const side_t *s, const uint8_t id[32]) {
  for (size_t i = 0; i < s->n; i++)
    if (memcmp(s->blocks[i]->txpowid, id, 32) == 0)
      return true;
  return false;
}

static bool our_chain_heavier(cs_t *c, const mn_ibd_t *ibd,
                              const cs_cascade_t *theirc) {
  size_t n;
  cs_node_t **v = main_chain(c, &n);
  side_t ours = {cs_xcalloc(n + 1, sizeof(mn_txpow_t *)), n, &c->casc};
  for (size_t i = 0; i < n; i++)
    ours.blocks[i] = v[i]->txpow;
  free(v);
  side_t theirs = {cs_xcalloc(ibd->n_blocks + 1, sizeof(mn_txpow_t *)),
                   ibd->n_blocks, theirc};
  for (uint32_t i = 0; i < ibd->n_blocks; i++)
    theirs.blocks[i] = &ibd->blocks[i].txpow;
  const uint8_t *x = NULL;
  for (size_t i = theirs.n; !x && i-- > 0;)
    if (blocks_has(&ours, theirs.blocks[i]->txpowid))
      x = theirs.blocks[i]->txpowid;
  for (size_t i = theirs.n; !x && i-- > 0;)
    if (casc_has(&c->casc, theirs.blocks[i]->txpowid))
      x = theirs.blocks[i]->txpowid;
  for (size_t i = theirc->n; !x && i-- > 0;)
    if (blocks_has(&ours, theirc->nodes[i].txpow->txpowid))
      x = theirc->nodes[i].txpow->txpowid;
  for (size_t i = theirc->n; !x && i-- > 0;)
    if (casc_has(&c->casc, theirc->nodes[i].txpow->txpowid))
      x = theirc->nodes[i].txpow->txpowid;
  mn_uint_t mine, them;
  bool heavier = true;
  if (side_weight(&c->env, &ours, x, &mine) == 0 &&
      side_weight(&c->env, &theirs, x, &them) == 0)
    heavier = c->env.obj->uint_cmp(&mine, &them) >= 0;
  free(ours.blocks);
  free(theirs.blocks);
  return heavier;
}

int cs_ibd_start(cs_t *c, const mn_ibd_t *ibd, mn_chain_verdict_t *v, char *msg,
                 size_t cap) {
  const cs_env_t *env = &c->env;
  cs_cascade_t theirc;
  cs_cascade_init(&theirc);
  int more = 0;
  bool hascasc = ibd->has_cascade;
  if (hascasc && cs_cascade_from_obj(env, &ibd->cascade, &theirc)) {
    v->status = MN_CHAIN_REJECTED;
    v->reason = MN_CHAIN_R_IBD;
    v->disconnect = true;
    snprintf(msg, cap, "the IBD's cascade cannot be read");
    goto out;
  }
  /* checkValidData */
  if (hascasc && theirc.n > 0) {
    const cs_cnode_t *ct = cs_cascade_tip(&theirc);
    if (ibd->n_blocks == 0 ||
        cs_txpow_number(env, &ibd->blocks[0].txpow) !=
            cs_txpow_number(env, ct->txpow) + 1 ||
        !cs_cascade_correct(&theirc)) {
      v->status = MN_CHAIN_REJECTED;
      v->reason = MN_CHAIN_R_IBD;
      v->disconnect = true;
      snprintf(msg, cap,
               "inconsistent IBD: its cascade and blocks do not "
               "fit together");
      c->stats.rejected[MN_CHAIN_R_IBD]++;
      goto out;
    }
  }
  if (c->casc.n > 0 && hascasc && theirc.n > 0 &&
      !our_chain_heavier(c, ibd, &theirc)) {
    v->status = MN_CHAIN_REJECTED;
    v->reason = MN_CHAIN_R_HEAVIER;
    v->disconnect = true;
    snprintf(msg, cap,
             "the peer is on a heavier, different chain; we do "
             "not switch to it");
    c->host->log(c->self, MN_LOG_WARN, "%s", msg);
    c->stats.rejected[MN_CHAIN_R_HEAVIER]++;
    goto out;
  }
  v->status = MN_CHAIN_ACCEPTED;
  if (hascasc && c->casc.n == 0 && theirc.n > 0) {
    bool ignore = false;
    if (c->tree.root) {
      const cs_cnode_t *ct = cs_cascade_tip(&theirc);
      const mn_data_t *rp = mn_txpow_parent(c->tree.root->txpow);
      if (cs_txpow_number(env, ct->txpow) != c->tree.root->number - 1 ||
          !cs_data_is(rp, ct->txpow->txpowid, 32))
        ignore = true;
    }
    if (!ignore)
      cs_install_cascade(c, &theirc);
  }
  uint64_t now = c->host->mono_ms();
  if (now - c->first_ibd_mono > 5 * 60 * 1000 && c->tree.tip &&
      ibd->n_blocks > 0) {
    int64_t diff = c->tree.tip->time - (int64_t)c->host->now_ms();
    if (diff < 0)
      diff = -diff;
    if ((uint64_t)diff < env->p.ibd_uptodate_ms) {
      snprintf(msg, cap, "our chain is up to date: only full TxPoWs");
      cs_commit(c);
      goto out;
    }
  }
  more = ibd->n_blocks > 0;
  if (!more)
    cs_commit(c);
out:
  cs_cascade_free(env, &theirc);
  return more;
}

bool cs_ibd_step(cs_t *c, const mn_ibd_t *ibd, uint64_t origin, uint32_t *next,
                 uint32_t *added, mn_chain_verdict_t *v, char *msg,
                 size_t cap) {
  const cs_env_t *env = &c->env;
  uint32_t end = *next + CS_IBD_SLICE;
  if (end > ibd->n_blocks)
    end = ibd->n_blocks;
  bool failed = false;
  for (uint32_t i = *next; i < end; i++) {
    bool ok;
    int rc = cs_add_sync_block(c, &ibd->blocks[i], &ok);
    if (rc) {
      v->status = MN_CHAIN_REJECTED;
      v->reason = MN_CHAIN_R_IBD;
      v->disconnect = true;
      snprintf(msg, cap, "IBD block %lld does not attach to our tree",
               (long long)cs_txpow_number(env, &ibd->blocks[i].txpow));
      failed = true;
      break;
    }
    if (ok) {
      (*added)++;
      mn_buf_t ids = {0};
      cs_collect_missing(c, &ibd->blocks[i].txpow, &ids);
      cs_publish_need(c, origin, ibd->blocks[i].txpow.txpowid, &ids);
      mn_buf_free(&ids);
    }
  }
  *next = end;
  cs_recalc(c);
  cs_commit(c);
  if (!failed && end < ibd->n_blocks)
    return false;
  if (!failed)
    snprintf(msg, cap, "%u of %u blocks added", *added, ibd->n_blocks);
  int64_t last =
      ibd->n_blocks
          ? cs_txpow_number(env, &ibd->blocks[ibd->n_blocks - 1].txpow)
          : -1;
  if (!failed && last > c->best_known)
    c->best_known = last;
  return true;
}
