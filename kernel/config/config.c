/*
 * Profiles, overrides, kernel tables and plugin-table binding.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/toml.h"
#include "util/log.h"
#include "util/util.h"

#define MAX_CONFIG_BYTES (4u * 1024u * 1024u)

typedef struct override {
  char *table; /* dotted table path */
  char *key;
  mn_toml_value_t *doc; /* the parsed snippet owning value */
  const mn_toml_value_t *value;
  char *origin; /* "--set a.b=c" */
  bool used;
} override_t;

typedef struct resolved {
  const mn_cfg_key_t *key;
  bool b;
  int64_t i;
  double f;
  char *s;
  char **strs; /* NULL-terminated */
  size_t nstrs;
  bool is_default;
} resolved_t;

struct mn__plugin_cfg {
  char *owner; /* plugin name, or "kernel" */
  char *table;
  const mn_cfg_key_t *keys;
  size_t n;
  resolved_t *vals;
  mn__plugin_cfg_t *next;
};

struct mn__config {
  char *file, *profile, *base_dir;
  char *text;
  mn_toml_value_t *root;
  override_t *ovr;
  size_t novr;
  mn__plugin_cfg_t *bound; /* kernel tables and plugins, bind order */
  mn__plugin_cfg_t *node, *store;
  char *data_dir, *plugin_dir;
  mn__plugin_entry_t *plugins;
  size_t nplugins;
};

/* ---- the kernel's own keys -------------------------------------------------- */

