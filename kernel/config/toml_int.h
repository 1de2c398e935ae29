/*
 * config/toml_int.h - what the TOML parser (toml_parse.c) and the value
 * tree (toml.c) share.  Not for other modules: they read the tree through
 * config/toml.h.
 */
#ifndef MN_CONFIG_TOML_INT_H
#define MN_CONFIG_TOML_INT_H

#include "config/toml.h"

/* How a table or array came to be; the TOML rules about what may be added
 * to an existing table depend on it. */
enum {
  MN__TOML_INLINE = 1u << 0,   /* { } table: closed, nothing may add to it */
  MN__TOML_HEADER = 1u << 1,   /* defined by [header] or a [[header]] item */
  MN__TOML_IMPLICIT = 1u << 2, /* made by a header's prefix; may be defined
                                  once more by its own [header] */
  MN__TOML_DOTTED = 1u << 3,   /* made by a dotted key; only more dotted keys
                                  of the same section may add to it */
  MN__TOML_AOT = 1u << 4,      /* array made by [[header]]: may grow */
};

struct mn_toml_value {
  uint8_t type;  /* mn_toml_type_t */
  uint8_t flags; /* MN__TOML_* */
  uint32_t line;
  uint32_t col;
  union {
    struct {
      char *ptr; /* NUL-terminated, owned */
      size_t len;
      mn_toml_datetime_t dt; /* date/time kinds only */
    } s;
    int64_t i;
    double f;
    bool b;
    struct {
      mn_toml_value_t **items; /* owned, each item owned */
      size_t len;
      size_t cap;
    } arr;
    struct {
      mn_toml_entry_t *items; /* owned; key and value of each owned */
      size_t len;
      size_t cap;
      uint32_t *index;  /* open addressing, entry index + 1; 0 = empty;
                           NULL while the table is small */
      size_t index_cap; /* power of two */
    } tab;
  } u;
};

/* A new value of the given type with zeroed contents (never NULL). */
mn_toml_value_t *mn__toml_new(mn_toml_type_t type, uint32_t line, uint32_t col);
/* Frees v and everything under it (also non-root values). */
void mn__toml_value_free(mn_toml_value_t *v);
/* The entry of key in table t, or NULL. */
mn_toml_entry_t *mn__toml_find(const mn_toml_value_t *t, const char *key,
                               size_t len);
/* Appends key -> v to table t, which must not hold key yet.  Takes
 * ownership of key (malloc()ed, NUL-terminated, len bytes) and of v.
 * Returns the new entry, valid until the next insertion into t. */
mn_toml_entry_t *mn__toml_insert(mn_toml_value_t *t, char *key, size_t len,
                                 uint32_t line, uint32_t col,
                                 mn_toml_value_t *v);
/* Appends v to array a, taking ownership. */
void mn__toml_push(mn_toml_value_t *a, mn_toml_value_t *v);

/* strtod() in the "C" locale, whatever the process locale is. */
double mn__toml_strtod(const char *s, char **end);

#endif
