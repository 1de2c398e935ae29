/*
 * cmd.c - the chain's commands, with the reference's names, parameters
 * and response fields: status, block, txpow, printtree (alias
 * printchain), printmmr, mempool, hashtest, automine.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cons.h"

static json_t *jstr(const char *s) {
  return json_string(s ? s : "");
}

static json_t *jhex(const uint8_t *p, size_t n) {
  char buf[2 * 64 + 3];
  if (n > 64)
    n = 64;
  return json_string(cs_hex(p, n, buf, sizeof buf));
}

static json_t *jnum(const cs_t *c, const mn_num_t *n) {
  char buf[MN_NUM_STR_MAX];
  c->env.num->to_str(n, buf, sizeof buf);
  return json_string(buf);
}

static json_t *jweight(const cs_t *c, const mn_weight_t *w) {
  char buf[MN_NUM_STR_MAX];
  c->env.obj->weight_to_str(w, buf, sizeof buf);
  return json_string(buf);
}

/* BigDecimal.toBigInteger().toString() of a weight. */
static json_t *jweight_int(const cs_t *c, const mn_weight_t *w) {
  mn_weight_t t;
  if (c->env.obj->weight_trunc(&t, w))
    return json_string("0");
  return jweight(c, &t);
}

/* Java's Date.toString(). */
static json_t *jdate(int64_t ms) {
  time_t s = (time_t)(ms / 1000);
  struct tm tm;
  char buf[64];
  localtime_r(&s, &tm);
  strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tm);
  return json_string(buf);
}

/* MiniFormat.formatSize. */
static json_t *jsize(uint64_t v) {
  char buf[32];
  if (v < 1024) {
    snprintf(buf, sizeof buf, "%llu bytes", (unsigned long long)v);
  } else {
    int z = (63 - __builtin_clzll(v)) / 10;
    snprintf(buf, sizeof buf, "%.1f %cB",
             (double)v / (double)(1ull << (z * 10)), " KMGTPE"[z]);
  }
  return json_string(buf);
}

static uint64_t dir_size(const char *path, int depth) {
  DIR *d = opendir(path);
  if (!d)
    return 0;
  uint64_t total = 0;
  struct dirent *e;
  char p[4096];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    snprintf(p, sizeof p, "%s/%s", path, e->d_name);
    struct stat st;
    if (lstat(p, &st))
      continue;
    if (S_ISDIR(st.st_mode) && depth < 8)
      total += dir_size(p, depth + 1);
    else if (S_ISREG(st.st_mode))
      total += (uint64_t)st.st_blocks * 512;
  }
  closedir(d);
  return total;
}

static uint64_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  unsigned long size = 0, res = 0;
  if (fscanf(f, "%lu %lu", &size, &res) != 2)
    res = 0;
  fclose(f);
  return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static size_t db_count(cs_t *c, int db) {
  const mn_host_t *h = c->host;
  mn_txn_t *txn;
  size_t n = 0;
  if (h->txn_begin(c->self, MN_TXN_RDONLY, &txn))
    return 0;
  mn_cursor_t *cur;
  if (h->cursor_open(txn, c->db[db], &cur) == 0) {
    mn_val_t k, v;
    int r = h->cursor_get(cur, &k, &v, MN_CURSOR_FIRST);
    while (r == 0) {
      n++;
      r = h->cursor_get(cur, &k, &v, MN_CURSOR_NEXT);
    }
    h->cursor_close(cur);
  }
  h->txn_abort(txn);
  return n;
}

static size_t mempool_size(cs_t *c) {
  size_t it = 0, n = 0;
  void *v;
  while (cs_idmap_next(&c->ram, &it, NULL, &v)) {
    cs_entry_t *e = v;
    if (!e->on_main && e->is_txn && !e->in_cascade)
      n++;
  }
  return n;
}

