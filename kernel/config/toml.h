/*
 * config/toml.h - the kernel's own TOML 1.0 parser.
 *
 * Debian ships no C TOML library, so the kernel carries this one.  It reads
 * a whole document held in memory and builds a tree of values; the node's
 * configuration module walks that tree, and tools/toml-decode turns it into
 * the tagged JSON of the toml-test suite (tests/toml runs the suite).
 *
 * Usage:
 *
 *   mn_toml_value_t *root;
 *   char *err;
 *   int rc = mn__toml_parse(text, len, "dev.toml", &root, &err);
 *   if (rc != 0) { fprintf(stderr, "%s\n", err); free(err); return rc; }
 *   const mn_toml_value_t *port = mn__toml_get_path(root, "rpc.port");
 *   int64_t n;
 *   if (port && mn__toml_int(port, &n) == 0) ...
 *   mn__toml_free(root);
 *
 * The tree.  Every value has a type (mn_toml_type_t) and the 1-based line
 * and column of its first character.  Tables keep their keys in the order
 * they first appear in the document, and every key records where it was
 * first written, so a caller can report `file:line: unknown key "x"` at the
 * key and a type error at the value.  Integers are int64_t, floats double.
 * The four date/time kinds keep their validated text, normalised to
 * RFC 3339 ('T' between date and time, upper-case 'Z'; the fraction as
 * written), plus the parsed fields.  Tables written as [header], [[header]],
 * dotted keys or inline { } all read the same way; arrays of tables are
 * plain arrays whose elements are tables.
 *
 * Ownership.  mn__toml_parse() returns a root table owned by the caller;
 * mn__toml_free() releases it and everything under it in one call.  Every
 * pointer the lookup functions return (values, entries, strings) points into
 * that tree: it stays valid, unchanged, until mn__toml_free(root) and must
 * not be freed on its own.  The tree is never modified after parsing, so
 * several threads may read it at once.  The error text from a failed parse
 * is a separate malloc()ed string the caller free()s.
 *
 * Positions.  LINE counts '\n' characters (a CRLF pair is one line end).
 * COL counts Unicode code points, not bytes, from 1 at the start of the
 * line; a tab counts as one column.  A UTF-8 byte-order mark at the very
 * start of the input is skipped and not counted.
 *
 * Limits.  Tables and arrays may nest at most MN_TOML_MAX_DEPTH levels
 * below the root table (a header [a.b] puts its table at level 2, an array
 * of tables element counts two levels: the array and the table).  Deeper
 * input is rejected with a clean error, which also bounds the recursion of
 * the parser, of mn__toml_free() and of the JSON encoder.  Inputs of
 * MN_TOML_MAX_INPUT bytes or more are rejected because positions are
 * 32-bit.  Parsing time and memory grow linearly with the input: table keys
 * are hashed (with a per-process random seed), arrays and strings grow
 * geometrically, and positions are counted incrementally.  Allocation
 * failure aborts the process, as everywhere in the kernel.
 *
 * Strings may contain U+0000 (written as "\u0000"): string values and keys
 * therefore come with a length, and are also NUL-terminated for callers
 * that know their text has no NUL.  In multi-line strings a CRLF line end
 * is stored as a single '\n'.
 *
 * Where TOML 1.0 leaves room, this parser reads strictly: an integer
 * outside int64 and a float literal beyond the double range (1e400) are
 * errors, while a float too small for a double becomes 0 or a subnormal;
 * second 60 (a leap second) is accepted; dotted keys may add only to tables
 * that dotted keys of the same section made, never to a table some
 * [header] made or implied, nor to an inline table.
 */
#ifndef MN_CONFIG_TOML_H
#define MN_CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of tables and arrays below the root table. */
#define MN_TOML_MAX_DEPTH 128
/* Inputs must be shorter than this many bytes (4 GiB - 1). */
#define MN_TOML_MAX_INPUT 0xffffffffu

