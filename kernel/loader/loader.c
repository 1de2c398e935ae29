/*
 * Plugin files, descriptor checks and the start order.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <minima/version.h>

#include "loader/loader.h"
#include "util/log.h"
#include "util/util.h"

/* Descriptor size of ABI 1.0: everything up to and including fini. */
#define DESC_SIZE_1_0                                                         \
  (offsetof(mn_plugin_desc_t, fini) + sizeof(void (*)(void *)))

static bool valid_plugin_name(const char *s) {
  if (!s || !*s || strlen(s) > 64)
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
      return false;
  return true;
}

static bool deps_ok(const mn_dep_t *deps) {
  for (const mn_dep_t *d = deps; d && d->service; d++)
    if (!*d->service || strlen(d->service) > 64)
      return false;
  return true;
}

int mn__plugin_check_desc(const char *label, const mn_plugin_desc_t *d,
                          const char *expect_name, char **why) {
  if (!d) {
    *why = mn__xasprintf("%s is not a minima-c plugin: mn_plugin_describe() "
                         "returned no descriptor",
                         label);
    return MN_ENOTPLUGIN;
  }
  if (d->magic != MN_PLUGIN_MAGIC) {
    *why = mn__xasprintf("%s is not a minima-c plugin: descriptor magic is "
                         "0x%08x, expected 0x%08x (\"MNPL\")",
                         label, d->magic, MN_PLUGIN_MAGIC);
    return MN_ENOTPLUGIN;
  }
  if (d->abi_major != MN_ABI_MAJOR) {
    *why = mn__xasprintf(
        "%s: incompatible plugin ABI: the plugin was built for ABI major %u "
        "(field abi_major) but this minimad provides ABI %d.%d; rebuild the "
        "plugin against the minima-c %s SDK",
        label, d->abi_major, MN_ABI_MAJOR, MN_ABI_MINOR, MN_VERSION_STRING);
    return MN_EVERSION;
  }
  if (d->abi_minor > MN_ABI_MINOR) {
    *why = mn__xasprintf(
        "%s: the plugin needs ABI %u.%u (field abi_minor) but this minimad "
        "provides ABI %d.%d; upgrade minimad, or rebuild the plugin against "
        "the minima-c %s SDK",
        label, d->abi_major, d->abi_minor, MN_ABI_MAJOR, MN_ABI_MINOR,
        MN_VERSION_STRING);
    return MN_EVERSION;
  }
  if (d->size < DESC_SIZE_1_0) {
    *why = mn__xasprintf("%s: descriptor size %u (field size) is smaller "
                         "than ABI %u.%u requires (%zu); the plugin is "
                         "damaged or its descriptor does not start with "
                         "MN_PLUGIN_HEAD",
                         label, d->size, d->abi_major, d->abi_minor,
                         (size_t)DESC_SIZE_1_0);
    return MN_EVERSION;
  }
  if (!valid_plugin_name(d->name)) {
    *why = mn__xasprintf("%s: invalid plugin name \"%s\" (field name): use "
                         "1 to 64 characters of a-z, 0-9 and -",
                         label, d->name ? d->name : "");
    return MN_EINVAL;
  }
  if (expect_name && strcmp(expect_name, d->name) != 0) {
    *why = mn__xasprintf("%s: the profile loads it as \"%s\" but the plugin "
                         "calls itself \"%s\" (field name); fix the "
                         "[[plugin]] name",
                         label, expect_name, d->name);
    return MN_EINVAL;
  }
  if (!d->init) {
    *why = mn__xasprintf("%s: plugin \"%s\" has no init function (field "
                         "init)",
                         label, d->name);
    return MN_EINVAL;
  }
  if (!deps_ok(d->requires) || !deps_ok(d->provides)) {
    *why = mn__xasprintf("%s: plugin \"%s\" lists a service with an empty "
                         "or over-long name (fields requires/provides)",
                         label, d->name);
    return MN_EINVAL;
  }
  for (const mn_cfg_key_t *k = d->config; k && k->name; k++) {
    if (k->type < MN_CFG_BOOL || k->type > MN_CFG_STRINGS) {
      *why = mn__xasprintf("%s: plugin \"%s\" declares config key \"%s\" "
                           "with an unknown type %d (field config)",
                           label, d->name, k->name, (int)k->type);
      return MN_EINVAL;
    }
  }
  return 0;
}

