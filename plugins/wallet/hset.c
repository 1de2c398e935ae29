/*
 * hset.c - open addressing with linear probing for 32-byte keys (ids,
 * addresses, public keys), mapping each to an index into one of the
 * wallet's arrays.  Deletion shifts the following run back, so there are
 * no tombstones.
 */
#include <stdlib.h>
#include <string.h>

#include "wal.h"

static size_t slot_of(const uint8_t *key, size_t cap) {
  uint64_t h;
  memcpy(&h, key, sizeof h); /* keys are hashes or hash-like */
  h ^= h >> 29;
  h *= 0x9e3779b97f4a7c15ull;
  return (size_t)(h >> 17) & (cap - 1);
}

static int grow(wal_hset_t *h) {
  size_t cap = h->cap ? h->cap * 2 : 64;
  wal_hset_t n = {0};
  n.keys = malloc(cap * sizeof *n.keys);
  n.vals = malloc(cap * sizeof *n.vals);
  n.used = calloc(cap, 1);
  if (!n.keys || !n.vals || !n.used) {
    free(n.keys);
    free(n.vals);
    free(n.used);
    return MN_ENOMEM;
  }
  n.cap = cap;
  for (size_t i = 0; i < h->cap; i++) {
    if (!h->used[i])
      continue;
    size_t s = slot_of(h->keys[i], cap);
    while (n.used[s])
      s = (s + 1) & (cap - 1);
    memcpy(n.keys[s], h->keys[i], 32);
    n.vals[s] = h->vals[i];
    n.used[s] = 1;
    n.n++;
  }
  wal_hset_free(h);
  *h = n;
  return 0;
}

int wal_hset_put(wal_hset_t *h, const uint8_t key[32], size_t val) {
  if ((h->n + 1) * 4 > h->cap * 3) {
    int err = grow(h);
    if (err)
      return err;
  }
  size_t s = slot_of(key, h->cap);
  while (h->used[s]) {
    if (memcmp(h->keys[s], key, 32) == 0) {
      h->vals[s] = val;
      return 0;
    }
    s = (s + 1) & (h->cap - 1);
  }
  memcpy(h->keys[s], key, 32);
  h->vals[s] = val;
  h->used[s] = 1;
  h->n++;
  return 0;
}

bool wal_hset_get(const wal_hset_t *h, const uint8_t *key, size_t len,
                  size_t *val) {
  if (len != 32 || h->n == 0)
    return false;
  size_t s = slot_of(key, h->cap);
  while (h->used[s]) {
    if (memcmp(h->keys[s], key, 32) == 0) {
      if (val)
        *val = h->vals[s];
      return true;
    }
    s = (s + 1) & (h->cap - 1);
  }
  return false;
}

bool wal_hset_del(wal_hset_t *h, const uint8_t key[32]) {
  if (h->n == 0)
    return false;
  size_t mask = h->cap - 1, s = slot_of(key, h->cap);
  while (h->used[s] && memcmp(h->keys[s], key, 32) != 0)
    s = (s + 1) & mask;
  if (!h->used[s])
    return false;
  /* Shift back every entry of the run that may move into the hole. */
  size_t hole = s, j = s;
  for (;;) {
    j = (j + 1) & mask;
    if (!h->used[j])
      break;
    size_t home = slot_of(h->keys[j], h->cap);
    bool between =
        hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (between)
      continue;
    memcpy(h->keys[hole], h->keys[j], 32);
    h->vals[hole] = h->vals[j];
    hole = j;
  }
  h->used[hole] = 0;
  h->n--;
  return true;
}

void wal_hset_clear(wal_hset_t *h) {
  if (h->used)
    memset(h->used, 0, h->cap);
  h->n = 0;
}

void wal_hset_free(wal_hset_t *h) {
  free(h->keys);
  free(h->vals);
  free(h->used);
  memset(h, 0, sizeof *h);
}
