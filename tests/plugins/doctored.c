/*
 * One source, many doctored plugins for the loader tests.  Each variant is
 * compiled with different macros (see CMakeLists.txt):
 *   T_NAME        plugin name
 *   T_MAGIC       descriptor magic (default the real one)
 *   T_MAJOR       ABI major (default ours)
 *   T_MINOR       ABI minor (default ours)
 *   T_REQUIRES    service the plugin requires ("" for none)
 *   T_PROVIDES    service it provides ("" for none)
 *   T_INIT_FAILS  init registers a command, a service, a topic and a
 *                 subscription, then fails: with MN_EIO when defined
 *                 bare, else with the error it is defined as
 *   T_NO_ENTRY    export no mn_plugin_describe()
 *   T_CONFIG      declare one config key "level" (int 1..10, default 5)
 *   T_SLOW_STOP   stop() takes 20 seconds
 */
#include <stdlib.h>
#include <unistd.h>

#include <minima/minima.h>

#ifndef T_MAGIC
#define T_MAGIC MN_PLUGIN_MAGIC
#endif
#ifndef T_MAJOR
#define T_MAJOR MN_ABI_MAJOR
#endif
#ifndef T_MINOR
#define T_MINOR MN_ABI_MINOR
#endif
#ifndef T_REQUIRES
#define T_REQUIRES ""
#endif
#ifndef T_PROVIDES
#define T_PROVIDES ""
#endif

static const mn_host_t *host;
static mn_plugin_t *me;
static int iface_dummy = 1;

static int cmd_fn(mn_call_t *call, json_t *params, void *data) {
  host->call_reply(call, json_string(T_NAME));
  return 0;
}

static const mn_command_def_t cmd = {"doctored-" T_NAME, "test command",
                                     NULL, NULL, 0, cmd_fn};

static void on_event(const mn_event_t *ev, void *data) {}

static int t_init(mn_plugin_t *self, const mn_host_t *h, void **state) {
  host = h;
  me = self;
  if (T_PROVIDES[0])
    h->service_register(self, T_PROVIDES, 1, &iface_dummy);
#ifdef T_INIT_FAILS
  h->command_register(self, &cmd, NULL);
  h->service_register(self, "initfail-extra", 1, &iface_dummy);
  h->topic_declare(self, "initfail.topic", 1);
  h->subscribe(self, "initfail.topic", on_event, NULL);
  return T_INIT_FAILS == 1 ? MN_EIO : T_INIT_FAILS;
#else
  (void)on_event;
  h->command_register(self, &cmd, NULL);
  *state = &iface_dummy;
  return 0;
#endif
}

#ifdef T_SLOW_STOP
static void t_stop(void *state) { sleep(20); }
#endif

static const mn_dep_t requires[] = {{T_REQUIRES, 1, 0}, {NULL, 0, 0}};
static const mn_dep_t provides[] = {{T_PROVIDES, 1, 0}, {NULL, 0, 0}};
#ifdef T_CONFIG
static const mn_cfg_key_t config[] = {
    {"level", MN_CFG_INT, "5", 1, 10, "a test level"},
    {NULL, 0, NULL, 0, 0, NULL}};
#endif

static const mn_plugin_desc_t desc = {
    .size = sizeof(mn_plugin_desc_t),
    .magic = T_MAGIC,
    .abi_major = T_MAJOR,
    .abi_minor = T_MINOR,
    .name = T_NAME,
    .version = "0.0.1",
    .role = "test",
    .description = "doctored plugin for loader tests",
#ifdef T_CONFIG
    .config = config,
#endif
    .requires = T_REQUIRES[0] ? requires : NULL,
    .provides = T_PROVIDES[0] ? provides : NULL,
    .init = t_init,
#ifdef T_SLOW_STOP
    .stop = t_stop,
#endif
};

#ifdef T_NO_ENTRY
MN_PLUGIN_EXPORT const mn_plugin_desc_t *some_other_symbol(void);
const mn_plugin_desc_t *some_other_symbol(void) { return &desc; }
#else
MN_PLUGIN_DEFINE(desc)
#endif
