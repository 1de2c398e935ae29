/*
 * minima/host.h - the host table: everything the kernel offers a plugin.
 *
 * init() receives a `const mn_host_t *`.  It is the plugin's only door into
 * the kernel: logging, configuration, the libuv loop, timers, the work
 * queue, the event bus and hooks, the service and command registries, the
 * LMDB store, and pointers to the number, crypto and chain-object
 * libraries.  The table lives as long as the process.
 *
 * Versioning: `size` is the first field and the table only grows within an
 * ABI major; each group says the minor that added it.  A plugin built for
 * minor N may use every group up to N; the loader refuses a plugin whose
 * minor is newer than the kernel's, so no runtime size check is needed for
 * groups the plugin knows.
 *
 * Threads: every callback the kernel makes (lifecycle, timers, events,
 * hooks, commands, work completions) runs on the single loop thread.  Host
 * functions must be called on the loop thread unless marked [any thread].
 * CPU-heavy work goes through work_submit(); its `work` function runs on a
 * pool thread and may only use [any thread] functions.
 *
 * Ownership: strings and values the host returns are owned by the host and
 * stay valid for the stated lifetime; handles a plugin creates (timers,
 * subscriptions, transactions...) are released with their own function.
 * Functions documented as "stealing" a json_t take over the caller's
 * reference.
 *
 * Commands use Jansson's json_t (Debian's libjansson-dev); a plugin that
 * registers commands links libjansson itself.
 */
#ifndef MINIMA_HOST_H
#define MINIMA_HOST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto.h"
#include "errors.h"
#include "objects.h"
#include "plugin.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- logging ------------------------------------------------------------ */

typedef enum mn_log_level {
  MN_LOG_ERROR = 0,
  MN_LOG_WARN,
  MN_LOG_INFO,
  MN_LOG_DEBUG,
  MN_LOG_TRACE
} mn_log_level_t;

/* ---- timers and work ---------------------------------------------------- */

typedef struct mn_timer mn_timer_t;
typedef void (*mn_timer_cb)(mn_timer_t *timer, void *data);

/* Runs on a pool thread. */
typedef void (*mn_work_fn)(void *data);
/* Runs on the loop thread after work; status is 0, or MN_ECANCELED when the
 * node stopped before the work ran (work was then not called). */
typedef void (*mn_work_done_fn)(void *data, int status);

/* ---- event bus ---------------------------------------------------------- */

typedef struct mn_topic mn_topic_t;
typedef struct mn_sub mn_sub_t;

/* One delivered notification.  payload is read-only and valid only during
 * the callback; copy what you keep. */
typedef struct mn_event {
  const char *topic;
  uint32_t version;   /* the topic's declared payload version */
  const void *payload;
  size_t size;
  uint64_t seq;       /* publish order, across all topics */
  const char *origin; /* name of the publishing plugin, or "kernel" */
} mn_event_t;

typedef void (*mn_event_cb)(const mn_event_t *ev, void *data);

/* Hooks are synchronous decisions (accept this txpow? allow this peer?). */
typedef struct mn_hook mn_hook_t;
typedef struct mn_hookreg mn_hookreg_t;

typedef enum mn_hook_mode {
  MN_HOOK_SINGLE = 1, /* at most one handler may attach */
  MN_HOOK_CHAIN       /* handlers run in attach order until one decides */
} mn_hook_mode_t;

/* Verdicts.  PASS means "no opinion": the next handler runs, and if none
 * decides the declared default verdict applies. */
#define MN_HOOK_PASS 0
#define MN_HOOK_ACCEPT 1
#define MN_HOOK_REJECT 2

typedef int (*mn_hook_fn)(void *arg, void *data);

/* ---- commands ----------------------------------------------------------- */

typedef struct mn_call mn_call_t;

typedef enum mn_param_type {
  MN_PARAM_STRING = 1, /* any text */
  MN_PARAM_NUMBER,     /* a MiniNumber in text form */
  MN_PARAM_BOOL,       /* "true" is true, anything else false */
  MN_PARAM_HEX,        /* 0x... (an Mx address is converted to 0x hex) */
  MN_PARAM_ADDRESS,    /* 0x 32-byte hex or Mx...; normalised to 0x upper */
  MN_PARAM_JSON,       /* {...} or [...], handed over as a JSON value */
  MN_PARAM_ANY         /* JSON value if it looks like one, else text */
} mn_param_type_t;

