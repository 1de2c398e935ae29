/*
 * tree.c - the TxPoW tree (consensus.md §8): nodes hold a TxBlock and its
 * MMR layer; the tip is found GHOST-style from the root by subtree
 * weight, ties going to the first child added.
 */
#include <string.h>

#include "cs.h"

void cs_tree_init(cs_tree_t *t) {
  memset(t, 0, sizeof *t);
  cs_idmap_init(&t->map);
}

cs_node_t *cs_node_new(const cs_env_t *env, mn_txblock_t *tb, void *extra,
                       cs_mmr_t *mmr, mn_txblock_t *coins) {
  cs_node_t *n = cs_xcalloc(1, sizeof *n);
  n->tb = tb;
  n->extra = extra;
  n->txpow = &tb->txpow;
  n->number = cs_txpow_number(env, n->txpow);
  n->time = cs_txpow_time(env, n->txpow);
  n->mmr = mmr;
  n->coins = coins;
  return n;
}

void cs_node_free(const cs_env_t *env, cs_node_t *n) {
  if (!n)
    return;
  env->obj->free(n->tb);
  env->obj->free(n->extra);
  env->obj->free(n->coins);
  cs_mmr_free(n->mmr);
  free(n->kids);
  free(n->relevant);
  free(n);
}

void cs_node_add_relevant(cs_node_t *n, uint64_t entry) {
  if (n->nrel == n->caprel) {
    n->caprel = n->caprel ? n->caprel * 2 : 8;
    n->relevant = cs_xrealloc(n->relevant, n->caprel * sizeof *n->relevant);
  }
  n->relevant[n->nrel++] = entry;
}

bool cs_node_is_relevant(const cs_node_t *n, uint64_t entry) {
  for (uint32_t i = 0; i < n->nrel; i++)
    if (n->relevant[i] == entry)
      return true;
  return false;
}

static void free_subtree(const cs_env_t *env, cs_node_t *n) {
  /* Iterative, so a long chain cannot overflow the stack. */
  cs_node_t **stack = NULL;
  size_t sn = 0, scap = 0;
  cs_node_t *cur = n;
  while (cur) {
    for (uint32_t i = 0; i < cur->nkids; i++) {
      if (sn == scap) {
        scap = scap ? scap * 2 : 64;
        stack = cs_xrealloc(stack, scap * sizeof *stack);
      }
      stack[sn++] = cur->kids[i];
    }
    cs_node_free(env, cur);
    cur = sn ? stack[--sn] : NULL;
  }
  free(stack);
}

void cs_tree_free(const cs_env_t *env, cs_tree_t *t) {
  if (t->root)
    free_subtree(env, t->root);
  cs_idmap_free(&t->map);
  memset(t, 0, sizeof *t);
}

cs_node_t *cs_tree_find(const cs_tree_t *t, const uint8_t id[32]) {
  return cs_idmap_get(&t->map, id);
}

size_t cs_tree_size(const cs_tree_t *t) {
  return t->map.n;
}

void cs_tree_add_child(cs_tree_t *t, cs_node_t *parent, cs_node_t *child) {
  child->parent = parent;
  cs_mmr_set_parent(child->mmr, parent->mmr);
  if (parent->nkids == parent->capkids) {
    parent->capkids = parent->capkids ? parent->capkids * 2 : 2;
    parent->kids =
        cs_xrealloc(parent->kids, parent->capkids * sizeof *parent->kids);
  }
  parent->kids[parent->nkids++] = child;
  cs_idmap_put(&t->map, child->txpow->txpowid, child);
}

/* Every node, in depth-first order from the root. */
static cs_node_t **all_nodes(const cs_tree_t *t, size_t *count) {
  size_t n = 0, cap = 64;
  cs_node_t **out = cs_xmalloc(cap * sizeof *out);
  cs_node_t **stack = NULL;
  size_t sn = 0, scap = 0;
  if (t->root) {
    scap = 64;
    stack = cs_xmalloc(scap * sizeof *stack);
    stack[sn++] = t->root;
  }
  while (sn) {
    cs_node_t *cur = stack[--sn];
    if (n == cap) {
      cap *= 2;
      out = cs_xrealloc(out, cap * sizeof *out);
    }
    out[n++] = cur;
    for (uint32_t i = 0; i < cur->nkids; i++) {
      if (sn == scap) {
        scap *= 2;
        stack = cs_xrealloc(stack, scap * sizeof *stack);
      }
      stack[sn++] = cur->kids[i];
    }
  }
  free(stack);
  *count = n;
  return out;
}

