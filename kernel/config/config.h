/*
 * config/config.h - the node's configuration: profiles, overrides and the
 * validation of every table against the keys its owner declared.
 *
 * A profile is a TOML file.  The kernel reads three things from it:
 *
 *   [node]      data_dir, port, log_level, threads, plugin_dir
 *   [store]     map_size_mb, map_max_mb
 *   [[plugin]]  name, path, required  (one entry per plugin, in order)
 *
 * Every other table belongs to a plugin: the one whose descriptor names it
 * (config_table, default the plugin name; dots make nested tables such as
 * [transport.tcp]).  Loading happens in two steps.  mn__config_load() reads
 * the file and the command-line overrides and checks the kernel's tables.
 * After the plugins are opened, mn__config_bind() checks each plugin's
 * table against its declared keys (type, bounds) and fills in defaults, and
 * mn__config_check_unclaimed() rejects tables no loaded plugin reads.
 * Errors are one sentence that starts with FILE:LINE:COL (or the --set
 * option at fault) and say what is wrong and how to fix it.
 *
 * Overrides: --set table.key=value (the value in TOML syntax, or bare text
 * taken as a string), --data-dir and --port win over the file.
 */
#ifndef MN_CONFIG_H
#define MN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <minima/host.h>
#include <minima/plugin.h>

typedef struct mn__config mn__config_t;
typedef struct mn__plugin_cfg mn__plugin_cfg_t;

typedef struct mn__config_opts {
  const char *profile;      /* --profile NAME; NULL with no file: "dev" */
  const char *file;         /* --config FILE */
  const char *const *sets;  /* --set values, nsets of them */
  size_t nsets;
  const char *data_dir;     /* --data-dir */
  int port;                 /* --port, 0 when not given */
  const char *exe_dir;      /* directory of the running minimad */
} mn__config_opts_t;

typedef struct mn__plugin_entry {
  const char *name;
  const char *path; /* NULL: <plugin_dir>/<name>.so */
  bool required;
  uint32_t line; /* where the entry is written */
} mn__plugin_entry_t;

/* Finds the profile's file: ./config/NAME.toml, then
 * <exe_dir>/../share/minima/config/NAME.toml.  Returns a malloc()ed path or
 * NULL with *why listing where it looked. */
char *mn__config_find_profile(const char *name, const char *exe_dir,
                              char **why);

int mn__config_load(const mn__config_opts_t *opts, mn__config_t **out,
                    char **why);
void mn__config_free(mn__config_t *cfg);

const char *mn__config_file(const mn__config_t *cfg);
/* The profile name, or the config file's base name without .toml. */
const char *mn__config_profile(const mn__config_t *cfg);
/* Absolute, with ~ expanded. */
const char *mn__config_data_dir(const mn__config_t *cfg);
int mn__config_port(const mn__config_t *cfg);
mn_log_level_t mn__config_log_level(const mn__config_t *cfg);
/* Work-queue threads; [node] threads = 0 means one per CPU. */
int mn__config_threads(const mn__config_t *cfg);
size_t mn__config_map_size(const mn__config_t *cfg);
size_t mn__config_map_max(const mn__config_t *cfg);
/* The directory plugins are loaded from ([node] plugin_dir, else
 * <exe_dir>/../lib/minima/plugins). */
const char *mn__config_plugin_dir(const mn__config_t *cfg);
size_t mn__config_plugin_count(const mn__config_t *cfg);
const mn__plugin_entry_t *mn__config_plugin_at(const mn__config_t *cfg,
                                               size_t i);

/* Checks the table of plugin `name` (table: config_table or NULL for the
 * name) against keys, applies overrides and defaults, and returns the
 * resolved values (owned by cfg). */
int mn__config_bind(mn__config_t *cfg, const char *name, const char *table,
                    const mn_cfg_key_t *keys, mn__plugin_cfg_t **out,
                    char **why);
/* Fails on any table (or --set) that no bound plugin and no kernel table
 * reads. */
int mn__config_check_unclaimed(mn__config_t *cfg, char **why);

/* Resolved values of a bound plugin.  found (may be NULL) tells whether the
 * key is declared. */
bool mn__pcfg_bool(const mn__plugin_cfg_t *p, const char *key, bool *found);
int64_t mn__pcfg_int(const mn__plugin_cfg_t *p, const char *key, bool *found);
double mn__pcfg_float(const mn__plugin_cfg_t *p, const char *key,
                      bool *found);
const char *mn__pcfg_string(const mn__plugin_cfg_t *p, const char *key,
                            bool *found);
const char *const *mn__pcfg_strings(const mn__plugin_cfg_t *p,
                                    const char *key, size_t *n, bool *found);

/* Writes every effective value as TOML: the kernel's tables, the plugin
 * list and each bound plugin's table, defaults marked. */
void mn__config_print(const mn__config_t *cfg, FILE *f);

#endif