int mn__plugin_open(const char *path, const char *expect_name, bool required,
                    mn_plugin_t **out, char **why) {
  struct stat st;
  if (stat(path, &st) != 0) {
    *why = mn__xasprintf("cannot load plugin \"%s\": %s: %s; build it, or "
                         "set its path under [[plugin]]",
                         expect_name ? expect_name : "?", path,
                         strerror(errno));
    return MN_ENOENT;
  }
  dlerror();
  void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    const char *e = dlerror();
    *why = mn__xasprintf("cannot load plugin \"%s\" from %s: %s",
                         expect_name ? expect_name : "?", path,
                         e ? e : "unknown error");
    return MN_ENOTPLUGIN;
  }
  mn_plugin_describe_fn describe;
  *(void **)&describe = dlsym(dl, MN_PLUGIN_ENTRY);
  if (!describe) {
    *why = mn__xasprintf("%s is not a minima-c plugin: it does not export "
                         "%s(); build plugins against the minima-c SDK "
                         "(docs/writing-plugins.md)",
                         path, MN_PLUGIN_ENTRY);
    dlclose(dl);
    return MN_ENOTPLUGIN;
  }
  const mn_plugin_desc_t *d = describe();
  int err = mn__plugin_check_desc(path, d, expect_name, why);
  if (err) {
    dlclose(dl);
    return err;
  }
  mn_plugin_t *p = mn__xcalloc(1, sizeof *p);
  p->name = mn__xstrdup(d->name);
  p->path = mn__xstrdup(path);
  p->dl = dl;
  p->desc = d;
  p->required = required;
  *out = p;
  return 0;
}

void mn__plugin_close(mn_plugin_t *p) {
  if (!p)
    return;
  if (p->dl) {
#ifndef MN_SANITIZE
    /* Under the sanitizers the code stays mapped so leak reports can
     * still symbolise plugin frames. */
    dlclose(p->dl);
#endif
  }
  for (size_t i = 0; i < p->nuses; i++)
    free(p->uses[i]);
  free(p->uses);
  free(p->log_name);
  free(p->name);
  free(p->path);
  free(p);
}

void mn__plugin_note_use(mn_plugin_t *p, const char *service,
                         uint32_t version) {
  char *u = mn__xasprintf("%s>=%u", service, version);
  for (size_t i = 0; i < p->nuses; i++)
    if (strcmp(p->uses[i], u) == 0) {
      free(u);
      return;
    }
  p->uses = mn__xrealloc(p->uses, (p->nuses + 1) * sizeof *p->uses);
  p->uses[p->nuses++] = u;
}

/* ---- ordering ------------------------------------------------------------ */

static const mn_dep_t *provided(const mn_plugin_t *p, const char *service) {
  for (const mn_dep_t *d = p->desc->provides; d && d->service; d++)
    if (strcmp(d->service, service) == 0)
      return d;
  return NULL;
}

static mn_plugin_t *provider(mn_plugin_t **ps, size_t n, const char *service,
                             const mn_dep_t **dep) {
  for (size_t i = 0; i < n; i++) {
    if (ps[i]->phase == MN__PHASE_SKIPPED)
      continue;
    const mn_dep_t *d = provided(ps[i], service);
    if (d) {
      if (dep)
        *dep = d;
      return ps[i];
    }
  }
  return NULL;
}

/* The requirement of p that q satisfies (for cycle messages). */
static const char *edge_service(const mn_plugin_t *p, const mn_plugin_t *q) {
  for (const mn_dep_t *r = p->desc->requires; r && r->service; r++)
    if (provided(q, r->service))
      return r->service;
  return "?";
}

static bool depends_on(mn_plugin_t *p, mn_plugin_t *q) {
  if (p == q)
    return false;
  for (const mn_dep_t *r = p->desc->requires; r && r->service; r++)
    if (provided(q, r->service))
      return true;
  return false;
}

