/*
 * The host table: every function a plugin can call, each a thin layer that
 * finds the node from the calling plugin and forwards to the module that
 * does the work (bus, store, cmd, config), plus the service registry,
 * timers, the work queue and plugin tracking.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <minima/version.h>

#include "crypto/crypto.h"
#include "host/node.h"
#include "types/num.h"
#include "types/objects.h"
#include "util/log.h"
#include "util/util.h"

/* ---- tracking the running plugin ---------------------------------------- */

typedef struct track {
  const mn_plugin_t *plugin;
  const char *what;
} track_t;

#define TRACK_DEPTH 16
static _Thread_local track_t t_stack[TRACK_DEPTH];
static _Thread_local int t_depth;

void mn__track_enter(const void *plugin, const char *what) {
  if (t_depth < TRACK_DEPTH)
    t_stack[t_depth] = (track_t){plugin, what};
  t_depth++;
}

void mn__track_leave(void) {
  if (t_depth > 0)
    t_depth--;
}

mn_plugin_t *mn__track_current(void) {
  if (t_depth <= 0)
    return NULL;
  int i = t_depth <= TRACK_DEPTH ? t_depth - 1 : TRACK_DEPTH - 1;
  return (mn_plugin_t *)t_stack[i].plugin;
}

#ifndef MN_SANITIZE
static void put(int fd, const char *s) {
  ssize_t r = write(fd, s, strlen(s));
  (void)r;
}

