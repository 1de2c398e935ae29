/*
 * The node's life: configuration and plugin checks, the data directory and
 * its lock, the store, init and start in dependency order, the loop, and an
 * orderly stop in reverse order on a signal or a quit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <minima/version.h>

#include "crypto/crypto.h"
#include "host/node.h"
#include "types/num.h"
#include "util/log.h"
#include "util/util.h"

static void node_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void node_err(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("minimad: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- plugins: open, bind, order ------------------------------------------------ */

static int open_plugins(mn__node_t *n, char **why) {
  size_t count = mn__config_plugin_count(n->cfg);
  n->plugins = mn__xcalloc(count ? count : 1, sizeof *n->plugins);
  for (size_t i = 0; i < count; i++) {
    const mn__plugin_entry_t *e = mn__config_plugin_at(n->cfg, i);
    char *path = e->path ? mn__xstrdup(e->path)
                         : mn__xasprintf("%s/%s.so",
                                         mn__config_plugin_dir(n->cfg),
                                         e->name);
    mn_plugin_t *p = NULL;
    int err = mn__plugin_open(path, e->name, e->required, &p, why);
    free(path);
    if (err)
      return err;
    p->node = n;
    p->index = i;
    if (n->label)
      p->log_name = mn__xasprintf("%s/%s", n->label, p->name);
    n->plugins[n->nplugins++] = p;
  }
  return 0;
}

static int bind_configs(mn__node_t *n, char **why) {
  for (size_t i = 0; i < n->nplugins; i++) {
    mn_plugin_t *p = n->plugins[i];
    int err = mn__config_bind(n->cfg, p->name, p->desc->config_table,
                              p->desc->config, &p->cfg, why);
    if (err)
      return err;
  }
  return mn__config_check_unclaimed(n->cfg, why);
}

static void print_deps(FILE *f, const char *label, const mn_dep_t *deps) {
  if (!deps || !deps->service)
    return;
  if (*label)
    fprintf(f, " %s", label);
  for (const mn_dep_t *d = deps; d->service; d++)
    fprintf(f, "%s %s>=%u%s", d == deps ? "" : ",", d->service, d->version,
            d->flags & MN_DEP_OPTIONAL ? "(optional)" : "");
}

static void print_order(const mn__node_t *n) {
  printf("configuration OK: %s\n", mn__config_file(n->cfg));
  printf("profile: %s\n", mn__config_profile(n->cfg));
  printf("data directory: %s\n", mn__config_data_dir(n->cfg));
  printf("ports: p2p %d, rpc %d\n", mn__config_port(n->cfg),
         mn__config_port(n->cfg) + 4);
  printf("plugin start order:\n");
  for (size_t i = 0; i < n->norder; i++) {
    const mn_plugin_t *p = n->order[i];
    printf("  %zu. %s %s (%s)", i + 1, p->name, p->desc->version,
           p->required ? "required" : "optional");
    print_deps(stdout, "provides", p->desc->provides);
    print_deps(stdout, "requires", p->desc->requires);
    putchar('\n');
  }
  for (size_t i = 0; i < n->nplugins; i++)
    if (n->plugins[i]->phase == MN__PHASE_SKIPPED)
      printf("  skipped: %s (optional; requirements not met)\n",
             n->plugins[i]->name);
}

static void print_plugins(const mn__node_t *n) {
  for (size_t i = 0; i < n->nplugins; i++) {
    const mn_plugin_t *p = n->plugins[i];
    const mn_plugin_desc_t *d = p->desc;
    printf("%s %s\n  %s\n  role: %s, ABI %u.%u, %s\n  file: %s\n",
           p->name, d->version ? d->version : "?",
           d->description ? d->description : "", d->role ? d->role : "-",
           d->abi_major, d->abi_minor, p->required ? "required" : "optional",
           p->path);
    if (d->provides && d->provides->service) {
      printf("  provides:");
      print_deps(stdout, "", d->provides);
      putchar('\n');
    }
    if (d->requires && d->requires->service) {
      printf("  requires:");
      print_deps(stdout, "", d->requires);
      putchar('\n');
    }
    printf("  config: [%s]", d->config_table ? d->config_table : p->name);
    for (const mn_cfg_key_t *k = d->config; k && k->name; k++)
      printf("%s %s", k == d->config ? "" : ",", k->name);
    putchar('\n');
  }
}