static void uptime_text(uint64_t ms, char *buf, size_t cap) {
  uint64_t days = ms / 86400000, yr = days / 365;
  days %= 365;
  uint64_t mn = days / 30;
  days %= 30;
  uint64_t wk = days / 7;
  days %= 7;
  uint64_t hr = (ms / 3600000) % 24, min = (ms / 60000) % 60,
           sec = (ms / 1000) % 60;
  snprintf(buf, cap,
           "%llu Years %llu Months %llu Weeks %llu Days %llu Hours %llu "
           "Minutes %llu Seconds",
           (unsigned long long)yr, (unsigned long long)mn,
           (unsigned long long)wk, (unsigned long long)days,
           (unsigned long long)hr, (unsigned long long)min,
           (unsigned long long)sec);
}

/* ---- status -------------------------------------------------------------- */

static int cmd_status(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  const mn_host_t *h = c->host;
  const cs_env_t *env = &c->env;
  (void)params;
  json_t *r = json_object();
  char buf[256];
  json_object_set_new(r, "version", jstr(h->version));
  uptime_text(h->mono_ms() - c->start_mono, buf, sizeof buf);
  json_object_set_new(r, "uptime", jstr(buf));
  json_object_set_new(r, "locked", json_false());
  cs_node_t *tip = c->tree.tip;
  mn_weight_t zero;
  memset(&zero, 0, sizeof zero);
  if (tip) {
    json_object_set_new(r, "length",
                        json_integer((json_int_t)c->tree.length + c->casc.n));
    mn_weight_t a, b, s;
    if (env->obj->weight_trunc(&a, &c->tree.root->total) ||
        env->obj->weight_trunc(&b, &c->casc.total) ||
        env->obj->weight_add(&s, &a, &b))
      s = zero;
    json_object_set_new(r, "weight", jweight(c, &s));
    json_object_set_new(r, "minima", jnum(c, &tip->txpow->header.mmrtotal));
    snprintf(buf, sizeof buf, "%llu",
             (unsigned long long)cs_mmr_leaves(tip->mmr));
    json_object_set_new(r, "coins", jstr(buf));
  } else {
    json_object_set_new(r, "length", json_integer(0));
    json_object_set_new(r, "weight", jstr("0"));
    json_object_set_new(r, "minima", jstr("0"));
    json_object_set_new(r, "coins", jstr("0"));
  }
  const char *dd = h->data_dir(c->self);
  json_object_set_new(r, "data", jstr(dd));
  json_t *mem = json_object();
  json_object_set_new(mem, "ram", jsize(rss_bytes()));
  json_object_set_new(mem, "disk", jsize(dir_size(dd, 0)));
  json_t *files = json_object();
  snprintf(buf, sizeof buf, "%s/store/data.mdb", dd);
  struct stat st;
  json_object_set_new(
      files, "chaindb",
      jsize(stat(buf, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0));
  json_object_set_new(mem, "files", files);
  json_object_set_new(r, "memory", mem);

  json_t *chain = json_object();
  if (tip) {
    json_object_set_new(chain, "block", json_integer(tip->number));
    json_object_set_new(chain, "time", jdate(tip->time));
    json_object_set_new(chain, "hash", jhex(tip->txpow->txpowid, 32));
    if (tip->number <= 2) {
      json_object_set_new(chain, "speed", json_integer(1));
    } else {
      cs_node_t *e = cs_node_back(tip, env->p.speed_calc);
      cs_node_t *sb = cs_median_time_block(env, tip, env->p.median_calc);
      cs_node_t *eb = cs_median_time_block(env, e, env->p.median_calc);
      int64_t bd = sb->number - eb->number;
      mn_num_t sp;
      if (bd == 0) {
        json_object_set_new(chain, "speed", jstr("-1"));
      } else if (cs_chain_speed(env, sb, bd, &sp) == 0 &&
                 env->num->sigdig(&sp, &sp, 5) == 0) {
        json_object_set_new(chain, "speed", jnum(c, &sp));
      } else {
        json_object_set_new(chain, "speed", jstr("-1"));
      }
    }
    uint8_t d32[32];
    memset(d32, 0, 32);
    const mn_data_t *bd = &tip->txpow->header.blockdifficulty;
    if (bd->len <= 32)
      memcpy(d32 + 32 - bd->len, bd->data, bd->len);
    json_object_set_new(chain, "difficulty", jhex(d32, 32));
    json_object_set_new(chain, "size",
                        json_integer((json_int_t)cs_tree_size(&c->tree)));
    json_object_set_new(chain, "length", json_integer(c->tree.length));
    json_object_set_new(
        chain, "branches",
        json_integer((json_int_t)cs_tree_size(&c->tree) - c->tree.length));
    json_object_set_new(chain, "weight", jweight_int(c, &c->tree.root->total));
  } else {
    json_object_set_new(chain, "block", json_integer(0));
    json_object_set_new(chain, "time", jstr("NO BLOCKS YET"));
    json_object_set_new(chain, "hash", jstr("0x00"));
    json_object_set_new(chain, "length", json_integer(0));
    json_object_set_new(chain, "branches", json_integer(0));
  }
  json_t *casc = json_object();
  const cs_cnode_t *ct = cs_cascade_tip(&c->casc);
  json_object_set_new(casc, "start",
                      json_integer(ct ? cs_txpow_number(env, ct->txpow) : -1));
  json_object_set_new(casc, "length", json_integer(c->casc.n));
  json_object_set_new(casc, "weight", jweight_int(c, &c->casc.total));
  json_object_set_new(chain, "cascade", casc);
  json_object_set_new(r, "chain", chain);

  json_t *tx = json_object();
  json_object_set_new(tx, "mempool", json_integer((json_int_t)mempool_size(c)));
  json_object_set_new(tx, "ramdb", json_integer((json_int_t)c->ram.n));
  json_object_set_new(tx, "txpowdb",
                      json_integer((json_int_t)db_count(c, CS_DB_TXPOW)));
  json_object_set_new(tx, "archivedb",
                      json_integer((json_int_t)db_count(c, CS_DB_ARCHIVE)));
  json_t *rej = json_object();
  for (int i = 1; i < MN_CHAIN_R_COUNT; i++)
    if (c->stats.rejected[i])
      json_object_set_new(rej, mn_chain_reason_name((mn_chain_reason_t)i),
                          json_integer((json_int_t)c->stats.rejected[i]));
  json_object_set_new(tx, "rejected", rej);
  json_object_set_new(r, "txpow", tx);

  mn_chain_sync_t sy = {.size = sizeof sy};
  c->iface.sync_status(&c->iface, &sy);
  json_t *net = json_object();
  json_object_set_new(net, "topblock", json_integer(sy.best_known));
  json_object_set_new(net, "syncing", json_boolean(!sy.synced));
  json_object_set_new(r, "network", net);

  json_t *mining = json_object();
  json_object_set_new(mining, "automine", json_boolean(c->automine));
  json_object_set_new(mining, "active",
                      json_boolean(c->pulse_busy || c->mining != NULL));
  json_object_set_new(mining, "mined",
                      json_integer((json_int_t)c->stats.mined));
  json_object_set_new(mining, "blocks",
                      json_integer((json_int_t)c->stats.mined_blocks));
  double rate = c->stats.mine_ms ? (double)c->stats.hashes * 1000.0 /
                                       (double)c->stats.mine_ms
                                 : 0.0;
  json_object_set_new(mining, "hashrate", json_real(rate));
  json_object_set_new(r, "mining", mining);
  h->call_reply(call, r);
  return 0;
}

/* ---- block --------------------------------------------------------------- */

static int cmd_block(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  (void)params;
  cs_node_t *tip = c->tree.tip;
  if (!tip) {
    c->host->call_error(call, "NO Blocks yet..");
    return 0;
  }
  json_t *r = json_object();
  json_object_set_new(r, "block", jnum(c, &tip->txpow->header.blocknumber));
  json_object_set_new(r, "hash", jhex(tip->txpow->txpowid, 32));
  json_object_set_new(r, "timemilli", jnum(c, &tip->txpow->header.timemilli));
  json_object_set_new(r, "date", jdate(tip->time));
  c->host->call_reply(call, r);
  return 0;
}

/* ---- txpow --------------------------------------------------------------- */

static bool param_id(cs_t *c, mn_call_t *call, const char *name,
                     uint8_t id[32]) {
  const char *s = c->host->call_param(call, name);
  if (!s || strlen(s) != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    return false;
  for (int i = 0; i < 32; i++) {
    unsigned v;
    if (sscanf(s + 2 + 2 * i, "%2x", &v) != 1)
      return false;
    id[i] = (uint8_t)v;
  }
  return true;
}

static bool txpow_has_address(const mn_txpow_t *t, const mn_data_t *a) {
  if (!t->body)
    return false;
  const mn_transaction_t *ts[2] = {&t->body->txn, &t->body->burntxn};
  for (int k = 0; k < 2; k++) {
    for (uint32_t i = 0; i < ts[k]->n_inputs; i++)
      if (cs_data_eq(&ts[k]->inputs[i].address, a))
        return true;
    for (uint32_t i = 0; i < ts[k]->n_outputs; i++)
      if (cs_data_eq(&ts[k]->outputs[i].address, a))
        return true;
  }
  return false;
}

static int cmd_txpow(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  const mn_host_t *h = c->host;
  (void)params;
  uint8_t id[32];
  char hex[80];
  if (h->call_param(call, "action")) {
    const char *a = h->call_param(call, "action");
    if (strcmp(a, "info") != 0) {
      h->call_error(call, "Invalid action : %s", a);
      return 0;
    }
    h->call_reply(call,
                  json_pack("{s:{s:I}, s:{s:I}}", "txpowdb", "size",
                            (json_int_t)db_count(c, CS_DB_TXPOW), "archivedb",
                            "size", (json_int_t)db_count(c, CS_DB_ARCHIVE)));
    return 0;
  }
  if (h->call_param(call, "txpowid")) {
    if (!param_id(c, call, "txpowid", id)) {
      h->call_error(call, "TxPoW not found : %s",
                    h->call_param(call, "txpowid"));
      return 0;
    }
    mn_txpow_t *t;
    if (c->iface.txpow_get(&c->iface, id, &t)) {
      h->call_error(call, "TxPoW not found : %s",
                    cs_hex(id, 32, hex, sizeof hex));
      return 0;
    }
    h->call_reply(call, mn_txpow_json(c->env.obj, t));
    c->env.obj->free(t);
    return 0;
  }
  if (h->call_param(call, "onchain")) {
    json_t *r = json_object();
    mn_chain_where_t w = {.size = sizeof w};
    if (param_id(c, call, "onchain", id))
      c->iface.lookup(&c->iface, id, &w);
    else
      w.onchain_block = -1;
    if (w.onchain_block >= 0 && c->tree.tip) {
      char b[32];
      json_object_set_new(r, "found", json_true());
      snprintf(b, sizeof b, "%lld", (long long)w.onchain_block);
      json_object_set_new(r, "block", jstr(b));
      json_object_set_new(r, "blockid", jhex(w.onchain_id, 32));
      snprintf(b, sizeof b, "%lld", (long long)c->tree.tip->number);
      json_object_set_new(r, "tip", jstr(b));
      snprintf(b, sizeof b, "%lld",
               (long long)(c->tree.tip->number - w.onchain_block));
      json_object_set_new(r, "confirmations", jstr(b));
    } else {
      json_object_set_new(r, "found", json_false());
    }
    h->call_reply(call, r);
    return 0;
  }
  if (h->call_param(call, "block")) {
    const char *s = h->call_param(call, "block");
    mn_num_t n;
    int64_t bn;
    mn_txblock_t *tb;
    if (c->env.num->parse(&n, s, strlen(s)) || cs_num_i64(&c->env, &n, &bn) ||
        c->iface.block_by_number(&c->iface, bn, &tb)) {
      h->call_error(call, "TxPoW not found @ height %s", s);
      return 0;
    }
    h->call_reply(call, mn_txpow_json(c->env.obj, &tb->txpow));
    c->env.obj->free(tb);
    return 0;
  }
  if (h->call_param(call, "address") || h->call_param(call, "relevant")) {
    /* Blocks of the tree and their txns that touch the address. */
    json_t *arr = json_array();
    const char *as = h->call_param(call, "address");
    uint8_t ab[64];
    size_t al = 0;
    if (as && strlen(as) > 2 && strlen(as) <= 130)
      for (size_t i = 2; i + 1 < strlen(as) + 1 && i + 1 <= strlen(as);
           i += 2) {
        unsigned v;
        if (sscanf(as + i, "%2x", &v) != 1)
          break;
        ab[al++] = (uint8_t)v;
      }
    mn_data_t ad = {ab, al};
    for (cs_node_t *n = c->tree.tip; n && as; n = n->parent) {
      if (txpow_has_address(n->txpow, &ad))
        json_array_append_new(arr, mn_txpow_json(c->env.obj, n->txpow));
      const mn_txbody_t *b = n->txpow->body;
      for (uint32_t i = 0; b && i < b->n_txpowlist; i++) {
        mn_txpow_t *own = NULL;
        const mn_txpow_t *x = b->txpowlist[i].len == 32
                                  ? cs_txpow_find(c, b->txpowlist[i].data, &own)
                                  : NULL;
        if (x && txpow_has_address(x, &ad))
          json_array_append_new(arr, mn_txpow_json(c->env.obj, x));
        c->env.obj->free(own);
      }
    }
    h->call_reply(call, arr);
    return 0;
  }
  h->call_error(call, "Must Specify search params");
  return 0;
}

/* ---- printtree ----------------------------------------------------------- */

static void tree_line(cs_t *c, mn_buf_t *b, cs_node_t *n, int64_t rootblock) {
  char line[512], w1[64], w2[64], hex[80], date[64];
  int64_t ind = n->number - rootblock;
  for (int64_t i = 0; i < ind; i++)
    mn_buf_put(b, i == ind - 1 ? "-->" : "   ", 3);
  uint32_t numtxns = n->txpow->body ? n->txpow->body->n_txpowlist : 0;
  if (mn_txpow_is_txn(n->txpow))
    numtxns++;
  c->env.obj->weight_to_str(&n->txpow->weight, w1, sizeof w1);
  c->env.obj->weight_to_str(&n->total, w2, sizeof w2);
  time_t s = (time_t)(n->time / 1000);
  struct tm tm;
  localtime_r(&s, &tm);
  strftime(date, sizeof date, "%a %b %d %H:%M:%S %Z %Y", &tm);
  snprintf(line, sizeof line, " %lld [0/%d] %s txns:%u  weight:%s/%s @ %s\n",
           (long long)n->number, n->txpow->superlevel,
           cs_hex(n->txpow->txpowid, 32, hex, sizeof hex), numtxns, w1, w2,
           date);
  mn_buf_put(b, line, strlen(line));
}

static int cmd_printtree(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  const mn_host_t *h = c->host;
  (void)params;
  const char *ds = h->call_param(call, "depth");
  long depth = ds ? strtol(ds, NULL, 10) : 32;
  const char *cs = h->call_param(call, "cascade");
  json_t *r = json_object();
  if (cs && strcmp(cs, "true") == 0) {
    mn_buf_t b = {0};
    mn_buf_put(&b, "\n", 1);
    for (uint32_t i = 0; i < c->casc.n; i++) {
      const cs_cnode_t *n = &c->casc.nodes[i];
      char line[512], w[64], hex[80], date[64];
      mn_weight_t nw;
      if (cs_cascade_node_weight(&c->env, n, &nw))
        memset(&nw, 0, sizeof nw);
      c->env.obj->weight_to_str(&nw, w, sizeof w);
      time_t s = (time_t)(cs_txpow_time(&c->env, n->txpow) / 1000);
      struct tm tm;
      localtime_r(&s, &tm);
      strftime(date, sizeof date, "%a %b %d %H:%M:%S %Z %Y", &tm);
      snprintf(line, sizeof line, "[%d/%d] %s @ %lld weight:%s @ %s\n",
               n->level, n->superlevel,
               cs_hex(n->txpow->txpowid, 32, hex, sizeof hex),
               (long long)cs_txpow_number(&c->env, n->txpow), w, date);
      mn_buf_put(&b, line, strlen(line));
    }
    json_object_set_new(r, "cascade",
                        json_stringn((const char *)b.data, b.len));
    mn_buf_free(&b);
  }
  mn_buf_t b = {0};
  mn_buf_put(&b, "\n", 1);
  cs_node_t *start = c->tree.tip;
  if (start) {
    for (long i = 0; i < depth - 1; i++)
      if (start->parent)
        start = start->parent;
    int64_t rootblock = start->number;
    cs_node_t **stack = cs_xmalloc(64 * sizeof *stack);
    size_t sn = 0, scap = 64;
    stack[sn++] = start;
    while (sn) {
      cs_node_t *n = stack[--sn];
      tree_line(c, &b, n, rootblock);
      for (uint32_t k = 0; k < n->nkids; k++) {
        if (sn == scap) {
          scap *= 2;
          stack = cs_xrealloc(stack, scap * sizeof *stack);
        }
        stack[sn++] = n->kids[k];
      }
    }
    free(stack);
  }
  json_object_set_new(r, "chain", json_stringn((const char *)b.data, b.len));
  mn_buf_free(&b);
  h->call_reply(call, r);
  return 0;
}

/* ---- printmmr ------------------------------------------------------------ */

typedef struct mmrj {
  cs_t *c;
  json_t *arr;
} mmrj_t;

static json_t *entry_json(cs_t *c, int row, uint64_t entry,
                          const mn_mmrdata_t *d) {
  char e[32];
  snprintf(e, sizeof e, "%llu", (unsigned long long)entry);
  json_t *dj = c->env.obj->json(MN_OBJ_MMRDATA, d, 0);
  return json_pack("{s:i, s:s, s:o}", "row", row, "entry", e, "data",
                   dj ? dj : json_null());
}

static void mmr_entry_cb(int row, uint64_t entry, const mn_mmrdata_t *d,
                         void *data) {
  mmrj_t *m = data;
  json_array_append_new(m->arr, entry_json(m->c, row, entry, d));
}

static int cmd_printmmr(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  (void)params;
  cs_node_t *tip = c->tree.tip;
  if (!tip) {
    c->host->call_error(call, "NO Blocks yet..");
    return 0;
  }
  cs_mmr_t *m = tip->mmr;
  json_t *r = json_object();
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", (long long)cs_mmr_blocktime(m));
  json_object_set_new(r, "block", jstr(buf));
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)cs_mmr_leaves(m));
  json_object_set_new(r, "entrynumber", jstr(buf));
  json_object_set_new(r, "size", json_integer((json_int_t)cs_mmr_size(m)));
  mmrj_t mj = {c, json_array()};
  cs_mmr_each(m, mmr_entry_cb, &mj);
  json_object_set_new(r, "entries", mj.arr);
  json_object_set_new(r, "maxrow", json_integer(cs_mmr_max_row(m)));
  json_t *maxe = json_array();
  for (int row = 0; row <= cs_mmr_max_row(m); row++) {
    uint64_t e;
    if (!cs_mmr_max(m, row, &e))
      continue;
    const mn_mmrdata_t *d = cs_mmr_get(m, row, e, 0);
    if (d)
      json_array_append_new(maxe, entry_json(c, row, e, d));
  }
  json_object_set_new(r, "maxentries", maxe);
  mn_mmrdata_t root;
  if (cs_mmr_root(&c->env, m, &root) == 0)
    json_object_set_new(r, "root", c->env.obj->json(MN_OBJ_MMRDATA, &root, 0));
  else
    json_object_set_new(r, "root", json_null());
  c->host->call_reply(call, r);
  return 0;
}

