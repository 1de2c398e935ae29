/*
 * toml_suite - runs the official toml-test suite against the kernel's TOML
 * parser, in process.
 *
 *   toml_suite [-v] TESTS_DIR
 *
 * TESTS_DIR is toml-test's tests/ folder.  Every file named in its
 * files-toml-1.0.0 list is run: valid/X.toml must parse and its tagged JSON
 * (mn__toml_to_tagged_json, the encoder tools/toml-decode uses) must equal
 * valid/X.json; invalid/X.toml must be rejected with a
 * `FILE:LINE:COL: message` error.  Each failure prints the file and a
 * one-line reason; the last line is `N passed, M failed`.  -v also prints
 * the error message of every rejected invalid file.
 *
 * Values are compared the way toml-test compares them: the tagged types
 * must be equal; integers, strings and booleans as text; floats as numbers
 * (any spelling of inf and nan, nan equal to nan); date/times after
 * replacing ' ' and 't' by 'T' and 'z' by 'Z', as points in time: offset
 * date-times at their UTC instant, fractions of a second to nanoseconds.
 *
 * Exit: 0 all passed, 1 any failure, 77 (skip) when TESTS_DIR is absent,
 * 2 on bad usage.
 *
 * The expected JSON is read by a small reader here, not by jansson's: some
 * expected files have "\u0000" inside object keys, which jansson refuses to
 * load but can hold (json_object_setn).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <minima/errors.h>

#include "config/toml.h"
#include "util/util.h"

#define MAX_FILE ((size_t)64 << 20)

/* --------------------------------------------------------------------------
 * A reader for the expected JSON: objects, arrays and strings (all that
 * toml-test uses), keys and strings kept with their length.
 * ------------------------------------------------------------------------ */

typedef struct jreader {
  const char *s;
  size_t len;
  size_t pos;
  const char *err;
} jreader_t;

static void jr_ws(jreader_t *r) {
  while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos])
    r->pos++;
}

static int jr_hex4(jreader_t *r, uint32_t *out) {
  if (r->pos + 4 > r->len)
    return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = r->s[r->pos + (size_t)i];
    int d = isdigit((unsigned char)c) ? c - '0'
            : (c >= 'a' && c <= 'f')  ? c - 'a' + 10
            : (c >= 'A' && c <= 'F')  ? c - 'A' + 10
                                      : -1;
    if (d < 0)
      return -1;
    v = v << 4 | (uint32_t)d;
  }
  r->pos += 4;
  *out = v;
  return 0;
}

static void put_byte(mn_buf_t *b, uint8_t c) {
  if (b->len + 1 > b->cap) {
    b->cap = b->cap ? b->cap * 2 : 64;
    b->data = mn__xrealloc(b->data, b->cap);
  }
  b->data[b->len++] = c;
}

