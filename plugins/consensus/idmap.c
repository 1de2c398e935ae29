/*
 * idmap.c - open-addressing hash map from 32-byte ids to pointers.  Ids
 * are SHA3 outputs, so their first eight bytes are already a good hash.
 */
#include <string.h>

#include "cs.h"

/* A removed slot.  A constant, not the address of a static: tests link
 * this library and also load the plugin, and both must read the same
 * maps. */
#define TOMB ((void *)UINTPTR_MAX)

static uint64_t id_hash(const uint8_t k[32]) {
  uint64_t h;
  memcpy(&h, k, sizeof h);
  return h ^ (h >> 29);
}

void cs_idmap_init(cs_idmap_t *m) {
  memset(m, 0, sizeof *m);
}

void cs_idmap_free(cs_idmap_t *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static cs_idmap_slot_t *find(const cs_idmap_t *m, const uint8_t key[32]) {
  if (!m->cap)
    return NULL;
  size_t mask = m->cap - 1;
  for (size_t i = id_hash(key) & mask;; i = (i + 1) & mask) {
    cs_idmap_slot_t *s = &m->slots[i];
    if (!s->val)
      return NULL;
    if (s->val != TOMB && memcmp(s->key, key, 32) == 0)
      return s;
  }
}

void *cs_idmap_get(const cs_idmap_t *m, const uint8_t key[32]) {
  cs_idmap_slot_t *s = find(m, key);
  return s ? s->val : NULL;
}

static void grow(cs_idmap_t *m) {
  size_t cap = m->cap ? m->cap : 16;
  while (m->n * 2 + 2 > cap)
    cap *= 2;
  if (cap == m->cap && m->used * 4 < m->cap * 3)
    return;
  cs_idmap_slot_t *old = m->slots;
  size_t oldcap = m->cap;
  m->slots = cs_xcalloc(cap, sizeof *m->slots);
  m->cap = cap;
  m->used = 0;
  m->n = 0;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].val && old[i].val != TOMB)
      cs_idmap_put(m, old[i].key, old[i].val);
  free(old);
}

void cs_idmap_put(cs_idmap_t *m, const uint8_t key[32], void *val) {
  cs_idmap_slot_t *s = find(m, key);
  if (s) {
    s->val = val;
    return;
  }
  if ((m->used + 1) * 4 >= m->cap * 3)
    grow(m);
  size_t mask = m->cap - 1;
  for (size_t i = id_hash(key) & mask;; i = (i + 1) & mask) {
    cs_idmap_slot_t *t = &m->slots[i];
    if (!t->val || t->val == TOMB) {
      if (!t->val)
        m->used++;
      memcpy(t->key, key, 32);
      t->val = val;
      m->n++;
      return;
    }
  }
}

void *cs_idmap_del(cs_idmap_t *m, const uint8_t key[32]) {
  cs_idmap_slot_t *s = find(m, key);
  if (!s)
    return NULL;
  void *v = s->val;
  s->val = TOMB;
  m->n--;
  return v;
}

bool cs_idmap_next(const cs_idmap_t *m, size_t *it, const uint8_t **key,
                   void **val) {
  while (*it < m->cap) {
    cs_idmap_slot_t *s = &m->slots[(*it)++];
    if (s->val && s->val != TOMB) {
      if (key)
        *key = s->key;
      if (val)
        *val = s->val;
      return true;
    }
  }
  return false;
}