/* ---- mempool ------------------------------------------------------------- */

static int cmd_mempool(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  (void)params;
  json_t *arr = json_array();
  size_t it = 0, size = 0, casc = 0, txns = 0, blks = 0;
  const uint8_t *k;
  void *v;
  while (cs_idmap_next(&c->ram, &it, &k, &v)) {
    cs_entry_t *e = v;
    if (e->in_cascade) {
      casc++;
      continue;
    }
    size++;
    json_array_append_new(arr, json_pack("{s:o, s:b, s:b}", "txpowid",
                                         jhex(k, 32), "transaction", e->is_txn,
                                         "block", e->is_block));
    txns += e->is_txn;
    blks += e->is_block;
  }
  json_t *r = json_object();
  json_object_set_new(r, "txpow", arr);
  json_object_set_new(r, "total", json_integer((json_int_t)c->ram.n));
  json_object_set_new(r, "onchain", json_integer((json_int_t)size));
  json_object_set_new(r, "cascade", json_integer((json_int_t)casc));
  json_object_set_new(r, "transactions", json_integer((json_int_t)txns));
  json_object_set_new(r, "blocks", json_integer((json_int_t)blks));
  c->host->call_reply(call, r);
  return 0;
}

/* ---- hashtest ------------------------------------------------------------ */

