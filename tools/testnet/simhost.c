/*
 * simhost.c - the in-process node harness (see simhost.h).
 *
 * Each simulated node carries what mn__node_t carries for minimad (bus,
 * command registry, store, services, timers, plugins) but shares the loop
 * with every other node.  The host table is one static table; the calling
 * plugin's record says which node it belongs to.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <minima/version.h>

#include "bus/bus.h"
#include "cmd/cmd.h"
#include "crypto/crypto.h"
#include "simhost.h"
#include "store/store.h"
#include "types/num.h"
#include "util/log.h"
#include "util/util.h"

typedef enum phase { PH_LOADED, PH_INITED, PH_STARTED } phase_t;

typedef struct cfgval {
  const mn_cfg_key_t *key;
  bool b;
  int64_t i;
  double f;
  char *s;
  char **list; /* NULL-terminated */
  size_t nlist;
} cfgval_t;

/* One plugin of one node; handed to plugins as their mn_plugin_t. */
typedef struct splug {
  mn_sim_node_t *node;
  const mn_plugin_desc_t *desc;
  char *name; /* "<node>/<plugin>" for logs */
  void *state;
  phase_t phase;
  cfgval_t *cfg;
  size_t ncfg;
} splug_t;

typedef struct service {
  char *name;
  uint32_t version;
  const void *iface;
  splug_t *owner;
} service_t;

struct mn_timer {
  uv_timer_t h;
  splug_t *owner;
  mn_timer_cb cb;
  void *data;
  bool stopped;
  struct mn_timer *next, *prev;
};

typedef struct setting {
  char *key; /* "table.key" */
  char *value;
} setting_t;

struct mn_sim_node {
  mn_sim_t *sim;
  char *name;
  char *data_dir;
  int base_port;
  bool running;
  mn__bus_t *bus;
  mn__cmds_t *cmds;
  mn__store_t *store;
  splug_t self;      /* the harness's own pseudo-plugin "sim" */
  splug_t **plugins; /* in start order */
  size_t nplugins;
  service_t *services;
  size_t nservices;
  setting_t *settings;
  size_t nsettings;
  struct mn_timer *timers;
  size_t work_pending;
};

struct mn_sim {
  uv_loop_t *loop;
  char *dir;
  bool own_dir;
  mn_log_level_t level;
  mn_sim_node_t **nodes;
  size_t nnodes;
};

static mn_sim_node_t *node_of(mn_plugin_t *self) {
  return ((splug_t *)self)->node;
}
static splug_t *sp(mn_plugin_t *self) {
  return (splug_t *)self;
}

/* ---- logging ------------------------------------------------------------ */

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG",
                                          "TRACE"};

static void h_vlog(mn_plugin_t *self, mn_log_level_t level, const char *fmt,
                   va_list ap) {
  mn_sim_node_t *n = node_of(self);
  if (level > n->sim->level)
    return;
  char line[1024];
  vsnprintf(line, sizeof line, fmt, ap);
  fprintf(stderr, "%llu %-5s [%s] %s\n",
          (unsigned long long)uv_now(n->sim->loop),
          level_names[level <= MN_LOG_TRACE ? level : MN_LOG_TRACE],
          sp(self)->name, line);
}

static void h_log(mn_plugin_t *self, mn_log_level_t level, const char *fmt,
                  ...) {
  va_list ap;
  va_start(ap, fmt);
  h_vlog(self, level, fmt, ap);
  va_end(ap);
}

static bool h_log_enabled(mn_plugin_t *self, mn_log_level_t level) {
  return level <= node_of(self)->sim->level;
}

/* ---- the node ----------------------------------------------------------- */

static const char *h_plugin_name(mn_plugin_t *self) {
  return sp(self)->desc ? sp(self)->desc->name : "sim";
}
static const char *h_data_dir(mn_plugin_t *self) {
  return node_of(self)->data_dir;
}
static const char *h_profile(mn_plugin_t *self) {
  return "sim";
}
static int h_base_port(mn_plugin_t *self) {
  return node_of(self)->base_port;
}
static void *h_uv_loop(mn_plugin_t *self) {
  return node_of(self)->sim->loop;
}

static void free_handle(uv_handle_t *h) {
  free(h);
}

static void stop_later(uv_timer_t *t) {
  mn_sim_node_stop(t->data);
  uv_close((uv_handle_t *)t, free_handle);
}