/* Finds a cycle among the unplaced plugins and describes it. */
static char *describe_cycle(mn_plugin_t **ps, size_t n, const bool *placed) {
  /* Walk dependencies from any unplaced node; some node repeats. */
  size_t *path = mn__xcalloc(n + 1, sizeof *path);
  size_t len = 0, cur = 0;
  while (cur < n && (placed[cur] || ps[cur]->phase == MN__PHASE_SKIPPED))
    cur++;
  char *msg = NULL;
  for (size_t steps = 0; steps <= n && cur < n; steps++) {
    for (size_t k = 0; k < len; k++) {
      if (path[k] != cur)
        continue;
      /* Cycle from k to the end, closing at cur. */
      msg = mn__xstrdup("dependency cycle: ");
      for (size_t j = k; j < len; j++) {
        mn_plugin_t *a = ps[path[j]];
        mn_plugin_t *b = ps[j + 1 < len ? path[j + 1] : cur];
        char *next = mn__xasprintf(
            "%splugin \"%s\" requires service \"%s\" from plugin \"%s\"%s",
            msg, a->name, edge_service(a, b), b->name,
            j + 1 < len ? "; " : "");
        free(msg);
        msg = next;
      }
      char *next = mn__xasprintf("%s; break the cycle by removing one of "
                                 "these requirements",
                                 msg);
      free(msg);
      free(path);
      return next;
    }
    path[len++] = cur;
    size_t nxt = n;
    for (size_t j = 0; j < n; j++)
      if (!placed[j] && ps[j]->phase != MN__PHASE_SKIPPED &&
          depends_on(ps[cur], ps[j])) {
        nxt = j;
        break;
      }
    cur = nxt;
  }
  free(path);
  return mn__xstrdup("dependency cycle among the plugins");
}

int mn__plugins_order(mn_plugin_t **ps, size_t n, mn_plugin_t ***ordered,
                      size_t *nordered, char **why) {
  /* Two providers of one service are ambiguous. */
  for (size_t i = 0; i < n; i++)
    for (const mn_dep_t *d = ps[i]->desc->provides; d && d->service; d++)
      for (size_t j = i + 1; j < n; j++)
        if (provided(ps[j], d->service)) {
          *why = mn__xasprintf("service \"%s\" is provided by both plugin "
                               "\"%s\" and plugin \"%s\"; load only one of "
                               "them",
                               d->service, ps[i]->name, ps[j]->name);
          return MN_EDEPEND;
        }
  /* Unmet requirements: fatal for required plugins, a skip for optional
   * ones (which may in turn unmeet others, hence the loop). */
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < n; i++) {
      mn_plugin_t *p = ps[i];
      if (p->phase == MN__PHASE_SKIPPED)
        continue;
      for (const mn_dep_t *r = p->desc->requires; r && r->service; r++) {
        if (r->flags & MN_DEP_OPTIONAL)
          continue;
        const mn_dep_t *pd = NULL;
        mn_plugin_t *q = provider(ps, n, r->service, &pd);
        char *reason = NULL;
        if (!q)
          reason = mn__xasprintf(
              "plugin \"%s\" requires service \"%s\" (version >= %u), which "
              "no plugin in this profile provides; add the plugin that "
              "provides it",
              p->name, r->service, r->version);
        else if (pd->version < r->version)
          reason = mn__xasprintf(
              "plugin \"%s\" requires service \"%s\" version >= %u, but "
              "plugin \"%s\" provides version %u; upgrade \"%s\"",
              p->name, r->service, r->version, q->name, pd->version, q->name);
        if (!reason)
          continue;
        if (p->required) {
          *why = reason;
          return MN_EDEPEND;
        }
        mn__log(NULL, MN_LOG_WARN, "skipping optional plugin: %s", reason);
        free(reason);
        p->phase = MN__PHASE_SKIPPED;
        changed = true;
        break;
      }
    }
  }
  /* Kahn's algorithm, always taking the earliest ready plugin in profile
   * order, so ties keep the profile's order. */
  bool *placed = mn__xcalloc(n ? n : 1, sizeof *placed);
  mn_plugin_t **out = mn__xcalloc(n ? n : 1, sizeof *out);
  size_t nout = 0, active = 0;
  for (size_t i = 0; i < n; i++)
    active += ps[i]->phase != MN__PHASE_SKIPPED;
  while (nout < active) {
    size_t pick = n;
    for (size_t i = 0; i < n && pick == n; i++) {
      if (placed[i] || ps[i]->phase == MN__PHASE_SKIPPED)
        continue;
      bool ready = true;
      for (size_t j = 0; j < n && ready; j++)
        if (!placed[j] && ps[j]->phase != MN__PHASE_SKIPPED &&
            depends_on(ps[i], ps[j]))
          ready = false;
      if (ready)
        pick = i;
    }
    if (pick == n) {
      *why = describe_cycle(ps, n, placed);
      free(placed);
      free(out);
      return MN_EDEPEND;
    }
    placed[pick] = true;
    out[nout++] = ps[pick];
  }
  free(placed);
  *ordered = out;
  *nordered = nout;
  return 0;
}