#define MN_PARAM_REQUIRED 0x1u

typedef struct mn_cmd_param {
  const char *name;
  mn_param_type_t type;
  uint32_t flags; /* MN_PARAM_* */
  const char *help;
} mn_cmd_param_t;

/* Command flags. */
#define MN_CMD_WRITE 0x1u      /* changes state or spends: see spec/rpc.md §5 */
#define MN_CMD_RAW_BRACKETS 0x2u /* [..] values stay text (txnstate) */

/* The handler.  params is an object of the validated parameters: JSON
 * strings for scalar types (an ADDRESS already normalised), JSON values for
 * MN_PARAM_JSON.  It is borrowed for the duration of the call.
 * Reply with call_reply() or call_error(), now or later (asynchronous
 * commands reply from a timer or work completion).  Returning a negative
 * code without replying fails the call with that code's text. */
typedef int (*mn_command_fn)(mn_call_t *call, json_t *params, void *data);

typedef struct mn_command_def {
  const char *name;    /* lower case, unique across the node */
  const char *summary; /* one-line usage, shown by `help` */
  const char *help;    /* full text, shown by `help command:NAME` */
  const mn_cmd_param_t *params; /* terminated by {NULL}; may be NULL */
  uint32_t flags;               /* MN_CMD_* */
  mn_command_fn fn;
} mn_command_def_t;

/* Trust of a command line's origin (command_exec). */
#define MN_EXEC_WRITE 0x1u /* may run MN_CMD_WRITE commands */

/* Receives the envelope of a command line: an object for one command, an
 * array for several.  Steals `result`. */
typedef void (*mn_exec_done_fn)(json_t *result, void *data);

/* ---- store -------------------------------------------------------------- */

typedef struct mn_db mn_db_t;
typedef struct mn_txn mn_txn_t;
typedef struct mn_cursor mn_cursor_t;

typedef struct mn_val {
  const void *data;
  size_t size;
} mn_val_t;

/* db_open flags */
#define MN_DB_DUPSORT 0x1u /* several sorted values per key */
/* txn_begin flags */
#define MN_TXN_RDONLY 0x1u
/* db_put flags */
#define MN_PUT_NOOVERWRITE 0x1u /* MN_EEXIST if the key exists */

typedef enum mn_cursor_op {
  MN_CURSOR_FIRST = 1,
  MN_CURSOR_LAST,
  MN_CURSOR_NEXT,
  MN_CURSOR_PREV,
  MN_CURSOR_SET_RANGE, /* first key >= *key */
  MN_CURSOR_SET        /* exactly *key */
} mn_cursor_op_t;

/* Body of a write transaction for store_write(); may run more than once. */
typedef int (*mn_write_fn)(mn_txn_t *txn, void *data);

/* ---- the table ---------------------------------------------------------- */

struct mn_host {
  uint32_t size; /* sizeof(mn_host_t) of the kernel */
  uint16_t abi_major;
  uint16_t abi_minor;
  const char *version; /* kernel release, MN_VERSION_STRING */

  /* -- 1.0: libraries [any thread] ---------------------------------------- */
  const mn_num_api_t *num;
  const mn_crypto_api_t *crypto;
  const mn_obj_api_t *obj; /* chain objects (minima/objects.h) */

  /* -- 1.0: logging [any thread] ------------------------------------------ */
  /* printf-style; the kernel prefixes time, level and plugin name. */
  void (*log)(mn_plugin_t *self, mn_log_level_t level, const char *fmt, ...)
      __attribute__((format(printf, 3, 4)));
  void (*vlog)(mn_plugin_t *self, mn_log_level_t level, const char *fmt,
               va_list ap);
  bool (*log_enabled)(mn_plugin_t *self, mn_log_level_t level);

  /* -- 1.0: the node ------------------------------------------------------ */
  const char *(*plugin_name)(mn_plugin_t *self);
  /* Absolute path of the node's data directory. */
  const char *(*data_dir)(mn_plugin_t *self);
  /* The profile name ("dev"), or the config file name. */
  const char *(*profile)(mn_plugin_t *self);
  /* The base port (--port, [node] port): P2P on base, RPC on base + 4. */
  int (*base_port)(mn_plugin_t *self);
  /* Wall-clock milliseconds since the epoch [any thread]. */
  uint64_t (*now_ms)(void);
  /* Monotonic milliseconds [any thread]. */
  uint64_t (*mono_ms)(void);
  /* The node's uv_loop_t *, for plugins that do their own I/O. */
  void *(*uv_loop)(mn_plugin_t *self);
  /* Asks the node to stop after the current callback; exit_code 0 for a
   * clean stop.  reason is logged. */
  void (*shutdown)(mn_plugin_t *self, int exit_code, const char *reason);