static void crash_report(int sig) {
  const char *name = sig == SIGSEGV   ? "SIGSEGV"
                     : sig == SIGBUS  ? "SIGBUS"
                     : sig == SIGILL  ? "SIGILL"
                     : sig == SIGFPE  ? "SIGFPE"
                     : sig == SIGABRT ? "SIGABRT"
                                      : "signal";
  mn_plugin_t *p = mn__track_current();
  put(2, "minimad: fatal ");
  put(2, name);
  if (p && p->name && strcmp(p->name, "kernel") != 0) {
    int i = t_depth <= TRACK_DEPTH ? t_depth - 1 : TRACK_DEPTH - 1;
    put(2, " while running plugin \"");
    put(2, p->name);
    put(2, "\" (");
    put(2, t_stack[i].what ? t_stack[i].what : "callback");
    put(2, ")\nminimad: to run without it, remove it from the profile's "
           "[[plugin]] list, or set required = false for it\n");
  } else {
    put(2, " in the kernel\n");
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

#endif

void mn__track_install_crash_report(void) {
#ifndef MN_SANITIZE
  /* The sanitizers report crashes themselves, better than we could. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = crash_report;
  sa.sa_flags = (int)SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    sigaction(sigs[i], &sa, NULL);
#endif
}

static mn__node_t *node_of(mn_plugin_t *self) { return self->node; }
/* The name for log lines. */
static const char *name_of(mn_plugin_t *self) {
  if (!self)
    return "kernel";
  return self->log_name ? self->log_name : self->name;
}

/* ---- logging -------------------------------------------------------------- */

static void h_vlog(mn_plugin_t *self, mn_log_level_t level, const char *fmt,
                   va_list ap) {
  mn__logv(name_of(self), level, fmt, ap);
}

static void h_log(mn_plugin_t *self, mn_log_level_t level, const char *fmt,
                  ...) {
  va_list ap;
  va_start(ap, fmt);
  mn__logv(name_of(self), level, fmt, ap);
  va_end(ap);
}

static bool h_log_enabled(mn_plugin_t *self, mn_log_level_t level) {
  return mn__log_enabled(level);
}

/* ---- the node -------------------------------------------------------------- */

static const char *h_plugin_name(mn_plugin_t *self) { return self->name; }
static const char *h_data_dir(mn_plugin_t *self) {
  return mn__config_data_dir(node_of(self)->cfg);
}
static const char *h_profile(mn_plugin_t *self) {
  return mn__config_profile(node_of(self)->cfg);
}
static int h_base_port(mn_plugin_t *self) {
  return mn__config_port(node_of(self)->cfg);
}
static void *h_uv_loop(mn_plugin_t *self) { return node_of(self)->loop; }

static void on_quit_timer(uv_timer_t *t) {
  mn__node_t *n = t->data;
  if (n->on_shutdown)
    n->on_shutdown(n->on_shutdown_data, n->exit_code);
  else
    uv_stop(t->loop);
}

static void h_shutdown(mn_plugin_t *self, int code, const char *reason) {
  mn__node_t *n = node_of(self);
  mn__log(name_of(self), MN_LOG_INFO, "shutdown requested: %s",
          reason ? reason : "no reason given");
  if (n->stopping)
    return;
  n->stopping = true;
  n->exit_code = code;
  /* A short grace period lets the reply to the request that asked for the
   * shutdown reach its client. */
  uv_timer_start(&n->quit_timer, on_quit_timer, 100, 0);
}

/* ---- configuration -------------------------------------------------------- */

static void undeclared(mn_plugin_t *self, const char *key, const char *type) {
  mn__log(name_of(self), MN_LOG_ERROR,
          "asked for config key \"%s\" as %s, but declared no such key of "
          "that type",
          key, type);
}

static bool h_cfg_bool(mn_plugin_t *self, const char *key) {
  bool found;
  bool v = mn__pcfg_bool(self->cfg, key, &found);
  if (!found)
    undeclared(self, key, "bool");
  return v;
}
static int64_t h_cfg_int(mn_plugin_t *self, const char *key) {
  bool found;
  int64_t v = mn__pcfg_int(self->cfg, key, &found);
  if (!found)
    undeclared(self, key, "int");
  return v;
}
static double h_cfg_float(mn_plugin_t *self, const char *key) {
  bool found;
  double v = mn__pcfg_float(self->cfg, key, &found);
  if (!found)
    undeclared(self, key, "float");
  return v;
}
static const char *h_cfg_string(mn_plugin_t *self, const char *key) {
  bool found;
  const char *v = mn__pcfg_string(self->cfg, key, &found);
  if (!found)
    undeclared(self, key, "string");
  return v;
}
static const char *const *h_cfg_strings(mn_plugin_t *self, const char *key,
                                        size_t *n) {
  bool found;
  const char *const *v = mn__pcfg_strings(self->cfg, key, n, &found);
  if (!found)
    undeclared(self, key, "strings");
  return v;
}

/* ---- timers --------------------------------------------------------------- */

struct mn_timer {
  uv_timer_t h;
  mn_plugin_t *owner;
  mn_timer_cb cb;
  void *data;
  bool stopped;
  struct mn_timer *next, *prev;
};

static void timer_unlink(mn__node_t *n, mn_timer_t *t) {
  if (t->prev)
    t->prev->next = t->next;
  else
    n->timers = t->next;
  if (t->next)
    t->next->prev = t->prev;
  t->next = t->prev = NULL;
}

static void timer_closed(uv_handle_t *h) { free(h->data); }

static void on_timer(uv_timer_t *h) {
  mn_timer_t *t = h->data;
  if (t->stopped)
    return;
  mn__track_enter(t->owner, "timer");
  t->cb(t, t->data);
  mn__track_leave();
}

static mn_timer_t *h_timer_start(mn_plugin_t *self, uint64_t delay_ms,
                                 uint64_t repeat_ms, mn_timer_cb cb,
                                 void *data) {
  if (!cb)
    return NULL;
  mn__node_t *n = node_of(self);
  mn_timer_t *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->owner = self;
  t->cb = cb;
  t->data = data;
  uv_timer_init(n->loop, &t->h);
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
  t->stopped = true;
  uv_timer_stop(&t->h);
  timer_unlink(t->owner->node, t);
  uv_close((uv_handle_t *)&t->h, timer_closed);
}

void mn__timers_drop_owner(mn__node_t *n, mn_plugin_t *owner) {
  for (mn_timer_t *t = n->timers, *next; t; t = next) {
    next = t->next;
    if (t->owner == owner)
      h_timer_stop(t);
  }
}

/* ---- work queue ------------------------------------------------------------ */

typedef struct work {
  uv_work_t req;
  mn_plugin_t *owner;
  mn_work_fn work;
  mn_work_done_fn done;
  void *data;
} work_t;

static void work_run(uv_work_t *req) {
  work_t *w = req->data;
  mn__track_enter(w->owner, "work");
  w->work(w->data);
  mn__track_leave();
}

static void work_after(uv_work_t *req, int status) {
  work_t *w = req->data;
  mn__node_t *n = w->owner->node;
  n->work_pending--;
  if (w->done) {
    mn__track_enter(w->owner, "work completion");
    w->done(w->data, status == UV_ECANCELED ? MN_ECANCELED : 0);
    mn__track_leave();
  }
  free(w);
}

static int h_work_submit(mn_plugin_t *self, mn_work_fn fn, mn_work_done_fn done,
                         void *data) {
  mn__node_t *n = node_of(self);
  if (!fn)
    return MN_EINVAL;
  if (n->stopping)
    return MN_ESTATE;
  work_t *w = calloc(1, sizeof *w);
  if (!w)
    return MN_ENOMEM;
  *w = (work_t){.owner = self, .work = fn, .done = done, .data = data};
  w->req.data = w;
  int rc = uv_queue_work(n->loop, &w->req, work_run, work_after);
  if (rc) {
    free(w);
    return MN_ENOMEM;
  }
  n->work_pending++;
  return 0;
}

static int h_work_threads(mn_plugin_t *self) {
  return mn__config_threads(node_of(self)->cfg);
}

/* ---- bus ------------------------------------------------------------------ */

static int h_topic_declare(mn_plugin_t *self, const char *name,
                           uint32_t version) {
  char *why = NULL;
  int err = mn__bus_topic_declare(node_of(self)->bus, self, self->name, name,
                                  version, &why);
  if (err) {
    mn__log(self->name, MN_LOG_ERROR, "%s", why);
    free(why);
  }
  return err;
}
static mn_topic_t *h_topic(mn_plugin_t *self, const char *name) {
  return name ? mn__bus_topic(node_of(self)->bus, name) : NULL;
}
static int h_publish(mn_plugin_t *self, mn_topic_t *t, const void *payload,
                     size_t size, void (*free_fn)(void *)) {
  return mn__bus_publish(t, name_of(self), payload, size, free_fn);
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
    mn__log(self->name, MN_LOG_ERROR, "%s", why);
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
    mn__log(self->name, MN_LOG_ERROR, "%s", why);
    free(why);
  }
  return r;
}

/* ---- services --------------------------------------------------------------- */

int mn__services_register(mn__node_t *n, mn_plugin_t *owner, const char *name,
                          uint32_t version, const void *iface) {
  if (!name || !*name || !iface)
    return MN_EINVAL;
  for (size_t i = 0; i < n->nservices; i++)
    if (strcmp(n->services[i].name, name) == 0) {
      mn__log(name_of(owner), MN_LOG_ERROR,
              "service \"%s\" is already registered by plugin \"%s\"", name,
              name_of(n->services[i].owner));
      return MN_EEXIST;
    }
  n->services =
      mn__xrealloc(n->services, (n->nservices + 1) * sizeof *n->services);
  n->services[n->nservices++] = (mn__service_t){
      .name = mn__xstrdup(name), .version = version, .iface = iface,
      .owner = owner};
  return 0;
}

const void *mn__services_lookup(mn__node_t *n, mn_plugin_t *who,
                                const char *name, uint32_t min_version) {
  if (!name)
    return NULL;
  if (who)
    mn__plugin_note_use(who, name, min_version);
  for (size_t i = 0; i < n->nservices; i++)
    if (strcmp(n->services[i].name, name) == 0)
      return n->services[i].version >= min_version ? n->services[i].iface
                                                   : NULL;
  return NULL;
}

void mn__services_drop_owner(mn__node_t *n, mn_plugin_t *owner) {
  size_t w = 0;
  for (size_t r = 0; r < n->nservices; r++) {
    if (n->services[r].owner == owner)
      free(n->services[r].name);
    else
      n->services[w++] = n->services[r];
  }
  n->nservices = w;
}

static int h_service_register(mn_plugin_t *self, const char *name,
                              uint32_t version, const void *iface) {
  return mn__services_register(node_of(self), self, name, version, iface);
}
static const void *h_service_lookup(mn_plugin_t *self, const char *name,
                                    uint32_t min_version) {
  return mn__services_lookup(node_of(self), self, name, min_version);
}

/* ---- commands ---------------------------------------------------------------- */

static int h_command_register(mn_plugin_t *self, const mn_command_def_t *def,
                              void *data) {
  char *why = NULL;
  int err = mn__cmds_register(node_of(self)->cmds, self, self->name, def, data,
                              &why);
  if (err) {
    mn__log(self->name, MN_LOG_ERROR, "%s", why);
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

/* ---- store ------------------------------------------------------------------ */

static int h_db_open(mn_plugin_t *self, const char *name, uint32_t flags,
                     mn_db_t **out) {
  return mn__store_db_open(node_of(self)->store, self->name, name, flags, out);
}
static int h_txn_begin(mn_plugin_t *self, uint32_t flags, mn_txn_t **out) {
  return mn__store_txn_begin(node_of(self)->store, self->name, flags, out);
}
static int h_store_write(mn_plugin_t *self, mn_write_fn fn, void *data) {
  return mn__store_write(node_of(self)->store, self->name, fn, data);
}
static int h_schema_get(mn_plugin_t *self, uint32_t *version) {
  return mn__store_schema_get(node_of(self)->store, self->name, version);
}

/* ---- the table -------------------------------------------------------------- */

const mn_host_t *mn__host_table(void) {
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
      .obj = mn__obj_api(),
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
