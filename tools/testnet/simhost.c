/*
 * simhost.c - simulated nodes over the kernel's embedded nodes (see
 * simhost.h).  This file only writes profiles and keeps the list; the
 * nodes themselves are the kernel's.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/node.h"
#include "simhost.h"
#include "util/log.h"
#include "util/util.h"

struct mn_sim_node {
  mn_sim_t *sim;
  char *name;
  int base_port;
  mn__node_t *node; /* NULL while not running */
  char **plugins;
  size_t nplugins;
  char **sets; /* "table.key=value" */
  size_t nsets;
  char *profile; /* a given profile, or NULL: write one */
};

struct mn_sim {
  uv_loop_t *loop;
  char *dir;
  bool own_dir;
  char *plugin_dir;
  char *exe_dir;
  char *level;
  mn_sim_node_t **nodes;
  size_t nnodes;
};

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

mn_sim_t *mn_sim_new(uv_loop_t *loop, const char *dir) {
  mn_sim_t *s = mn__xcalloc(1, sizeof *s);
  s->loop = loop;
  s->level = mn__xstrdup("warn");
  if (dir) {
    s->dir = mn__xstrdup(dir);
    mkdirs(dir);
  } else {
    const char *tmp = getenv("TMPDIR");
    char *tmpl = mn__xasprintf("%s/mnsim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
      free(tmpl);
      free(s->level);
      free(s);
      return NULL;
    }
    s->dir = tmpl;
    s->own_dir = true;
  }
  /* Each node holds a few descriptors (store, lock, sockets): allow as many
   * as the hard limit does. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    s->exe_dir = mn__xstrdup(dirname(exe));
  }
  return s;
}

uv_loop_t *mn_sim_loop(mn_sim_t *sim) {
  return sim->loop;
}
const char *mn_sim_dir(mn_sim_t *sim) {
  return sim->dir;
}

void mn_sim_set_plugin_dir(mn_sim_t *sim, const char *dir) {
  free(sim->plugin_dir);
  sim->plugin_dir = dir ? mn__xstrdup(dir) : NULL;
}

void mn_sim_set_log_level(mn_sim_t *sim, const char *level) {
  free(sim->level);
  sim->level = mn__xstrdup(level);
}

mn_sim_node_t *mn_sim_node_new(mn_sim_t *sim, const char *name, int base_port) {
  mn_sim_node_t *n = mn__xcalloc(1, sizeof *n);
  n->sim = sim;
  n->name = mn__xstrdup(name);
  n->base_port = base_port;
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
bool mn_sim_node_running(const mn_sim_node_t *n) {
  return n->node != NULL;
}

int mn_sim_node_plugin(mn_sim_node_t *n, const char *name) {
  if (n->node)
    return MN_ESTATE;
  n->plugins = mn__xrealloc(n->plugins, (n->nplugins + 1) * sizeof *n->plugins);
  n->plugins[n->nplugins++] = mn__xstrdup(name);
  return 0;
}

int mn_sim_node_profile(mn_sim_node_t *n, const char *path) {
  if (n->node)
    return MN_ESTATE;
  free(n->profile);
  n->profile = mn__xstrdup(path);
  return 0;
}

int mn_sim_node_set(mn_sim_node_t *n, const char *key, const char *value) {
  if (!strchr(key, '.'))
    return MN_EINVAL;
  n->sets = mn__xrealloc(n->sets, (n->nsets + 1) * sizeof *n->sets);
  n->sets[n->nsets++] = mn__xasprintf("%s=%s", key, value ? value : "");
  return 0;
}

/* A TOML basic string for text without control characters. */
static void put_toml_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static char *write_profile(mn_sim_node_t *n) {
  mn_sim_t *sim = n->sim;
  char *data = mn__xasprintf("%s/%s", sim->dir, n->name);
  char *path = mn__xasprintf("%s/%s.toml", sim->dir, n->name);
  mkdirs(data);
  FILE *f = fopen(path, "w");
  if (!f) {
    free(data);
    free(path);
    return NULL;
  }
  fprintf(f, "# written by the simulation harness for node %s\n[node]\n",
          n->name);
  fputs("data_dir = ", f);
  put_toml_string(f, data);
  fputs("\nlog_level = ", f);
  put_toml_string(f, sim->level);
  fputc('\n', f);
  if (n->base_port > 0)
    fprintf(f, "port = %d\n", n->base_port);
  if (sim->plugin_dir) {
    fputs("plugin_dir = ", f);
    put_toml_string(f, sim->plugin_dir);
    fputc('\n', f);
  }
  fputs("threads = 2\n\n[store]\nmap_size_mb = 8\n", f);
  for (size_t i = 0; i < n->nplugins; i++) {
    fputs("\n[[plugin]]\nname = ", f);
    put_toml_string(f, n->plugins[i]);
    fputc('\n', f);
  }
  fclose(f);
  free(data);
  return path;
}

static void free_handle(uv_handle_t *h) {
  free(h);
}

static void stop_later_cb(uv_timer_t *t) {
  mn_sim_node_stop(t->data);
  uv_close((uv_handle_t *)t, free_handle);
}

/* `quit` on a simulated node stops that node, from the loop. */
static void on_quit(void *data, int code) {
  mn_sim_node_t *n = data;
  uv_timer_t *t = mn__xmalloc(sizeof *t);
  uv_timer_init(n->sim->loop, t);
  t->data = n;
  uv_timer_start(t, stop_later_cb, 0, 0);
}

int mn_sim_node_start(mn_sim_node_t *n, char **why) {
  if (n->node)
    return MN_ESTATE;
  mn_log_level_t level;
  if (mn__log_parse_level(n->sim->level, &level) == 0)
    mn__log_set_level(level);
  char *path = n->profile ? mn__xstrdup(n->profile) : write_profile(n);
  if (!path) {
    if (why)
      *why = mn__xasprintf("node %s: cannot write its profile in %s", n->name,
                           n->sim->dir);
    return MN_EIO;
  }
  /* the data directory is always <dir>/<name>, whatever a given profile
   * says, so simulations never touch a real node's data */
  char *data = mn__xasprintf("%s/%s", n->sim->dir, n->name);
  mn__config_opts_t co = {.file = path,
                          .data_dir = data,
                          .sets = (const char *const *)n->sets,
                          .nsets = n->nsets,
                          .exe_dir = n->sim->exe_dir};
  char *msg = NULL;
  int err = mn__node_create(&co, n->sim->loop, n->name, &n->node, &msg);
  if (!err) {
    mn__node_on_shutdown(n->node, on_quit, n);
    err = mn__node_start(n->node, &msg);
    if (err) {
      mn__node_destroy(n->node);
      n->node = NULL;
    }
  } else {
    n->node = NULL;
  }
  free(path);
  free(data);
  if (err && why)
    *why = mn__xasprintf("node %s: %s", n->name, msg ? msg : "failed");
  free(msg);
  return err;
}

void mn_sim_node_stop(mn_sim_node_t *n) {
  if (!n->node)
    return;
  mn__node_t *node = n->node;
  n->node = NULL;
  mn__node_destroy(node);
}

const mn_host_t *mn_sim_node_host(mn_sim_node_t *n, mn_plugin_t **self) {
  if (!n->node)
    return NULL;
  return mn__node_host(n->node, self);
}

const void *mn_sim_node_service(mn_sim_node_t *n, const char *name,
                                uint32_t min_version) {
  mn_plugin_t *self;
  const mn_host_t *h = mn_sim_node_host(n, &self);
  return h ? h->service_lookup(self, name, min_version) : NULL;
}

int mn_sim_node_exec(mn_sim_node_t *n, const char *line, mn_exec_done_fn done,
                     void *data) {
  if (!n->node)
    return MN_ESTATE;
  return mn__node_exec(n->node, line, done, data);
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
  if (!mn_sim_run_until(n->sim, exec_finished, w, max_ms))
    return NULL; /* w stays: the command may still answer into it */
  json_t *r = w->result;
  free(w);
  return r;
}

typedef struct guard {
  uv_timer_t t;
  uv_prepare_t p;
  bool expired;
  int open; /* handles not yet closed */
  bool (*done)(void *data);
  void *data;
} guard_t;

/* The guard can fire in the timers phase that opens an iteration (the
 * previous one ran past the deadline): without a stop, that iteration would
 * then poll with no timer left, blocking until some unrelated event. */
static void guard_fired(uv_timer_t *t) {
  ((guard_t *)t->data)->expired = true;
  uv_stop(t->loop);
}

/* Events delivered from a timer (transport-mem's pump) would otherwise
 * leave the loop blocked in poll until the next timer: the check before
 * poll stops the iteration as soon as the condition holds. */
static void guard_prepare(uv_prepare_t *p) {
  guard_t *g = p->data;
  if (g->done(g->data))
    uv_stop(p->loop);
}

static void guard_closed(uv_handle_t *h) {
  guard_t *g = h->data;
  if (--g->open == 0)
    free(g);
}

bool mn_sim_run_until(mn_sim_t *sim, bool (*done)(void *data), void *data,
                      uint64_t max_ms) {
  if (done(data))
    return true;
  guard_t *g = mn__xcalloc(1, sizeof *g);
  g->done = done;
  g->data = data;
  uv_timer_init(sim->loop, &g->t);
  uv_prepare_init(sim->loop, &g->p);
  g->t.data = g->p.data = g;
  g->open = 2;
  uv_timer_start(&g->t, guard_fired, max_ms, 0);
  uv_prepare_start(&g->p, guard_prepare);
  bool ok = false;
  while (!(ok = done(data)) && !g->expired)
    uv_run(sim->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&g->t, guard_closed);
  uv_close((uv_handle_t *)&g->p, guard_closed);
  return ok;
}

static bool never(void *data) {
  return false;
}

void mn_sim_run_for(mn_sim_t *sim, uint64_t ms) {
  mn_sim_run_until(sim, never, NULL, ms);
}

static void rmtree(const char *path) {
  char *cmd = mn__xasprintf("rm -rf '%s'", path);
  int rc = system(cmd);
  (void)rc;
  free(cmd);
}

void mn_sim_free(mn_sim_t *sim) {
  if (!sim)
    return;
  for (size_t i = sim->nnodes; i-- > 0;)
    mn_sim_node_stop(sim->nodes[i]);
  /* Close callbacks of the nodes' handles run within an iteration or two;
   * the loop may hold the caller's own handles, so it is not run dry. */
  for (int i = 0; i < 4; i++)
    uv_run(sim->loop, UV_RUN_NOWAIT);
  for (size_t i = 0; i < sim->nnodes; i++) {
    mn_sim_node_t *n = sim->nodes[i];
    for (size_t j = 0; j < n->nplugins; j++)
      free(n->plugins[j]);
    free(n->plugins);
    for (size_t j = 0; j < n->nsets; j++)
      free(n->sets[j]);
    free(n->sets);
    free(n->profile);
    free(n->name);
    free(n);
  }
  free(sim->nodes);
  if (sim->own_dir)
    rmtree(sim->dir);
  free(sim->dir);
  free(sim->plugin_dir);
  free(sim->exe_dir);
  free(sim->level);
  free(sim);
}