typedef struct hashjob {
  cs_t *c;
  mn_call_t *call;
  uint64_t n, done, ms;
  char amount[MN_NUM_STR_MAX];
} hashjob_t;

static void hash_work(void *data) {
  hashjob_t *j = data;
  j->done = cs_hashtest(&j->c->env, j->n, &j->ms, j->c->host->mono_ms);
}

static void hash_done(void *data, int status) {
  hashjob_t *j = data;
  cs_t *c = j->c;
  if (status) {
    c->host->call_error(j->call, "hashtest stopped: %s", mn_strerror(status));
    free(j);
    return;
  }
  uint64_t ms = j->ms ? j->ms : 1;
  mn_num_t h, secs, thousand, speed, mil, meg;
  const mn_num_api_t *num = c->env.num;
  num->from_u64(&h, j->n);
  num->from_u64(&secs, ms);
  num->from_i64(&thousand, 1000);
  num->from_i64(&mil, 1000000);
  char sp[MN_NUM_STR_MAX + 8] = "0 MH/s";
  if (num->div(&secs, &secs, &thousand) == 0 &&
      num->div(&speed, &h, &secs) == 0 && num->div(&meg, &speed, &mil) == 0 &&
      num->sigdig(&meg, &meg, 4) == 0) {
    num->to_str(&meg, sp, MN_NUM_STR_MAX);
    strcat(sp, " MH/s");
  }
  c->host->call_reply(j->call,
                      json_pack("{s:s, s:I, s:s}", "hashes", j->amount,
                                "millitime", (json_int_t)j->ms, "speed", sp));
  free(j);
}