  /* -- 1.0: configuration (the plugin's own table, validated) -------------- */
  /* Values are valid for the node's lifetime.  Asking for an undeclared key
   * is a programming error: it is logged and 0/false/NULL returned. */
  bool (*cfg_bool)(mn_plugin_t *self, const char *key);
  int64_t (*cfg_int)(mn_plugin_t *self, const char *key);
  double (*cfg_float)(mn_plugin_t *self, const char *key);
  const char *(*cfg_string)(mn_plugin_t *self, const char *key);
  /* NULL-terminated; *n receives the count when n is not NULL. */
  const char *const *(*cfg_strings)(mn_plugin_t *self, const char *key,
                                    size_t *n);

  /* -- 1.0: timers --------------------------------------------------------- */
  /* Fires after delay_ms, then every repeat_ms if non-zero.  NULL on
   * allocation failure.  A timer, one-shot or not, stays allocated until
   * timer_stop() (allowed inside its own callback) or until the plugin
   * stops, when the kernel releases whatever the plugin left running. */
  mn_timer_t *(*timer_start)(mn_plugin_t *self, uint64_t delay_ms,
                             uint64_t repeat_ms, mn_timer_cb cb, void *data);
  /* Stops and releases the timer; safe inside its own callback. */
  void (*timer_stop)(mn_timer_t *timer);

  /* -- 1.0: work queue ----------------------------------------------------- */
  /* Runs work(data) on the pool, then done(data, status) on the loop.  The
   * pool size is [node] threads.  0 or MN_ENOMEM / MN_ESTATE (stopping). */
  int (*work_submit)(mn_plugin_t *self, mn_work_fn work, mn_work_done_fn done,
                     void *data);
  int (*work_threads)(mn_plugin_t *self);

  /* -- 1.0: notifications -------------------------------------------------- */
  /* Declares the topic this plugin publishes and its payload version.
   * MN_EEXIST if another plugin declared it. */
  int (*topic_declare)(mn_plugin_t *self, const char *name, uint32_t version);
  /* A handle for publishing (declared or not yet).  Lives as long as the
   * node.  NULL only on allocation failure. */
  mn_topic_t *(*topic)(mn_plugin_t *self, const char *name);
  /* True if anyone listens; lets publishers skip building payloads
   * [any thread]. */
  bool (*has_subscribers)(mn_topic_t *topic);
  /* Queues a notification for delivery on the loop, in publish order
   * [any thread].  The bus owns payload from now on and calls
   * free_fn(payload) after the last subscriber saw it (at once when nobody
   * listens); free_fn may be NULL for static payloads.  0 or MN_ENOMEM. */
  int (*publish)(mn_plugin_t *self, mn_topic_t *topic, const void *payload,
                 size_t size, void (*free_fn)(void *payload));
  /* Subscribing or unsubscribing inside a callback is allowed; a new
   * subscriber sees only notifications published after it subscribed. */
  mn_sub_t *(*subscribe)(mn_plugin_t *self, const char *topic,
                         mn_event_cb cb, void *data);
  void (*unsubscribe)(mn_sub_t *sub);

  /* -- 1.0: hooks ---------------------------------------------------------- */
  /* Declares a decision point.  If handlers together take longer than
   * deadline_ms (0: no deadline), the call returns default_verdict and the
   * overrun is logged.  The same default applies when nobody decides. */
  mn_hook_t *(*hook_declare)(mn_plugin_t *self, const char *name,
                             mn_hook_mode_t mode, uint32_t deadline_ms,
                             int default_verdict);
  /* NULL with a logged reason when a SINGLE hook already has a handler.
   * Attaching before the hook is declared is allowed. */
  mn_hookreg_t *(*hook_attach)(mn_plugin_t *self, const char *name,
                               mn_hook_fn fn, void *data);
  void (*hook_detach)(mn_hookreg_t *reg);
  /* Runs the handlers; returns MN_HOOK_ACCEPT or MN_HOOK_REJECT. */
  int (*hook_call)(mn_hook_t *hook, void *arg);

