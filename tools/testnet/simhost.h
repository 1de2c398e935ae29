/*
 * simhost.h - many nodes in one process, on one libuv loop.
 *
 * A thin layer over the kernel's embedded nodes (kernel/host/node.h,
 * mn__node_create): each simulated node is a real node with its own
 * profile, data directory, store, plugins, services and commands, loaded
 * from the same plugin files minimad loads.  All nodes share one loop, so
 * transport-mem instances meet on one hub and dial each other by name.
 * The simulation writes each node's profile from the plugins and settings
 * given here, so callers never write TOML.
 *
 * Use:
 *
 *   mn_sim_t *sim = mn_sim_new(loop, NULL);
 *   mn_sim_node_t *a = mn_sim_node_new(sim, "a", 0);
 *   mn_sim_node_plugin(a, "transport-mem");
 *   mn_sim_node_set(a, "p2p.listen", "[\"mem://a\"]");
 *   mn_sim_node_start(a, &why);
 *   const mn_transport_t *tp = mn_sim_node_service(a, "transport.mem", 1);
 *   mn_sim_run_until(sim, done_fn, arg, 10000);
 *   mn_sim_free(sim);
 *
 * Plugins are looked up in the plugin directory next to the running
 * program (<bin>/../lib/minima/plugins, as minimad does) unless
 * mn_sim_set_plugin_dir() says otherwise.  Everything here is loop-thread
 * only; the simulation owns its nodes.
 */
#ifndef MN_SIMHOST_H
#define MN_SIMHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <minima/host.h>

typedef struct mn_sim mn_sim_t;
typedef struct mn_sim_node mn_sim_node_t;

/* A simulation on loop.  dir holds the nodes' profiles and data
 * directories; NULL makes a fresh directory under $TMPDIR that
 * mn_sim_free() removes.  NULL if the directory cannot be made. */
mn_sim_t *mn_sim_new(uv_loop_t *loop, const char *dir);
/* Destroys every node, runs the loop until their handles are closed,
 * frees everything.  The loop itself is the caller's. */
void mn_sim_free(mn_sim_t *sim);
uv_loop_t *mn_sim_loop(mn_sim_t *sim);
const char *mn_sim_dir(mn_sim_t *sim);
void mn_sim_set_plugin_dir(mn_sim_t *sim, const char *dir);
/* The log level of every node ("warn" by default). */
void mn_sim_set_log_level(mn_sim_t *sim, const char *level);

/* A new node named name (unique; it labels log lines and names the data
 * directory) with base port base_port (0: the profile's default, fine for
 * mem-only nodes). */
mn_sim_node_t *mn_sim_node_new(mn_sim_t *sim, const char *name, int base_port);
size_t mn_sim_node_count(const mn_sim_t *sim);
mn_sim_node_t *mn_sim_node_at(mn_sim_t *sim, size_t i);
const char *mn_sim_node_name(const mn_sim_node_t *n);

/* Adds plugin NAME (its file is <plugin_dir>/NAME.so) to a node that is not
 * running.  0 or MN_ESTATE. */
int mn_sim_node_plugin(mn_sim_node_t *n, const char *name);
/* Sets "table.key" to value, as minimad's --set does: TOML ("42", "true",
 * "[\"a\", \"b\"]", "\"text\"") or bare text taken as a string.  Applies at
 * the next start.  0 or MN_EINVAL for a key without a dot. */
int mn_sim_node_set(mn_sim_node_t *n, const char *key, const char *value);
/* Uses the profile in file path (a complete TOML profile) instead of one
 * written from the plugins and settings given here; settings still apply
 * as overrides, and the data directory is <dir>/<name> whatever the
 * profile says.  The path is copied. */
int mn_sim_node_profile(mn_sim_node_t *n, const char *path);
/* Writes the profile, creates the node (init) and starts it.  On failure
 * *why (if not NULL) receives a malloc()ed sentence. */
int mn_sim_node_start(mn_sim_node_t *n, char **why);
/* Stops and destroys the running node (its data directory stays, so a
 * later start resumes from its store).  Idempotent. */
void mn_sim_node_stop(mn_sim_node_t *n);
bool mn_sim_node_running(const mn_sim_node_t *n);

/* The node's service name (version >= min_version) or NULL. */
const void *mn_sim_node_service(mn_sim_node_t *n, const char *name,
                                uint32_t min_version);
/* Runs a command line on the node with write access. */
int mn_sim_node_exec(mn_sim_node_t *n, const char *line, mn_exec_done_fn done,
                     void *data);
/* Runs a command line and the loop until its answer (at most max_ms);
 * returns the envelope (the caller owns it) or NULL. */
json_t *mn_sim_node_exec_wait(mn_sim_node_t *n, const char *line,
                              uint64_t max_ms);
/* The host table and the node's kernel pseudo-plugin, for harness code
 * that calls host functions itself (NULL while the node is not running). */
const mn_host_t *mn_sim_node_host(mn_sim_node_t *n, mn_plugin_t **self);

/* Runs the loop until done(data) is true (checked after every loop
 * iteration) or max_ms passed; returns done's last answer.  max_ms is a
 * hang guard, not a measurement. */
bool mn_sim_run_until(mn_sim_t *sim, bool (*done)(void *data), void *data,
                      uint64_t max_ms);
/* Runs the loop for ms milliseconds. */
void mn_sim_run_for(mn_sim_t *sim, uint64_t ms);

#endif