static void h_shutdown(mn_plugin_t *self, int code, const char *reason) {
  mn_sim_node_t *n = node_of(self);
  h_log(self, MN_LOG_INFO, "shutdown requested (%d): %s", code,
        reason ? reason : "no reason given");
  uv_timer_t *t = mn__xmalloc(sizeof *t);
  uv_timer_init(n->sim->loop, t);
  t->data = n;
  uv_timer_start(t, stop_later, 0, 0);
}

/* ---- configuration ------------------------------------------------------ */

static const char *setting_of(mn_sim_node_t *n, const char *table,
                              const char *key) {
  size_t tl = strlen(table);
  const char *v = NULL;
  for (size_t i = 0; i < n->nsettings; i++) {
    const char *k = n->settings[i].key;
    if (strncmp(k, table, tl) == 0 && k[tl] == '.' &&
        strcmp(k + tl + 1, key) == 0)
      v = n->settings[i].value; /* the last one wins */
  }
  return v;
}

static char *trim_quotes(const char *s, size_t len) {
  while (len && (*s == ' ' || *s == '\t')) {
    s++;
    len--;
  }
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
    len--;
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
    s++;
    len -= 2;
  }
  return mn__xstrndup(s, len);
}

static void cfg_fill(cfgval_t *v, const char *text) {
  switch (v->key->type) {
  case MN_CFG_BOOL:
    v->b = strcmp(text, "true") == 0;
    break;
  case MN_CFG_INT:
    v->i = strtoll(text, NULL, 0);
    break;
  case MN_CFG_FLOAT:
    v->f = strtod(text, NULL);
    break;
  case MN_CFG_STRING:
    v->s = trim_quotes(text, strlen(text));
    break;
  case MN_CFG_STRINGS: {
    const char *p = text;
    size_t len = strlen(p);
    if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
      p++;
      len -= 2;
    }
    v->list = mn__xcalloc(1, sizeof *v->list);
    while (len > 0) {
      const char *comma = memchr(p, ',', len);
      size_t part = comma ? (size_t)(comma - p) : len;
      char *item = trim_quotes(p, part);
      if (*item) {
        v->list = mn__xrealloc(v->list, (v->nlist + 2) * sizeof *v->list);
        v->list[v->nlist++] = item;
        v->list[v->nlist] = NULL;
      } else {
        free(item);
      }
      if (!comma)
        break;
      len -= part + 1;
      p = comma + 1;
    }
    break;
  }
  }
}

static void cfg_build(splug_t *p) {
  const mn_plugin_desc_t *d = p->desc;
  const char *table = d->config_table ? d->config_table : d->name;
  for (const mn_cfg_key_t *k = d->config; k && k->name; k++)
    p->ncfg++;
  p->cfg = mn__xcalloc(p->ncfg ? p->ncfg : 1, sizeof *p->cfg);
  size_t i = 0;
  for (const mn_cfg_key_t *k = d->config; k && k->name; k++, i++) {
    const char *set = setting_of(p->node, table, k->name);
    p->cfg[i].key = k;
    cfg_fill(&p->cfg[i], set ? set : (k->def ? k->def : ""));
  }
}

static void cfg_free(splug_t *p) {
  for (size_t i = 0; i < p->ncfg; i++) {
    free(p->cfg[i].s);
    for (size_t j = 0; j < p->cfg[i].nlist; j++)
      free(p->cfg[i].list[j]);
    free(p->cfg[i].list);
  }
  free(p->cfg);
  p->cfg = NULL;
  p->ncfg = 0;
}

static cfgval_t *cfg_find(mn_plugin_t *self, const char *key,
                          mn_cfg_type_t type) {
  splug_t *p = sp(self);
  for (size_t i = 0; i < p->ncfg; i++)
    if (p->cfg[i].key->type == type && strcmp(p->cfg[i].key->name, key) == 0)
      return &p->cfg[i];
  h_log(self, MN_LOG_ERROR, "asked for undeclared config key \"%s\"", key);
  return NULL;
}

