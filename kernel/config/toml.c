/*
 * The TOML value tree: construction for the parser, lookups for everyone,
 * one-call free.  The parser itself is in toml_parse.c.
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <minima/errors.h>

#include "config/toml_int.h"
#include "util/util.h"

/* --------------------------------------------------------------------------
 * Process-wide state: the hash seed and a "C" locale, made once.
 * ------------------------------------------------------------------------ */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static uint64_t g_seed;
static locale_t g_c_locale;

static void init_once(void) {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
    seed = mn__mono_ns() ^ (uint64_t)(uintptr_t)&g_seed;
  g_seed = seed | 1;
  g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  if (g_c_locale == (locale_t)0) {
    fprintf(stderr, "minimad: cannot create the C locale\n");
    abort();
  }
}

static void init(void) {
  pthread_once(&g_once, init_once);
}

double mn__toml_strtod(const char *s, char **end) {
  init();
  return strtod_l(s, end, g_c_locale);
}

/* Seeded so that a hostile document cannot pick keys that all collide;
 * 8 bytes per round, then a full avalanche. */
static uint64_t key_hash(const char *key, size_t len) {
  uint64_t h = g_seed ^ ((uint64_t)len * 0x9e3779b97f4a7c15u);
  const unsigned char *p = (const unsigned char *)key;
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    h ^= h >> 31;
    p += 8;
    len -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, len);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 29;
  return h;
}

/* --------------------------------------------------------------------------
 * Construction
 * ------------------------------------------------------------------------ */

mn_toml_value_t *mn__toml_new(mn_toml_type_t type, uint32_t line,
                              uint32_t col) {
  mn_toml_value_t *v = mn__xcalloc(1, sizeof *v);
  v->type = (uint8_t)type;
  v->line = line;
  v->col = col;
  return v;
}

/* Small tables are scanned; from this many keys on they get an index. */
#define INDEX_FROM 8

static void index_put(uint32_t *index, size_t cap, const mn_toml_entry_t *e,
                      uint32_t slot_value) {
  size_t mask = cap - 1;
  size_t i = (size_t)key_hash(e->key, e->key_len) & mask;
  while (index[i] != 0)
    i = (i + 1) & mask;
  index[i] = slot_value;
}

static void index_rebuild(mn_toml_value_t *t, size_t cap) {
  free(t->u.tab.index);
  t->u.tab.index = mn__xcalloc(cap, sizeof *t->u.tab.index);
  t->u.tab.index_cap = cap;
  for (size_t i = 0; i < t->u.tab.len; i++)
    index_put(t->u.tab.index, cap, &t->u.tab.items[i], (uint32_t)(i + 1));
}

mn_toml_entry_t *mn__toml_find(const mn_toml_value_t *t, const char *key,
                               size_t len) {
  if (!t || t->type != MN_TOML_TABLE)
    return NULL;
  mn_toml_entry_t *items = t->u.tab.items;
  if (!t->u.tab.index) {
    for (size_t i = 0; i < t->u.tab.len; i++)
      if (items[i].key_len == len && memcmp(items[i].key, key, len) == 0)
        return &items[i];
    return NULL;
  }
  size_t mask = t->u.tab.index_cap - 1;
  size_t i = (size_t)key_hash(key, len) & mask;
  for (uint32_t slot; (slot = t->u.tab.index[i]) != 0; i = (i + 1) & mask) {
    mn_toml_entry_t *e = &items[slot - 1];
    if (e->key_len == len && memcmp(e->key, key, len) == 0)
      return e;
  }
  return NULL;
}

