/*
 * minima/plugin.h - what a plugin is: its descriptor and lifecycle.
 *
 * A plugin is a shared object that exports one function,
 *
 *     const mn_plugin_desc_t *mn_plugin_describe(void);
 *
 * returning a constant descriptor.  The kernel dlopen()s the file
 * (RTLD_NOW | RTLD_LOCAL), calls mn_plugin_describe() and checks the fixed
 * head of the descriptor (size, magic, ABI major and minor) before it runs
 * any other plugin code.  describe() must have no side effects.
 *
 * Lifecycle, all on the loop thread:
 *
 *   init(self, host, &state)  validate nothing but your own state, register
 *                             services, commands, topics, hooks and
 *                             databases.  Config is already validated.
 *   start(state)              open sockets, start timers, look up the
 *                             services you require (all are registered).
 *   stop(state)               reverse start order; close handles.
 *   fini(state)               free state.  Called for every plugin whose
 *                             init succeeded, even if start never ran.
 *
 * If init fails, everything the plugin registered is withdrawn, fini is not
 * called, and the plugin must have freed what it allocated.  Start order is
 * a stable topological sort of requires/provides; ties keep the profile's
 * order.  A plugin needs nothing from the kernel but the host table it is
 * given (minima/host.h); it must not link the kernel.
 *
 * Build against this SDK with pkg-config (minima-plugin) or CMake
 * (find_package(MinimaPlugin)); docs/writing-plugins.md walks through it.
 */
#ifndef MINIMA_PLUGIN_H
#define MINIMA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MN_PLUGIN_MAGIC 0x4d4e504cu /* "MNPL" */
#define MN_PLUGIN_ENTRY "mn_plugin_describe"

typedef struct mn_host mn_host_t;
/* The kernel's handle for one loaded plugin; passed back to every host
 * function so the kernel knows who is calling. */
typedef struct mn_plugin mn_plugin_t;

/* A service dependency or offer: name and version.  For requires the
 * version is the minimum acceptable; for provides the version offered. */
typedef struct mn_dep {
  const char *service;
  uint32_t version;
  uint32_t flags; /* MN_DEP_* */
} mn_dep_t;

/* requires: the plugin starts without it (lookup may return NULL). */
#define MN_DEP_OPTIONAL 0x1u

/* Types of configuration keys a plugin declares. */
typedef enum mn_cfg_type {
  MN_CFG_BOOL = 1,
  MN_CFG_INT,
  MN_CFG_FLOAT,
  MN_CFG_STRING,
  MN_CFG_STRINGS /* array of strings */
} mn_cfg_type_t;

/* One configuration key of the plugin's table.  `def` is the default in
 * text form ("9005", "true", "0.5", "127.0.0.1"; for MN_CFG_STRINGS a
 * comma-separated list, "" for none).  Integers and floats outside
 * [min, max] are rejected at load time when min < max. */
typedef struct mn_cfg_key {
  const char *name;
  mn_cfg_type_t type;
  const char *def;
  double min;
  double max;
  const char *help;
} mn_cfg_key_t;

/* The descriptor.  The first five fields are frozen for all ABI majors;
 * later fields may only be appended within a major. */
typedef struct mn_plugin_desc {
  /* -- frozen head ----------------------------------------------------- */
  uint32_t size;      /* sizeof(mn_plugin_desc_t) the plugin was built with */
  uint32_t magic;     /* MN_PLUGIN_MAGIC */
  uint16_t abi_major; /* MN_ABI_MAJOR at build time */
  uint16_t abi_minor; /* MN_ABI_MINOR at build time */
  uint32_t flags;     /* reserved, 0 */

  /* -- ABI 1.0 --------------------------------------------------------- */
  const char *name;        /* unique, [a-z0-9-]+ */
  const char *version;     /* the plugin's own version text */
  const char *role;        /* what it is, e.g. "transport", "consensus" */
  const char *description; /* one line for --list-plugins */
  /* Config table name; NULL means the plugin name.  Dots make nested
   * tables: "transport.tcp" is [transport.tcp]. */
  const char *config_table;
  const mn_cfg_key_t *config; /* terminated by a zeroed entry; may be NULL */
  const mn_dep_t *requires;   /* terminated by {NULL}; may be NULL */
  const mn_dep_t *provides;   /* terminated by {NULL}; may be NULL */

  int (*init)(mn_plugin_t *self, const mn_host_t *host, void **state);
  int (*start)(void *state);      /* may be NULL */
  void (*stop)(void *state);      /* may be NULL */
  void (*fini)(void *state);      /* may be NULL */
} mn_plugin_desc_t;

/* Fills the frozen head; use as the first line of a descriptor:
 *   static const mn_plugin_desc_t desc = { MN_PLUGIN_HEAD, .name = ... }; */
#define MN_PLUGIN_HEAD                                                        \
  .size = sizeof(mn_plugin_desc_t), .magic = MN_PLUGIN_MAGIC,                 \
  .abi_major = MN_ABI_MAJOR, .abi_minor = MN_ABI_MINOR, .flags = 0

typedef const mn_plugin_desc_t *(*mn_plugin_describe_fn)(void);

#if defined(__GNUC__)
#define MN_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MN_PLUGIN_EXPORT
#endif

/* Declares the entry point with the right linkage. */
#define MN_PLUGIN_DEFINE(desc_var)                                            \
  MN_PLUGIN_EXPORT const mn_plugin_desc_t *mn_plugin_describe(void);          \
  const mn_plugin_desc_t *mn_plugin_describe(void) { return &(desc_var); }

_Static_assert(offsetof(mn_plugin_desc_t, magic) == 4, "frozen head");
_Static_assert(offsetof(mn_plugin_desc_t, abi_major) == 8, "frozen head");
_Static_assert(offsetof(mn_plugin_desc_t, abi_minor) == 10, "frozen head");
_Static_assert(offsetof(mn_plugin_desc_t, flags) == 12, "frozen head");

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_PLUGIN_H */