/* ---- data directory --------------------------------------------------------------- */

static int mkdirs(const char *path) {
  char *p = mn__xstrdup(path);
  int rc = 0;
  for (char *s = p + 1; *s && !rc; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
      rc = -errno;
    *s = '/';
  }
  if (!rc && mkdir(p, 0700) != 0 && errno != EEXIST)
    rc = -errno;
  free(p);
  return rc;
}

static int lock_data_dir(mn__node_t *n, char **why) {
  const char *dir = mn__config_data_dir(n->cfg);
  int rc = mkdirs(dir);
  if (rc) {
    *why = mn__xasprintf("cannot create the data directory %s: %s; choose "
                         "another --data-dir",
                         dir, strerror(-rc));
    return rc;
  }
  if (access(dir, W_OK | X_OK) != 0) {
    *why = mn__xasprintf("the data directory %s is not writable (%s); fix "
                         "its permissions or choose another --data-dir",
                         dir, strerror(errno));
    return MN_EACCES;
  }
  char *lock = mn__xasprintf("%s/minimad.lock", dir);
  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *why = mn__xasprintf("cannot open the lock file %s: %s", lock,
                         strerror(errno));
    free(lock);
    return MN_EACCES;
  }
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_SETLK, &fl) != 0) {
    char pid[32] = "";
    ssize_t got = pread(fd, pid, sizeof pid - 1, 0);
    pid[got > 0 ? got : 0] = '\0';
    pid[strcspn(pid, "\n")] = '\0';
    *why = mn__xasprintf("the data directory %s is in use by another minimad "
                         "(pid %s); stop that node first or choose another "
                         "--data-dir",
                         dir, *pid ? pid : "unknown");
    close(fd);
    free(lock);
    return MN_EBUSY;
  }
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
    mn__log(NULL, MN_LOG_WARN, "could not write the pid into %s", lock);
  free(lock);
  n->lock_fd = fd;
  return 0;
}

static void note_foreign_data(const char *owner, void *data) {
  mn__node_t *n = data;
  for (size_t i = 0; i < n->nplugins; i++)
    if (strcmp(n->plugins[i]->name, owner) == 0)
      return;
  mn__log(NULL, MN_LOG_INFO,
          "the store holds data of plugin \"%s\", which this profile does not "
          "load; it is kept untouched",
          owner);
}

/* ---- kernel commands ---------------------------------------------------------------- */

static const char *param_type_name(mn_param_type_t t) {
  switch (t) {
  case MN_PARAM_STRING:
    return "string";
  case MN_PARAM_NUMBER:
    return "number";
  case MN_PARAM_BOOL:
    return "boolean";
  case MN_PARAM_HEX:
    return "hex";
  case MN_PARAM_ADDRESS:
    return "address";
  case MN_PARAM_JSON:
    return "json";
  case MN_PARAM_ANY:
    return "any";
  }
  return "?";
}

static json_t *params_json(const mn_command_def_t *d) {
  json_t *a = json_array();
  for (const mn_cmd_param_t *p = d->params; p && p->name; p++)
    json_array_append_new(
        a, json_pack("{s:s, s:s, s:b, s:s}", "name", p->name, "type",
                     param_type_name(p->type), "required",
                     (p->flags & MN_PARAM_REQUIRED) != 0, "help",
                     p->help ? p->help : ""));
  return a;
}