static bool h_cfg_bool(mn_plugin_t *self, const char *key) {
  cfgval_t *v = cfg_find(self, key, MN_CFG_BOOL);
  return v ? v->b : false;
}
static int64_t h_cfg_int(mn_plugin_t *self, const char *key) {
  cfgval_t *v = cfg_find(self, key, MN_CFG_INT);
  return v ? v->i : 0;
}
static double h_cfg_float(mn_plugin_t *self, const char *key) {
  cfgval_t *v = cfg_find(self, key, MN_CFG_FLOAT);
  return v ? v->f : 0;
}
static const char *h_cfg_string(mn_plugin_t *self, const char *key) {
  cfgval_t *v = cfg_find(self, key, MN_CFG_STRING);
  return v ? v->s : NULL;
}
static const char *const *h_cfg_strings(mn_plugin_t *self, const char *key,
                                        size_t *n) {
  cfgval_t *v = cfg_find(self, key, MN_CFG_STRINGS);
  if (n)
    *n = v ? v->nlist : 0;
  return v ? (const char *const *)v->list : NULL;
}

/* ---- timers ------------------------------------------------------------- */

static void timer_closed(uv_handle_t *h) {
  free(h->data);
}

static void on_timer(uv_timer_t *h) {
  mn_timer_t *t = h->data;
  if (!t->stopped)
    t->cb(t, t->data);
}

static mn_timer_t *h_timer_start(mn_plugin_t *self, uint64_t delay_ms,
                                 uint64_t repeat_ms, mn_timer_cb cb,
                                 void *data) {
  if (!cb)
    return NULL;
  mn_sim_node_t *n = node_of(self);
  mn_timer_t *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->owner = sp(self);
  t->cb = cb;
  t->data = data;
  uv_timer_init(n->sim->loop, &t->h);
  t->h.data = t;
  t->next = n->timers;
  if (n->timers)
    n->timers->prev = t;
  n->timers = t;
  uv_timer_start(&t->h, on_timer, delay_ms, repeat_ms);
  return t;
}

static void h_timer_stop(mn_timer_t *t) {
  if (!t || t->stopped)
    return;
  mn_sim_node_t *n = t->owner->node;
  t->stopped = true;
  uv_timer_stop(&t->h);
  if (t->prev)
    t->prev->next = t->next;
  else
    n->timers = t->next;
  if (t->next)
    t->next->prev = t->prev;
  uv_close((uv_handle_t *)&t->h, timer_closed);
}

static void timers_drop(mn_sim_node_t *n, splug_t *owner) {
  for (mn_timer_t *t = n->timers, *next; t; t = next) {
    next = t->next;
    if (t->owner == owner)
      h_timer_stop(t);
  }
}

/* ---- work queue ---------------------------------------------------------- */

typedef struct work {
  uv_work_t req;
  mn_sim_node_t *node;
  mn_work_fn fn;
  mn_work_done_fn done;
  void *data;
} work_t;

static void work_run(uv_work_t *req) {
  work_t *w = req->data;
  w->fn(w->data);
}

static void work_after(uv_work_t *req, int status) {
  work_t *w = req->data;
  w->node->work_pending--;
  if (w->done)
    w->done(w->data, status == UV_ECANCELED ? MN_ECANCELED : 0);
  free(w);
}

static int h_work_submit(mn_plugin_t *self, mn_work_fn fn, mn_work_done_fn done,
                         void *data) {
  mn_sim_node_t *n = node_of(self);
  if (!fn)
    return MN_EINVAL;
  work_t *w = calloc(1, sizeof *w);
  if (!w)
    return MN_ENOMEM;
  *w = (work_t){.node = n, .fn = fn, .done = done, .data = data};
  w->req.data = w;
  if (uv_queue_work(n->sim->loop, &w->req, work_run, work_after)) {
    free(w);
    return MN_ENOMEM;
  }
  n->work_pending++;
  return 0;
}

static int h_work_threads(mn_plugin_t *self) {
  return 4;
}

/* ---- bus ------------------------------------------------------------------
 */

