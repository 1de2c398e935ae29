/*
 * consensus_node.h - a minimad for the chain's integration tests that
 * keeps its data directory across restarts (and can be killed), with a
 * profile of fast blocks: a block every few ms at the easiest difficulty
 * and the test cascade parameters (cut at 32 + 3, 4 nodes a level).
 */
#ifndef MN_CONSENSUS_NODE_H
#define MN_CONSENSUS_NODE_H

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <jansson.h>

#include "http_client.h"
#include "node.h"
#include "test_support.h"
#include "util/util.h"

extern char **environ;

typedef struct cnode {
  pid_t pid;
  char *dir; /* scratch: profile, data/, log */
  char *profile;
  int port, rpc;
} cnode_t;

static inline void cn_sleep(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static inline void cn_init(cnode_t *n, const char *tag) {
  memset(n, 0, sizeof *n);
  n->dir = mn_test_tmpdir(tag);
  n->profile = mn__xasprintf("%s/chain.toml", n->dir);
  FILE *f = fopen(n->profile, "w");
  assert_non_null(f);
  fprintf(f, "[node]\nlog_level = \"info\"\nthreads = 2\n"
             "[[plugin]]\nname = \"kissvm\"\n"
             "[[plugin]]\nname = \"consensus\"\n"
             "[consensus]\nnetwork = \"test\"\ngenesis = true\n"
             "automine = true\nautomine_ms = 5\nblock_speed = \"1000\"\n"
             "mining_threads = 1\n"
             "[[plugin]]\nname = \"rpc\"\n");
  fclose(f);
  n->port = tc_free_port();
  n->rpc = tc_free_port();
  if (n->rpc == n->port)
    n->rpc = tc_free_port();
}

/* Starts minimad on the node's data directory with extra --set values;
 * waits until RPC answers.  False if it exited. */
static inline bool cn_start(cnode_t *n, const char *set1) {
  char *data = mn__xasprintf("%s/data", n->dir);
  char *log = mn__xasprintf("%s/minimad.log", n->dir);
  char base[16], rpc[32];
  snprintf(base, sizeof base, "%d", n->port);
  snprintf(rpc, sizeof rpc, "rpc.port=%d", n->rpc);
  const char *argv[16];
  size_t k = 0;
  argv[k++] = itest_bin("minimad");
  argv[k++] = "--config";
  argv[k++] = n->profile;
  argv[k++] = "--data-dir";
  argv[k++] = data;
  argv[k++] = "--port";
  argv[k++] = base;
  argv[k++] = "--set";
  argv[k++] = rpc;
  if (set1) {
    argv[k++] = "--set";
    argv[k++] = set1;
  }
  argv[k] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  int rc =
      posix_spawn(&n->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  free(data);
  free(log);
  if (rc) {
    n->pid = 0;
    return false;
  }
  for (int i = 0; i < 3000; i++) {
    int st;
    if (waitpid(n->pid, &st, WNOHANG) == n->pid) {
      n->pid = 0;
      return false;
    }
    tc_conn_t c;
    if (tc_open(&c, n->rpc)) {
      tc_close(&c);
      return true;
    }
    cn_sleep(10);
  }
  return false;
}

/* SIGTERM (or SIGKILL) and wait; returns the exit status or 128+signal. */
static inline int cn_stop(cnode_t *n, int sig) {
  if (!n->pid)
    return -1;
  kill(n->pid, sig);
  int st = 0;
  waitpid(n->pid, &st, 0);
  n->pid = 0;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline void cn_free(cnode_t *n) {
  if (n->pid)
    cn_stop(n, SIGKILL);
  mn_test_rmtree(n->dir);
  free(n->dir);
  free(n->profile);
}

/* A command's response (the envelope in *env; caller decrefs). */
static inline json_t *cn_cmd(cnode_t *n, const char *line, json_t **env) {
  *env = tc_post_json(n->rpc, line, NULL);
  if (!*env)
    fail_msg("%s: no reply", line);
  if (!json_is_true(json_object_get(*env, "status"))) {
    char *s = json_dumps(*env, JSON_COMPACT);
    fail_msg("%s failed: %s", line, s);
  }
  return json_object_get(*env, "response");
}

static inline int64_t cn_tip(cnode_t *n) {
  json_t *env;
  json_t *r = cn_cmd(n, "status", &env);
  int64_t b =
      json_integer_value(json_object_get(json_object_get(r, "chain"), "block"));
  json_decref(env);
  return b;
}

/* Waits (polling) until the tip reaches at least want. */
static inline int64_t cn_wait_tip(cnode_t *n, int64_t want) {
  int64_t t = cn_tip(n);
  for (int i = 0; t < want && i < 60000; i++) {
    cn_sleep(20);
    t = cn_tip(n);
  }
  return t;
}

/* Turns automine off and waits until no mining is in flight. */
static inline void cn_quiesce(cnode_t *n) {
  json_t *env;
  cn_cmd(n, "automine enable:false", &env);
  json_decref(env);
  for (int i = 0; i < 5000; i++) {
    json_t *r = cn_cmd(n, "status", &env);
    bool active =
        json_is_true(json_object_get(json_object_get(r, "mining"), "active"));
    json_decref(env);
    if (!active)
      return;
    cn_sleep(10);
  }
  fail_msg("mining did not stop");
}

#endif