mn_toml_entry_t *mn__toml_insert(mn_toml_value_t *t, char *key, size_t len,
                                 uint32_t line, uint32_t col,
                                 mn_toml_value_t *v) {
  if (t->u.tab.len == t->u.tab.cap) {
    size_t cap = t->u.tab.cap ? t->u.tab.cap * 2 : 4;
    t->u.tab.items =
        mn__xrealloc(t->u.tab.items, cap * sizeof(mn_toml_entry_t));
    t->u.tab.cap = cap;
  }
  size_t n = t->u.tab.len++;
  mn_toml_entry_t *e = &t->u.tab.items[n];
  e->key = key;
  e->key_len = len;
  e->line = line;
  e->col = col;
  e->value = v;
  if (t->u.tab.len >= INDEX_FROM) {
    init();
    /* Keep the index at most half full. */
    if (t->u.tab.len * 2 > t->u.tab.index_cap)
      index_rebuild(t, t->u.tab.index_cap ? t->u.tab.index_cap * 2 : 32);
    else
      index_put(t->u.tab.index, t->u.tab.index_cap, e, (uint32_t)(n + 1));
  }
  return e;
}

void mn__toml_push(mn_toml_value_t *a, mn_toml_value_t *v) {
  if (a->u.arr.len == a->u.arr.cap) {
    size_t cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
    a->u.arr.items =
        mn__xrealloc(a->u.arr.items, cap * sizeof(*a->u.arr.items));
    a->u.arr.cap = cap;
  }
  a->u.arr.items[a->u.arr.len++] = v;
}

/* Recursion is bounded: the parser never builds a tree deeper than
 * MN_TOML_MAX_DEPTH + 1 levels. */
void mn__toml_value_free(mn_toml_value_t *v) {
  if (!v)
    return;
  switch ((mn_toml_type_t)v->type) {
  case MN_TOML_STRING:
  case MN_TOML_DATETIME:
  case MN_TOML_DATETIME_LOCAL:
  case MN_TOML_DATE_LOCAL:
  case MN_TOML_TIME_LOCAL:
    free(v->u.s.ptr);
    break;
  case MN_TOML_INTEGER:
  case MN_TOML_FLOAT:
  case MN_TOML_BOOL:
    break;
  case MN_TOML_ARRAY:
    for (size_t i = 0; i < v->u.arr.len; i++)
      mn__toml_value_free(v->u.arr.items[i]);
    free(v->u.arr.items);
    break;
  case MN_TOML_TABLE:
    for (size_t i = 0; i < v->u.tab.len; i++) {
      free((void *)v->u.tab.items[i].key);
      mn__toml_value_free((mn_toml_value_t *)v->u.tab.items[i].value);
    }
    free(v->u.tab.items);
    free(v->u.tab.index);
    break;
  }
  free(v);
}

void mn__toml_free(mn_toml_value_t *root) {
  mn__toml_value_free(root);
}

