/*
 * example - the smallest useful plugin, and the model for new ones.
 *
 * It shows each part of the plugin ABI once: a descriptor with config keys
 * and a provided service, a command (`example`), a notification topic
 * (`example.tick`, published by a timer), a database (it counts how often
 * the node started), and the lifecycle.  No protocol logic.
 */
#include <stdlib.h>
#include <string.h>

#include <minima/minima.h>

#define EXAMPLE_SERVICE_VERSION 1

/* The service other plugins can look up as "example".  Like every stateful
 * service, its functions take the interface pointer, so one process can
 * hold several instances (simulations run many nodes in one process). */
typedef struct example_service example_service_t;
struct example_service {
  uint32_t size;
  uint64_t (*ticks)(const example_service_t *svc);
};

typedef struct example {
  example_service_t svc; /* first: the service pointer is the state */
  mn_plugin_t *self;
  const mn_host_t *host;
  mn_timer_t *timer;
  mn_topic_t *tick_topic;
  mn_db_t *db;
  uint64_t ticks;
  uint32_t starts;
} example_t;

static uint64_t svc_ticks(const example_service_t *svc) {
  return ((const example_t *)svc)->ticks;
}

static void on_tick(mn_timer_t *t, void *data) {
  example_t *ex = data;
  ex->ticks++;
  if (!ex->host->has_subscribers(ex->tick_topic))
    return;
  uint64_t *n = malloc(sizeof *n);
  if (!n)
    return;
  *n = ex->ticks;
  ex->host->publish(ex->self, ex->tick_topic, n, sizeof *n, free);
}

static int cmd_example(mn_call_t *call, json_t *params, void *data) {
  example_t *ex = data;
  const char *name = ex->host->call_param(call, "name");
  const char *greeting = ex->host->cfg_string(ex->self, "greeting");
  json_t *r = json_object();
  json_object_set_new(r, "message", json_sprintf("%s, %s!", greeting,
                                                 name ? name : "world"));
  json_object_set_new(r, "ticks", json_integer((json_int_t)ex->ticks));
  json_object_set_new(r, "starts", json_integer(ex->starts));
  ex->host->call_reply(call, r);
  return 0;
}

static const mn_cmd_param_t example_params[] = {
    {"name", MN_PARAM_STRING, 0, "who to greet"}, {NULL, 0, 0, NULL}};

static const mn_command_def_t example_cmd = {
    "example", "(name:) - greet, and show the example plugin's counters",
    "example\n\nAnswers with a greeting and the plugin's counters.\n\n"
    "Examples:\n\nexample\n\nexample name:Alice\n",
    example_params, 0, cmd_example};

static int count_start(mn_txn_t *txn, void *data) {
  example_t *ex = data;
  const mn_host_t *h = ex->host;
  mn_val_t v;
  uint32_t starts = 0;
  int err = h->db_get(txn, ex->db, "starts", 6, &v);
  if (err == 0 && v.size == sizeof starts)
    memcpy(&starts, v.data, sizeof starts);
  else if (err != 0 && err != MN_ENOENT)
    return err;
  starts++;
  err = h->db_put(txn, ex->db, "starts", 6, &starts, sizeof starts, 0);
  if (err == 0)
    err = h->schema_set(txn, 1);
  if (err == 0)
    ex->starts = starts;
  return err;
}

static int example_init(mn_plugin_t *self, const mn_host_t *host,
                        void **state) {
  example_t *ex = calloc(1, sizeof *ex);
  if (!ex)
    return MN_ENOMEM;
  ex->svc = (example_service_t){sizeof(example_service_t), svc_ticks};
  ex->self = self;
  ex->host = host;
  int err = host->db_open(self, "counters", 0, &ex->db);
  if (!err)
    err = host->store_write(self, count_start, ex);
  if (!err)
    err = host->topic_declare(self, "example.tick", 1);
  if (!err)
    err = host->service_register(self, "example", EXAMPLE_SERVICE_VERSION,
                                 &ex->svc);
  if (!err)
    err = host->command_register(self, &example_cmd, ex);
  if (err) {
    free(ex);
    return err;
  }
  ex->tick_topic = host->topic(self, "example.tick");
  *state = ex;
  return 0;
}

static int example_start(void *state) {
  example_t *ex = state;
  int64_t ms = ex->host->cfg_int(ex->self, "interval_ms");
  ex->timer = ex->host->timer_start(ex->self, (uint64_t)ms, (uint64_t)ms,
                                    on_tick, ex);
  if (!ex->timer)
    return MN_ENOMEM;
  ex->host->log(ex->self, MN_LOG_INFO, "started (%u starts so far)",
                ex->starts);
  return 0;
}

static void example_stop(void *state) {
  example_t *ex = state;
  ex->host->timer_stop(ex->timer);
  ex->timer = NULL;
}

static void example_fini(void *state) { free(state); }

static const mn_cfg_key_t example_config[] = {
    {"greeting", MN_CFG_STRING, "Hello", 0, 0, "how the example command "
                                                "greets"},
    {"interval_ms", MN_CFG_INT, "1000", 10, 3600000, "tick period"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_dep_t example_provides[] = {
    {"example", EXAMPLE_SERVICE_VERSION, 0}, {NULL, 0, 0}};

static const mn_plugin_desc_t example_desc = {
    MN_PLUGIN_HEAD,
    .name = "example",
    .version = "1.0.0",
    .role = "example",
    .description = "a minimal plugin: one command, one topic, one service",
    .config = example_config,
    .provides = example_provides,
    .init = example_init,
    .start = example_start,
    .stop = example_stop,
    .fini = example_fini,
};

MN_PLUGIN_DEFINE(example_desc)
