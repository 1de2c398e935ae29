/*
 * plugin.c - the wallet plugin: the "wallet" service and the wallet
 * commands (docs/wallet.md).  The logic is in mn_wallet_core.
 */
#include <minima/minima.h>
#include <minima/svc/wallet.h>

#include "wal.h"

static const mn_dep_t requires_[] = {
    {MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION, MN_DEP_OPTIONAL},
    {MN_KISSVM_SERVICE, MN_KISSVM_SERVICE_VERSION, MN_DEP_OPTIONAL},
    {NULL, 0, 0}};

static const mn_dep_t provides[] = {
    {MN_WALLET_SERVICE, MN_WALLET_SERVICE_VERSION, 0}, {NULL, 0, 0}};

static const mn_cfg_key_t config[] = {
    {"keys", MN_CFG_INT, "64", 1, 1024,
     "default (change) addresses the wallet keeps, each on its own key"},
    {"phrase", MN_CFG_STRING, "", 0, 0,
     "seed phrase for a new wallet (empty: 24 random words); ignored once "
     "the wallet exists"},
    {"key_size", MN_CFG_INT, "64", 2, 256,
     "one-time keys per tree key level for new keys (the reference: 64)"},
    {"key_depth", MN_CFG_INT, "3", 1, 8,
     "tree key levels for new keys (the reference: 3)"},
    {"proof_refresh", MN_CFG_INT, "256", 1, 100000,
     "re-prove a coin whose MMR proof is this many blocks old"},
    {NULL, 0, NULL, 0, 0, NULL}};

static int plugin_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  wal_t *w;
  int err = wal_new(self, host, &w);
  if (err)
    return err;
  *state = w;
  return 0;
}

static int plugin_start(void *state) {
  return wal_start(state);
}
static void plugin_stop(void *state) {
  wal_stop(state);
}
static void plugin_fini(void *state) {
  wal_free(state);
}

static const mn_plugin_desc_t desc = {
    MN_PLUGIN_HEAD,
    .name = "wallet",
    .version = MN_VERSION_STRING,
    .role = "wallet",
    .description = "keys, addresses, coins, send, tokens and custom "
                   "transactions (service wallet)",
    .config = config,
    .requires = requires_,
    .provides = provides,
    .init = plugin_init,
    .start = plugin_start,
    .stop = plugin_stop,
    .fini = plugin_fini,
};

MN_PLUGIN_DEFINE(desc)