static void put_utf8(mn_buf_t *b, uint32_t cp) {
  if (cp < 0x80) {
    put_byte(b, (uint8_t)cp);
  } else if (cp < 0x800) {
    put_byte(b, (uint8_t)(0xc0 | cp >> 6));
    put_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    put_byte(b, (uint8_t)(0xe0 | cp >> 12));
    put_byte(b, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
    put_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
  } else {
    put_byte(b, (uint8_t)(0xf0 | cp >> 18));
    put_byte(b, (uint8_t)(0x80 | (cp >> 12 & 0x3f)));
    put_byte(b, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
    put_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
  }
}

/* A JSON string at r->pos (on the opening quote) into b. */
static int jr_string(jreader_t *r, mn_buf_t *b) {
  b->len = 0;
  r->pos++;
  while (r->pos < r->len) {
    unsigned char c = (unsigned char)r->s[r->pos++];
    if (c == '"')
      return 0;
    if (c != '\\') {
      put_byte(b, c); /* raw UTF-8 is copied as it is */
      continue;
    }
    if (r->pos >= r->len)
      break;
    char e = r->s[r->pos++];
    uint32_t cp;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      put_utf8(b, (uint32_t)e);
      break;
    case 'b':
      put_utf8(b, '\b');
      break;
    case 'f':
      put_utf8(b, '\f');
      break;
    case 'n':
      put_utf8(b, '\n');
      break;
    case 'r':
      put_utf8(b, '\r');
      break;
    case 't':
      put_utf8(b, '\t');
      break;
    case 'u':
      if (jr_hex4(r, &cp) != 0) {
        r->err = "bad \\u escape";
        return -1;
      }
      if (cp >= 0xd800 && cp <= 0xdbff) {
        uint32_t lo;
        if (r->pos + 2 > r->len || r->s[r->pos] != '\\' ||
            r->s[r->pos + 1] != 'u') {
          r->err = "lone surrogate";
          return -1;
        }
        r->pos += 2;
        if (jr_hex4(r, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
          r->err = "bad surrogate pair";
          return -1;
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      put_utf8(b, cp);
      break;
    default:
      r->err = "bad escape";
      return -1;
    }
  }
  r->err = "unterminated string";
  return -1;
}

static json_t *jr_value(jreader_t *r, int depth) {
  jr_ws(r);
  if (depth > 1000 || r->pos >= r->len) {
    r->err = depth > 1000 ? "too deep" : "unexpected end";
    return NULL;
  }
  char c = r->s[r->pos];
  if (c == '"') {
    mn_buf_t b = {0};
    json_t *v = NULL;
    if (jr_string(r, &b) == 0)
      v = json_stringn((const char *)(b.data ? (char *)b.data : ""), b.len);
    free(b.data);
    return v;
  }
  if (c == '[') {
    r->pos++;
    json_t *a = json_array();
    jr_ws(r);
    if (r->pos < r->len && r->s[r->pos] == ']') {
      r->pos++;
      return a;
    }
    for (;;) {
      json_t *item = jr_value(r, depth + 1);
      if (!item) {
        json_decref(a);
        return NULL;
      }
      json_array_append_new(a, item);
      jr_ws(r);
      if (r->pos < r->len && r->s[r->pos] == ',') {
        r->pos++;
        continue;
      }
      if (r->pos < r->len && r->s[r->pos] == ']') {
        r->pos++;
        return a;
      }
      r->err = "expected ',' or ']'";
      json_decref(a);
      return NULL;
    }
  }
  if (c == '{') {
    r->pos++;
    json_t *o = json_object();
    jr_ws(r);
    if (r->pos < r->len && r->s[r->pos] == '}') {
      r->pos++;
      return o;
    }
    mn_buf_t key = {0};
    for (;;) {
      jr_ws(r);
      if (r->pos >= r->len || r->s[r->pos] != '"' || jr_string(r, &key)) {
        if (!r->err)
          r->err = "expected a key";
        break;
      }
      jr_ws(r);
      if (r->pos >= r->len || r->s[r->pos] != ':') {
        r->err = "expected ':'";
        break;
      }
      r->pos++;
      json_t *item = jr_value(r, depth + 1);
      if (!item)
        break;
      json_object_setn_new(o, key.data ? (char *)key.data : "", key.len, item);
      jr_ws(r);
      if (r->pos < r->len && r->s[r->pos] == ',') {
        r->pos++;
        continue;
      }
      if (r->pos < r->len && r->s[r->pos] == '}') {
        r->pos++;
        free(key.data);
        return o;
      }
      r->err = "expected ',' or '}'";
      break;
    }
    free(key.data);
    json_decref(o);
    return NULL;
  }
  r->err = "only objects, arrays and strings are expected";
  return NULL;
}

static json_t *load_expected(const char *path, char *why, size_t cap) {
  char *text;
  size_t len;
  int rc = mn__read_file(path, MAX_FILE, &text, &len);
  if (rc != 0) {
    snprintf(why, cap, "cannot read %s: %s", path, mn_strerror(rc));
    return NULL;
  }
  jreader_t r = {text, len, 0, NULL};
  json_t *j = jr_value(&r, 0);
  if (j) {
    jr_ws(&r);
    if (r.pos != r.len) {
      r.err = "text after the value";
      json_decref(j);
      j = NULL;
    }
  }
  if (!j)
    snprintf(why, cap, "bad expected JSON %s at byte %zu: %s", path, r.pos,
             r.err ? r.err : "?");
  free(text);
  return j;
}

/* --------------------------------------------------------------------------
 * Comparison
 * ------------------------------------------------------------------------ */

/* {"type": string, "value": string or array} and nothing else. */
static bool is_tagged(const json_t *j) {
  if (!json_is_object(j) || json_object_size(j) != 2)
    return false;
  json_t *t = json_object_get(j, "type"), *v = json_object_get(j, "value");
  return json_is_string(t) && (json_is_string(v) || json_is_array(v));
}

static void lower(const char *s, char *out, size_t cap) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap; i++)
    out[i] = (char)tolower((unsigned char)s[i]);
  out[i] = '\0';
}

/* 0 equal, 1 different, -1 `have` is not a float. */
static int cmp_float(const char *want, const char *have) {
  char w[64], h[64];
  lower(want, w, sizeof w);
  lower(have, h, sizeof h);
  size_t wl = strlen(w), hl = strlen(h);
  bool wnan = wl >= 3 && strcmp(w + wl - 3, "nan") == 0;
  bool hnan = hl >= 3 && strcmp(h + hl - 3, "nan") == 0;
  if (wnan || hnan)
    return wnan && hnan ? 0 : 1;
  char *end;
  double hv = strtod(h, &end);
  if (end == h || *end)
    return -1;
  double wv = strtod(w, NULL);
  return wv == hv ? 0 : 1;
}

/* A date/time reduced to comparable numbers. */
typedef struct when {
  int64_t secs; /* seconds since 0000-03-01-ish; UTC for offset kinds */
  uint32_t nanos;
} when_t;

static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int num(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Parses a normalised date/time of the given tagged type; -1 if it is not
 * one. */
static int parse_when(const char *type, const char *text, when_t *w) {
  char s[96];
  size_t n = strlen(text);
  if (n >= sizeof s)
    return -1;
  for (size_t i = 0; i <= n; i++)
    s[i] = text[i] == ' ' || text[i] == 't' ? 'T'
           : text[i] == 'z'                 ? 'Z'
                                            : text[i];
  bool date = strcmp(type, "time-local") != 0;
  bool time = strcmp(type, "date-local") != 0;
  bool offset = strcmp(type, "datetime") == 0;
  size_t k = 0;
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0;
  uint32_t ns = 0;
  if (date) {
    if (n < 10 || s[4] != '-' || s[7] != '-' || num(s, 4, &y) ||
        num(s + 5, 2, &mo) || num(s + 8, 2, &d))
      return -1;
    k = 10;
    if (time) {
      if (s[k] != 'T')
        return -1;
      k++;
    }
  }
  if (time) {
    if (n < k + 8 || s[k + 2] != ':' || s[k + 5] != ':' || num(s + k, 2, &h) ||
        num(s + k + 3, 2, &mi) || num(s + k + 6, 2, &se))
      return -1;
    k += 8;
    if (s[k] == '.') {
      k++;
      int digits = 0;
      if (!isdigit((unsigned char)s[k]))
        return -1;
      while (isdigit((unsigned char)s[k])) {
        if (digits++ < 9)
          ns = ns * 10 + (uint32_t)(s[k] - '0');
        k++;
      }
      for (; digits < 9; digits++)
        ns *= 10;
    }
  }
  int off_min = 0;
  if (offset) {
    if (s[k] == 'Z') {
      k++;
    } else if (s[k] == '+' || s[k] == '-') {
      int oh, om;
      if (n < k + 6 || s[k + 3] != ':' || num(s + k + 1, 2, &oh) ||
          num(s + k + 4, 2, &om))
        return -1;
      off_min = (s[k] == '-' ? -1 : 1) * (oh * 60 + om);
      k += 6;
    } else {
      return -1;
    }
  }
  if (k != n)
    return -1;
  w->secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
            (int64_t)off_min * 60;
  w->nanos = ns;
  return 0;
}

typedef struct ctx {
  char path[512]; /* key path of the current value */
  char why[1024]; /* the first difference */
} ctx_t;

__attribute__((format(printf, 2, 3))) static bool differ(ctx_t *c,
                                                         const char *fmt, ...) {
  char msg[480];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(c->why, sizeof c->why, "at %s: %s", c->path[0] ? c->path : "(root)",
           msg);
  return false;
}

static const char *kind(const json_t *j) {
  if (is_tagged(j))
    return json_string_value(json_object_get(j, "type"));
  return json_is_object(j) ? "table" : json_is_array(j) ? "array" : "?";
}

static bool same(ctx_t *c, const json_t *want, const json_t *have);

static bool same_tagged(ctx_t *c, const json_t *want, const json_t *have) {
  const char *wt = json_string_value(json_object_get(want, "type"));
  const char *ht = json_string_value(json_object_get(have, "type"));
  if (strcmp(wt, ht) != 0)
    return differ(c, "expected type %s, got %s", wt, ht);
  const json_t *wv = json_object_get(want, "value");
  const json_t *hv = json_object_get(have, "value");
  if (json_is_array(wv))
    return same(c, wv, hv);
  if (!json_is_string(hv))
    return differ(c, "value is not a JSON string");
  const char *ws = json_string_value(wv), *hs = json_string_value(hv);
  if (strcmp(wt, "float") == 0) {
    int r = cmp_float(ws, hs);
    if (r < 0)
      return differ(c, "float value '%s' does not read as a number", hs);
    return r == 0 ? true : differ(c, "expected float %s, got %s", ws, hs);
  }
  if (strcmp(wt, "datetime") == 0 || strcmp(wt, "datetime-local") == 0 ||
      strcmp(wt, "date-local") == 0 || strcmp(wt, "time-local") == 0) {
    when_t a, b;
    if (parse_when(wt, ws, &a) != 0)
      return differ(c, "expected %s '%s' cannot be read (suite bug?)", wt, ws);
    if (parse_when(wt, hs, &b) != 0)
      return differ(c, "'%s' is not a valid %s", hs, wt);
    if (a.secs != b.secs || a.nanos != b.nanos)
      return differ(c, "expected %s %s, got %s", wt, ws, hs);
    return true;
  }
  size_t wl = json_string_length(wv), hl = json_string_length(hv);
  if (wl != hl || memcmp(ws, hs, wl) != 0)
    return differ(c, "expected %s \"%s\", got \"%s\"", wt, ws, hs);
  return true;
}

static bool same(ctx_t *c, const json_t *want, const json_t *have) {
  if (is_tagged(want) || is_tagged(have)) {
    if (!is_tagged(want) || !is_tagged(have))
      return differ(c, "expected %s, got %s", kind(want), kind(have));
    return same_tagged(c, want, have);
  }
  if (json_is_array(want)) {
    if (!json_is_array(have))
      return differ(c, "expected an array, got %s", kind(have));
    size_t n = json_array_size(want);
    if (json_array_size(have) != n)
      return differ(c, "expected %zu array elements, got %zu", n,
                    json_array_size(have));
    size_t plen = strlen(c->path);
    for (size_t i = 0; i < n; i++) {
      snprintf(c->path + plen, sizeof c->path - plen, "[%zu]", i);
      if (!same(c, json_array_get(want, i), json_array_get(have, i)))
        return false;
    }
    c->path[plen] = '\0';
    return true;
  }
  if (json_is_object(want)) {
    if (!json_is_object(have))
      return differ(c, "expected a table, got %s", kind(have));
    const char *k;
    size_t kl;
    json_t *v;
    json_object_keylen_foreach((json_t *)have, k, kl, v) {
      if (!json_object_getn(want, k, kl))
        return differ(c, "unexpected key \"%.*s\"", (int)kl, k);
    }
    size_t plen = strlen(c->path);
    json_object_keylen_foreach((json_t *)want, k, kl, v) {
      const json_t *hv = json_object_getn(have, k, kl);
      if (!hv)
        return differ(c, "missing key \"%.*s\"", (int)kl, k);
      snprintf(c->path + plen, sizeof c->path - plen, "%s%.*s", plen ? "." : "",
               (int)kl, k);
      if (!same(c, v, hv))
        return false;
      c->path[plen] = '\0';
    }
    return true;
  }
  return differ(c, "unexpected JSON in the expected file");
}

/* --------------------------------------------------------------------------
 * Running
 * ------------------------------------------------------------------------ */

/* "FILE:LINE:COL: message" with both numbers at least 1. */
static bool well_formed_error(const char *err, const char *file) {
  size_t fl = strlen(file);
  if (strncmp(err, file, fl) != 0 || err[fl] != ':')
    return false;
  const char *s = err + fl + 1;
  for (int field = 0; field < 2; field++) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end != ':' || v == 0 || errno)
      return false;
    s = end + 1;
  }
  return s[0] == ' ' && s[1] != '\0';
}

/* One file; returns true when it passed, else fills why. */
static bool run_one(const char *dir, const char *rel, bool verbose, char *why,
                    size_t cap) {
  char *path = mn__xasprintf("%s/%s", dir, rel);
  char *text = NULL;
  size_t len = 0;
  bool ok = false;
  mn_toml_value_t *root = NULL;
  char *err = NULL;
  json_t *want = NULL, *have = NULL;
  int rc = mn__read_file(path, MAX_FILE, &text, &len);
  if (rc != 0) {
    snprintf(why, cap, "cannot read: %s", mn_strerror(rc));
    goto out;
  }
  rc = mn__toml_parse(text, len, rel, &root, &err);
  if (strncmp(rel, "invalid/", 8) == 0) {
    if (rc == 0) {
      snprintf(why, cap, "invalid TOML was accepted");
    } else if (rc != MN_EFORMAT || !err) {
      snprintf(why, cap, "rejected with %s and %s", mn_err_name(rc),
               err ? "a message" : "no message");
    } else if (!well_formed_error(err, rel)) {
      snprintf(why, cap, "error is not FILE:LINE:COL: text: %s", err);
    } else {
      if (verbose)
        printf("ok   %s\n", err);
      ok = true;
    }
    goto out;
  }
  if (rc != 0) {
    snprintf(why, cap, "valid TOML was rejected: %s", err ? err : "?");
    goto out;
  }
  size_t rl = strlen(path);
  char *jpath = mn__xasprintf("%.*s.json", (int)(rl - 5), path);
  want = load_expected(jpath, why, cap);
  free(jpath);
  if (!want)
    goto out;
  have = mn__toml_to_tagged_json(root);
  if (!have) {
    snprintf(why, cap, "encoder returned NULL");
    goto out;
  }
  ctx_t c = {{0}, {0}};
  if (same(&c, want, have))
    ok = true;
  else
    snprintf(why, cap, "%s", c.why);
out:
  json_decref(want);
  json_decref(have);
  mn__toml_free(root);
  free(err);
  free(text);
  free(path);
  return ok;
}

int main(int argc, char **argv) {
  bool verbose = false;
  const char *dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0)
      verbose = true;
    else if (!dir)
      dir = argv[i];
    else
      dir = NULL, i = argc;
  }
  if (!dir) {
    fprintf(stderr, "usage: toml_suite [-v] TOML_TEST_TESTS_DIR\n");
    return 2;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("SKIP: ../shared/toml-test not found (%s)\n", dir);
    return 77;
  }
  char *list_path = mn__xasprintf("%s/files-toml-1.0.0", dir);
  char *list;
  size_t list_len;
  int rc = mn__read_file(list_path, MAX_FILE, &list, &list_len);
  if (rc != 0) {
    printf("%s: cannot read: %s\n", list_path, mn_strerror(rc));
    printf("0 passed, 1 failed\n");
    free(list_path);
    return 1;
  }
  free(list_path);

  unsigned passed = 0, failed = 0;
  for (char *line = strtok(list, "\r\n"); line; line = strtok(NULL, "\r\n")) {
    size_t n = strlen(line);
    if (n < 5 || strcmp(line + n - 5, ".toml") != 0)
      continue;
    char why[1200];
    if (run_one(dir, line, verbose, why, sizeof why)) {
      passed++;
    } else {
      failed++;
      printf("FAIL %s: %s\n", line, why);
    }
  }
  free(list);
  if (passed + failed == 0) {
    printf("no .toml files listed in %s/files-toml-1.0.0\n", dir);
    failed = 1;
  }
  printf("%u passed, %u failed\n", passed, failed);
  return failed ? 1 : 0;
}
