/*
 * hello - a third-party plugin built only against the installed SDK.  It
 * registers one command, `hello`, and looks up the example plugin's
 * service if that is loaded.
 */
#include <stdlib.h>

#include <minima/minima.h>

typedef struct hello {
  mn_plugin_t *self;
  const mn_host_t *host;
  unsigned calls;
} hello_t;

static int cmd_hello(mn_call_t *call, json_t *params, void *data) {
  hello_t *h = data;
  h->calls++;
  h->host->call_reply(call, json_pack("{s:s, s:i}", "hello", "from a "
                                      "third-party plugin", "calls",
                                      (int)h->calls));
  return 0;
}

static const mn_command_def_t hello_cmd = {
    "hello", "- answer from a plugin built outside the tree", NULL, NULL, 0,
    cmd_hello};

static int hello_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  hello_t *h = calloc(1, sizeof *h);
  if (!h)
    return MN_ENOMEM;
  h->self = self;
  h->host = host;
  int err = host->command_register(self, &hello_cmd, h);
  if (err) {
    free(h);
    return err;
  }
  host->log(self, MN_LOG_INFO, "hello plugin initialised (kernel %s)",
            host->version);
  *state = h;
  return 0;
}

static void hello_fini(void *state) { free(state); }

static const mn_plugin_desc_t hello_desc = {
    MN_PLUGIN_HEAD,
    .name = "hello",
    .version = "1.0.0",
    .role = "example",
    .description = "third-party example plugin",
    .init = hello_init,
    .fini = hello_fini,
};

MN_PLUGIN_DEFINE(hello_desc)
