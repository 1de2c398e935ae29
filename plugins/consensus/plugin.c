/*
 * plugin.c - the consensus plugin: configuration, the "chain" service,
 * its topics and hook, and the lifecycle.
 */
#include <stdio.h>
#include <string.h>

#include "cons.h"

static const mn_dep_t requires[] = {
    {MN_KISSVM_SERVICE, MN_KISSVM_SERVICE_VERSION, 0}, {NULL, 0, 0}};

static const mn_dep_t provides[] = {
    {MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION, 0}, {NULL, 0, 0}};

static const mn_cfg_key_t config[] = {
    {"network", MN_CFG_STRING, "main", 0, 0,
     "parameter set: main (50 s blocks, cascade 2048/100/256), test (the "
     "reference's -test: 20 s blocks, cascade 32/3/4) or dev (test with 5 s "
     "blocks)"},
    {"genesis", MN_CFG_BOOL, "false", 0, 0,
     "create a genesis block when the store holds no chain"},
    {"genesis_address", MN_CFG_STRING, "", 0, 0,
     "0x or Mx address the genesis coin pays; empty: an address of the "
     "node's wallet, or the RETURN TRUE address if no wallet is loaded"},
    {"automine", MN_CFG_BOOL, "true", 0, 0,
     "mine a pulse TxPoW every automine_ms (the reference always does)"},
    {"automine_ms", MN_CFG_INT, "0", 0, 86400000,
     "pulse period in ms; 0: one block time (1000 / block speed)"},
    {"mining_threads", MN_CFG_INT, "0", 0, 1024,
     "work items mining at once; 0: every work-queue thread"},
    {"hashrate", MN_CFG_INT, "1000000", 1, 1e15,
     "this node's hashes per second, which sets a posted TxPoW's "
     "transaction difficulty (the reference's hashrate setting)"},
    {"block_speed", MN_CFG_STRING, "", 0, 0,
     "blocks per second to retarget to; empty: the network's"},
    {"speed_calc", MN_CFG_INT, "0", 0, 100000,
     "blocks the retarget looks back; 0: the network's"},
    {"median_calc", MN_CFG_INT, "0", 0, 100000,
     "blocks in the median-time window; 0: the network's"},
    {"cascade_start_depth", MN_CFG_INT, "0", 0, 1000000,
     "tree blocks kept after a cut; 0: the network's"},
    {"cascade_frequency", MN_CFG_INT, "0", 0, 1000000,
     "extra blocks before cutting; 0: the network's"},
    {"cascade_level_nodes", MN_CFG_INT, "0", 0, 1000000,
     "cascade nodes per level; 0: the network's"},
    {"proof_history", MN_CFG_INT, "0", 0, 1000000,
     "blocks back wallets prove coins against; 0: the network's"},
    {"mempool_max", MN_CFG_INT, "5000", 1, 10000000,
     "mempool TxPoWs kept for block templates"},
    {NULL, 0, NULL, 0, 0, NULL}};

typedef struct state {
  cs_t *c;
} state_t;

static int read_params(mn_plugin_t *self, const mn_host_t *h, cs_params_t *p) {
  const char *net = h->cfg_string(self, "network");
  if (cs_params_preset(h->num, net, p)) {
    h->log(self, MN_LOG_ERROR,
           "consensus.network \"%s\" is unknown; use main, test or dev", net);
    return MN_ECONFIG;
  }
  const char *bs = h->cfg_string(self, "block_speed");
  if (bs && bs[0]) {
    mn_num_t v;
    if (h->num->parse(&v, bs, strlen(bs)) || h->num->sign(&v) <= 0) {
      h->log(self, MN_LOG_ERROR,
             "consensus.block_speed \"%s\" is not a positive number of "
             "blocks per second (e.g. \"0.2\")",
             bs);
      return MN_ECONFIG;
    }
    p->block_speed = v;
  }
#define OVR(field, key)                                                        \
  do {                                                                         \
    int64_t v = h->cfg_int(self, key);                                         \
    if (v > 0)                                                                 \
      p->field = (int)v;                                                       \
  } while (0)
  OVR(speed_calc, "speed_calc");
  OVR(median_calc, "median_calc");
  OVR(cascade_start_depth, "cascade_start_depth");
  OVR(cascade_frequency, "cascade_frequency");
  OVR(cascade_level_nodes, "cascade_level_nodes");
  OVR(proof_history, "proof_history");
  OVR(mempool_max, "mempool_max");
#undef OVR
  return 0;
}

static int topic(cs_t *c, const char *name, mn_topic_t **t) {
  int rc = c->host->topic_declare(c->self, name, MN_CHAIN_EVENT_VERSION);
  if (rc)
    return rc;
  *t = c->host->topic(c->self, name);
  return *t ? 0 : MN_ENOMEM;
}