static int h_topic_declare(mn_plugin_t *self, const char *name,
                           uint32_t version) {
  char *why = NULL;
  int err = mn__bus_topic_declare(node_of(self)->bus, self, sp(self)->name,
                                  name, version, &why);
  if (err) {
    h_log(self, MN_LOG_ERROR, "%s", why);
    free(why);
  }
  return err;
}
static mn_topic_t *h_topic(mn_plugin_t *self, const char *name) {
  return name ? mn__bus_topic(node_of(self)->bus, name) : NULL;
}
static int h_publish(mn_plugin_t *self, mn_topic_t *t, const void *payload,
                     size_t size, void (*free_fn)(void *)) {
  return mn__bus_publish(t, h_plugin_name(self), payload, size, free_fn);
}
static mn_sub_t *h_subscribe(mn_plugin_t *self, const char *topic,
                             mn_event_cb cb, void *data) {
  return topic ? mn__bus_subscribe(node_of(self)->bus, self, topic, cb, data)
               : NULL;
}
static mn_hook_t *h_hook_declare(mn_plugin_t *self, const char *name,
                                 mn_hook_mode_t mode, uint32_t deadline_ms,
                                 int default_verdict) {
  char *why = NULL;
  mn_hook_t *h = mn__bus_hook_declare(node_of(self)->bus, self, name, mode,
                                      deadline_ms, default_verdict, &why);
  if (!h) {
    h_log(self, MN_LOG_ERROR, "%s", why);
    free(why);
  }
  return h;
}
static mn_hookreg_t *h_hook_attach(mn_plugin_t *self, const char *name,
                                   mn_hook_fn fn, void *data) {
  char *why = NULL;
  mn_hookreg_t *r =
      mn__bus_hook_attach(node_of(self)->bus, self, name, fn, data, &why);
  if (!r && why) {
    h_log(self, MN_LOG_ERROR, "%s", why);
    free(why);
  }
  return r;
}

/* ---- services ------------------------------------------------------------ */

static int h_service_register(mn_plugin_t *self, const char *name,
                              uint32_t version, const void *iface) {
  mn_sim_node_t *n = node_of(self);
  if (!name || !*name || !iface)
    return MN_EINVAL;
  for (size_t i = 0; i < n->nservices; i++)
    if (strcmp(n->services[i].name, name) == 0)
      return MN_EEXIST;
  n->services =
      mn__xrealloc(n->services, (n->nservices + 1) * sizeof *n->services);
  n->services[n->nservices++] =
      (service_t){mn__xstrdup(name), version, iface, sp(self)};
  return 0;
}

static const void *h_service_lookup(mn_plugin_t *self, const char *name,
                                    uint32_t min_version) {
  return mn_sim_node_service(node_of(self), name, min_version);
}

static void services_drop(mn_sim_node_t *n, splug_t *owner) {
  size_t w = 0;
  for (size_t r = 0; r < n->nservices; r++) {
    if (n->services[r].owner == owner)
      free(n->services[r].name);
    else
      n->services[w++] = n->services[r];
  }
  n->nservices = w;
}

/* ---- commands ------------------------------------------------------------ */

static int h_command_register(mn_plugin_t *self, const mn_command_def_t *def,
                              void *data) {
  char *why = NULL;
  int err = mn__cmds_register(node_of(self)->cmds, self, sp(self)->name, def,
                              data, &why);
  if (err) {
    h_log(self, MN_LOG_ERROR, "%s", why);
    free(why);
  }
  return err;
}
static int h_command_exec(mn_plugin_t *self, const char *line, uint32_t flags,
                          mn_exec_done_fn done, void *data) {
  return mn__cmds_exec(node_of(self)->cmds, line, flags, done, data);
}
static void h_call_error(mn_call_t *call, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mn__call_verror(call, fmt, ap);
  va_end(ap);
}

/* ---- store ----------------------------------------------------------------
 */

static void mkdirs(const char *path) {
  char *p = mn__xstrdup(path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(p, 0700);
      *s = '/';
    }
  mkdir(p, 0700);
  free(p);
}

static mn__store_t *store_of(mn_plugin_t *self) {
  mn_sim_node_t *n = node_of(self);
  if (!n->store) {
    char *dir = mn__xasprintf("%s/store", n->data_dir);
    mkdirs(dir);
    char *why = NULL;
    mn__store_opts_t so = {.map_size = 16u << 20};
    if (mn__store_open(dir, &so, &n->store, &why) != 0) {
      h_log(self, MN_LOG_ERROR, "%s", why ? why : "cannot open the store");
      free(why);
    }
    free(dir);
  }
  return n->store;
}

static const char *owner_name(mn_plugin_t *self) {
  return h_plugin_name(self);
}