/* X(NAME, text): the value types.  The text of the eight scalar types is
 * the type tag of the toml-test JSON encoding. */
#define MN_TOML_TYPE_MAP(X)                                                    \
  X(STRING, "string")                                                          \
  X(INTEGER, "integer")                                                        \
  X(FLOAT, "float")                                                            \
  X(BOOL, "bool")                                                              \
  X(DATETIME, "datetime")             /* offset date-time */                   \
  X(DATETIME_LOCAL, "datetime-local") /* date-time without offset */           \
  X(DATE_LOCAL, "date-local")                                                  \
  X(TIME_LOCAL, "time-local")                                                  \
  X(ARRAY, "array")                                                            \
  X(TABLE, "table")

typedef enum mn_toml_type {
#define MN__TOML_TYPE_ENUM(name, text) MN_TOML_##name,
  MN_TOML_TYPE_MAP(MN__TOML_TYPE_ENUM)
#undef MN__TOML_TYPE_ENUM
} mn_toml_type_t;

/* The fields of a date/time value.  Fields a kind does not have are 0: a
 * local date has no time, a local time no date, only MN_TOML_DATETIME has
 * an offset.  second may be 60 (RFC 3339 leap second).  The fraction is
 * truncated (not rounded) to nanoseconds. */
typedef struct mn_toml_datetime {
  int16_t year;           /* 0..9999 */
  uint8_t month;          /* 1..12 */
  uint8_t day;            /* 1..31, checked against the month */
  uint8_t hour;           /* 0..23 */
  uint8_t minute;         /* 0..59 */
  uint8_t second;         /* 0..60 */
  int16_t offset_minutes; /* east of UTC; "Z" is 0 */
  uint32_t nanosecond;    /* 0..999999999 */
} mn_toml_datetime_t;

/* A value in the tree.  Opaque: read it with the functions below. */
typedef struct mn_toml_value mn_toml_value_t;

/* One key of a table, as mn__toml_table_at() returns it.  key is
 * NUL-terminated and key_len bytes long (a quoted key may contain U+0000).
 * line/col are where the key was first written: the segment of a dotted
 * key or table header that created it, or the [header] that defined the
 * table explicitly. */
typedef struct mn_toml_entry {
  const char *key;
  size_t key_len;
  uint32_t line;
  uint32_t col;
  const mn_toml_value_t *value;
} mn_toml_entry_t;

/* --------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

/* Parses the TOML 1.0 document text[0..len) (need not be NUL-terminated;
 * may contain NUL bytes, which are rejected as control characters).
 * filename is used only in error messages; NULL means "<input>".
 *
 * On success returns 0 and sets *out to a new root table the caller frees
 * with mn__toml_free(); *err is set to NULL.
 *
 * On failure returns MN_EFORMAT, sets *out to NULL and, when err is not
 * NULL, sets *err to a malloc()ed message the caller free()s, of the form
 *   FILE:LINE:COL: what was expected
 * e.g. `dev.toml:12:9: expected '=' after key "port", found ':'`.  LINE and
 * COL (1-based, COL in code points) point at the first character that
 * could not be accepted; for errors about something defined twice they
 * point at the second definition and the message names the first.  The
 * first error in document order is reported.  Allocation failure aborts. */
int mn__toml_parse(const char *text, size_t len, const char *filename,
                   mn_toml_value_t **out, char **err);

/* Frees a tree returned by mn__toml_parse().  Only a root may be freed;
 * NULL is a no-op.  Every pointer into the tree becomes invalid. */
void mn__toml_free(mn_toml_value_t *root);

/* --------------------------------------------------------------------------
 * Reading values.  All functions accept any value of the tree; none of them
 * allocates.  Passing NULL where a value is expected is allowed and behaves
 * as a value of the wrong type.
 * ------------------------------------------------------------------------ */