static const mn_cfg_key_t node_keys[] = {
    {"data_dir", MN_CFG_STRING, "", 0, 0,
     "data directory (store, lock file); default ~/.minima-c/<profile>"},
    {"port", MN_CFG_INT, "9001", 1, 65531,
     "base port: P2P listens on it, RPC on port + 4"},
    {"log_level", MN_CFG_STRING, "info", 0, 0,
     "error, warn, info, debug or trace"},
    {"threads", MN_CFG_INT, "0", 0, 256,
     "work-queue threads (mining, script checks); 0 = one per CPU"},
    {"plugin_dir", MN_CFG_STRING, "", 0, 0,
     "where plugins are found; default <bin>/../lib/minima/plugins"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_cfg_key_t store_keys[] = {
    {"map_size_mb", MN_CFG_INT, "256", 1, 1048576,
     "initial LMDB map size in MiB; it doubles when full"},
    {"map_max_mb", MN_CFG_INT, "1048576", 1, 1073741824,
     "the map never grows beyond this many MiB"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const char *const plugin_entry_keys[] = {"name", "path", "required",
                                                NULL};

/* ---- helpers ---------------------------------------------------------------- */

static char *pos_prefix(const mn__config_t *cfg, const mn_toml_value_t *v,
                        uint32_t line, uint32_t col) {
  if (v) {
    line = mn__toml_line(v);
    col = mn__toml_col(v);
  }
  return mn__xasprintf("%s:%u:%u", cfg->file, line, col);
}

static const char *type_phrase(mn_cfg_type_t t) {
  switch (t) {
  case MN_CFG_BOOL:
    return "a boolean (true or false)";
  case MN_CFG_INT:
    return "an integer";
  case MN_CFG_FLOAT:
    return "a number";
  case MN_CFG_STRING:
    return "a string";
  case MN_CFG_STRINGS:
    return "an array of strings";
  }
  return "?";
}

static const char *toml_phrase(const mn_toml_value_t *v) {
  switch (mn__toml_type(v)) {
  case MN_TOML_STRING:
    return "a string";
  case MN_TOML_INTEGER:
    return "an integer";
  case MN_TOML_FLOAT:
    return "a float";
  case MN_TOML_BOOL:
    return "a boolean";
  case MN_TOML_DATETIME:
  case MN_TOML_DATETIME_LOCAL:
  case MN_TOML_DATE_LOCAL:
  case MN_TOML_TIME_LOCAL:
    return "a date/time";
  case MN_TOML_ARRAY:
    return "an array";
  case MN_TOML_TABLE:
    return "a table";
  }
  return "?";
}

static char *accepted_list(const mn_cfg_key_t *keys) {
  char *s = mn__xstrdup("");
  for (const mn_cfg_key_t *k = keys; k && k->name; k++) {
    char *n = mn__xasprintf("%s%s%s", s, *s ? ", " : "", k->name);
    free(s);
    s = n;
  }
  return s;
}

/* Who reads a table, for messages: `plugin "rpc"` or `minimad`. */
static char *reader(const char *owner) {
  return strcmp(owner, "kernel") == 0 ? mn__xstrdup("minimad")
                                      : mn__xasprintf("plugin \"%s\"", owner);
}

static char *expand_path(const char *path, const char *base) {
  if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
    const char *home = getenv("HOME");
    return mn__xasprintf("%s%s", home && *home ? home : "/", path + 1);
  }
  if (path[0] == '/')
    return mn__xstrdup(path);
  if (base)
    return mn__xasprintf("%s/%s", base, path);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return mn__xstrdup(path);
  return mn__xasprintf("%s/%s", cwd, path);
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return mn__xstrdup(".");
  if (slash == path)
    return mn__xstrdup("/");
  return mn__xstrndup(path, (size_t)(slash - path));
}

/* ---- profile lookup -------------------------------------------------------- */

static bool file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

char *mn__config_find_profile(const char *name, const char *exe_dir,
                              char **why) {
  for (const char *p = name; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_')) {
      *why = mn__xasprintf("invalid profile name \"%s\": use letters, digits, "
                           "- and _; give a file with --config instead",
                           name);
      return NULL;
    }
  char *cands[2];
  cands[0] = expand_path("config", NULL);
  char *tmp = cands[0];
  cands[0] = mn__xasprintf("%s/%s.toml", tmp, name);
  free(tmp);
  cands[1] = exe_dir ? mn__xasprintf("%s/../share/minima/config/%s.toml",
                                     exe_dir, name)
                     : NULL;
  for (int i = 0; i < 2; i++)
    if (cands[i] && file_exists(cands[i])) {
      char *hit = cands[i];
      char *resolved = realpath(hit, NULL);
      free(cands[1 - i]);
      if (resolved) {
        free(hit);
        return resolved;
      }
      return hit;
    }
  *why = mn__xasprintf("no profile \"%s\": looked for %s%s%s; see "
                       "docs/configuration.md, or give a file with --config",
                       name, cands[0], cands[1] ? " and " : "",
                       cands[1] ? cands[1] : "");
  free(cands[0]);
  free(cands[1]);
  return NULL;
}

/* ---- overrides ------------------------------------------------------------- */

static int parse_override(const char *text, override_t *o, char **why) {
  const char *eq = strchr(text, '=');
  const char *dot = eq ? memrchr(text, '.', (size_t)(eq - text)) : NULL;
  if (!eq || !dot || dot == text || dot + 1 == eq) {
    *why = mn__xasprintf("--set %s: expected table.key=value, e.g. --set "
                         "node.port=9101",
                         text);
    return MN_ECONFIG;
  }
  o->table = mn__xstrndup(text, (size_t)(dot - text));
  o->key = mn__xstrndup(dot + 1, (size_t)(eq - dot - 1));
  o->origin = mn__xasprintf("--set %s", text);
  /* The value in TOML syntax; bare text is taken as a string. */
  char *doc = mn__xasprintf("v = %s\n", eq + 1);
  char *err = NULL;
  if (mn__toml_parse(doc, strlen(doc), "--set", &o->doc, &err) != 0) {
    free(err);
    free(doc);
    mn_toml_value_t *d = NULL;
    /* Re-encode as a TOML basic string. */
    size_t n = strlen(eq + 1);
    char *q = mn__xmalloc(n * 6 + 8);
    size_t w = 0;
    q[w++] = 'v';
    q[w++] = '=';
    q[w++] = '"';
    for (const char *p = eq + 1; *p; p++) {
      unsigned char c = (unsigned char)*p;
      if (c == '"' || c == '\\') {
        q[w++] = '\\';
        q[w++] = (char)c;
      } else if (c < 0x20 || c == 0x7f) {
        w += (size_t)sprintf(q + w, "\\u%04x", c);
      } else {
        q[w++] = (char)c;
      }
    }
    q[w++] = '"';
    q[w++] = '\n';
    if (mn__toml_parse(q, w, "--set", &d, &err) != 0) {
      *why = mn__xasprintf("--set %s: cannot read the value: %s", text, err);
      free(err);
      free(q);
      return MN_ECONFIG;
    }
    free(q);
    o->doc = d;
  } else {
    free(doc);
  }
  o->value = mn__toml_get(o->doc, "v");
  return 0;
}

static override_t *find_override(mn__config_t *cfg, const char *table,
                                 const char *key) {
  /* The last --set of a key wins. */
  for (size_t i = cfg->novr; i-- > 0;)
    if (strcmp(cfg->ovr[i].table, table) == 0 &&
        strcmp(cfg->ovr[i].key, key) == 0)
      return &cfg->ovr[i];
  return NULL;
}

/* ---- binding a table ------------------------------------------------------- */

static int parse_default(const mn_cfg_key_t *k, resolved_t *r) {
  const char *d = k->def ? k->def : "";
  char *end;
  switch (k->type) {
  case MN_CFG_BOOL:
    r->b = strcmp(d, "true") == 0;
    return 0;
  case MN_CFG_INT:
    r->i = strtoll(d, &end, 10);
    return *d && !*end ? 0 : MN_EINVAL;
  case MN_CFG_FLOAT:
    r->f = strtod(d, &end);
    return *d && !*end ? 0 : MN_EINVAL;
  case MN_CFG_STRING:
    r->s = mn__xstrdup(d);
    return 0;
  case MN_CFG_STRINGS: {
    size_t cap = 4;
    r->strs = mn__xcalloc(cap, sizeof *r->strs);
    const char *p = d;
    while (*p) {
      const char *comma = strchr(p, ',');
      const char *e = comma ? comma : p + strlen(p);
      const char *s = p;
      while (s < e && isspace((unsigned char)*s))
        s++;
      const char *t = e;
      while (t > s && isspace((unsigned char)t[-1]))
        t--;
      if (t > s) {
        if (r->nstrs + 2 > cap) {
          cap *= 2;
          r->strs = mn__xrealloc(r->strs, cap * sizeof *r->strs);
        }
        r->strs[r->nstrs++] = mn__xstrndup(s, (size_t)(t - s));
        r->strs[r->nstrs] = NULL;
      }
      p = comma ? comma + 1 : e;
    }
    return 0;
  }
  }
  return MN_EINVAL;
}

/* Takes a TOML value for key k; returns an error sentence or NULL. */
static char *take_value(const mn_cfg_key_t *k, const mn_toml_value_t *v,
                        resolved_t *r, const char *where, const char *table) {
  switch (k->type) {
  case MN_CFG_BOOL:
    if (mn__toml_bool(v, &r->b) == 0)
      return NULL;
    break;
  case MN_CFG_INT:
    if (mn__toml_int(v, &r->i) == 0) {
      if (k->min < k->max && ((double)r->i < k->min || (double)r->i > k->max))
        return mn__xasprintf("%s: %s.%s = %lld is out of range; use %.0f to "
                             "%.0f",
                             where, table, k->name, (long long)r->i, k->min,
                             k->max);
      return NULL;
    }
    break;
  case MN_CFG_FLOAT: {
    int64_t i;
    if (mn__toml_float(v, &r->f) == 0 || (mn__toml_int(v, &i) == 0 &&
                                          ((r->f = (double)i), true))) {
      if (!isfinite(r->f) ||
          (k->min < k->max && (r->f < k->min || r->f > k->max)))
        return mn__xasprintf("%s: %s.%s = %g is out of range; use %g to %g",
                             where, table, k->name, r->f, k->min, k->max);
      return NULL;
    }
    break;
  }
  case MN_CFG_STRING: {
    size_t len;
    const char *s = mn__toml_string(v, &len);
    if (s && mn__toml_type(v) == MN_TOML_STRING) {
      if (strlen(s) != len)
        return mn__xasprintf("%s: %s.%s contains a NUL character", where,
                             table, k->name);
      r->s = mn__xstrdup(s);
      return NULL;
    }
    break;
  }
  case MN_CFG_STRINGS:
    if (mn__toml_type(v) == MN_TOML_ARRAY) {
      size_t n = mn__toml_array_len(v);
      r->strs = mn__xcalloc(n + 1, sizeof *r->strs);
      for (size_t i = 0; i < n; i++) {
        const mn_toml_value_t *e = mn__toml_array_at(v, i);
        if (mn__toml_type(e) != MN_TOML_STRING)
          return mn__xasprintf("%s: %s.%s must be an array of strings, "
                               "element %zu is %s",
                               where, table, k->name, i + 1, toml_phrase(e));
        r->strs[r->nstrs++] = mn__xstrdup(mn__toml_string(e, NULL));
      }
      return NULL;
    }
    break;
  }
  return mn__xasprintf("%s: %s.%s must be %s, found %s", where, table, k->name,
                       type_phrase(k->type), toml_phrase(v));
}

static void resolved_free(resolved_t *r) {
  free(r->s);
  for (size_t i = 0; i < r->nstrs; i++)
    free(r->strs[i]);
  free(r->strs);
}

static void pcfg_free(mn__plugin_cfg_t *p) {
  for (size_t i = 0; i < p->n; i++)
    resolved_free(&p->vals[i]);
  free(p->vals);
  free(p->owner);
  free(p->table);
  free(p);
}

static bool table_claimed(const mn__config_t *cfg, const char *path) {
  for (const mn__plugin_cfg_t *p = cfg->bound; p; p = p->next)
    if (strcmp(p->table, path) == 0)
      return true;
  return strcmp(path, "plugin") == 0;
}

int mn__config_bind(mn__config_t *cfg, const char *name, const char *table,
                    const mn_cfg_key_t *keys, mn__plugin_cfg_t **out,
                    char **why) {
  if (!table)
    table = name;
  for (mn__plugin_cfg_t *p = cfg->bound; p; p = p->next)
    if (strcmp(p->table, table) == 0) {
      *why = mn__xasprintf("plugins \"%s\" and \"%s\" both read the table "
                           "[%s]; each plugin needs its own table",
                           p->owner, name, table);
      return MN_ECONFIG;
    }
  const mn_toml_value_t *t = mn__toml_get_path(cfg->root, table);
  if (t && mn__toml_type(t) != MN_TOML_TABLE) {
    char *where = pos_prefix(cfg, t, 0, 0);
    *why = mn__xasprintf("%s: [%s] must be a table (the settings of plugin "
                         "\"%s\"), found %s",
                         where, table, name, toml_phrase(t));
    free(where);
    return MN_ECONFIG;
  }
  /* Unknown keys in the file. */
  for (size_t i = 0; t && i < mn__toml_table_len(t); i++) {
    const mn_toml_entry_t *e = mn__toml_table_at(t, i);
    bool known = false;
    for (const mn_cfg_key_t *k = keys; k && k->name; k++)
      if (strcmp(k->name, e->key) == 0)
        known = true;
    if (known || mn__toml_type(e->value) == MN_TOML_TABLE)
      continue;
    char *who = reader(name);
    char *acc = accepted_list(keys);
    *why = mn__xasprintf("%s:%u:%u: unknown key \"%s\" in [%s]; %s %s%s",
                         cfg->file, e->line, e->col, e->key, table, who,
                         *acc ? "accepts: " : "accepts no keys", acc);
    free(acc);
    free(who);
    return MN_ECONFIG;
  }
  /* Unknown keys given with --set. */
  for (size_t i = 0; i < cfg->novr; i++) {
    override_t *o = &cfg->ovr[i];
    if (strcmp(o->table, table) != 0)
      continue;
    bool known = false;
    for (const mn_cfg_key_t *k = keys; k && k->name; k++)
      if (strcmp(k->name, o->key) == 0)
        known = true;
    if (!known) {
      char *who = reader(name);
      char *acc = accepted_list(keys);
      *why = mn__xasprintf("%s: unknown key \"%s\" in [%s]; %s %s%s",
                           o->origin, o->key, table, who,
                           *acc ? "accepts: " : "accepts no keys", acc);
      free(acc);
      free(who);
      return MN_ECONFIG;
    }
  }
  mn__plugin_cfg_t *p = mn__xcalloc(1, sizeof *p);
  p->owner = mn__xstrdup(name);
  p->table = mn__xstrdup(table);
  p->keys = keys;
  for (const mn_cfg_key_t *k = keys; k && k->name; k++)
    p->n++;
  p->vals = mn__xcalloc(p->n ? p->n : 1, sizeof *p->vals);
  size_t i = 0;
  for (const mn_cfg_key_t *k = keys; k && k->name; k++, i++) {
    resolved_t *r = &p->vals[i];
    r->key = k;
    override_t *o = find_override(cfg, table, k->name);
    const mn_toml_value_t *v = o ? o->value : (t ? mn__toml_get(t, k->name) : NULL);
    if (!v) {
      r->is_default = true;
      if (parse_default(k, r) != 0) {
        *why = mn__xasprintf("plugin \"%s\" declares key \"%s\" with a "
                             "default \"%s\" that is not %s; the plugin is "
                             "faulty",
                             name, k->name, k->def ? k->def : "",
                             type_phrase(k->type));
        pcfg_free(p);
        return MN_EINVAL;
      }
      continue;
    }
    char *where = o ? mn__xstrdup(o->origin) : pos_prefix(cfg, v, 0, 0);
    char *err = take_value(k, v, r, where, table);
    free(where);
    if (o)
      o->used = true;
    if (err) {
      *why = err;
      pcfg_free(p);
      return MN_ECONFIG;
    }
  }
  p->next = NULL;
  mn__plugin_cfg_t **tail = &cfg->bound;
  while (*tail)
    tail = &(*tail)->next;
  *tail = p;
  if (out)
    *out = p;
  return 0;
}

static bool has_claimed_below(const mn__config_t *cfg, const char *path) {
  size_t n = strlen(path);
  for (const mn__plugin_cfg_t *p = cfg->bound; p; p = p->next)
    if (strncmp(p->table, path, n) == 0 && p->table[n] == '.')
      return true;
  return false;
}

static int visit_unclaimed(mn__config_t *cfg, const mn_toml_value_t *t,
                           const char *path, char **why) {
  for (size_t i = 0; i < mn__toml_table_len(t); i++) {
    const mn_toml_entry_t *e = mn__toml_table_at(t, i);
    bool is_table = mn__toml_type(e->value) == MN_TOML_TABLE;
    char *child = *path ? mn__xasprintf("%s.%s", path, e->key)
                        : mn__xstrdup(e->key);
    int err = 0;
    if (!*path && strcmp(e->key, "plugin") == 0) {
      /* [[plugin]] entries are checked by the loader. */
    } else if (is_table && table_claimed(cfg, child)) {
      err = visit_unclaimed(cfg, e->value, child, why);
    } else if (is_table && has_claimed_below(cfg, child)) {
      /* [transport] holding only [transport.tcp]: scalars here belong to
       * nobody. */
      for (size_t j = 0; j < mn__toml_table_len(e->value) && !err; j++) {
        const mn_toml_entry_t *f = mn__toml_table_at(e->value, j);
        if (mn__toml_type(f->value) != MN_TOML_TABLE) {
          *why = mn__xasprintf("%s:%u:%u: key \"%s\" in [%s] is read by no "
                               "plugin; settings go in the table of the "
                               "plugin that reads them",
                               cfg->file, f->line, f->col, f->key, child);
          err = MN_ECONFIG;
        }
      }
      if (!err)
        err = visit_unclaimed(cfg, e->value, child, why);
    } else if (is_table && *path && table_claimed(cfg, path)) {
      *why = mn__xasprintf("%s:%u:%u: unknown table [%s]: [%s] has no "
                           "sub-table \"%s\"",
                           cfg->file, e->line, e->col, child, path, e->key);
      err = MN_ECONFIG;
    } else if (is_table) {
      *why = mn__xasprintf("%s:%u:%u: table [%s] configures a plugin that "
                           "this profile does not load (no loaded plugin "
                           "reads [%s]); add the plugin under [[plugin]] or "
                           "remove the table",
                           cfg->file, e->line, e->col, child, child);
      err = MN_ECONFIG;
    } else if (!*path) {
      *why = mn__xasprintf("%s:%u:%u: key \"%s\" is outside any table; "
                           "settings belong in a table such as [node]",
                           cfg->file, e->line, e->col, e->key);
      err = MN_ECONFIG;
    }
    free(child);
    if (err)
      return err;
  }
  return 0;
}

int mn__config_check_unclaimed(mn__config_t *cfg, char **why) {
  int err = visit_unclaimed(cfg, cfg->root, "", why);
  if (err)
    return err;
  for (size_t i = 0; i < cfg->novr; i++) {
    override_t *o = &cfg->ovr[i];
    if (o->used || find_override(cfg, o->table, o->key) != o)
      continue;
    *why = mn__xasprintf("%s: no loaded plugin reads the table [%s]; check "
                         "the name, or load the plugin under [[plugin]]",
                         o->origin, o->table);
    return MN_ECONFIG;
  }
  return 0;
}

/* ---- the plugin list ------------------------------------------------------- */

static int read_plugins(mn__config_t *cfg, char **why) {
  const mn_toml_value_t *arr = mn__toml_get(cfg->root, "plugin");
  if (!arr)
    return 0;
  if (mn__toml_type(arr) != MN_TOML_ARRAY) {
    char *where = pos_prefix(cfg, arr, 0, 0);
    *why = mn__xasprintf("%s: \"plugin\" must be an array of tables written "
                         "[[plugin]], found %s",
                         where, toml_phrase(arr));
    free(where);
    return MN_ECONFIG;
  }
  size_t n = mn__toml_array_len(arr);
  cfg->plugins = mn__xcalloc(n ? n : 1, sizeof *cfg->plugins);
  for (size_t i = 0; i < n; i++) {
    const mn_toml_value_t *t = mn__toml_array_at(arr, i);
    char *where = pos_prefix(cfg, t, 0, 0);
    int err = 0;
    if (mn__toml_type(t) != MN_TOML_TABLE) {
      *why = mn__xasprintf("%s: each [[plugin]] entry must be a table", where);
      err = MN_ECONFIG;
    }
    for (size_t j = 0; !err && j < mn__toml_table_len(t); j++) {
      const mn_toml_entry_t *e = mn__toml_table_at(t, j);
      bool ok = false;
      for (const char *const *k = plugin_entry_keys; *k; k++)
        ok |= strcmp(*k, e->key) == 0;
      if (!ok) {
        *why = mn__xasprintf("%s:%u:%u: unknown key \"%s\" in [[plugin]]; "
                             "accepted: name, path, required",
                             cfg->file, e->line, e->col, e->key);
        err = MN_ECONFIG;
      }
    }
    const mn_toml_value_t *nv = err ? NULL : mn__toml_get(t, "name");
    const mn_toml_value_t *pv = err ? NULL : mn__toml_get(t, "path");
    const mn_toml_value_t *rv = err ? NULL : mn__toml_get(t, "required");
    if (!err && (!nv || mn__toml_type(nv) != MN_TOML_STRING ||
                 !*mn__toml_string(nv, NULL))) {
      *why = mn__xasprintf("%s: [[plugin]] needs name = \"...\" (a "
                           "non-empty string)",
                           where);
      err = MN_ECONFIG;
    }
    if (!err && pv && mn__toml_type(pv) != MN_TOML_STRING) {
      char *w2 = pos_prefix(cfg, pv, 0, 0);
      *why = mn__xasprintf("%s: [[plugin]] path must be a string, found %s",
                           w2, toml_phrase(pv));
      free(w2);
      err = MN_ECONFIG;
    }
    bool required = true;
    if (!err && rv && mn__toml_bool(rv, &required) != 0) {
      char *w2 = pos_prefix(cfg, rv, 0, 0);
      *why = mn__xasprintf("%s: [[plugin]] required must be true or false, "
                           "found %s",
                           w2, toml_phrase(rv));
      free(w2);
      err = MN_ECONFIG;
    }
    if (!err) {
      const char *name = mn__toml_string(nv, NULL);
      for (size_t k = 0; k < cfg->nplugins; k++)
        if (strcmp(cfg->plugins[k].name, name) == 0) {
          *why = mn__xasprintf("%s: plugin \"%s\" is listed twice (first at "
                               "line %u); list each plugin once",
                               where, name, cfg->plugins[k].line);
          err = MN_ECONFIG;
        }
      if (!err) {
        mn__plugin_entry_t *pe = &cfg->plugins[cfg->nplugins++];
        pe->name = name;
        pe->path = pv && *mn__toml_string(pv, NULL)
                       ? expand_path(mn__toml_string(pv, NULL), cfg->base_dir)
                       : NULL;
        pe->required = required;
        pe->line = mn__toml_line(t);
      }
    }
    free(where);
    if (err)
      return err;
  }
  return 0;
}

/* ---- load ------------------------------------------------------------------ */

int mn__config_load(const mn__config_opts_t *o, mn__config_t **out,
                    char **why) {
  mn__config_t *cfg = mn__xcalloc(1, sizeof *cfg);
  int err = 0;
  if (o->file) {
    cfg->file = realpath(o->file, NULL);
    if (!cfg->file) {
      *why = mn__xasprintf("cannot read config file %s: %s", o->file,
                           strerror(errno));
      err = MN_ECONFIG;
      goto fail;
    }
    const char *base = strrchr(cfg->file, '/');
    base = base ? base + 1 : cfg->file;
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".toml") == 0)
      bl -= 5;
    cfg->profile = mn__xstrndup(base, bl);
  } else {
    const char *name = o->profile ? o->profile : "dev";
    cfg->file = mn__config_find_profile(name, o->exe_dir, why);
    if (!cfg->file) {
      err = MN_ECONFIG;
      goto fail;
    }
    cfg->profile = mn__xstrdup(name);
  }
  cfg->base_dir = dir_of(cfg->file);
  size_t len;
  err = mn__read_file(cfg->file, MAX_CONFIG_BYTES, &cfg->text, &len);
  if (err) {
    *why = mn__xasprintf("cannot read config file %s: %s", cfg->file,
                         err == MN_ETOOBIG ? "larger than 4 MiB"
                                           : mn_strerror(err));
    err = MN_ECONFIG;
    goto fail;
  }
  char *perr = NULL;
  if (mn__toml_parse(cfg->text, len, cfg->file, &cfg->root, &perr) != 0) {
    *why = perr;
    err = MN_ECONFIG;
    goto fail;
  }
  cfg->ovr = mn__xcalloc(o->nsets + 2, sizeof *cfg->ovr);
  for (size_t i = 0; i < o->nsets; i++) {
    err = parse_override(o->sets[i], &cfg->ovr[cfg->novr], why);
    if (err)
      goto fail;
    cfg->novr++;
  }
  /* --data-dir and --port are overrides of [node]. */
  if (o->data_dir) {
    char *text = mn__xasprintf("node.data_dir=%s", o->data_dir);
    override_t *ov = &cfg->ovr[cfg->novr];
    err = parse_override(text, ov, why);
    free(text);
    if (err)
      goto fail;
    /* Always a string, whatever it looks like. */
    if (mn__toml_type(ov->value) != MN_TOML_STRING) {
      mn__toml_free(ov->doc);
      char *q = mn__xasprintf("v = '%s'\n", o->data_dir);
      mn__toml_parse(q, strlen(q), "--data-dir", &ov->doc, NULL);
      free(q);
      ov->value = ov->doc ? mn__toml_get(ov->doc, "v") : NULL;
    }
    free(ov->origin);
    ov->origin = mn__xasprintf("--data-dir %s", o->data_dir);
    cfg->novr++;
  }
  if (o->port) {
    char *text = mn__xasprintf("node.port=%d", o->port);
    err = parse_override(text, &cfg->ovr[cfg->novr], why);
    free(text);
    if (err)
      goto fail;
    free(cfg->ovr[cfg->novr].origin);
    cfg->ovr[cfg->novr].origin = mn__xasprintf("--port %d", o->port);
    cfg->novr++;
  }
  err = mn__config_bind(cfg, "kernel", "node", node_keys, &cfg->node, why);
  if (!err)
    err = mn__config_bind(cfg, "kernel", "store", store_keys, &cfg->store,
                          why);
  if (!err)
    err = read_plugins(cfg, why);
  if (err)
    goto fail;
  mn_log_level_t lvl;
  const char *ls = mn__pcfg_string(cfg->node, "log_level", NULL);
  if (mn__log_parse_level(ls, &lvl) != 0) {
    *why = mn__xasprintf("%s: node.log_level = \"%s\" is not a level; use "
                         "error, warn, info, debug or trace",
                         cfg->file, ls);
    err = MN_ECONFIG;
    goto fail;
  }
  if (mn__pcfg_int(cfg->store, "map_max_mb", NULL) <
      mn__pcfg_int(cfg->store, "map_size_mb", NULL)) {
    *why = mn__xasprintf("%s: store.map_max_mb must not be smaller than "
                         "store.map_size_mb",
                         cfg->file);
    err = MN_ECONFIG;
    goto fail;
  }
  const char *dd = mn__pcfg_string(cfg->node, "data_dir", NULL);
  char *defdir = NULL;
  if (!*dd)
    dd = defdir = mn__xasprintf("~/.minima-c/%s", cfg->profile);
  /* A relative data_dir in a file is relative to the file; from the
   * command line, to the working directory. */
  bool from_cli = find_override(cfg, "node", "data_dir") != NULL;
  cfg->data_dir = expand_path(dd, from_cli ? NULL : cfg->base_dir);
  free(defdir);
  const char *pd = mn__pcfg_string(cfg->node, "plugin_dir", NULL);
  if (*pd)
    cfg->plugin_dir = expand_path(pd, cfg->base_dir);
  else if (o->exe_dir)
    cfg->plugin_dir = mn__xasprintf("%s/../lib/minima/plugins", o->exe_dir);
  else
    cfg->plugin_dir = mn__xstrdup(".");
  *out = cfg;
  return 0;
fail:
  mn__config_free(cfg);
  return err;
}

void mn__config_free(mn__config_t *cfg) {
  if (!cfg)
    return;
  for (mn__plugin_cfg_t *p = cfg->bound, *n; p; p = n) {
    n = p->next;
    pcfg_free(p);
  }
  for (size_t i = 0; i < cfg->novr; i++) {
    free(cfg->ovr[i].table);
    free(cfg->ovr[i].key);
    free(cfg->ovr[i].origin);
    mn__toml_free(cfg->ovr[i].doc);
  }
  free(cfg->ovr);
  for (size_t i = 0; i < cfg->nplugins; i++)
    free((char *)cfg->plugins[i].path);
  free(cfg->plugins);
  mn__toml_free(cfg->root);
  free(cfg->text);
  free(cfg->file);
  free(cfg->profile);
  free(cfg->base_dir);
  free(cfg->data_dir);
  free(cfg->plugin_dir);
  free(cfg);
}

const char *mn__config_file(const mn__config_t *c) { return c->file; }
const char *mn__config_profile(const mn__config_t *c) { return c->profile; }
const char *mn__config_data_dir(const mn__config_t *c) { return c->data_dir; }
const char *mn__config_plugin_dir(const mn__config_t *c) {
  return c->plugin_dir;
}
int mn__config_port(const mn__config_t *c) {
  return (int)mn__pcfg_int(c->node, "port", NULL);
}
mn_log_level_t mn__config_log_level(const mn__config_t *c) {
  mn_log_level_t l = MN_LOG_INFO;
  mn__log_parse_level(mn__pcfg_string(c->node, "log_level", NULL), &l);
  return l;
}
int mn__config_threads(const mn__config_t *c) {
  int n = (int)mn__pcfg_int(c->node, "threads", NULL);
  if (n == 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus > 0 ? (int)cpus : 1;
  }
  return n;
}
size_t mn__config_map_size(const mn__config_t *c) {
  return (size_t)mn__pcfg_int(c->store, "map_size_mb", NULL) << 20;
}
size_t mn__config_map_max(const mn__config_t *c) {
  return (size_t)mn__pcfg_int(c->store, "map_max_mb", NULL) << 20;
}
size_t mn__config_plugin_count(const mn__config_t *c) { return c->nplugins; }
const mn__plugin_entry_t *mn__config_plugin_at(const mn__config_t *c,
                                               size_t i) {
  return i < c->nplugins ? &c->plugins[i] : NULL;
}

/* ---- reading resolved values ---------------------------------------------- */

static const resolved_t *lookup(const mn__plugin_cfg_t *p, const char *key,
                                mn_cfg_type_t type, bool *found) {
  for (size_t i = 0; p && i < p->n; i++)
    if (strcmp(p->vals[i].key->name, key) == 0 &&
        p->vals[i].key->type == type) {
      if (found)
        *found = true;
      return &p->vals[i];
    }
  if (found)
    *found = false;
  return NULL;
}

bool mn__pcfg_bool(const mn__plugin_cfg_t *p, const char *key, bool *found) {
  const resolved_t *r = lookup(p, key, MN_CFG_BOOL, found);
  return r ? r->b : false;
}
int64_t mn__pcfg_int(const mn__plugin_cfg_t *p, const char *key,
                     bool *found) {
  const resolved_t *r = lookup(p, key, MN_CFG_INT, found);
  return r ? r->i : 0;
}
double mn__pcfg_float(const mn__plugin_cfg_t *p, const char *key,
                      bool *found) {
  const resolved_t *r = lookup(p, key, MN_CFG_FLOAT, found);
  return r ? r->f : 0.0;
}
const char *mn__pcfg_string(const mn__plugin_cfg_t *p, const char *key,
                            bool *found) {
  const resolved_t *r = lookup(p, key, MN_CFG_STRING, found);
  return r ? r->s : NULL;
}
const char *const *mn__pcfg_strings(const mn__plugin_cfg_t *p,
                                    const char *key, size_t *n, bool *found) {
  static const char *const empty[] = {NULL};
  const resolved_t *r = lookup(p, key, MN_CFG_STRINGS, found);
  if (n)
    *n = r ? r->nstrs : 0;
  if (!r)
    return NULL;
  return r->strs ? (const char *const *)r->strs : empty;
}

/* ---- printing -------------------------------------------------------------- */

static void print_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void print_table(const mn__config_t *cfg, const mn__plugin_cfg_t *p,
                        FILE *f) {
  fprintf(f, "\n[%s]", p->table);
  if (strcmp(p->owner, "kernel") != 0)
    fprintf(f, "  # plugin \"%s\"", p->owner);
  fputc('\n', f);
  for (size_t i = 0; i < p->n; i++) {
    const resolved_t *r = &p->vals[i];
    fprintf(f, "%s = ", r->key->name);
    switch (r->key->type) {
    case MN_CFG_BOOL:
      fputs(r->b ? "true" : "false", f);
      break;
    case MN_CFG_INT:
      fprintf(f, "%lld", (long long)r->i);
      break;
    case MN_CFG_FLOAT: {
      char buf[40];
      mn__toml_format_float(r->f, buf, sizeof buf);
      fputs(buf, f);
      break;
    }
    case MN_CFG_STRING:
      if (p == cfg->node && strcmp(r->key->name, "data_dir") == 0)
        print_string(f, cfg->data_dir);
      else if (p == cfg->node && strcmp(r->key->name, "plugin_dir") == 0)
        print_string(f, cfg->plugin_dir);
      else
        print_string(f, r->s ? r->s : "");
      break;
    case MN_CFG_STRINGS:
      fputc('[', f);
      for (size_t j = 0; j < r->nstrs; j++) {
        if (j)
          fputs(", ", f);
        print_string(f, r->strs[j]);
      }
      fputc(']', f);
      break;
    }
    if (r->is_default)
      fputs("  # default", f);
    fputc('\n', f);
  }
}

void mn__config_print(const mn__config_t *cfg, FILE *f) {
  fprintf(f, "# effective configuration of profile \"%s\" (%s)\n",
          cfg->profile, cfg->file);
  print_table(cfg, cfg->node, f);
  print_table(cfg, cfg->store, f);
  for (size_t i = 0; i < cfg->nplugins; i++) {
    const mn__plugin_entry_t *pe = &cfg->plugins[i];
    fprintf(f, "\n[[plugin]]\nname = ");
    print_string(f, pe->name);
    fputc('\n', f);
    if (pe->path) {
      fputs("path = ", f);
      print_string(f, pe->path);
      fputc('\n', f);
    }
    fprintf(f, "required = %s\n", pe->required ? "true" : "false");
  }
  for (const mn__plugin_cfg_t *p = cfg->bound; p; p = p->next)
    if (p != cfg->node && p != cfg->store)
      print_table(cfg, p, f);
}
