/*
 * mine.c - mining on the host work queue (consensus.md §3) and the
 * automine pulse.
 *
 * A mine hashes the serialized header with a counter written from
 * MN_MINE_OFFSET, as the reference's miner does, until the hash is below
 * the TxPoW's txndifficulty.  It runs as `threads` work items at once;
 * each takes chunks of counters from a shared atomic counter, hashes them
 * eight at a time with sha3_256_many, and returns after a slice so other
 * work (entry checks) is not starved; its completion resubmits it.
 */
#include <string.h>

#include "cons.h"

#define CHUNK 4096u      /* counters taken at a time */
#define SLICE (1u << 18) /* counters per work item before yielding */
#define LANES 8u         /* headers per sha3_256_many call */

struct cs_mine {
  cs_t *c;
  cs_mine_t *next;
  mn_txpow_t *txpow;
  uint8_t *hdr;
  size_t len;
  uint8_t target[32];
  bool all_pass;
  atomic_bool found;
  atomic_bool stop;
  atomic_uint_fast64_t counter;
  atomic_uint_fast64_t hashes;
  uint8_t *winner;
  int inflight;
  uint64_t start;
  cs_mined_fn done;
  void *data;
};

static bool below(const uint8_t h[32], const cs_mine_t *m) {
  return m->all_pass || memcmp(h, m->target, 32) < 0;
}

static void mine_work(void *data) {
  cs_mine_t *m = data;
  const mn_crypto_api_t *cr = m->c->env.crypto;
  const mn_obj_api_t *obj = m->c->env.obj;
  uint8_t *buf = malloc(m->len * LANES);
  if (!buf)
    return;
  const uint8_t *in[LANES];
  uint8_t out[LANES][MN_HASH_LEN];
  for (unsigned l = 0; l < LANES; l++) {
    memcpy(buf + l * m->len, m->hdr, m->len);
    in[l] = buf + l * m->len;
  }
  uint64_t done = 0, hashed = 0;
  while (done < SLICE && !atomic_load(&m->found) && !atomic_load(&m->stop)) {
    uint64_t base = atomic_fetch_add(&m->counter, CHUNK);
    for (uint64_t k = 0; k < CHUNK; k += LANES) {
      for (unsigned l = 0; l < LANES; l++)
        obj->mine_counter(buf + l * m->len, m->len, base + k + l);
      cr->sha3_256_many(in, m->len, LANES, out);
      hashed += LANES;
      for (unsigned l = 0; l < LANES; l++)
        if (below(out[l], m)) {
          bool expected = false;
          if (atomic_compare_exchange_strong(&m->found, &expected, true))
            memcpy(m->winner, buf + l * m->len, m->len);
          goto out;
        }
    }
    done += CHUNK;
  }
out:
  atomic_fetch_add(&m->hashes, hashed);
  free(buf);
}

static void unlink_mine(cs_t *c, cs_mine_t *m) {
  for (cs_mine_t **p = &c->mining; *p; p = &(*p)->next)
    if (*p == m) {
      *p = m->next;
      return;
    }
}

static void mine_free(cs_mine_t *m) {
  free(m->hdr);
  free(m->winner);
  free(m);
}

static void mine_done(void *data, int status) {
  cs_mine_t *m = data;
  cs_t *c = m->c;
  m->inflight--;
  bool found = atomic_load(&m->found);
  bool stop = atomic_load(&m->stop) || status == MN_ECANCELED;
  if (!found && !stop) {
    m->inflight++;
    if (c->host->work_submit(c->self, mine_work, mine_done, m) == 0)
      return;
    m->inflight--;
    atomic_store(&m->stop, true);
    stop = true;
  }
  if (m->inflight > 0)
    return;
  unlink_mine(c, m);
  uint64_t hashes = atomic_load(&m->hashes);
  c->stats.hashes += hashes;
  c->stats.mine_ms += c->host->mono_ms() - m->start;
  mn_txpow_t *t = m->txpow;
  int rc = MN_ECANCELED;
  if (found && !c->stopping) {
    rc = c->env.obj->mine_finish(t, m->winner, m->len);
    if (!rc)
      c->stats.mined++;
    if (!rc && t->is_block)
      c->stats.mined_blocks++;
  }
  cs_mined_fn done = m->done;
  void *dd = m->data;
  mine_free(m);
  done(c, t, rc, dd);
}

