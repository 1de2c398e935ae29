/*
 * fake-chain - a stand-in for the chain plugin in tests of
 * `minima-cli wait-sync`: its `status` command reports a chain tip that
 * climbs by [fake-chain] step blocks per call up to top, in the fields
 * docs/cli.md names (chain.block, network.topblock, network.syncing).
 * mode "notop" leaves out network.topblock, "noblock" chain.block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/minima.h>

typedef struct fake {
  mn_plugin_t *self;
  const mn_host_t *host;
  int64_t block;
} fake_t;

static int cmd_status(mn_call_t *call, json_t *params, void *data) {
  fake_t *f = data;
  const mn_host_t *h = f->host;
  int64_t top = h->cfg_int(f->self, "top");
  const char *mode = h->cfg_string(f->self, "mode");
  char text[32];
  json_t *chain = json_object();
  if (strcmp(mode, "noblock") != 0) {
    /* Text, as the reference prints numbers. */
    snprintf(text, sizeof text, "%lld", (long long)f->block);
    json_object_set_new(chain, "block", json_string(text));
  }
  json_t *net = json_object();
  if (strcmp(mode, "notop") != 0)
    json_object_set_new(net, "topblock", json_integer(top));
  json_object_set_new(net, "syncing", json_boolean(f->block < top));
  h->call_reply(call, json_pack("{s:o, s:o}", "chain", chain, "network", net));
  f->block += h->cfg_int(f->self, "step");
  if (f->block > top)
    f->block = top;
  return 0;
}

static const mn_command_def_t status_cmd = {
    "status", "- a fake chain tip for tests", NULL, NULL, 0, cmd_status};

static int fake_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  fake_t *f = calloc(1, sizeof *f);
  if (!f)
    return MN_ENOMEM;
  f->self = self;
  f->host = host;
  int err = host->command_register(self, &status_cmd, f);
  if (err) {
    free(f);
    return err;
  }
  *state = f;
  return 0;
}

static void fake_fini(void *state) {
  free(state);
}

static const mn_cfg_key_t fake_config[] = {
    {"top", MN_CFG_INT, "50", 0, 1000000, "the network's top block"},
    {"step", MN_CFG_INT, "25", 1, 1000000, "blocks gained per status call"},
    {"mode", MN_CFG_STRING, "normal", 0, 0, "normal, notop or noblock"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_plugin_desc_t fake_desc = {
    MN_PLUGIN_HEAD,
    .name = "fake-chain",
    .version = "0.0.1",
    .role = "test",
    .description = "status with a climbing chain tip, for wait-sync tests",
    .config = fake_config,
    .init = fake_init,
    .fini = fake_fini,
};

MN_PLUGIN_DEFINE(fake_desc)
