/*
 * util.c - parameters, the library environment and small helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs.h"

static void set_speed(const mn_num_api_t *num, mn_num_t *n, const char *s) {
  num->parse(n, s, strlen(s));
}

int cs_params_preset(const mn_num_api_t *num, const char *name,
                     cs_params_t *p) {
  memset(p, 0, sizeof *p);
  p->mempool_max = 5000;
  p->ram_keep_ms = 60ull * 60 * 1000;
  if (strcmp(name, "main") == 0) {
    set_speed(num, &p->block_speed, "0.02");
    p->speed_calc = 256;
    p->median_calc = 64;
    p->cascade_start_depth = 2048;
    p->cascade_frequency = 100;
    p->cascade_level_nodes = 256;
    p->proof_history = 256;
    p->test_range = false;
    p->ibd_uptodate_ms = 180ull * 60 * 1000;
  } else if (strcmp(name, "test") == 0 || strcmp(name, "dev") == 0) {
    /* The reference's -test parameters; dev differs only in its speed,
     * one block every 5 s on one node. */
    set_speed(num, &p->block_speed, name[0] == 't' ? "0.05" : "0.2");
    p->speed_calc = 16;
    p->median_calc = 8;
    p->cascade_start_depth = 32;
    p->cascade_frequency = 3;
    p->cascade_level_nodes = 4;
    p->proof_history = 8;
    p->test_range = true;
    p->ibd_uptodate_ms = 5ull * 60 * 1000;
  } else {
    return MN_EINVAL;
  }
  snprintf(p->name, sizeof p->name, "%s", name);
  return 0;
}

int cs_env_init(cs_env_t *env, const mn_num_api_t *num,
                const mn_crypto_api_t *crypto, const mn_obj_api_t *obj,
                const mn_kissvm_t *vm, const cs_params_t *p) {
  memset(env, 0, sizeof *env);
  env->num = num;
  env->crypto = crypto;
  env->obj = obj;
  env->vm = vm;
  env->p = *p;
  mn_magic_t m;
  obj->magic_default(&m);
  if (m.min_txpow_work.len > sizeof env->min_work)
    return MN_EINVAL;
  memcpy(env->min_work, m.min_txpow_work.data, m.min_txpow_work.len);
  env->min_work_len = m.min_txpow_work.len;
  return obj->uint_from_bytes(&env->min_work_u, env->min_work,
                              env->min_work_len);
}

int cs_num_i64(const cs_env_t *env, const mn_num_t *n, int64_t *out) {
  if (!env->num->is_whole(n))
    return MN_ERANGE;
  return env->num->to_i64(n, out);
}

bool cs_data_eq(const mn_data_t *a, const mn_data_t *b) {
  return a->len == b->len &&
         (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

bool cs_data_is(const mn_data_t *a, const uint8_t *p, size_t len) {
  return a->len == len && (len == 0 || memcmp(a->data, p, len) == 0);
}

bool cs_data_is_zero(const mn_data_t *a) {
  return a->len == 1 && a->data[0] == 0;
}

char *cs_hex(const uint8_t *p, size_t len, char *buf, size_t cap) {
  static const char hx[] = "0123456789ABCDEF";
  if (cap < 3) {
    if (cap)
      buf[0] = 0;
    return buf;
  }
  size_t o = 0;
  buf[o++] = '0';
  buf[o++] = 'x';
  for (size_t i = 0; i < len && o + 2 < cap; i++) {
    buf[o++] = hx[p[i] >> 4];
    buf[o++] = hx[p[i] & 15];
  }
  buf[o] = 0;
  return buf;
}

void *cs_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "consensus: out of memory (%zu bytes)\n", n);
    abort();
  }
  return p;
}

void *cs_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) {
    fprintf(stderr, "consensus: out of memory (%zu x %zu bytes)\n", n, size);
    abort();
  }
  return p;
}

void *cs_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "consensus: out of memory (%zu bytes)\n", n);
    abort();
  }
  return q;
}

int64_t cs_txpow_time(const cs_env_t *env, const mn_txpow_t *t) {
  int64_t v = 0;
  if (env->num->to_i64(&t->header.timemilli, &v))
    return 0;
  return v;
}

int64_t cs_txpow_number(const cs_env_t *env, const mn_txpow_t *t) {
  int64_t v = 0;
  if (env->num->to_i64(&t->header.blocknumber, &v))
    return -1;
  return v;
}