static int cmd_help(mn_call_t *call, json_t *params, void *data) {
  mn__node_t *n = data;
  const char *name = json_string_value(json_object_get(params, "command"));
  if (name) {
    const mn_command_def_t *d = mn__cmds_find(n->cmds, name);
    if (!d) {
      mn__call_error(call, "Command not found : %s", name);
      return 0;
    }
    size_t count = mn__cmds_count(n->cmds);
    const char *owner = "kernel";
    for (size_t i = 0; i < count; i++)
      if (mn__cmds_at(n->cmds, i, &owner) == d)
        break;
    mn__call_reply(
        call, json_pack("{s:s, s:s, s:s, s:o, s:s, s:b}", "command", d->name,
                        "help", d->summary ? d->summary : "", "fullhelp",
                        d->help ? d->help : (d->summary ? d->summary : ""),
                        "params", params_json(d), "plugin", owner, "write",
                        (d->flags & MN_CMD_WRITE) != 0));
    return 0;
  }
  json_t *all = json_object();
  for (size_t i = 0; i < mn__cmds_count(n->cmds); i++) {
    const mn_command_def_t *d = mn__cmds_at(n->cmds, i, NULL);
    json_object_set_new(all, d->name, json_string(d->summary ? d->summary : ""));
  }
  mn__call_reply(call, all);
  return 0;
}

static int cmd_quit(mn_call_t *call, json_t *params, void *data) {
  mn__node_t *n = data;
  mn__call_set(call, "message", json_string("Shutdown complete"));
  mn__call_reply(call, NULL);
  mn__host_table()->shutdown(&n->kernel, 0, "quit command");
  return 0;
}

static const mn_cmd_param_t help_params[] = {
    {"command", MN_PARAM_STRING, 0, "show the full help of this command"},
    {NULL, 0, 0, NULL}};
