/*
 * wallet.c - the wallet's lifecycle: settings, databases, loading the
 * records into memory, the chain's hooks and events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

struct wal_waiter {
  mn_call_t *call;
  wal_waiter_t *next;
};

const mn_chain_t *wal_chain(wal_t *w) {
  if (!w->chain && !w->stopping)
    w->chain = w->host->service_lookup(w->self, MN_CHAIN_SERVICE,
                                       MN_CHAIN_SERVICE_VERSION);
  return w->chain;
}

void wal_wait_default(wal_t *w, mn_call_t *call) {
  wal_waiter_t *q = malloc(sizeof *q);
  if (!q) {
    w->host->call_error(call, "out of memory");
    return;
  }
  q->call = call;
  q->next = w->waiters;
  w->waiters = q;
  wal_keygen_kick(w);
}

void wal_waiters_flush(wal_t *w) {
  while (w->waiters) {
    wal_script_t *s = wal_script_default(w);
    if (!s)
      return;
    wal_waiter_t *q = w->waiters;
    w->waiters = q->next;
    w->host->call_reply(q->call, wal_script_json(w, s));
    free(q);
  }
}

/* ---- loading ------------------------------------------------------------ */

typedef int (*row_fn)(wal_t *w, const mn_val_t *k, const mn_val_t *v);

static int each_row(wal_t *w, mn_txn_t *t, mn_db_t *db, row_fn fn) {
  const mn_host_t *h = w->host;
  mn_cursor_t *c;
  int err = h->cursor_open(t, db, &c);
  if (err)
    return err;
  mn_val_t k, v;
  for (err = h->cursor_get(c, &k, &v, MN_CURSOR_FIRST); err == 0;
       err = h->cursor_get(c, &k, &v, MN_CURSOR_NEXT)) {
    int e = fn(w, &k, &v);
    if (e) {
      h->cursor_close(c);
      return e;
    }
  }
  h->cursor_close(c);
  return err == MN_ENOENT ? 0 : err;
}