/* The type of v (v must not be NULL). */
mn_toml_type_t mn__toml_type(const mn_toml_value_t *v);
/* "string", "integer", ... "table" (static text); "?" for a bad value. */
const char *mn__toml_type_name(mn_toml_type_t type);
/* 1-based line and column of v's first character; for a table defined by
 * a header, the '[' of that header; for a table made implicitly by a
 * header or dotted key, the key segment that made it; for an array of
 * tables, its first [[header]]; the root is 1:1.  0 for NULL. */
uint32_t mn__toml_line(const mn_toml_value_t *v);
uint32_t mn__toml_col(const mn_toml_value_t *v);

/* The text of a string, or the normalised text of a date/time value
 * ("1979-05-27T07:32:00Z").  NUL-terminated; *len (when len is not NULL)
 * receives the length, which matters only if the string holds U+0000.
 * NULL for any other type. */
const char *mn__toml_string(const mn_toml_value_t *v, size_t *len);
/* Scalar reads: 0 and *out set, or MN_ETYPE (out untouched) when v is not
 * of that exact type (an integer is not a float, and the reverse). */
int mn__toml_int(const mn_toml_value_t *v, int64_t *out);
int mn__toml_float(const mn_toml_value_t *v, double *out);
int mn__toml_bool(const mn_toml_value_t *v, bool *out);
/* Any of the four date/time kinds; see mn_toml_datetime_t. */
int mn__toml_datetime(const mn_toml_value_t *v, mn_toml_datetime_t *out);

/* Number of elements of an array (0 for other types). */
size_t mn__toml_array_len(const mn_toml_value_t *v);
/* Element i of an array, or NULL when out of range or not an array. */
const mn_toml_value_t *mn__toml_array_at(const mn_toml_value_t *v, size_t i);

/* Number of keys of a table (0 for other types). */
size_t mn__toml_table_len(const mn_toml_value_t *v);
/* Key i of a table in document order, or NULL when out of range or not a
 * table.  Iterate with i from 0 to mn__toml_table_len() - 1. */
const mn_toml_entry_t *mn__toml_table_at(const mn_toml_value_t *v, size_t i);
/* The value of key (NUL-terminated) in table t, or NULL when t is not a
 * table or has no such key.  Constant time on average. */
const mn_toml_value_t *mn__toml_get(const mn_toml_value_t *t, const char *key);
/* The entry (key, its position and value) of a key of key_len bytes, which
 * may contain NUL; NULL when absent or t is not a table. */
const mn_toml_entry_t *mn__toml_get_entry(const mn_toml_value_t *t,
                                          const char *key, size_t key_len);
/* Follows a dotted path of plain key names from table t:
 * mn__toml_get_path(root, "transport.tcp") is root["transport"]["tcp"].
 * Each segment is taken literally (no quoting, so keys that contain '.'
 * need mn__toml_get()); every segment but the last must name a table.
 * "" returns t itself.  NULL when any step is missing or not a table. */
const mn_toml_value_t *mn__toml_get_path(const mn_toml_value_t *t,
                                         const char *path);

/* --------------------------------------------------------------------------
 * Output helpers
 * ------------------------------------------------------------------------ */

/* Writes the shortest text that reads back as exactly v ("0.1", "1e+100",
 * "-0.0", "inf", "-inf", "nan"), always with a '.', an exponent or a word
 * so it reads as a float, independent of the process locale.  buf should
 * hold 32 bytes; returns the length like snprintf. */
int mn__toml_format_float(double v, char *buf, size_t cap);

struct json_t;
/* The toml-test tagged JSON form of v (tools/toml-decode, tests/toml):
 * tables become objects (keys in document order), arrays arrays, and each
 * scalar {"type": "<type name>", "value": "<text>"}: integers in decimal,
 * floats as mn__toml_format_float(), date/times as their normalised text.
 * Returns a new jansson reference (json_decref() it), or NULL if jansson
 * could not allocate. */
struct json_t *mn__toml_to_tagged_json(const mn_toml_value_t *v);

#ifdef __cplusplus
}
#endif
#endif /* MN_CONFIG_TOML_H */