static int cons_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  *state = NULL;
  cs_params_t p;
  int rc = read_params(self, host, &p);
  if (rc)
    return rc;
  cs_t *c;
  if ((rc = cs_create(self, host, NULL, &p, &c)))
    return rc;
  c->genesis = host->cfg_bool(self, "genesis");
  snprintf(c->genesis_address, sizeof c->genesis_address, "%s",
           host->cfg_string(self, "genesis_address"));
  c->automine = host->cfg_bool(self, "automine");
  c->mining_threads = (int)host->cfg_int(self, "mining_threads");
  host->num->from_i64(&c->hashrate, host->cfg_int(self, "hashrate"));
  int64_t am = host->cfg_int(self, "automine_ms");
  if (am <= 0) {
    mn_num_t thousand, per;
    int64_t ms = 50000;
    host->num->from_i64(&thousand, 1000);
    if (host->num->div(&per, &thousand, &p.block_speed) == 0 &&
        host->num->to_i64(&per, &ms) == 0 && ms > 0)
      am = ms;
    else
      am = 50000;
  }
  c->automine_ms = (uint64_t)am;
  cs_service_init(c);
  if ((rc = topic(c, MN_CHAIN_TOPIC_TXPOW_RECEIVED, &c->t_received)) ||
      (rc = topic(c, MN_CHAIN_TOPIC_TXPOW_ACCEPTED, &c->t_accepted)) ||
      (rc = topic(c, MN_CHAIN_TOPIC_TXPOW_REJECTED, &c->t_rejected)) ||
      (rc = topic(c, MN_CHAIN_TOPIC_BLOCK_CONNECTED, &c->t_connected)) ||
      (rc = topic(c, MN_CHAIN_TOPIC_BLOCK_DISCONNECTED, &c->t_disconnected)) ||
      (rc = topic(c, MN_CHAIN_TOPIC_TIP, &c->t_tip)) ||
      (rc = topic(c, MN_CHAIN_TOPIC_NEED, &c->t_need))) {
    host->log(self, MN_LOG_ERROR,
              "cannot declare the chain topics: %s (is "
              "another chain plugin loaded?)",
              mn_strerror(rc));
    cs_destroy(c);
    return rc;
  }
  c->h_relevant = host->hook_declare(self, MN_CHAIN_HOOK_RELEVANT,
                                     MN_HOOK_CHAIN, 0, MN_HOOK_REJECT);
  /* The wallet answers with an address of its own for the genesis payout
   * (the reference pays a new simple address of the node's wallet). */
  c->h_genesis = host->hook_declare(self, MN_CHAIN_HOOK_GENESIS,
                                    MN_HOOK_SINGLE, 0, MN_HOOK_REJECT);
  rc = host->service_register(self, MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION,
                              &c->iface);
  if (rc) {
    host->log(self, MN_LOG_ERROR,
              "cannot register the chain service: %s (load only one chain "
              "plugin)",
              mn_strerror(rc));
    cs_destroy(c);
    return rc;
  }
  if ((rc = cs_commands_register(c))) {
    cs_destroy(c);
    return rc;
  }
  state_t *s = calloc(1, sizeof *s);
  if (!s) {
    cs_destroy(c);
    return MN_ENOMEM;
  }
  s->c = c;
  *state = s;
  return 0;
}

static int cons_start(void *state) {
  state_t *s = state;
  cs_t *c = s->c;
  c->env.vm = c->host->service_lookup(c->self, MN_KISSVM_SERVICE,
                                      MN_KISSVM_SERVICE_VERSION);
  if (!c->env.vm) {
    c->host->log(c->self, MN_LOG_ERROR,
                 "the kissvm service is missing: load the kissvm plugin "
                 "before consensus in the profile");
    return MN_EDEPEND;
  }
  return cs_start(c);
}

static void cons_stop(void *state) {
  cs_stop(((state_t *)state)->c);
}

static void cons_fini(void *state) {
  state_t *s = state;
  if (!s)
    return;
  cs_destroy(s->c);
  free(s);
}

static const mn_plugin_desc_t desc = {
    MN_PLUGIN_HEAD,
    .name = "consensus",
    .version = MN_VERSION_STRING,
    .role = "consensus",
    .description = "TxPoW validation, mining, tree, MMR, cascade, mempool "
                   "(service chain)",
    .config = config,
    .requires = requires,
    .provides = provides,
    .init = cons_init,
    .start = cons_start,
    .stop = cons_stop,
    .fini = cons_fini,
};

MN_PLUGIN_DEFINE(desc)