int cs_mine(cs_t *c, mn_txpow_t *txpow, cs_mined_fn done, void *data) {
  const mn_obj_api_t *obj = c->env.obj;
  if (c->stopping) {
    obj->free(txpow);
    return MN_ESTATE;
  }
  cs_mine_t *m = cs_xcalloc(1, sizeof *m);
  m->c = c;
  m->txpow = txpow;
  m->done = done;
  m->data = data;
  mn_buf_t hdr = {0};
  int rc = obj->mine_prepare(txpow, &hdr);
  if (rc) {
    mn_buf_free(&hdr);
    free(m);
    obj->free(txpow);
    return rc;
  }
  m->hdr = hdr.data;
  m->len = hdr.len;
  m->winner = cs_xmalloc(m->len);
  const mn_data_t *td = &txpow->body->txndifficulty;
  mn_uint_t v;
  if (obj->uint_from_bytes(&v, td->data, td->len) ||
      obj->uint_bitlen(&v) > 256) {
    m->all_pass = true;
  } else {
    uint8_t b[64];
    size_t n = obj->uint_to_bytes(&v, b);
    memset(m->target, 0, 32);
    if (n <= 32)
      memcpy(m->target + 32 - n, b, n);
  }
  atomic_init(&m->found, false);
  atomic_init(&m->stop, false);
  atomic_init(&m->counter, 0);
  atomic_init(&m->hashes, 0);
  m->start = c->host->mono_ms();
  int threads = c->mining_threads > 0 ? c->mining_threads
                                      : c->host->work_threads(c->self);
  if (threads < 1)
    threads = 1;
  m->next = c->mining;
  c->mining = m;
  for (int i = 0; i < threads; i++) {
    m->inflight++;
    if (c->host->work_submit(c->self, mine_work, mine_done, m)) {
      m->inflight--;
      break;
    }
  }
  if (m->inflight == 0) {
    unlink_mine(c, m);
    mine_free(m);
    obj->free(txpow);
    return MN_ESTATE;
  }
  return 0;
}

void cs_mine_stop_all(cs_t *c) {
  for (cs_mine_t *m = c->mining; m; m = m->next)
    atomic_store(&m->stop, true);
}

uint64_t cs_hashtest(const cs_env_t *env, uint64_t n, uint64_t *ms,
                     uint64_t (*mono)(void)) {
  const mn_obj_api_t *obj = env->obj;
  mn_txpow_t *t;
  *ms = 0;
  if (mn_txpow_new(obj, &t))
    return 0;
  mn_buf_t hdr = {0};
  if (obj->txpow_set_bodyhash(t, t) || obj->mine_prepare(t, &hdr)) {
    mn_buf_free(&hdr);
    obj->free(t);
    return 0;
  }
  uint8_t *buf = cs_xmalloc(hdr.len * LANES);
  const uint8_t *in[LANES];
  uint8_t out[LANES][MN_HASH_LEN];
  for (unsigned l = 0; l < LANES; l++) {
    memcpy(buf + l * hdr.len, hdr.data, hdr.len);
    in[l] = buf + l * hdr.len;
  }
  uint64_t start = mono(), done = 0;
  for (; done < n; done += LANES) {
    for (unsigned l = 0; l < LANES; l++)
      obj->mine_counter(buf + l * hdr.len, hdr.len, done + l);
    env->crypto->sha3_256_many(in, hdr.len, LANES, out);
  }
  *ms = mono() - start;
  free(buf);
  mn_buf_free(&hdr);
  obj->free(t);
  return done;
}

/* ---- the automine pulse -------------------------------------------------- */

static void pulse_entry_done(cs_t *c, const mn_chain_verdict_t *v,
                             const mn_txpow_t *txpow, void *data) {
  (void)v;
  (void)txpow;
  (void)data;
  (void)c;
}

static void pulse_mined(cs_t *c, mn_txpow_t *t, int status, void *data) {
  (void)data;
  c->pulse_busy = false;
  if (status) {
    c->env.obj->free(t);
    return;
  }
  /* Only a transaction or a block is worth anything (Main.TXPOWMINED). */
  if (!mn_txpow_is_txn(t) && !t->is_block) {
    c->env.obj->free(t);
    return;
  }
  if (t->is_block && c->host->log_enabled(c->self, MN_LOG_DEBUG)) {
    char hex[80];
    c->host->log(c->self, MN_LOG_DEBUG, "mined block %lld %s",
                 (long long)cs_txpow_number(&c->env, t),
                 cs_hex(t->txpowid, 32, hex, sizeof hex));
  }
  cs_entry_submit(c, NULL, 0, t, 0, pulse_entry_done, NULL, NULL);
}

void cs_pulse_once(cs_t *c) {
  if (c->pulse_busy || c->stopping || !c->tree.tip)
    return;
  mn_txpow_t *t;
  int rc = cs_generate(c, NULL, &t);
  if (rc) {
    c->host->log(c->self, MN_LOG_WARN, "cannot build a block template: %s",
                 mn_strerror(rc));
    return;
  }
  c->pulse_busy = true;
  if (cs_mine(c, t, pulse_mined, NULL))
    c->pulse_busy = false;
}

static void pulse_tick(mn_timer_t *timer, void *data) {
  (void)timer;
  cs_t *c = data;
  cs_housekeeping(c);
  if (c->automine)
    cs_pulse_once(c);
}

void cs_pulse_start(cs_t *c) {
  if (c->pulse_timer)
    return;
  c->pulse_timer = c->host->timer_start(c->self, c->automine_ms, c->automine_ms,
                                        pulse_tick, c);
}

void cs_pulse_stop(cs_t *c) {
  if (c->pulse_timer) {
    c->host->timer_stop(c->pulse_timer);
    c->pulse_timer = NULL;
  }
}