/* --------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

mn_toml_type_t mn__toml_type(const mn_toml_value_t *v) {
  return (mn_toml_type_t)v->type;
}

const char *mn__toml_type_name(mn_toml_type_t type) {
  switch (type) {
#define MN__TOML_TYPE_TEXT(name, text)                                         \
  case MN_TOML_##name:                                                         \
    return text;
    MN_TOML_TYPE_MAP(MN__TOML_TYPE_TEXT)
#undef MN__TOML_TYPE_TEXT
  }
  return "?";
}

uint32_t mn__toml_line(const mn_toml_value_t *v) {
  return v ? v->line : 0;
}
uint32_t mn__toml_col(const mn_toml_value_t *v) {
  return v ? v->col : 0;
}

static bool is_texty(const mn_toml_value_t *v) {
  if (!v)
    return false;
  switch ((mn_toml_type_t)v->type) {
  case MN_TOML_STRING:
  case MN_TOML_DATETIME:
  case MN_TOML_DATETIME_LOCAL:
  case MN_TOML_DATE_LOCAL:
  case MN_TOML_TIME_LOCAL:
    return true;
  case MN_TOML_INTEGER:
  case MN_TOML_FLOAT:
  case MN_TOML_BOOL:
  case MN_TOML_ARRAY:
  case MN_TOML_TABLE:
    return false;
  }
  return false;
}

const char *mn__toml_string(const mn_toml_value_t *v, size_t *len) {
  if (!is_texty(v))
    return NULL;
  if (len)
    *len = v->u.s.len;
  return v->u.s.ptr;
}

int mn__toml_int(const mn_toml_value_t *v, int64_t *out) {
  if (!v || v->type != MN_TOML_INTEGER)
    return MN_ETYPE;
  *out = v->u.i;
  return 0;
}

int mn__toml_float(const mn_toml_value_t *v, double *out) {
  if (!v || v->type != MN_TOML_FLOAT)
    return MN_ETYPE;
  *out = v->u.f;
  return 0;
}

int mn__toml_bool(const mn_toml_value_t *v, bool *out) {
  if (!v || v->type != MN_TOML_BOOL)
    return MN_ETYPE;
  *out = v->u.b;
  return 0;
}

int mn__toml_datetime(const mn_toml_value_t *v, mn_toml_datetime_t *out) {
  if (!is_texty(v) || v->type == MN_TOML_STRING)
    return MN_ETYPE;
  *out = v->u.s.dt;
  return 0;
}

size_t mn__toml_array_len(const mn_toml_value_t *v) {
  return v && v->type == MN_TOML_ARRAY ? v->u.arr.len : 0;
}

const mn_toml_value_t *mn__toml_array_at(const mn_toml_value_t *v, size_t i) {
  if (!v || v->type != MN_TOML_ARRAY || i >= v->u.arr.len)
    return NULL;
  return v->u.arr.items[i];
}

size_t mn__toml_table_len(const mn_toml_value_t *v) {
  return v && v->type == MN_TOML_TABLE ? v->u.tab.len : 0;
}

const mn_toml_entry_t *mn__toml_table_at(const mn_toml_value_t *v, size_t i) {
  if (!v || v->type != MN_TOML_TABLE || i >= v->u.tab.len)
    return NULL;
  return &v->u.tab.items[i];
}

const mn_toml_entry_t *mn__toml_get_entry(const mn_toml_value_t *t,
                                          const char *key, size_t key_len) {
  return mn__toml_find(t, key, key_len);
}

const mn_toml_value_t *mn__toml_get(const mn_toml_value_t *t, const char *key) {
  const mn_toml_entry_t *e = mn__toml_find(t, key, strlen(key));
  return e ? e->value : NULL;
}

const mn_toml_value_t *mn__toml_get_path(const mn_toml_value_t *t,
                                         const char *path) {
  if (!t || t->type != MN_TOML_TABLE)
    return NULL;
  if (*path == '\0')
    return t;
  const mn_toml_value_t *v = t;
  for (;;) {
    if (!v || v->type != MN_TOML_TABLE)
      return NULL;
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    const mn_toml_entry_t *e = mn__toml_find(v, path, n);
    if (!e)
      return NULL;
    v = e->value;
    if (!dot)
      return v;
    path = dot + 1;
  }
}

/* --------------------------------------------------------------------------
 * Float text
 * ------------------------------------------------------------------------ */

int mn__toml_format_float(double v, char *buf, size_t cap) {
  if (isnan(v))
    return snprintf(buf, cap, "nan");
  if (isinf(v))
    return snprintf(buf, cap, v < 0 ? "-inf" : "inf");
  init();
  /* printf's decimal point follows the thread's locale: use "C". */
  locale_t old = uselocale(g_c_locale);
  char tmp[40];
  int prec = 1;
  for (; prec < 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (strtod_l(tmp, NULL, g_c_locale) == v)
      break;
  }
  /* The fewest digits may come out as "1e+02"; numbers below 1e17 read
   * better in full ("100.0"), which needs as many digits as the integer
   * part has. */
  snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
  int exp10 = atoi(strchr(tmp, 'e') + 1);
  if (exp10 >= prec && exp10 < 17)
    prec = exp10 + 1;
  snprintf(tmp, sizeof tmp, "%.*g", prec, v);
  uselocale(old);
  /* "1e+100" and "0.5" read as floats; "100" or "-0" need a ".0". */
  if (!strpbrk(tmp, ".e"))
    return snprintf(buf, cap, "%s.0", tmp);
  return snprintf(buf, cap, "%s", tmp);
}