static int cmd_hashtest(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  (void)params;
  const char *a = c->host->call_param(call, "amount");
  mn_num_t n;
  int64_t v = 1000000;
  if (a && (c->env.num->parse(&n, a, strlen(a)) || c->env.num->to_i64(&n, &v) ||
            v < 1 || v > 10000000000LL)) {
    c->host->call_error(call, "amount must be a whole number of hashes "
                              "from 1 to 10000000000");
    return 0;
  }
  hashjob_t *j = cs_xcalloc(1, sizeof *j);
  j->c = c;
  j->call = call;
  j->n = (uint64_t)v;
  snprintf(j->amount, sizeof j->amount, "%s", a ? a : "1000000");
  int rc = c->host->work_submit(c->self, hash_work, hash_done, j);
  if (rc) {
    free(j);
    c->host->call_error(call, "cannot run hashtest: %s", mn_strerror(rc));
  }
  return 0;
}

/* ---- automine ------------------------------------------------------------ */

static int cmd_automine(mn_call_t *call, json_t *params, void *data) {
  cs_t *c = data;
  (void)params;
  const char *e = c->host->call_param(call, "enable");
  if (e && strcmp(e, "single") == 0) {
    cs_pulse_once(c);
  } else if (e) {
    c->automine = strcmp(e, "true") == 0;
  }
  c->host->call_reply(call, json_pack("{s:b}", "automine", c->automine));
  return 0;
}