static int h_db_open(mn_plugin_t *self, const char *name, uint32_t flags,
                     mn_db_t **out) {
  mn__store_t *s = store_of(self);
  return s ? mn__store_db_open(s, owner_name(self), name, flags, out) : MN_EIO;
}
static int h_txn_begin(mn_plugin_t *self, uint32_t flags, mn_txn_t **out) {
  mn__store_t *s = store_of(self);
  return s ? mn__store_txn_begin(s, owner_name(self), flags, out) : MN_EIO;
}
static int h_store_write(mn_plugin_t *self, mn_write_fn fn, void *data) {
  mn__store_t *s = store_of(self);
  return s ? mn__store_write(s, owner_name(self), fn, data) : MN_EIO;
}
static int h_schema_get(mn_plugin_t *self, uint32_t *version) {
  mn__store_t *s = store_of(self);
  return s ? mn__store_schema_get(s, owner_name(self), version) : MN_EIO;
}

/* ---- the table -------------------------------------------------------------
 */

static const mn_host_t *host_table(void) {
  static mn_host_t host;
  static bool ready;
  if (ready)
    return &host;
  host = (mn_host_t){
      .size = sizeof(mn_host_t),
      .abi_major = MN_ABI_MAJOR,
      .abi_minor = MN_ABI_MINOR,
      .version = MN_VERSION_STRING,
      .num = mn__num_api(),
      .crypto = mn__crypto_api(),
      .log = h_log,
      .vlog = h_vlog,
      .log_enabled = h_log_enabled,
      .plugin_name = h_plugin_name,
      .data_dir = h_data_dir,
      .profile = h_profile,
      .base_port = h_base_port,
      .now_ms = mn__now_ms,
      .mono_ms = mn__mono_ms,
      .uv_loop = h_uv_loop,
      .shutdown = h_shutdown,
      .cfg_bool = h_cfg_bool,
      .cfg_int = h_cfg_int,
      .cfg_float = h_cfg_float,
      .cfg_string = h_cfg_string,
      .cfg_strings = h_cfg_strings,
      .timer_start = h_timer_start,
      .timer_stop = h_timer_stop,
      .work_submit = h_work_submit,
      .work_threads = h_work_threads,
      .topic_declare = h_topic_declare,
      .topic = h_topic,
      .has_subscribers = mn__bus_has_subscribers,
      .publish = h_publish,
      .subscribe = h_subscribe,
      .unsubscribe = mn__bus_unsubscribe,
      .hook_declare = h_hook_declare,
      .hook_attach = h_hook_attach,
      .hook_detach = mn__bus_hook_detach,
      .hook_call = mn__bus_hook_call,
      .service_register = h_service_register,
      .service_lookup = h_service_lookup,
      .command_register = h_command_register,
      .command_exec = h_command_exec,
      .call_reply = mn__call_reply,
      .call_error = h_call_error,
      .call_set = mn__call_set,
      .call_param = mn__call_param,
      .db_open = h_db_open,
      .txn_begin = h_txn_begin,
      .txn_commit = mn__store_txn_commit,
      .txn_abort = mn__store_txn_abort,
      .db_get = mn__store_get,
      .db_put = mn__store_put,
      .db_del = mn__store_del,
      .db_clear = mn__store_clear,
      .cursor_open = mn__store_cursor_open,
      .cursor_get = mn__store_cursor_get,
      .cursor_close = mn__store_cursor_close,
      .store_write = h_store_write,
      .schema_get = h_schema_get,
      .schema_set = mn__store_schema_set,
  };
  ready = true;
  return &host;
}

/* ---- simulation and nodes
 * ---------------------------------------------------- */

static void rmtree(const char *path) {
  char *cmd = mn__xasprintf("rm -rf '%s'", path);
  int rc = system(cmd);
  (void)rc;
  free(cmd);
}

mn_sim_t *mn_sim_new(uv_loop_t *loop, const char *dir) {
  mn_sim_t *s = mn__xcalloc(1, sizeof *s);
  s->loop = loop;
  s->level = MN_LOG_WARN;
  if (dir) {
    s->dir = mn__xstrdup(dir);
    mkdirs(dir);
  } else {
    const char *tmp = getenv("TMPDIR");
    char *tmpl = mn__xasprintf("%s/mnsim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
      free(tmpl);
      free(s);
      return NULL;
    }
    s->dir = tmpl;
    s->own_dir = true;
  }
  return s;
}

uv_loop_t *mn_sim_loop(mn_sim_t *sim) {
  return sim->loop;
}
const char *mn_sim_dir(mn_sim_t *sim) {
  return sim->dir;
}
void mn_sim_set_log_level(mn_sim_t *sim, mn_log_level_t level) {
  sim->level = level;
}

