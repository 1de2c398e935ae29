/*
 * host/node.h - one running node: configuration, data directory, store,
 * loop, bus, registries and the plugins, and the host table that exposes
 * them to plugins.
 *
 * main() fills mn__node_opts_t from the command line and calls
 * mn__node_main(), which validates, starts, runs until a signal or a quit,
 * stops everything in reverse order and returns the process exit code:
 * 0 clean stop, 1 runtime failure, 2 usage or configuration error.
 */
#ifndef MN_NODE_H
#define MN_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include <minima/host.h>

#include "bus/bus.h"
#include "cmd/cmd.h"
#include "config/config.h"
#include "loader/loader.h"
#include "store/store.h"

#define MN_EXIT_OK 0
#define MN_EXIT_RUNTIME 1
#define MN_EXIT_USAGE 2

typedef enum mn__node_action {
  MN__RUN = 0,
  MN__CHECK_CONFIG, /* validate, print the load order, start nothing */
  MN__PRINT_CONFIG, /* print every effective value */
  MN__LIST_PLUGINS, /* describe the profile's plugins */
  MN__LIST_COMMANDS /* init the plugins, print the command registry */
} mn__node_action_t;

typedef struct mn__node_opts {
  mn__config_opts_t config;
  mn__node_action_t action;
  const char *commands_format; /* MN__LIST_COMMANDS: "markdown" or "json" */
} mn__node_opts_t;

typedef struct mn__service {
  char *name;
  uint32_t version;
  const void *iface;
  mn_plugin_t *owner;
} mn__service_t;

typedef struct mn__timer_list {
  struct mn_timer *head;
} mn__timer_list_t;

typedef struct mn__node {
  uv_loop_t *loop;          /* own_loop_storage, or a loop shared with others */
  uv_loop_t own_loop_storage;
  bool own_loop;
  char *label;              /* log prefix of an embedded node, or NULL */
  char *kernel_name;        /* "kernel" or "<label>/kernel" */
  void (*on_shutdown)(void *data, int code); /* embedded: instead of uv_stop */
  void *on_shutdown_data;
  mn__config_t *cfg;
  mn__store_t *store;
  mn__bus_t *bus;
  mn__cmds_t *cmds;
  mn_plugin_t kernel; /* the kernel's own registrations */
  mn_plugin_t **plugins; /* every plugin of the profile, profile order */
  size_t nplugins;
  mn_plugin_t **order; /* start order */
  size_t norder;
  mn__service_t *services;
  size_t nservices;
  struct mn_timer *timers; /* live timers */
  size_t work_pending;
  bool stopping;
  int exit_code;
  uv_signal_t sig_int, sig_term;
  uv_timer_t quit_timer;
  int lock_fd;
  uint64_t start_ns;
} mn__node_t;

int mn__node_main(const mn__node_opts_t *opts);

/* Embedding: several nodes in one process, on one loop (simulations and
 * tests).  mn__node_create() loads the configuration and plugins, locks
 * the data directory, opens the store and runs every plugin's init;
 * mn__node_start() starts them; the caller runs the loop; the quit command
 * (host->shutdown) calls the on_shutdown callback instead of stopping the
 * loop; mn__node_destroy() stops, finalises and frees.  label prefixes the
 * node's log lines ("n3/p2p").  Plugins must keep their state in the state
 * pointer init returns (no globals), since each node loads the same .so
 * files.  Errors are sentences in *why (malloc()ed). */
int mn__node_create(const mn__config_opts_t *co, uv_loop_t *loop,
                    const char *label, mn__node_t **out, char **why);
int mn__node_start(mn__node_t *n, char **why);
void mn__node_on_shutdown(mn__node_t *n, void (*fn)(void *data, int code),
                          void *data);
/* Runs a command line with write access, as RPC would. */
int mn__node_exec(mn__node_t *n, const char *line, mn_exec_done_fn done,
                  void *data);
/* The host table and the node's kernel pseudo-plugin, for harnesses that
 * call host functions themselves (service lookups in tests). */
const mn_host_t *mn__node_host(mn__node_t *n, mn_plugin_t **kernel);
void mn__node_destroy(mn__node_t *n);

/* The host table handed to every plugin. */
const mn_host_t *mn__host_table(void);

/* Service registry (host.c). */
int mn__services_register(mn__node_t *n, mn_plugin_t *owner, const char *name,
                          uint32_t version, const void *iface);
const void *mn__services_lookup(mn__node_t *n, mn_plugin_t *who,
                                const char *name, uint32_t min_version);
void mn__services_drop_owner(mn__node_t *n, mn_plugin_t *owner);
/* Timers of an owner (stopped when its registrations are withdrawn). */
void mn__timers_drop_owner(mn__node_t *n, mn_plugin_t *owner);

/* Which plugin is running on this thread (logs, crash reports). */
void mn__track_enter(const void *plugin, const char *what);
void mn__track_leave(void);
mn_plugin_t *mn__track_current(void);
/* Installs the fatal-signal report that names the running plugin. */
void mn__track_install_crash_report(void);

#endif