static int load_key(wal_t *w, const mn_val_t *k, const mn_val_t *v) {
  wal_key_t key;
  if (k->size != 32 || wal_key_decode(v->data, v->size, &key))
    return MN_ECORRUPT;
  memcpy(key.pub, k->data, 32);
  if (w->nkeys == w->capkeys) {
    size_t cap = w->capkeys ? w->capkeys * 2 : 64;
    wal_key_t *a = realloc(w->keys, cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    w->keys = a;
    w->capkeys = cap;
  }
  int err = wal_hset_put(&w->keyidx, key.pub, w->nkeys);
  if (err)
    return err;
  w->keys[w->nkeys++] = key;
  if (key.index >= w->next_index)
    w->next_index = key.index + 1;
  return 0;
}

static int load_script(wal_t *w, const mn_val_t *k, const mn_val_t *v) {
  wal_script_t s = {0};
  if (k->size != 32)
    return MN_ECORRUPT;
  int err = wal_script_decode(v->data, v->size, &s);
  if (err)
    return err;
  memcpy(s.address, k->data, 32);
  err = wal_script_insert(w, &s);
  if (err)
    free(s.script);
  return err;
}

static int load_coin(wal_t *w, const mn_val_t *k, const mn_val_t *v) {
  wal_coin_t c;
  if (k->size != 32 || wal_coin_decode(w, v->data, v->size, &c))
    return MN_ECORRUPT;
  int err = wal_coin_insert(w, &c);
  if (err)
    w->obj->free(c.coin);
  return err;
}

static int load_token(wal_t *w, const mn_val_t *k, const mn_val_t *v) {
  mn_token_t *tok;
  if (mn_token_decode(w->obj, v->data, v->size, NULL, &tok))
    return MN_ECORRUPT;
  int err = wal_token_insert(w, tok, NULL);
  w->obj->free(tok);
  return err;
}

void wal_unload(wal_t *w) {
  wal_keys_free(w);
  wal_scripts_free(w);
  wal_coins_free(w);
  if (w->phrase)
    memset(w->phrase, 0, strlen(w->phrase));
  free(w->phrase);
  w->phrase = NULL;
  memset(w->seed, 0, sizeof w->seed);
  w->next_index = 0;
  w->next_seq = 0;
  w->synced = -1;
  memset(w->syncedid, 0, 32);
}

int wal_load(wal_t *w) {
  const mn_host_t *h = w->host;
  wal_unload(w);
  w->gen++;
  mn_txn_t *t;
  int err = h->txn_begin(w->self, MN_TXN_RDONLY, &t);
  if (err)
    return err;
  mn_val_t v;
  if (h->db_get(t, w->db_meta, WAL_META_PHRASE, strlen(WAL_META_PHRASE), &v) ==
      0) {
    w->phrase = malloc(v.size + 1);
    if (!w->phrase) {
      err = MN_ENOMEM;
      goto out;
    }
    memcpy(w->phrase, v.data, v.size);
    w->phrase[v.size] = '\0';
    wal_bip39_seed(w->crypto, w->phrase, w->seed);
  }
  if (h->db_get(t, w->db_meta, WAL_META_NEXTKEY, strlen(WAL_META_NEXTKEY),
                &v) == 0 &&
      v.size == 4) {
    const uint8_t *p = v.data;
    w->next_index = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  }
  if (h->db_get(t, w->db_meta, WAL_META_SYNCED, strlen(WAL_META_SYNCED), &v) ==
          0 &&
      v.size == 40) {
    w->synced = wal_get_i64(v.data);
    memcpy(w->syncedid, (const uint8_t *)v.data + 8, 32);
  }
  err = each_row(w, t, w->db_keys, load_key);
  if (!err)
    err = each_row(w, t, w->db_scripts, load_script);
  if (!err)
    err = each_row(w, t, w->db_tokens, load_token);
  if (!err)
    err = each_row(w, t, w->db_coins, load_coin);
out:
  h->txn_abort(t);
  return err;
}

/* A new wallet: the configured phrase, or 24 fresh words. */
static int make_seed(wal_t *w) {
  const char *given = w->host->cfg_string(w->self, "phrase");
  char *phrase = NULL;
  int err;
  if (given && *given) {
    char why[256];
    err = wal_bip39_clean(given, &phrase, why, sizeof why);
    if (err) {
      w->host->log(w->self, MN_LOG_ERROR,
                   "[wallet] phrase is not a seed phrase: %s; fix it or "
                   "leave it empty for a new random phrase",
                   why);
      return MN_ECONFIG;
    }
  } else {
    err = wal_bip39_new(w->crypto, &phrase);
    if (err)
      return err;
  }
  wal_batch_t b = {0};
  wal_put(&b, w->db_meta, WAL_META_PHRASE, strlen(WAL_META_PHRASE), phrase,
          strlen(phrase));
  err = wal_commit(w, &b);
  if (err) {
    free(phrase);
    return err;
  }
  w->phrase = phrase;
  wal_bip39_seed(w->crypto, phrase, w->seed);
  w->host->log(w->self, MN_LOG_INFO, "new wallet seed created");
  return 0;
}

/* ---- hooks -------------------------------------------------------------- */

static int on_genesis(void *arg, void *data) {
  wal_t *w = data;
  mn_chain_genesis_t *g = arg;
  if (!g || g->size < sizeof *g)
    return MN_HOOK_PASS;
  wal_script_t *s = NULL;
  /* The chain is making its genesis block: a brand new address holds
   * nothing, and the chain must not be asked. */
  w->in_genesis = true;
  int err = wal_new_simple(w, true, &s);
  w->in_genesis = false;
  if (err || !s) {
    w->host->log(w->self, MN_LOG_ERROR, "cannot make the genesis address: %s",
                 mn_strerror(err));
    return MN_HOOK_PASS;
  }
  memcpy(g->address, s->address, 32);
  g->set = true;
  w->host->log(w->self, MN_LOG_INFO, "the genesis coin pays this wallet");
  return MN_HOOK_ACCEPT;
}

/* ---- lifecycle ------------------------------------------------------------
 */

int wal_new(mn_plugin_t *self, const mn_host_t *host, wal_t **out) {
  wal_t *w = calloc(1, sizeof *w);
  if (!w)
    return MN_ENOMEM;
  w->self = self;
  w->host = host;
  w->num = host->num;
  w->crypto = host->crypto;
  w->obj = host->obj;
  w->synced = -1;
  w->tip = -1;
  w->default_keys = (uint32_t)host->cfg_int(self, "keys");
  w->key_size = (uint32_t)host->cfg_int(self, "key_size");
  w->key_depth = (uint32_t)host->cfg_int(self, "key_depth");
  w->proof_refresh = host->cfg_int(self, "proof_refresh");
  wal_service_init(w);
  struct {
    const char *name;
    mn_db_t **db;
  } dbs[] = {{"meta", &w->db_meta},       {"keys", &w->db_keys},
             {"scripts", &w->db_scripts}, {"coins", &w->db_coins},
             {"tokens", &w->db_tokens},   {"txns", &w->db_txns},
             {"history", &w->db_hist}};
  int err = 0;
  for (size_t i = 0; i < sizeof dbs / sizeof *dbs && !err; i++)
    err = host->db_open(self, dbs[i].name, 0, dbs[i].db);
  if (!err)
    err = wal_load(w);
  if (err == MN_ECORRUPT)
    host->log(self, MN_LOG_ERROR,
              "the wallet's stored records are corrupt; restore a backup "
              "into a fresh data directory");
  if (!err && !w->phrase)
    err = make_seed(w);
  if (!err)
    err = host->service_register(self, MN_WALLET_SERVICE,
                                 MN_WALLET_SERVICE_VERSION, &w->svc);
  if (!err)
    err = wal_cmds_register(w);
  if (!err)
    err = wal_cmd_send_register(w);
  if (!err)
    err = wal_cmd_txn_register(w);
  if (!err)
    err = wal_cmd_backup_register(w);
  if (!err) {
    w->hook_rel =
        host->hook_attach(self, MN_CHAIN_HOOK_RELEVANT, wal_on_relevant, w);
    w->hook_gen = host->hook_attach(self, MN_CHAIN_HOOK_GENESIS, on_genesis, w);
    if (!w->hook_rel)
      err = MN_ENOMEM;
    if (!w->hook_gen)
      host->log(self, MN_LOG_WARN,
                "another plugin answers the genesis address hook; the "
                "genesis coin will not pay this wallet");
  }
  if (err) {
    if (w->hook_rel)
      host->hook_detach(w->hook_rel);
    if (w->hook_gen)
      host->hook_detach(w->hook_gen);
    wal_free(w);
    return err;
  }
  *out = w;
  return 0;
}

int wal_start(wal_t *w) {
  const mn_host_t *h = w->host;
  w->vm =
      h->service_lookup(w->self, MN_KISSVM_SERVICE, MN_KISSVM_SERVICE_VERSION);
  wal_chain(w);
  w->sub_conn = h->subscribe(w->self, MN_CHAIN_TOPIC_BLOCK_CONNECTED,
                             wal_on_connected, w);
  w->sub_disc = h->subscribe(w->self, MN_CHAIN_TOPIC_BLOCK_DISCONNECTED,
                             wal_on_disconnected, w);
  w->sub_tip = h->subscribe(w->self, MN_CHAIN_TOPIC_TIP, wal_on_tip, w);
  if (!w->sub_conn || !w->sub_disc || !w->sub_tip)
    return MN_ENOMEM;
  if (!w->chain)
    h->log(w->self, MN_LOG_WARN,
           "no chain service: addresses and keys work, coins and sends "
           "need the consensus plugin");
  wal_catch_up(w);
  wal_keygen_kick(w);
  wal_refresh_kick(w);
  return 0;
}

void wal_stop(wal_t *w) {
  const mn_host_t *h = w->host;
  wal_posts_cancel(w);
  w->stopping = true;
  if (w->refresh)
    h->timer_stop(w->refresh);
  w->refresh = NULL;
  h->unsubscribe(w->sub_conn);
  h->unsubscribe(w->sub_disc);
  h->unsubscribe(w->sub_tip);
  w->sub_conn = w->sub_disc = w->sub_tip = NULL;
}

void wal_free(wal_t *w) {
  if (!w)
    return;
  w->stopping = true;
  while (w->waiters) {
    wal_waiter_t *q = w->waiters;
    w->waiters = q->next;
    w->host->call_error(q->call, "the node is shutting down");
    free(q);
  }
  while (w->posts) {
    wal_post_t *p = w->posts;
    w->posts = p->next;
    p->done(w, p, MN_ECANCELED, "the node is shutting down", NULL);
    wal_post_free(p);
  }
  /* Hooks, subscriptions and timers left attached are released by the
   * kernel before fini. */
  wal_unload(w);
  free(w);
}
