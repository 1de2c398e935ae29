/*
 * loader/loader.h - opening plugin files and ordering them.
 *
 * mn__plugin_open() dlopen()s a file (RTLD_NOW | RTLD_LOCAL), calls its
 * mn_plugin_describe() and checks the descriptor's frozen head before any
 * other plugin code runs: size, magic, ABI major (must equal ours) and ABI
 * minor (must not be newer than ours), then the rest of the descriptor.
 * Every refusal is one sentence naming the file, the field, both values and
 * the fix; tests pin these texts.
 *
 * mn__plugins_order() computes the start order: a stable topological sort
 * of requires/provides in which ties keep the profile's order.  Optional
 * plugins whose requirements cannot be met are dropped with a warning;
 * required ones make it fail with a sentence naming the edge.
 */
#ifndef MN_LOADER_H
#define MN_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <minima/plugin.h>

struct mn__node;
struct mn__plugin_cfg;

typedef enum mn__phase {
  MN__PHASE_LOADED = 0, /* opened and checked */
  MN__PHASE_INITED,
  MN__PHASE_STARTED,
  MN__PHASE_STOPPED,
  MN__PHASE_FAILED, /* init or start failed; registrations withdrawn */
  MN__PHASE_SKIPPED /* optional and its requirements are missing */
} mn__phase_t;

/* The kernel's record of one plugin (opaque to plugins as mn_plugin_t). */
struct mn_plugin {
  struct mn__node *node;
  char *name;
  char *log_name; /* name in log lines ("n3/p2p" in a simulation), or NULL */
  char *path;
  void *dl; /* NULL for the kernel's own pseudo-plugin */
  const mn_plugin_desc_t *desc;
  void *state;
  bool required;
  mn__phase_t phase;
  size_t index; /* position in the profile */
  struct mn__plugin_cfg *cfg;
  char **uses; /* services looked up, "name>=version" */
  size_t nuses;
};

/* Opens and checks one plugin file.  expect_name is the name the profile
 * uses (the descriptor must agree).  On failure *why is a malloc()ed
 * sentence and the file is closed again. */
int mn__plugin_open(const char *path, const char *expect_name, bool required,
                    mn_plugin_t **out, char **why);
/* Checks a descriptor without a file (used by mn__plugin_open and tests);
 * label names the source in messages. */
int mn__plugin_check_desc(const char *label, const mn_plugin_desc_t *d,
                          const char *expect_name, char **why);
/* dlclose()s and frees. */
void mn__plugin_close(mn_plugin_t *p);

/* Orders plugins[0..n) for start.  *ordered receives a malloc()ed array of
 * the plugins to run (skipped optional ones are left out, marked
 * MN__PHASE_SKIPPED, and their reasons logged), *nordered its length. */
int mn__plugins_order(mn_plugin_t **plugins, size_t n,
                      mn_plugin_t ***ordered, size_t *nordered, char **why);

/* Records that p looked up service name (for --list-plugins). */
void mn__plugin_note_use(mn_plugin_t *p, const char *service,
                         uint32_t version);

#endif