/* ---- registration -------------------------------------------------------- */

static const mn_cmd_param_t status_params[] = {
    {"clean", MN_PARAM_BOOL, 0, "true: clean the RAM (no effect here)"},
    {"debug", MN_PARAM_BOOL, 0, "log while building the answer"},
    {"complete", MN_PARAM_BOOL, 0, "more detail"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t txpow_params[] = {
    {"txpowid", MN_PARAM_HEX, 0, "TxPoW id to show"},
    {"onchain", MN_PARAM_HEX, 0, "TxPoW id to find on the main chain"},
    {"block", MN_PARAM_NUMBER, 0, "block number to show"},
    {"address", MN_PARAM_ADDRESS, 0, "TxPoWs touching this address"},
    {"relevant", MN_PARAM_BOOL, 0, "TxPoWs relevant to this node"},
    {"max", MN_PARAM_NUMBER, 0, "most relevant TxPoWs to list [100]"},
    {"action", MN_PARAM_STRING, 0, "info: database sizes"},
    {"inblock", MN_PARAM_STRING, 0, "block number or id (not kept here)"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t tree_params[] = {
    {"depth", MN_PARAM_NUMBER, 0, "blocks to print from the tip [32]"},
    {"cascade", MN_PARAM_BOOL, 0, "also print the cascade"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t hash_params[] = {
    {"amount", MN_PARAM_NUMBER, 0, "hashes to run [1000000]"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t automine_params[] = {
    {"enable", MN_PARAM_STRING, 0, "true, false or single"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t cmds[] = {
    {"status", "(clean:true) - Show general status for Minima",
     "status\n\nThe node's chain, mempool, storage and sync state: chain "
     "tip, weight, length, cascade, difficulty and speed.\n",
     status_params, 0, cmd_status},
    {"block", "Simply return the current top block",
     "block\n\nThe tip's block number, id, time and date.\n", NULL, 0,
     cmd_block},
    {"txpow",
     "(txpowid:) (onchain:) (block:) (address:) (relevant:) (max:) - Search "
     "for a specific TxPoW or check for onchain",
     "txpow\n\nSearch for a TxPoW by id, block number or address, or find "
     "the block holding it and its confirmations (onchain).\n",
     txpow_params, 0, cmd_txpow},
    {"printtree",
     "(depth:) (cascade:true|false) - Print a tree representation of the "
     "blockchain. Depth default 32, Cascade false.",
     "printtree\n\nThe TxPoW tree from depth blocks below the tip, with "
     "weights; cascade:true adds the cascade.\n",
     tree_params, 0, cmd_printtree},
    {"printchain", "(depth:) (cascade:true|false) - the same as printtree",
     "printchain\n\nAnother name of printtree.\n", tree_params, 0,
     cmd_printtree},
    {"printmmr", "Print the MMR set of the tip block",
     "printmmr\n\nThe tip block's MMR layer: entries, peaks and root.\n", NULL,
     0, cmd_printmmr},
    {"mempool", "Check the mempool",
     "mempool\n\nThe TxPoWs held in memory and how many are transactions, "
     "blocks and cascaded.\n",
     NULL, 0, cmd_mempool},
    {"hashtest",
     "(amount:) - Check the speed of hashing of this device. Defaults to 1 "
     "million hashes",
     "hashtest\n\nHashes TxPoW headers as the miner does and reports the "
     "speed.\n",
     hash_params, 0, cmd_hashtest},
    {"automine", "[enable:true|false|single] - Simulate traffic",
     "automine\n\nTurns the automine pulse on or off, or mines one pulse "
     "now (single).\n",
     automine_params, 0, cmd_automine},
};

int cs_commands_register(cs_t *c) {
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    int rc = c->host->command_register(c->self, &cmds[i], c);
    if (rc) {
      c->host->log(c->self, MN_LOG_ERROR,
                   "cannot register the command %s: %s (is another chain "
                   "plugin loaded?)",
                   cmds[i].name, mn_strerror(rc));
      return rc;
    }
  }
  return 0;
}
