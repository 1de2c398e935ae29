/*
 * cascade.c - the cascade of bodiless headers (spec/cascade.md).
 *
 * Nodes are kept oldest first in an array; cs_cascade_chain() walks it
 * from the tip, as the reference's linked list does, and compacts it in
 * place.
 */
#include <stdint.h>
#include <string.h>

#include "cs.h"

void cs_cascade_init(cs_cascade_t *c) {
  memset(c, 0, sizeof *c);
}

void cs_cascade_free(const cs_env_t *env, cs_cascade_t *c) {
  for (uint32_t i = 0; i < c->n; i++)
    env->obj->free(c->nodes[i].txpow);
  free(c->nodes);
  cs_cascade_init(c);
}

const cs_cnode_t *cs_cascade_tip(const cs_cascade_t *c) {
  return c->n ? &c->nodes[c->n - 1] : NULL;
}

void cs_cascade_push(cs_cascade_t *c, mn_txpow_t *t, int32_t level) {
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 64;
    c->nodes = cs_xrealloc(c->nodes, c->cap * sizeof *c->nodes);
  }
  cs_cnode_t *n = &c->nodes[c->n++];
  n->txpow = t;
  n->level = level;
  n->superlevel = t->superlevel;
}

int cs_cascade_add(const cs_env_t *env, cs_cascade_t *c, const mn_txpow_t *t) {
  mn_txpow_t *copy;
  int rc = mn_txpow_copy(env->obj, t, &copy);
  if (rc)
    return rc;
  copy->body = NULL; /* clearBody(): the header is all a cascade keeps */
  cs_cascade_push(c, copy, 0);
  return 0;
}

int cs_cascade_node_weight(const cs_env_t *env, const cs_cnode_t *n,
                           mn_weight_t *w) {
  uint32_t lv = n->level < 0 ? 0 : (uint32_t)n->level;
  return env->obj->weight_mul_pow2(w, &n->txpow->weight, lv);
}

int cs_cascade_chain(const cs_env_t *env, cs_cascade_t *c) {
  memset(&c->total, 0, sizeof c->total);
  if (!c->n)
    return 0;
  int rc;
  uint32_t w = c->n - 1; /* the tip stays, its level unchanged */
  mn_weight_t nw;
  if ((rc = cs_cascade_node_weight(env, &c->nodes[w], &nw)))
    return rc;
  c->total = nw;
  int level = 0, count = 1;
  for (uint32_t i = c->n - 1; i-- > 0;) {
    cs_cnode_t *cur = &c->nodes[i];
    if (cur->superlevel >= level) {
      cur->level = level;
      if ((rc = cs_cascade_node_weight(env, cur, &nw)) ||
          (rc = env->obj->weight_add(&c->total, &c->total, &nw)))
        return rc;
      c->nodes[--w] = *cur;
      count++;
      if (count >= env->p.cascade_level_nodes &&
          level < MN_CASCADE_LEVELS - 1) {
        level++;
        count = 0;
      }
    } else {
      env->obj->free(cur->txpow);
    }
  }
  /* Kept nodes now sit at [w, n); move them down. */
  uint32_t kept = c->n - w;
  memmove(c->nodes, c->nodes + w, kept * sizeof *c->nodes);
  c->n = kept;
  return 0;
}

int cs_cascade_encode(const cs_env_t *env, const cs_cascade_t *c,
                      mn_buf_t *out) {
  uint8_t nb[MN_NUM_MAX_ENCODED];
  mn_num_t n;
  env->num->from_u64(&n, c->n);
  int k = env->num->encode(&n, nb, sizeof nb);
  if (k < 0)
    return k;
  mn_buf_put(out, nb, (size_t)k);
  for (uint32_t i = c->n; i-- > 0;) {
    int rc = mn_txpow_encode(env->obj, c->nodes[i].txpow, out);
    if (rc)
      return rc;
    env->num->from_i64(&n, c->nodes[i].level);
    k = env->num->encode(&n, nb, sizeof nb);
    if (k < 0)
      return k;
    mn_buf_put(out, nb, (size_t)k);
  }
  return out->err;
}

int cs_cascade_from_obj(const cs_env_t *env, const mn_cascade_t *o,
                        cs_cascade_t *c) {
  cs_cascade_init(c);
  for (uint32_t i = o->n_nodes; i-- > 0;) {
    mn_txpow_t *copy;
    int rc = mn_txpow_copy(env->obj, &o->nodes[i].txpow, &copy);
    if (rc) {
      cs_cascade_free(env, c);
      return rc;
    }
    copy->body = NULL;
    cs_cascade_push(c, copy, o->nodes[i].level);
  }
  int rc = cs_cascade_chain(env, c);
  if (rc)
    cs_cascade_free(env, c);
  return rc;
}

int cs_cascade_copy(const cs_env_t *env, const cs_cascade_t *src,
                    cs_cascade_t *dst) {
  cs_cascade_init(dst);
  for (uint32_t i = 0; i < src->n; i++) {
    mn_txpow_t *copy;
    int rc = mn_txpow_copy(env->obj, src->nodes[i].txpow, &copy);
    if (rc) {
      cs_cascade_free(env, dst);
      return rc;
    }
    cs_cascade_push(dst, copy, src->nodes[i].level);
  }
  dst->total = src->total;
  return 0;
}

static bool past_exists(const cs_cascade_t *c, uint32_t from,
                        const mn_data_t *id) {
  if (id->len != 32)
    return false;
  for (uint32_t j = from + 1; j-- > 0;)
    if (memcmp(c->nodes[j].txpow->txpowid, id->data, 32) == 0)
      return true;
  return false;
}

bool cs_cascade_correct(const cs_cascade_t *c) {
  if (c->n && c->nodes[c->n - 1].level != 0)
    return false;
  int32_t oldlevel = 0;
  for (uint32_t k = c->n; k-- > 0;) {
    const cs_cnode_t *cn = &c->nodes[k];
    int32_t cl = cn->level;
    if (cl != oldlevel) {
      if (oldlevel == INT32_MAX || cl != oldlevel + 1)
        return false;
      oldlevel = cl;
    }
    bool last = k == 0 || c->nodes[k - 1].level != cl;
    bool foundzero = false;
    for (int32_t i = cl; i < MN_CASCADE_LEVELS; i++) {
      const mn_data_t *sp = &cn->txpow->header.superparents[i];
      if (cs_data_is_zero(sp)) {
        foundzero = true;
        continue;
      }
      if (foundzero)
        return false;
      if (last && i <= cl)
        continue;
      if (!past_exists(c, k, sp))
        return false;
    }
  }
  return true;
}
