/*
 * node.h - real processes for integration tests: start minimad on a
 * scratch data directory and free loopback ports, wait until its RPC port
 * answers, stop it; run any program and collect its output.
 */
#ifndef MN_TEST_NODE_H
#define MN_TEST_NODE_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct itest_node {
  pid_t pid;
  int base_port; /* --port */
  int rpc_port;  /* --set rpc.port */
  int exit_code; /* after itest_node_stop/wait; -1 while running */
  char *dir;     /* scratch folder: data/, minimad.log */
  char *log;     /* path of minimad's stderr */
} itest_node_t;

/* Path of a program in the build tree's bin/ ("minimad"); static. */
const char *itest_bin(const char *name);

/* Starts `minimad ARGS... --data-dir DIR/data --port BASE --set
 * rpc.port=RPC` (args NULL-terminated; give --profile or --config) and
 * waits until the RPC port accepts connections.  False when minimad
 * exited first (n->exit_code tells how) or did not come up in time. */
bool itest_node_start(itest_node_t *n, const char *tag,
                      const char *const *args);
/* SIGTERM, then waits; returns the exit code. */
int itest_node_stop(itest_node_t *n);
/* Waits for a node that is stopping by itself (quit); returns the exit
 * code, or -1 if it was still running after wait_ms (then it is killed). */
int itest_node_wait(itest_node_t *n, int wait_ms);
/* What minimad wrote to stderr so far (malloc()ed). */
char *itest_node_log(const itest_node_t *n);
/* Stops the node if running and removes the scratch folder; fails the
 * test when that stop did not end with status 0. */
void itest_node_free(itest_node_t *n);

/* Runs argv[0] (a path) with argv, extra environment entries ("K=V",
 * NULL-terminated, may be NULL; "K=" removes K) and stdin from /dev/null;
 * fills *out and *err (malloc()ed) and returns the exit code (128 + signal
 * when killed). */
int itest_run(const char *const *argv, const char *const *env, char **out,
              char **err);

#endif
