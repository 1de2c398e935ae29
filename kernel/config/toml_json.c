/*
 * The toml-test tagged JSON form of a TOML tree, shared by tools/toml-decode
 * and the suite runner in tests/toml.
 */
#include <inttypes.h>
#include <stdio.h>

#include <jansson.h>

#include "config/toml.h"

static json_t *tagged(const char *type, json_t *value) {
  if (!value)
    return NULL;
  json_t *o = json_object();
  if (!o || json_object_set_new(o, "type", json_string(type)) != 0 ||
      json_object_set_new(o, "value", value) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Recursion is bounded by the parser's depth limit. */
json_t *mn__toml_to_tagged_json(const mn_toml_value_t *v) {
  mn_toml_type_t type = mn__toml_type(v);
  const char *name = mn__toml_type_name(type);
  char text[64];
  switch (type) {
  case MN_TOML_STRING:
  case MN_TOML_DATETIME:
  case MN_TOML_DATETIME_LOCAL:
  case MN_TOML_DATE_LOCAL:
  case MN_TOML_TIME_LOCAL: {
    size_t len;
    const char *s = mn__toml_string(v, &len);
    return tagged(name, json_stringn(s, len));
  }
  case MN_TOML_INTEGER: {
    int64_t i = 0;
    mn__toml_int(v, &i);
    snprintf(text, sizeof text, "%" PRId64, i);
    return tagged(name, json_string(text));
  }
  case MN_TOML_FLOAT: {
    double d = 0;
    mn__toml_float(v, &d);
    mn__toml_format_float(d, text, sizeof text);
    return tagged(name, json_string(text));
  }
  case MN_TOML_BOOL: {
    bool b = false;
    mn__toml_bool(v, &b);
    return tagged(name, json_string(b ? "true" : "false"));
  }
  case MN_TOML_ARRAY: {
    json_t *a = json_array();
    size_t n = mn__toml_array_len(v);
    for (size_t i = 0; a && i < n; i++) {
      json_t *item = mn__toml_to_tagged_json(mn__toml_array_at(v, i));
      if (!item || json_array_append_new(a, item) != 0) {
        json_decref(a);
        return NULL;
      }
    }
    return a;
  }
  case MN_TOML_TABLE: {
    json_t *o = json_object();
    size_t n = mn__toml_table_len(v);
    for (size_t i = 0; o && i < n; i++) {
      const mn_toml_entry_t *e = mn__toml_table_at(v, i);
      json_t *item = mn__toml_to_tagged_json(e->value);
      if (!item || json_object_setn_new(o, e->key, e->key_len, item) != 0) {
        json_decref(o);
        return NULL;
      }
    }
    return o;
  }
  }
  return NULL;
}