static int by_number_desc(const void *a, const void *b) {
  const cs_node_t *x = *(cs_node_t *const *)a, *y = *(cs_node_t *const *)b;
  return (x->number < y->number) - (x->number > y->number);
}

int cs_tree_recalc(const cs_env_t *env, cs_tree_t *t) {
  size_t n;
  cs_node_t **all = all_nodes(t, &n);
  cs_idmap_free(&t->map);
  cs_idmap_init(&t->map);
  for (size_t i = 0; i < n; i++) {
    all[i]->total = all[i]->txpow->weight;
    all[i]->on_main = false;
    cs_idmap_put(&t->map, all[i]->txpow->txpowid, all[i]);
  }
  /* Children always have higher numbers than their parent, so summing in
   * descending block order gives subtree totals. */
  qsort(all, n, sizeof *all, by_number_desc);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    for (uint32_t k = 0; k < all[i]->nkids && !rc; k++)
      rc = env->obj->weight_add(&all[i]->total, &all[i]->total,
                                &all[i]->kids[k]->total);
  free(all);
  cs_node_t *tip = t->root;
  t->length = 0;
  while (tip) {
    t->length++;
    if (!tip->nkids)
      break;
    cs_node_t *best = tip->kids[0];
    for (uint32_t k = 1; k < tip->nkids; k++)
      if (env->obj->weight_cmp(&tip->kids[k]->total, &best->total) > 0)
        best = tip->kids[k];
    tip = best;
  }
  t->tip = tip;
  for (cs_node_t *c = tip; c; c = c->parent)
    c->on_main = true;
  return rc;
}

void cs_tree_set_root(const cs_env_t *env, cs_tree_t *t, cs_node_t *n) {
  t->root = n;
  n->parent = NULL;
  cs_mmr_set_parent(n->mmr, NULL);
  cs_tree_recalc(env, t);
}

cs_node_t *cs_node_back(cs_node_t *n, int64_t back) {
  for (int64_t i = 0; i < back && n->parent; i++)
    n = n->parent;
  return n;
}

cs_node_t *cs_node_at(cs_node_t *n, int64_t number) {
  for (; n; n = n->parent)
    if (n->number == number)
      return n;
  return NULL;
}

int cs_tree_cut(const cs_env_t *env, cs_tree_t *t, int keep, cs_node_t ***out,
                size_t *nout) {
  *out = NULL;
  *nout = 0;
  cs_node_t *newroot = NULL;
  int counter = 0;
  for (cs_node_t *c = t->tip; c; c = c->parent) {
    newroot = c;
    if (++counter >= keep)
      break;
  }
  if (!newroot || !newroot->parent)
    return 0;
  /* The removed main-branch nodes, oldest first. */
  size_t n = 0;
  for (cs_node_t *c = newroot->parent; c; c = c->parent)
    n++;
  cs_node_t **rem = cs_xmalloc(n * sizeof *rem);
  size_t i = n;
  cs_node_t *keepchild = newroot;
  for (cs_node_t *c = newroot->parent; c; c = c->parent) {
    rem[--i] = c;
    /* Detach every other branch hanging off c and free it. */
    for (uint32_t k = 0; k < c->nkids; k++)
      if (c->kids[k] != keepchild)
        free_subtree(env, c->kids[k]);
    c->nkids = 0;
    keepchild = c;
  }
  for (size_t j = 0; j < n; j++) {
    rem[j]->parent = NULL;
    cs_mmr_set_parent(rem[j]->mmr, NULL);
  }
  cs_tree_set_root(env, t, newroot);
  *out = rem;
  *nout = n;
  return 0;
}
