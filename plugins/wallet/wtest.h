/*
 * wtest.h - the harness of the wallet's unit tests and benchmarks: one
 * embedded node (kernel/host/node.h) loading the kissvm and wallet
 * plugins from the build tree, with the in-memory chain (chainsim.h)
 * registered as its "chain" service before the plugins start.  Commands
 * run through the node's registry as RPC would run them.
 */
#ifndef MN_WALLET_WTEST_H
#define MN_WALLET_WTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "chainsim.h"
#include "host/node.h"

/* Test programs fail through cmocka; others define WTEST_FAIL first. */
#ifndef WTEST_FAIL
#define WTEST_FAIL(...) fail_msg(__VA_ARGS__)
#endif

typedef struct wtest {
  uv_loop_t *loop;
  char *dir;
  char *data;
  mn__node_t *node;
  const mn_host_t *host;
  mn_plugin_t *kself;
  wal_sim_t *sim;
  const mn_wallet_t *wallet;
  char *why;
} wtest_t;

typedef struct wtest_reply {
  json_t *j;
  bool done;
} wtest_reply_t;

static inline void wtest_got(json_t *r, void *data) {
  wtest_reply_t *rep = data;
  json_decref(rep->j);
  rep->j = r;
  rep->done = true;
}

/* Runs the loop until *flag or about max_ms (a hang guard). */
static inline void wtest_run_until(wtest_t *t, const bool *flag,
                                   uint64_t max_ms) {
  uint64_t start = uv_now(t->loop);
  while (!*flag) {
    uv_update_time(t->loop);
    if (uv_now(t->loop) - start > max_ms)
      break;
    uv_run(t->loop, UV_RUN_ONCE);
  }
}

/* Lets queued events and timers run. */
static inline void wtest_settle(wtest_t *t) {
  for (int i = 0; i < 64; i++)
    uv_run(t->loop, UV_RUN_NOWAIT);
}

/* Creates and starts a node in a fresh directory (or in dir, reused).
 * extra: more TOML for the [wallet] table.  0 or an error in t->why. */
static inline int wtest_start_in(wtest_t *t, uv_loop_t *loop, const char *dir,
                                 const char *label, const char *extra,
                                 const char *plugins) {
  memset(t, 0, sizeof *t);
  t->loop = loop;
  t->dir = strdup(dir);
  if (asprintf(&t->data, "%s/data", dir) < 0)
    return MN_ENOMEM;
  char *profile;
  if (asprintf(&profile, "%s/wallet.toml", dir) < 0)
    return MN_ENOMEM;
  FILE *f = fopen(profile, "w");
  if (!f)
    return MN_EIO;
  fprintf(f,
          "[node]\nplugin_dir = \"%s\"\n"
          "log_level = \"warn\"\n"
          "[[plugin]]\nname = \"kissvm\"\n"
          "[[plugin]]\nname = \"wallet\"\n"
          "[wallet]\n%s\n%s\n",
          plugins, extra && strstr(extra, "keys =") ? "" : "keys = 4",
          extra ? extra : "");
  fclose(f);
  mn__config_opts_t co = {.file = profile, .data_dir = t->data};
  int err = mn__node_create(&co, loop, label, &t->node, &t->why);
  free(profile);
  if (err)
    return err;
  t->host = mn__node_host(t->node, &t->kself);
  err = wal_sim_new(t->host, t->kself, &t->sim);
  if (err)
    return err;
  err = mn__node_start(t->node, &t->why);
  if (err)
    return err;
  t->wallet = t->host->service_lookup(t->kself, MN_WALLET_SERVICE,
                                      MN_WALLET_SERVICE_VERSION);
  wtest_settle(t);
  return 0;
}

#ifdef MN_TEST_SUPPORT_H
static inline void wtest_start(wtest_t *t, uv_loop_t *loop, const char *tag,
                               const char *extra) {
  char *dir = mn_test_tmpdir(tag);
  char plugins[1024];
  snprintf(plugins, sizeof plugins, "%s/lib/minima/plugins",
           mn_test_build_dir());
  int err = wtest_start_in(t, loop, dir, tag, extra, plugins);
  free(dir);
  if (err)
    WTEST_FAIL("cannot start the wallet node: %s (%s)", mn_strerror(err),
               t->why ? t->why : "");
}

#endif

/* Stops the node; keep_dir leaves its data for a later start. */
static inline void wtest_stop(wtest_t *t, bool keep_dir) {
  if (t->node) {
    wtest_settle(t);
    mn__node_destroy(t->node);
  }
  wal_sim_free(t->sim);
  uv_run(t->loop, UV_RUN_NOWAIT);
#ifdef MN_TEST_SUPPORT_H
  if (!keep_dir && t->dir)
    mn_test_rmtree(t->dir);
#else
  (void)keep_dir;
#endif
  free(t->dir);
  free(t->data);
  free(t->why);
  memset(t, 0, sizeof *t);
}

/* Runs a command line; returns the envelope (the caller's). */
static inline json_t *wtest_exec(wtest_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline json_t *wtest_exec(wtest_t *t, const char *fmt, ...) {
  char *line;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  wtest_reply_t r = {0};
  if (!line || mn__node_exec(t->node, line, wtest_got, &r))
    WTEST_FAIL("cannot run %s", line ? line : "?");
  wtest_run_until(t, &r.done, 120000);
  if (!r.done)
    WTEST_FAIL("no reply to %s", line);
  free(line);
  return r.j;
}

/* The response of a command that must succeed (the caller owns it). */
static inline json_t *wtest_ok(wtest_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline json_t *wtest_ok(wtest_t *t, const char *fmt, ...) {
  char *line;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  json_t *j = wtest_exec(t, "%s", line);
  if (!json_is_true(json_object_get(j, "status"))) {
    char *s = json_dumps(j, JSON_COMPACT);
    WTEST_FAIL("%s failed: %s", line, s);
  }
  free(line);
  json_t *resp = json_incref(json_object_get(j, "response"));
  json_decref(j);
  return resp;
}

/* The error of a command that must fail (malloc()ed). */
static inline char *wtest_err(wtest_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline char *wtest_err(wtest_t *t, const char *fmt, ...) {
  char *line;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  json_t *j = wtest_exec(t, "%s", line);
  const char *e = json_string_value(json_object_get(j, "error"));
  if (!json_is_false(json_object_get(j, "status")) || !e) {
    char *s = json_dumps(j, JSON_COMPACT);
    WTEST_FAIL("%s should have failed: %s", line, s);
  }
  char *out = strdup(e);
  json_decref(j);
  free(line);
  return out;
}

static inline void wtest_mine(wtest_t *t, int n) {
  int err = wal_sim_mine(t->sim, n);
  if (err)
    WTEST_FAIL("mining failed: %s", mn_strerror(err));
  wtest_settle(t);
}

#endif