mn_sim_node_t *mn_sim_node_new(mn_sim_t *sim, const char *name, int base_port) {
  mn_sim_node_t *n = mn__xcalloc(1, sizeof *n);
  n->sim = sim;
  n->name = mn__xstrdup(name);
  n->data_dir = mn__xasprintf("%s/%s", sim->dir, name);
  n->base_port = base_port;
  n->self.node = n;
  n->self.name = mn__xasprintf("%s/sim", name);
  n->bus = mn__bus_new(sim->loop);
  n->cmds = mn__cmds_new(mn__num_api(), mn__crypto_api());
  sim->nodes = mn__xrealloc(sim->nodes, (sim->nnodes + 1) * sizeof *sim->nodes);
  sim->nodes[sim->nnodes++] = n;
  return n;
}

size_t mn_sim_node_count(const mn_sim_t *sim) {
  return sim->nnodes;
}
mn_sim_node_t *mn_sim_node_at(mn_sim_t *sim, size_t i) {
  return i < sim->nnodes ? sim->nodes[i] : NULL;
}
const char *mn_sim_node_name(const mn_sim_node_t *n) {
  return n->name;
}
mn_sim_t *mn_sim_node_sim(mn_sim_node_t *n) {
  return n->sim;
}
bool mn_sim_node_running(const mn_sim_node_t *n) {
  return n->running;
}

const mn_host_t *mn_sim_node_host(mn_sim_node_t *n, mn_plugin_t **self) {
  *self = (mn_plugin_t *)&n->self;
  return host_table();
}

int mn_sim_node_plugin(mn_sim_node_t *n, const mn_plugin_desc_t *desc) {
  if (n->running)
    return MN_ESTATE;
  splug_t *p = mn__xcalloc(1, sizeof *p);
  p->node = n;
  p->desc = desc;
  p->name = mn__xasprintf("%s/%s", n->name, desc->name);
  n->plugins = mn__xrealloc(n->plugins, (n->nplugins + 1) * sizeof *n->plugins);
  n->plugins[n->nplugins++] = p;
  return 0;
}

int mn_sim_node_set(mn_sim_node_t *n, const char *key, const char *value) {
  if (!strchr(key, '.'))
    return MN_EINVAL;
  n->settings =
      mn__xrealloc(n->settings, (n->nsettings + 1) * sizeof *n->settings);
  n->settings[n->nsettings++] =
      (setting_t){mn__xstrdup(key), mn__xstrdup(value ? value : "")};
  return 0;
}

static void withdraw(mn_sim_node_t *n, splug_t *p) {
  mn__bus_drop_owner(n->bus, p);
  mn__cmds_drop_owner(n->cmds, p);
  services_drop(n, p);
  timers_drop(n, p);
}

int mn_sim_node_start(mn_sim_node_t *n, char **why) {
  if (n->running)
    return MN_ESTATE;
  n->running = true;
  mkdirs(n->data_dir);
  for (size_t i = 0; i < n->nplugins; i++) {
    splug_t *p = n->plugins[i];
    cfg_build(p);
    int err = p->desc->init((mn_plugin_t *)p, host_table(), &p->state);
    if (err) {
      withdraw(n, p);
      cfg_free(p);
      if (why)
        *why = mn__xasprintf("node %s: plugin \"%s\" failed to initialise: "
                             "%s",
                             n->name, p->desc->name, mn_strerror(err));
      mn_sim_node_stop(n);
      return err;
    }
    p->phase = PH_INITED;
  }
  for (size_t i = 0; i < n->nplugins; i++) {
    splug_t *p = n->plugins[i];
    int err = p->desc->start ? p->desc->start(p->state) : 0;
    if (err) {
      if (why)
        *why = mn__xasprintf("node %s: plugin \"%s\" failed to start: %s",
                             n->name, p->desc->name, mn_strerror(err));
      mn_sim_node_stop(n);
      return err;
    }
    p->phase = PH_STARTED;
  }
  return 0;
}