  /* -- 1.0: services ------------------------------------------------------- */
  /* iface is a struct of function pointers (minima/svc/...) whose first
   * field is its size; it must outlive the plugin.  A stateful service's
   * functions take the interface pointer as their first argument, and the
   * plugin keeps the interface inside its state (no globals): one process
   * may hold several nodes, each loading the same .so.  MN_EEXIST if the
   * name is taken. */
  int (*service_register)(mn_plugin_t *self, const char *name,
                          uint32_t version, const void *iface);
  /* The provider's iface if registered with version >= min_version, else
   * NULL.  The use is recorded (--list-plugins shows who uses what). */
  const void *(*service_lookup)(mn_plugin_t *self, const char *name,
                                uint32_t min_version);

  /* -- 1.0: commands ------------------------------------------------------- */
  /* def must stay valid until fini.  MN_EEXIST if the name is taken,
   * MN_EINVAL for a malformed definition. */
  int (*command_register)(mn_plugin_t *self, const mn_command_def_t *def,
                          void *data);
  /* Runs a command line ("send amount:1 address:0x..; balance") and calls
   * done with the reference's JSON envelope.  done may run before
   * command_exec returns.  flags: MN_EXEC_*. */
  int (*command_exec)(mn_plugin_t *self, const char *line, uint32_t flags,
                      mn_exec_done_fn done, void *data);
  /* Replies to a call; steals response (may be NULL).  Exactly one reply
   * per call; the call is freed by it. */
  void (*call_reply)(mn_call_t *call, json_t *response);
  void (*call_error)(mn_call_t *call, const char *fmt, ...)
      __attribute__((format(printf, 2, 3)));
  /* Adds a top-level envelope field next to response (e.g. "message",
   * "dryrun").  Steals value. */
  void (*call_set)(mn_call_t *call, const char *key, json_t *value);
  /* The text of a scalar parameter, or NULL if absent. */
  const char *(*call_param)(mn_call_t *call, const char *name);

  /* -- 1.0: store ---------------------------------------------------------- */
  /* Opens (creating) the plugin's own named database.  Call during init.
   * Names are private to the plugin. */
  int (*db_open)(mn_plugin_t *self, const char *name, uint32_t flags,
                 mn_db_t **out);
  /* Read transactions may be used from any thread; write transactions
   * only on the loop thread, one at a time. */
  int (*txn_begin)(mn_plugin_t *self, uint32_t flags, mn_txn_t **out);
  /* MN_EAGAIN: the map was full and has been grown; the transaction was
   * discarded, run it again. */
  int (*txn_commit)(mn_txn_t *txn);
  void (*txn_abort)(mn_txn_t *txn);
  /* val points into the map and is valid until the transaction ends (or
   * the next write to that key in a write transaction).  MN_ENOENT. */
  int (*db_get)(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen,
                mn_val_t *val);
  /* MN_EAGAIN as for txn_commit (abort and retry). */
  int (*db_put)(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen,
                const void *val, size_t vlen, uint32_t flags);
  /* MN_ENOENT when absent. */
  int (*db_del)(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen);
  /* Removes every key of db. */
  int (*db_clear)(mn_txn_t *txn, mn_db_t *db);
  int (*cursor_open)(mn_txn_t *txn, mn_db_t *db, mn_cursor_t **out);
  /* key is input for SET/SET_RANGE and output for all ops.  MN_ENOENT at
   * the end. */
  int (*cursor_get)(mn_cursor_t *cur, mn_val_t *key, mn_val_t *val,
                    mn_cursor_op_t op);
  void (*cursor_close)(mn_cursor_t *cur);
  /* Runs fn in a write transaction and commits; when the map fills it is
   * grown and fn runs again, so fn must only act through txn.  Returns
   * fn's error (the transaction is then aborted) or the commit result. */
  int (*store_write)(mn_plugin_t *self, mn_write_fn fn, void *data);
  /* The plugin's own data-format version (0 when never set), kept apart
   * from the ABI so each plugin migrates its own data. */
  int (*schema_get)(mn_plugin_t *self, uint32_t *version);
  int (*schema_set)(mn_txn_t *txn, uint32_t version);
};

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_HOST_H */