static const mn_cmd_param_t quit_params[] = {
    {"compact", MN_PARAM_BOOL, 0, "accepted for compatibility; LMDB needs "
                                  "no compaction"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t kernel_cmds[] = {
    {"help", "(command:) - list the commands, or the full help of one",
     "help\n\nWithout parameters: every command of this node with a one-line "
     "summary.\nWith command:NAME: its full help and its parameters.\n\n"
     "Examples:\n\nhelp\n\nhelp command:send\n",
     help_params, 0, cmd_help},
    {"quit", "(compact:) - shut the node down cleanly",
     "quit\n\nStops every plugin in reverse start order, closes the store "
     "and exits.\n\nExamples:\n\nquit\n",
     quit_params, MN_CMD_WRITE, cmd_quit},
};

/* ---- markdown listing of the registry (docs/commands.md) -------------------------- */

static void print_commands(mn__node_t *n, const char *format) {
  size_t count = mn__cmds_count(n->cmds);
  if (format && strcmp(format, "json") == 0) {
    json_t *all = json_array();
    for (size_t i = 0; i < count; i++) {
      const char *owner;
      const mn_command_def_t *d = mn__cmds_at(n->cmds, i, &owner);
      json_array_append_new(
          all, json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "command", d->name,
                         "plugin", owner, "help", d->summary ? d->summary : "",
                         "fullhelp", d->help ? d->help : "", "params",
                         params_json(d), "write",
                         (d->flags & MN_CMD_WRITE) != 0));
    }
    json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(all);
    return;
  }
  printf("# Commands\n\n"
         "Generated from the command registry of minimad %s (profile "
         "\"%s\"); do not edit.  Every command is reachable over RPC "
         "(`GET /COMMAND%%20key:value`) and with `minima-cli COMMAND "
         "key:value`.  [] marks a required parameter, () an optional one.\n\n",
         MN_VERSION_STRING, mn__config_profile(n->cfg));
  printf("| command | plugin | summary |\n|---|---|---|\n");
  for (size_t i = 0; i < count; i++) {
    const char *owner;
    const mn_command_def_t *d = mn__cmds_at(n->cmds, i, &owner);
    printf("| [`%s`](#%s) | %s | %s |\n", d->name, d->name, owner,
           d->summary ? d->summary : "");
  }
  for (size_t i = 0; i < count; i++) {
    const char *owner;
    const mn_command_def_t *d = mn__cmds_at(n->cmds, i, &owner);
    printf("\n## %s\n\n%s%s\n\n", d->name, d->summary ? d->summary : "",
           d->flags & MN_CMD_WRITE ? " (needs WRITE access)" : "");
    if (d->params && d->params->name) {
      printf("| parameter | type | | meaning |\n|---|---|---|---|\n");
      for (const mn_cmd_param_t *p = d->params; p->name; p++)
        printf("| `%s` | %s | %s | %s |\n", p->name, param_type_name(p->type),
               p->flags & MN_PARAM_REQUIRED ? "required" : "optional",
               p->help ? p->help : "");
      putchar('\n');
    }
    if (d->help)
      printf("```\n%s%s```\n", d->help,
             d->help[strlen(d->help) - 1] == '\n' ? "" : "\n");
  }
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static void withdraw(mn__node_t *n, mn_plugin_t *p) {
  mn__bus_drop_owner(n->bus, p);
  mn__cmds_drop_owner(n->cmds, p);
  mn__services_drop_owner(n, p);
  mn__timers_drop_owner(n, p);
}

static bool requirements_met(mn__node_t *n, mn_plugin_t *p, char **why) {
  for (const mn_dep_t *r = p->desc->requires; r && r->service; r++) {
    if (r->flags & MN_DEP_OPTIONAL)
      continue;
    bool found = false;
    for (size_t i = 0; i < n->nservices; i++)
      if (strcmp(n->services[i].name, r->service) == 0 &&
          n->services[i].version >= r->version)
        found = true;
    if (!found) {
      *why = mn__xasprintf("plugin \"%s\" requires service \"%s\" (version "
                           ">= %u), which is not available because its "
                           "provider failed",
                           p->name, r->service, r->version);
      return false;
    }
  }
  return true;
}

static int init_one(mn__node_t *n, mn_plugin_t *p, char **why) {
  if (!requirements_met(n, p, why))
    return MN_EDEPEND;
  mn__track_enter(p, "init");
  int rc = p->desc->init(p, mn__host_table(), &p->state);
  mn__track_leave();
  if (rc) {
    withdraw(n, p);
    *why = mn__xasprintf("plugin \"%s\" failed to initialise: %s (%s)",
                         p->name, mn_strerror(rc), mn_err_name(rc));
    return rc;
  }
  for (const mn_dep_t *d = p->desc->provides; d && d->service; d++) {
    bool ok = false;
    for (size_t i = 0; i < n->nservices; i++)
      if (n->services[i].owner == p &&
          strcmp(n->services[i].name, d->service) == 0)
        ok = true;
    if (!ok) {
      *why = mn__xasprintf("plugin \"%s\" declares that it provides service "
                           "\"%s\" but did not register it during init",
                           p->name, d->service);
      if (p->desc->fini) {
        mn__track_enter(p, "fini");
        p->desc->fini(p->state);
        mn__track_leave();
      }
      withdraw(n, p);
      return MN_EDEPEND;
    }
  }
  p->phase = MN__PHASE_INITED;
  return 0;
}

static int start_one(mn__node_t *n, mn_plugin_t *p, char **why) {
  if (!p->desc->start) {
    p->phase = MN__PHASE_STARTED;
    return 0;
  }
  mn__track_enter(p, "start");
  int rc = p->desc->start(p->state);
  mn__track_leave();
  if (rc) {
    *why = mn__xasprintf("plugin \"%s\" failed to start: %s (%s)", p->name,
                         mn_strerror(rc), mn_err_name(rc));
    return rc;
  }
  p->phase = MN__PHASE_STARTED;
  return 0;
}

static void stop_one(mn__node_t *n, mn_plugin_t *p) {
  if (p->phase != MN__PHASE_STARTED)
    return;
  if (p->desc->stop) {
    mn__track_enter(p, "stop");
    p->desc->stop(p->state);
    mn__track_leave();
  }
  p->phase = MN__PHASE_STOPPED;
}

static void fini_one(mn__node_t *n, mn_plugin_t *p) {
  if (p->phase != MN__PHASE_INITED && p->phase != MN__PHASE_STOPPED)
    return;
  withdraw(n, p);
  if (p->desc->fini) {
    mn__track_enter(p, "fini");
    p->desc->fini(p->state);
    mn__track_leave();
  }
  p->state = NULL;
  p->phase = MN__PHASE_LOADED;
}

/* After the first signal the loop may be busy stopping plugins (or stuck
 * in one), so the second is handled by a plain signal handler, not the
 * loop. */
static void second_signal(int sig) {
  static const char msg[] = "minimad: second signal, exiting at once\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  (void)sig;
  _exit(MN_EXIT_RUNTIME);
}

static void on_signal(uv_signal_t *h, int sig) {
  mn__node_t *n = h->data;
  uv_signal_stop(&n->sig_int);
  uv_signal_stop(&n->sig_term);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = second_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  mn__log(n->kernel.name, MN_LOG_INFO,
          "%s received, stopping (send it again to exit at once)",
          sig == SIGINT ? "SIGINT" : "SIGTERM");
  n->stopping = true;
  n->exit_code = MN_EXIT_OK;
  uv_stop(n->loop);
}

static void close_walk(uv_handle_t *h, void *arg) {
  if (!uv_is_closing(h)) {
    mn__log(NULL, MN_LOG_DEBUG, "closing a handle left open (type %s)",
            uv_handle_type_name(uv_handle_get_type(h)));
    uv_close(h, NULL);
  }
}

static void teardown(mn__node_t *n) {
  if (n->loop) {
    n->stopping = true;
    /* Answer callers whose commands are still waiting, while everyone is
     * alive to hear it. */
    mn__cmds_fail_live(n->cmds, "the node is shutting down");
    for (size_t i = n->norder; i-- > 0;)
      stop_one(n, n->order[i]);
    /* Let queued and running work finish (plugins check their own stop
     * flags), then release each plugin in reverse order. */
    while (n->work_pending > 0)
      uv_run(n->loop, UV_RUN_ONCE);
    mn__bus_flush(n->bus);
    for (size_t i = n->norder; i-- > 0;)
      fini_one(n, n->order[i]);
    withdraw(n, &n->kernel);
    mn__bus_close(n->bus);
    uv_close((uv_handle_t *)&n->quit_timer, NULL);
    if (n->own_loop) {
      uv_close((uv_handle_t *)&n->sig_int, NULL);
      uv_close((uv_handle_t *)&n->sig_term, NULL);
      uv_run(n->loop, UV_RUN_DEFAULT);
      uv_walk(n->loop, close_walk, NULL);
      uv_run(n->loop, UV_RUN_DEFAULT);
      if (uv_loop_close(n->loop) != 0)
        mn__log(NULL, MN_LOG_WARN, "the loop still had handles at exit");
    } else {
      /* A shared loop: one pass runs the close callbacks started above. */
      uv_run(n->loop, UV_RUN_NOWAIT);
    }
    mn__cmds_free(n->cmds);
    mn__bus_free(n->bus);
  }
  mn__store_close(n->store);
  if (n->lock_fd >= 0) {
    char *lock = mn__xasprintf("%s/minimad.lock", mn__config_data_dir(n->cfg));
    unlink(lock);
    free(lock);
    close(n->lock_fd);
  }
  for (size_t i = 0; i < n->nplugins; i++)
    mn__plugin_close(n->plugins[i]);
  free(n->plugins);
  free(n->order);
  for (size_t i = 0; i < n->nservices; i++)
    free(n->services[i].name);
  free(n->services);
  /* Lookups a harness made through the kernel's own handle. */
  for (size_t i = 0; i < n->kernel.nuses; i++)
    free(n->kernel.uses[i]);
  free(n->kernel.uses);
  mn__config_free(n->cfg);
  free(n->label);
  free(n->kernel_name);
}

/* Configuration and plugin checks: everything that needs no data
 * directory.  Failures are usage/configuration errors. */
static int prepare(mn__node_t *n, const mn__config_opts_t *co, char **why) {
  if (mn__config_load(co, &n->cfg, why) != 0)
    return MN_ECONFIG;
  if (open_plugins(n, why) != 0 || bind_configs(n, why) != 0 ||
      mn__plugins_order(n->plugins, n->nplugins, &n->order, &n->norder,
                        why) != 0)
    return MN_ECONFIG;
  return 0;
}

/* Data directory, store, bus and command registry. */
static int open_runtime(mn__node_t *n, uv_loop_t *loop, char **why) {
  if (lock_data_dir(n, why) != 0)
    return MN_EBUSY;
  char *store_dir = mn__xasprintf("%s/store", mn__config_data_dir(n->cfg));
  mkdirs(store_dir);
  mn__store_opts_t so = {.map_size = mn__config_map_size(n->cfg),
                         .map_max = mn__config_map_max(n->cfg)};
  int err = mn__store_open(store_dir, &so, &n->store, why);
  free(store_dir);
  if (err)
    return err;
  mn__store_owners(n->store, note_foreign_data, n);
  if (loop) {
    n->loop = loop;
  } else {
    /* The pool size must be set before libuv creates its threads. */
    char threads[16];
    snprintf(threads, sizeof threads, "%d", mn__config_threads(n->cfg));
    setenv("UV_THREADPOOL_SIZE", threads, 1);
    uv_loop_init(&n->own_loop_storage);
    n->loop = &n->own_loop_storage;
    n->own_loop = true;
  }
  n->bus = mn__bus_new(n->loop);
  mn__bus_set_tracker(n->bus, mn__track_enter, mn__track_leave);
  n->cmds = mn__cmds_new(mn__num_api(), mn__crypto_api());
  mn__cmds_set_tracker(n->cmds, mn__track_enter, mn__track_leave);
  uv_timer_init(n->loop, &n->quit_timer);
  n->quit_timer.data = n;
  for (size_t i = 0; i < sizeof kernel_cmds / sizeof *kernel_cmds; i++)
    mn__cmds_register(n->cmds, &n->kernel, "kernel", &kernel_cmds[i], n, NULL);
  return 0;
}

static int init_all(mn__node_t *n, char **why) {
  for (size_t i = 0; i < n->norder; i++) {
    mn_plugin_t *p = n->order[i];
    int rc = init_one(n, p, why);
    if (rc == 0)
      continue;
    if (p->required) /* a plugin's bad setting is a configuration error */
      return rc == MN_ECONFIG ? MN_ECONFIG : MN_EDEPEND;
    mn__log(n->kernel.name, MN_LOG_WARN,
            "%s; it is optional, continuing without it", *why);
    free(*why);
    *why = NULL;
    p->phase = MN__PHASE_FAILED;
  }
  return 0;
}

static int start_all(mn__node_t *n, char **why) {
  for (size_t i = 0; i < n->norder; i++) {
    mn_plugin_t *p = n->order[i];
    if (p->phase != MN__PHASE_INITED)
      continue;
    if (!requirements_met(n, p, why)) {
      if (p->required)
        return MN_EDEPEND;
      mn__log(n->kernel.name, MN_LOG_WARN, "%s; not starting it", *why);
      free(*why);
      *why = NULL;
      fini_one(n, p);
      p->phase = MN__PHASE_FAILED;
      continue;
    }
    if (start_one(n, p, why) == 0)
      continue;
    if (p->required)
      return MN_EDEPEND;
    mn__log(n->kernel.name, MN_LOG_WARN,
            "%s; it is optional, continuing without it", *why);
    free(*why);
    *why = NULL;
    stop_one(n, p);
    p->phase = MN__PHASE_STOPPED;
    fini_one(n, p);
    p->phase = MN__PHASE_FAILED;
  }
  size_t running = 0;
  for (size_t i = 0; i < n->norder; i++)
    running += n->order[i]->phase == MN__PHASE_STARTED;
  mn__log(n->kernel.name, MN_LOG_INFO,
          "node ready: profile %s, %zu plugins, data %s, p2p port %d, rpc "
          "port %d, started in %llu ms",
          mn__config_profile(n->cfg), running, mn__config_data_dir(n->cfg),
          mn__config_port(n->cfg), mn__config_port(n->cfg) + 4,
          (unsigned long long)((mn__mono_ns() - n->start_ns) / 1000000u));
  return 0;
}

static mn__node_t *node_alloc(const char *label) {
  mn__node_t *n = mn__xcalloc(1, sizeof *n);
  n->lock_fd = -1;
  n->start_ns = mn__mono_ns();
  n->label = label ? mn__xstrdup(label) : NULL;
  n->kernel_name = label ? mn__xasprintf("%s/kernel", label)
                         : mn__xstrdup("kernel");
  n->kernel.name = n->kernel_name;
  n->kernel.node = n;
  n->kernel.required = true;
  return n;
}

/* ---- embedding ---------------------------------------------------------------------- */

int mn__node_create(const mn__config_opts_t *co, uv_loop_t *loop,
                    const char *label, mn__node_t **out, char **why) {
  mn__node_t *n = node_alloc(label);
  int err = prepare(n, co, why);
  if (!err)
    err = open_runtime(n, loop, why);
  if (!err)
    err = init_all(n, why);
  if (err) {
    teardown(n);
    free(n);
    return err;
  }
  *out = n;
  return 0;
}

int mn__node_start(mn__node_t *n, char **why) { return start_all(n, why); }

void mn__node_on_shutdown(mn__node_t *n, void (*fn)(void *data, int code),
                          void *data) {
  n->on_shutdown = fn;
  n->on_shutdown_data = data;
}

int mn__node_exec(mn__node_t *n, const char *line, mn_exec_done_fn done,
                  void *data) {
  return mn__cmds_exec(n->cmds, line, MN_EXEC_WRITE, done, data);
}

const mn_host_t *mn__node_host(mn__node_t *n, mn_plugin_t **kernel) {
  if (kernel)
    *kernel = &n->kernel;
  return mn__host_table();
}

void mn__node_destroy(mn__node_t *n) {
  if (!n)
    return;
  teardown(n);
  free(n);
}

/* ---- minimad -------------------------------------------------------------------------- */

int mn__node_main(const mn__node_opts_t *o) {
  mn__node_t *n = node_alloc(NULL);
  char *why = NULL;
  int code = MN_EXIT_USAGE;
  if (prepare(n, &o->config, &why) != 0)
    goto fail;
  mn__log_set_level(mn__config_log_level(n->cfg));
  switch (o->action) {
  case MN__CHECK_CONFIG:
    print_order(n);
    goto done;
  case MN__PRINT_CONFIG:
    mn__config_print(n->cfg, stdout);
    goto done;
  case MN__LIST_PLUGINS:
    print_plugins(n);
    goto done;
  case MN__RUN:
  case MN__LIST_COMMANDS:
    break;
  }
  if (open_runtime(n, NULL, &why) != 0)
    goto fail;
  uv_signal_init(n->loop, &n->sig_int);
  uv_signal_init(n->loop, &n->sig_term);
  n->sig_int.data = n->sig_term.data = n;
  uv_signal_start(&n->sig_int, on_signal, SIGINT);
  uv_signal_start(&n->sig_term, on_signal, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  mn__track_install_crash_report();
  code = MN_EXIT_RUNTIME;
  int rc = init_all(n, &why);
  if (rc == MN_ECONFIG)
    code = MN_EXIT_USAGE;
  if (rc != 0)
    goto fail;
  if (o->action == MN__LIST_COMMANDS) {
    print_commands(n, o->commands_format);
    goto done;
  }
  if (start_all(n, &why) != 0)
    goto fail;
  uv_run(n->loop, UV_RUN_DEFAULT);
  code = n->exit_code;
  mn__log(NULL, MN_LOG_INFO, "stopping");
  teardown(n);
  free(n);
  mn__log(NULL, MN_LOG_INFO, "stopped");
  return code;
done:
  teardown(n);
  free(n);
  return MN_EXIT_OK;
fail:
  node_err("%s", why ? why : "failed");
  free(why);
  teardown(n);
  free(n);
  return code;
}