void mn_sim_node_stop(mn_sim_node_t *n) {
  if (!n->running)
    return;
  mn__cmds_fail_live(n->cmds, "the node is shutting down");
  for (size_t i = n->nplugins; i-- > 0;) {
    splug_t *p = n->plugins[i];
    if (p->phase == PH_STARTED && p->desc->stop)
      p->desc->stop(p->state);
    if (p->phase == PH_STARTED)
      p->phase = PH_INITED;
  }
  while (n->work_pending > 0)
    uv_run(n->sim->loop, UV_RUN_ONCE);
  mn__bus_flush(n->bus);
  for (size_t i = n->nplugins; i-- > 0;) {
    splug_t *p = n->plugins[i];
    if (p->phase != PH_INITED)
      continue;
    withdraw(n, p);
    if (p->desc->fini)
      p->desc->fini(p->state);
    p->state = NULL;
    p->phase = PH_LOADED;
    cfg_free(p);
  }
  withdraw(n, &n->self);
  n->running = false;
}

const void *mn_sim_node_service(mn_sim_node_t *n, const char *name,
                                uint32_t min_version) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < n->nservices; i++)
    if (strcmp(n->services[i].name, name) == 0)
      return n->services[i].version >= min_version ? n->services[i].iface
                                                   : NULL;
  return NULL;
}

int mn_sim_node_exec(mn_sim_node_t *n, const char *line, mn_exec_done_fn done,
                     void *data) {
  return mn__cmds_exec(n->cmds, line, MN_EXEC_WRITE, done, data);
}

typedef struct exec_wait {
  json_t *result;
  bool done;
} exec_wait_t;

static void exec_done(json_t *result, void *data) {
  exec_wait_t *w = data;
  w->result = result;
  w->done = true;
}

static bool exec_finished(void *data) {
  return ((exec_wait_t *)data)->done;
}

json_t *mn_sim_node_exec_wait(mn_sim_node_t *n, const char *line,
                              uint64_t max_ms) {
  exec_wait_t *w = mn__xcalloc(1, sizeof *w);
  if (mn_sim_node_exec(n, line, exec_done, w) != 0) {
    free(w);
    return NULL;
  }
  json_t *r = NULL;
  if (mn_sim_run_until(n->sim, exec_finished, w, max_ms)) {
    r = w->result;
    free(w);
  }
  /* On timeout w stays allocated: the command may still answer into it. */
  return r;
}

typedef struct guard {
  uv_timer_t t;
  bool expired;
} guard_t;

static void guard_fired(uv_timer_t *t) {
  ((guard_t *)t->data)->expired = true;
}

bool mn_sim_run_until(mn_sim_t *sim, bool (*done)(void *data), void *data,
                      uint64_t max_ms) {
  if (done(data))
    return true;
  guard_t *g = mn__xcalloc(1, sizeof *g);
  uv_timer_init(sim->loop, &g->t);
  g->t.data = g;
  uv_timer_start(&g->t, guard_fired, max_ms, 0);
  bool ok = false;
  while (!(ok = done(data)) && !g->expired)
    uv_run(sim->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&g->t, free_handle);
  return ok;
}

static bool never(void *data) {
  return false;
}

void mn_sim_run_for(mn_sim_t *sim, uint64_t ms) {
  mn_sim_run_until(sim, never, NULL, ms);
}

void mn_sim_free(mn_sim_t *sim) {
  if (!sim)
    return;
  for (size_t i = sim->nnodes; i-- > 0;)
    mn_sim_node_stop(sim->nodes[i]);
  for (size_t i = 0; i < sim->nnodes; i++)
    mn__bus_close(sim->nodes[i]->bus);
  /* Close callbacks of timers, transports and the buses run within an
   * iteration or two; the loop may hold the caller's own handles, so it is
   * not run to exhaustion. */
  for (int i = 0; i < 8; i++)
    uv_run(sim->loop, UV_RUN_NOWAIT);
  for (size_t i = 0; i < sim->nnodes; i++) {
    mn_sim_node_t *n = sim->nodes[i];
    mn__bus_free(n->bus);
    mn__cmds_free(n->cmds);
    mn__store_close(n->store);
    for (size_t j = 0; j < n->nplugins; j++) {
      free(n->plugins[j]->name);
      free(n->plugins[j]);
    }
    free(n->plugins);
    for (size_t j = 0; j < n->nservices; j++)
      free(n->services[j].name);
    free(n->services);
    for (size_t j = 0; j < n->nsettings; j++) {
      free(n->settings[j].key);
      free(n->settings[j].value);
    }
    free(n->settings);
    free(n->self.name);
    free(n->data_dir);
    free(n->name);
    free(n);
  }
  free(sim->nodes);
  if (sim->own_dir)
    rmtree(sim->dir);
  free(sim->dir);
  free(sim);
}
