/*
 * simhost.h - many nodes in one process, on one libuv loop.
 *
 * A minimad process is one node: one host table, one loop.  Simulations,
 * unit tests and benchmarks of the network layer need tens or hundreds of
 * nodes at once, talking over transport-mem.  This harness gives each
 * simulated node its own host table state: its own plugins (loaded from
 * their descriptors, not from files), configuration, services, event bus,
 * command registry, timers and, on first use, its own LMDB store under the
 * simulation's directory.  All nodes share the loop, so every callback of
 * every node runs on one thread in one process, which is what transport-mem
 * needs (its links are per loop).
 *
 * Use:
 *
 *   mn_sim_t *sim = mn_sim_new(loop, NULL);
 *   mn_sim_node_t *a = mn_sim_node_new(sim, "a", 0);
 *   mn_sim_node_plugin(a, mn_mem_transport_desc());
 *   mn_sim_node_set(a, "p2p.listen", "mem://a");
 *   mn_sim_node_start(a, &why);         init then start, in order
 *   const mn_transport_t *tp = mn_sim_node_service(a, "transport.mem", 1);
 *   mn_sim_run_until(sim, done_fn, arg, 10000);
 *   mn_sim_free(sim);                   stops every node, closes handles
 *
 * Plugins are started in the order they were added (the caller adds
 * providers before their users); stop and fini run in reverse.  The host
 * functions behave as minimad's do (minima/host.h), with these
 * differences: the data directory is <dir>/<node name>; the profile is
 * "sim"; shutdown() stops the node it was called from.
 *
 * Everything here is loop-thread only.  Ownership: the simulation owns its
 * nodes; a node's strings and services live until the simulation is freed.
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

/* A simulation on loop.  dir holds the nodes' data directories; NULL makes
 * a fresh directory under $TMPDIR that mn_sim_free() removes.  NULL on
 * failure to create it. */
mn_sim_t *mn_sim_new(uv_loop_t *loop, const char *dir);
/* Stops every node, runs the loop until their handles are closed, frees
 * everything.  The loop itself is the caller's. */
void mn_sim_free(mn_sim_t *sim);
uv_loop_t *mn_sim_loop(mn_sim_t *sim);
const char *mn_sim_dir(mn_sim_t *sim);
/* Log messages of all nodes above level are dropped (default WARN); each
 * line names the node and the plugin. */
void mn_sim_set_log_level(mn_sim_t *sim, mn_log_level_t level);

/* A new node named name (unique, used in logs and paths) with base port
 * base_port (host->base_port; 0 is fine for mem-only nodes). */
mn_sim_node_t *mn_sim_node_new(mn_sim_t *sim, const char *name, int base_port);
size_t mn_sim_node_count(const mn_sim_t *sim);
mn_sim_node_t *mn_sim_node_at(mn_sim_t *sim, size_t i);
const char *mn_sim_node_name(const mn_sim_node_t *n);
mn_sim_t *mn_sim_node_sim(mn_sim_node_t *n);

/* Adds a plugin to a node that has not started.  The descriptor must live
 * as long as the simulation.  0 or MN_ESTATE. */
int mn_sim_node_plugin(mn_sim_node_t *n, const mn_plugin_desc_t *desc);
/* Sets "table.key" (the plugin's config table, e.g. "transport.tcp.
 * connect_timeout_ms") to value, given as text: "true", "42", "0.5",
 * "text", and for string lists "a,b,c" (empty: none).  Applies to plugins
 * started afterwards.  0, or MN_EINVAL for a key without a dot. */
int mn_sim_node_set(mn_sim_node_t *n, const char *key, const char *value);
/* Initialises then starts every plugin of the node.  On failure *why (if
 * why is not NULL) receives a malloc()ed sentence and the node is left
 * stopped. */
int mn_sim_node_start(mn_sim_node_t *n, char **why);
/* Stops and finalises every plugin (reverse order), releases what they left
 * registered.  Idempotent. */
void mn_sim_node_stop(mn_sim_node_t *n);
bool mn_sim_node_running(const mn_sim_node_t *n);

/* The node's service name (version >= min_version) or NULL. */
const void *mn_sim_node_service(mn_sim_node_t *n, const char *name,
                                uint32_t min_version);
/* Runs a command line on the node (MN_EXEC_WRITE trust). */
int mn_sim_node_exec(mn_sim_node_t *n, const char *line, mn_exec_done_fn done,
                     void *data);
/* Runs a command line and the loop until its answer (at most max_ms);
 * returns the envelope (caller owns it) or NULL on timeout. */
json_t *mn_sim_node_exec_wait(mn_sim_node_t *n, const char *line,
                              uint64_t max_ms);
/* The host table given to the node's plugins (for harness code that acts
 * as a plugin of its own; plugin "sim" is returned in *self). */
const mn_host_t *mn_sim_node_host(mn_sim_node_t *n, mn_plugin_t **self);

/* Runs the loop until done(data) is true (checked after every loop
 * iteration) or max_ms elapsed.  Returns done's last answer.  max_ms is a
 * hang guard, not a measurement. */
bool mn_sim_run_until(mn_sim_t *sim, bool (*done)(void *data), void *data,
                      uint64_t max_ms);
/* Runs the loop for ms milliseconds of loop time. */
void mn_sim_run_for(mn_sim_t *sim, uint64_t ms);

#endif
