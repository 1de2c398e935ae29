/*
 * diff.c - median times and the block difficulty retarget
 * (consensus.md §5, the reference's TxPoWGenerator).
 */
#include <string.h>

#include "cs.h"

typedef struct tb {
  cs_node_t *node;
  size_t order; /* walk order, so the sort is stable like Java's */
} tb_t;

static int by_time(const void *a, const void *b) {
  const tb_t *x = a, *y = b;
  if (x->node->time != y->node->time)
    return x->node->time < y->node->time ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

cs_node_t *cs_median_time_block(const cs_env_t *env, cs_node_t *start, int n) {
  (void)env;
  if (n <= 0)
    return start;
  tb_t stackbuf[256];
  tb_t *all = n <= 256 ? stackbuf : cs_xmalloc((size_t)n * sizeof *all);
  size_t k = 0;
  for (cs_node_t *c = start; c && k < (size_t)n; c = c->parent, k++) {
    all[k].node = c;
    all[k].order = k;
  }
  qsort(all, k, sizeof *all, by_time);
  cs_node_t *mid = all[k / 2].node;
  if (all != stackbuf)
    free(all);
  return mid;
}

int cs_chain_speed(const cs_env_t *env, cs_node_t *start, int64_t back,
                   mn_num_t *speed) {
  const mn_num_api_t *num = env->num;
  cs_node_t *past = cs_node_back(start, back);
  mn_num_t bn, bp, tn, tp, bd, td, spm, th;
  int rc;
  bn = start->txpow->header.blocknumber;
  bp = past->txpow->header.blocknumber;
  tn = start->txpow->header.timemilli;
  tp = past->txpow->header.timemilli;
  if ((rc = num->sub(&bd, &bn, &bp)) || (rc = num->sub(&td, &tn, &tp)) ||
      (rc = num->div(&spm, &bd, &td)))
    return rc;
  num->from_i64(&th, 1000);
  return num->mul(speed, &spm, &th);
}

int cs_next_difficulty(const cs_env_t *env, cs_node_t *parent, uint8_t out[64],
                       size_t *len) {
  const mn_num_api_t *num = env->num;
  const mn_obj_api_t *obj = env->obj;
  const mn_data_t *pd = &parent->txpow->header.blockdifficulty;
  if (parent->number < 8) {
    memcpy(out, env->min_work, env->min_work_len);
    *len = env->min_work_len;
    return 0;
  }
  cs_node_t *start = parent;
  cs_node_t *end = cs_node_back(parent, env->p.speed_calc);
  start = cs_median_time_block(env, start, env->p.median_calc);
  end = cs_median_time_block(env, end, env->p.median_calc);
  int64_t blockdiff = start->number - end->number;
  /* (A negative blockdiff with a positive time difference divides zero by
   * zero in the speed, as in the reference: no difficulty.) */
  if (start->number == end->number || start->time - end->time <= 0) {
    /* The root of the tree, or a serious time error: the latest value. */
    if (pd->len > 64)
      return MN_ERANGE;
    memcpy(out, pd->data, pd->len);
    *len = pd->len;
    return 0;
  }
  mn_num_t speed, ratio, lo, hi;
  int rc = cs_chain_speed(env, start, blockdiff, &speed);
  if (rc)
    return rc;
  if ((rc = num->div(&ratio, &env->p.block_speed, &speed)))
    return rc;
  num->parse(&hi, "2.0", 3);
  num->parse(&lo, "0.5", 3);
  if (num->cmp(&ratio, &hi) > 0)
    ratio = hi;
  else if (num->cmp(&ratio, &lo) < 0)
    ratio = lo;
  /* Average difficulty of blockdiff blocks from start. */
  mn_uint_t total, d, cnt;
  obj->uint_from_u64(&total, 0);
  cs_node_t *cur = start;
  int64_t counter = 0;
  while (counter < blockdiff && cur) {
    const mn_data_t *bd = &cur->txpow->header.blockdifficulty;
    if ((rc = obj->uint_from_bytes(&d, bd->data, bd->len)) ||
        (rc = obj->uint_add(&total, &total, &d)))
      return rc;
    cur = cur->parent;
    counter++;
  }
  obj->uint_from_u64(&cnt, (uint64_t)counter);
  mn_uint_t avg, nd;
  if ((rc = obj->uint_divmod(&avg, NULL, &total, &cnt)) ||
      (rc = obj->uint_mul_num(&nd, &avg, &ratio)))
    return rc;
  if (obj->uint_cmp(&nd, &env->min_work_u) > 0)
    nd = env->min_work_u;
  *len = obj->uint_to_bytes(&nd, out);
  return 0;
}

int cs_txn_difficulty(const cs_env_t *env, const mn_num_t *hashrate,
                      const mn_data_t *blockdiff, const mn_data_t *minwork,
                      uint8_t out[64], size_t *len) {
  const mn_obj_api_t *obj = env->obj;
  mn_uint_t maxv, hr, minhash, bd, mw;
  uint8_t ff[32];
  memset(ff, 0xff, sizeof ff);
  int rc;
  if ((rc = obj->uint_from_bytes(&maxv, ff, 32)) ||
      (rc = obj->uint_from_num(&hr, hashrate)) ||
      (rc = obj->uint_divmod(&minhash, NULL, &maxv, &hr)) ||
      (rc = obj->uint_from_bytes(&bd, blockdiff->data, blockdiff->len)) ||
      (rc = obj->uint_from_bytes(&mw, minwork->data, minwork->len)))
    return rc;
  if (obj->uint_cmp(&minhash, &bd) < 0)
    minhash = bd;
  if (obj->uint_cmp(&minhash, &mw) > 0) {
    /* Too easy for the network: 10% harder than the minimum. */
    mn_num_t d;
    env->num->parse(&d, "1.1", 3);
    if ((rc = obj->uint_div_num(&minhash, &mw, &d, 16)))
      return rc;
  }
  *len = obj->uint_to_bytes(&minhash, out);
  return 0;
}
