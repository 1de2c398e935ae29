/*
 * The TOML 1.0 parser: one pass over the bytes, building the tree of
 * toml_int.h as it goes.
 *
 * Structure: a document is lines of key/values, [table] and [[array]]
 * headers, comments and blank lines; values are scalars (read as one token
 * and then classified), strings, arrays and inline tables.  Arrays and
 * inline tables recurse, with the nesting depth checked before each level,
 * so recursion never exceeds MN_TOML_MAX_DEPTH frames.
 *
 * Raw text is checked where it is read: UTF-8 and control characters inside
 * strings and comments, a strict character set everywhere else.  So the
 * first problem in document order is the one reported.
 *
 * Line and column of an offset are found by counting forward from the last
 * offset asked about; values and keys are located in document order, so
 * the total work is linear in the input.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <minima/errors.h>

#include "config/toml_int.h"
#include "util/util.h"

/* One part of a dotted key, decoded. */
typedef struct seg {
  char *s; /* malloc()ed, NUL-terminated; NULL once handed to a table */
  size_t len;
  uint32_t line;
  uint32_t col;
} seg_t;

typedef struct parser {
  const unsigned char *src;
  size_t len;
  size_t pos;
  const char *filename;
  char *err; /* first error, complete with FILE:LINE:COL */

  /* Where loc_off is: for counting positions forward. */
  size_t base; /* first byte after a byte-order mark */
  size_t loc_off;
  size_t loc_line_off; /* start of loc_off's line */
  uint32_t loc_line;
  uint32_t loc_col;

  /* Decoded text of the string or key being read. */
  char *buf;
  size_t blen;
  size_t bcap;

  /* The key being read.  Reused by nested inline tables once the outer key
   * has been resolved, so one array serves every level.  A key of more
   * parts than fit is certainly too deep wherever it is used: reading
   * stops, key_cut is set, and resolving the stored parts, all treated as
   * tables, reports the first one that is too deep. */
  seg_t segs[MN_TOML_MAX_DEPTH + 1];
  size_t nsegs;
  bool key_cut;

  mn_toml_value_t *root;
  mn_toml_value_t *cur; /* table that key/values go into */
  int cur_depth;        /* its level below the root */
} parser_t;

/* --------------------------------------------------------------------------
 * Positions and errors
 * ------------------------------------------------------------------------ */

static void locate(parser_t *p, size_t off, uint32_t *line, uint32_t *col) {
  if (off < p->loc_off) {
    if (off >= p->loc_line_off) {
      p->loc_off = p->loc_line_off;
      p->loc_col = 1;
    } else {
      p->loc_off = p->loc_line_off = p->base;
      p->loc_line = 1;
      p->loc_col = 1;
    }
  }
  const unsigned char *s = p->src;
  for (size_t i = p->loc_off; i < off; i++) {
    if (s[i] == '\n') {
      p->loc_line++;
      p->loc_col = 1;
      p->loc_line_off = i + 1;
    } else if ((s[i] & 0xc0) != 0x80) {
      p->loc_col++;
    }
  }
  p->loc_off = off;
  *line = p->loc_line;
  *col = p->loc_col;
}

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    n = 0;
  char *s = mn__xmalloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static int vfail_lc(parser_t *p, uint32_t line, uint32_t col, const char *fmt,
                    va_list ap) {
  if (p->err)
    return MN_EFORMAT;
  char *msg = vformat(fmt, ap);
  p->err = mn__xasprintf("%s:%" PRIu32 ":%" PRIu32 ": %s", p->filename, line,
                         col, msg);
  free(msg);
  return MN_EFORMAT;
}

__attribute__((format(printf, 4, 5))) static int
fail_lc(parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vfail_lc(p, line, col, fmt, ap);
  va_end(ap);
  return rc;
}

/* Reports fmt at byte offset off; returns MN_EFORMAT. */
__attribute__((format(printf, 3, 4))) static int fail(parser_t *p, size_t off,
                                                      const char *fmt, ...) {
  uint32_t line, col;
  locate(p, off, &line, &col);
  va_list ap;
  va_start(ap, fmt);
  int rc = vfail_lc(p, line, col, fmt, ap);
  va_end(ap);
  return rc;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if the bytes there are
 * not one: overlong forms, surrogates and code points past U+10FFFF are
 * invalid.  *cp receives the code point. */
static size_t utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  unsigned lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    *cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    *cp = c & 0x0f;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    *cp = c & 0x07;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  if (avail < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    unsigned b = s[i];
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
      return 0;
    *cp = (*cp << 6) | (b & 0x3f);
  }
  return n;
}

static bool is_control(unsigned c) {
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Describes the character at off for "found ..." in messages. */
static const char *describe(const parser_t *p, size_t off, char *out,
                            size_t cap) {
  if (off >= p->len)
    return "end of file";
  unsigned c = p->src[off];
  if (c == '\n' || (c == '\r' && off + 1 < p->len && p->src[off + 1] == '\n'))
    return "end of line";
  if (c == '\'')
    return "\"'\"";
  if (c == ' ')
    return "' '";
  if (c == '\t')
    return "a tab";
  if (c > 0x20 && c < 0x7f) {
    snprintf(out, cap, "'%c'", (char)c);
    return out;
  }
  if (is_control(c)) {
    snprintf(out, cap, "control character U+%04X", c);
    return out;
  }
  uint32_t cp;
  if (utf8_seq(p->src + off, p->len - off, &cp) == 0)
    snprintf(out, cap, "invalid UTF-8 byte 0x%02X", c);
  else
    snprintf(out, cap, "U+%04" PRIX32, cp);
  return out;
}

#define FOUND(p, off) describe((p), (off), (char[48]){0}, 48)

/* Text for messages: the bytes s[0..n) with '"', '\' and control
 * characters escaped, cut with "..." to fit cap (at least 16) bytes.  Cuts
 * fall between characters, never inside a UTF-8 sequence. */
static void quote_into(char *out, size_t cap, const char *s, size_t n) {
  size_t o = 0, i = 0;
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    /* At most 6 bytes per step, 3 for "..." and 1 for the NUL. */
    if (o + 10 >= cap && (c & 0xc0) != 0x80)
      break;
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      o += (size_t)snprintf(out + o, cap - o, "\\u%04X", c);
    } else {
      out[o++] = (char)c;
    }
  }
  if (i < n) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = '\0';
}

/* The dotted key segs[0..n) as one printable string ("a.b.c"). */
static char *key_text(const parser_t *p, size_t n) {
  enum { CAP = 256, ROOM = 200 };
  char *out = mn__xmalloc(CAP);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (o >= ROOM) {
      memcpy(out + o, "...", 3);
      o += 3;
      break;
    }
    if (i)
      out[o++] = '.';
    quote_into(out + o, CAP - 4 - o, p->segs[i].s, p->segs[i].len);
    o += strlen(out + o);
  }
  out[o] = '\0';
  return out;
}

/* "an integer", "a table"...: the type of v with its article. */
static const char *a_type(const mn_toml_value_t *v) {
  switch ((mn_toml_type_t)v->type) {
  case MN_TOML_STRING:
    return "a string";
  case MN_TOML_INTEGER:
    return "an integer";
  case MN_TOML_FLOAT:
    return "a float";
  case MN_TOML_BOOL:
    return "a boolean";
  case MN_TOML_DATETIME:
    return "an offset date-time";
  case MN_TOML_DATETIME_LOCAL:
    return "a local date-time";
  case MN_TOML_DATE_LOCAL:
    return "a local date";
  case MN_TOML_TIME_LOCAL:
    return "a local time";
  case MN_TOML_ARRAY:
    return "an array";
  case MN_TOML_TABLE:
    return v->flags & MN__TOML_INLINE ? "an inline table" : "a table";
  }
  return "a value";
}

/* --------------------------------------------------------------------------
 * The scratch buffer
 * ------------------------------------------------------------------------ */

static void buf_reserve(parser_t *p, size_t more) {
  if (p->blen + more + 1 <= p->bcap)
    return;
  size_t cap = p->bcap ? p->bcap : 64;
  while (cap < p->blen + more + 1)
    cap *= 2;
  p->buf = mn__xrealloc(p->buf, cap);
  p->bcap = cap;
}

static void buf_add(parser_t *p, const void *data, size_t n) {
  buf_reserve(p, n);
  memcpy(p->buf + p->blen, data, n);
  p->blen += n;
}

static void buf_addc(parser_t *p, char c) {
  buf_reserve(p, 1);
  p->buf[p->blen++] = c;
}

static void buf_add_cp(parser_t *p, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  buf_add(p, u, n);
}

/* Hands the buffer's text over as an exact-size string and empties it. */
static char *buf_take(parser_t *p, size_t *len) {
  *len = p->blen;
  char *s;
  if (p->buf && p->bcap > 4 * (p->blen + 1) && p->bcap > 256) {
    s = mn__xstrndup(p->buf, p->blen);
  } else {
    buf_reserve(p, 0);
    p->buf[p->blen] = '\0';
    s = mn__xrealloc(p->buf, p->blen + 1);
    p->buf = NULL;
    p->bcap = 0;
  }
  p->blen = 0;
  return s;
}

/* --------------------------------------------------------------------------
 * Whitespace, comments, line ends
 * ------------------------------------------------------------------------ */

static bool at_eof(const parser_t *p) {
  return p->pos >= p->len;
}

static int peek(const parser_t *p) {
  return p->pos < p->len ? p->src[p->pos] : -1;
}

static int peek_at(const parser_t *p, size_t k) {
  return p->pos + k < p->len ? p->src[p->pos + k] : -1;
}

static void skip_ws(parser_t *p) {
  while (p->pos < p->len && (p->src[p->pos] == ' ' || p->src[p->pos] == '\t'))
    p->pos++;
}

/* At a line end: "\n" or "\r\n". */
static bool at_newline(const parser_t *p) {
  int c = peek(p);
  return c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

static void skip_newline(parser_t *p) {
  p->pos += p->src[p->pos] == '\r' ? 2 : 1;
}

static int bare_cr(parser_t *p, size_t off) {
  return fail(p, off, "carriage return (U+000D) not followed by a line feed");
}

/* From '#' up to (not including) the line end. */
static int skip_comment(parser_t *p) {
  p->pos++;
  while (p->pos < p->len) {
    unsigned c = p->src[p->pos];
    if (c == '\n')
      return 0;
    if (c == '\r') {
      if (peek_at(p, 1) == '\n')
        return 0;
      return bare_cr(p, p->pos);
    }
    if (is_control(c))
      return fail(p, p->pos,
                  "control character U+%04X is not allowed in a comment", c);
    if (c >= 0x80) {
      uint32_t cp;
      size_t n = utf8_seq(p->src + p->pos, p->len - p->pos, &cp);
      if (n == 0)
        return fail(p, p->pos, "invalid UTF-8 byte 0x%02X", c);
      p->pos += n;
    } else {
      p->pos++;
    }
  }
  return 0;
}

/* Whitespace, line ends and comments, as allowed inside arrays. */
static int skip_blank(parser_t *p) {
  for (;;) {
    skip_ws(p);
    int c = peek(p);
    if (c == '#') {
      int rc = skip_comment(p);
      if (rc)
        return rc;
    } else if (c == '\n') {
      p->pos++;
    } else if (c == '\r') {
      if (peek_at(p, 1) != '\n')
        return bare_cr(p, p->pos);
      p->pos += 2;
    } else {
      return 0;
    }
  }
}

/* The rest of a line after a key/value or header: blanks, an optional
 * comment, then a line end or the end of the input. */
static int end_line(parser_t *p, const char *after) {
  skip_ws(p);
  if (peek(p) == '#') {
    int rc = skip_comment(p);
    if (rc)
      return rc;
  }
  if (at_eof(p))
    return 0;
  if (at_newline(p)) {
    skip_newline(p);
    return 0;
  }
  if (peek(p) == '\r')
    return bare_cr(p, p->pos);
  return fail(p, p->pos, "expected end of line after %s, found %s", after,
              FOUND(p, p->pos));
}

/* --------------------------------------------------------------------------
 * Strings
 * ------------------------------------------------------------------------ */

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* An escape after '\' in a basic string; p->pos is at the backslash. */
static int read_escape(parser_t *p, bool multiline) {
  size_t at = p->pos;
  p->pos++;
  int e = peek(p);
  switch (e) {
  case 'b':
    buf_addc(p, '\b');
    break;
  case 't':
    buf_addc(p, '\t');
    break;
  case 'n':
    buf_addc(p, '\n');
    break;
  case 'f':
    buf_addc(p, '\f');
    break;
  case 'r':
    buf_addc(p, '\r');
    break;
  case '"':
    buf_addc(p, '"');
    break;
  case '\\':
    buf_addc(p, '\\');
    break;
  case 'u':
  case 'U': {
    int digits = e == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (int i = 1; i <= digits; i++) {
      int h = hexval(peek_at(p, (size_t)i));
      if (h < 0)
        return fail(p, at,
                    "invalid escape sequence: \\%c must be followed by %d "
                    "hexadecimal digits",
                    e, digits);
      cp = (cp << 4) | (uint32_t)h;
    }
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return fail(p, at,
                  "invalid escape sequence \\%c%.*s: not a Unicode scalar "
                  "value",
                  e, digits, (const char *)p->src + p->pos + 1);
    buf_add_cp(p, cp);
    p->pos += (size_t)digits;
    break;
  }
  default:
    if (multiline && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
      /* A backslash at the end of a line (maybe followed by blanks) eats
       * the line end and all blanks and line ends after it. */
      skip_ws(p);
      if (!at_newline(p)) {
        if (peek(p) == '\r')
          return bare_cr(p, p->pos);
        return fail(p, at,
                    "invalid escape sequence '\\ ': only a backslash at the "
                    "end of a line may be followed by blanks");
      }
      for (;;) {
        skip_ws(p);
        if (!at_newline(p))
          break;
        skip_newline(p);
      }
      return 0;
    }
    if (e < 0)
      return fail(p, p->pos,
                  "unterminated string: found end of file after "
                  "'\\'");
    if (e > 0x20 && e < 0x7f)
      return fail(p, at, "invalid escape sequence '\\%c'", e);
    return fail(p, at, "invalid escape sequence: '\\' followed by %s",
                FOUND(p, p->pos));
  }
  p->pos++;
  return 0;
}

/* A character of string content that is neither a delimiter, a backslash
 * nor a line end: copies it or reports why it cannot be there. */
static int string_char(parser_t *p, bool literal) {
  unsigned c = p->src[p->pos];
  if (is_control(c))
    return fail(p, p->pos,
                literal ? "control character U+%04X is not allowed in a "
                          "literal string"
                        : "control character U+%04X must be written as an "
                          "escape (\\u%04X) in a string",
                c, c);
  if (c < 0x80) {
    buf_addc(p, (char)c);
    p->pos++;
    return 0;
  }
  uint32_t cp;
  size_t n = utf8_seq(p->src + p->pos, p->len - p->pos, &cp);
  if (n == 0)
    return fail(p, p->pos, "invalid UTF-8 byte 0x%02X", c);
  buf_add(p, p->src + p->pos, n);
  p->pos += n;
  return 0;
}

/* A single-line string, basic ("...") or literal ('...'); p->pos is at the
 * opening quote.  The decoded text is left in p->buf. */
static int read_line_string(parser_t *p, char q) {
  bool literal = q == '\'';
  p->blen = 0;
  p->pos++;
  for (;;) {
    if (at_eof(p))
      return fail(p, p->pos,
                  "unterminated string: expected %s before end of file",
                  literal ? "\"'\"" : "'\"'");
    unsigned c = p->src[p->pos];
    if (c == (unsigned char)q) {
      p->pos++;
      return 0;
    }
    if (c == '\n' || c == '\r')
      return fail(p, p->pos,
                  "unterminated string: expected %s before end of line",
                  literal ? "\"'\"" : "'\"'");
    int rc =
        c == '\\' && !literal ? read_escape(p, false) : string_char(p, literal);
    if (rc)
      return rc;
  }
}

/* A multi-line string ("""...""" or '''...'''); p->pos is at the first of
 * the three opening quotes. */
static int read_multiline_string(parser_t *p, char q) {
  bool literal = q == '\'';
  size_t start = p->pos;
  p->blen = 0;
  p->pos += 3;
  /* A line end right after the opening quotes is not part of the text. */
  if (at_newline(p))
    skip_newline(p);
  for (;;) {
    if (at_eof(p))
      return fail(p, start,
                  "unterminated multi-line string: no closing %s before end "
                  "of file",
                  literal ? "'''" : "\"\"\"");
    unsigned c = p->src[p->pos];
    if (c == (unsigned char)q) {
      size_t n = 0;
      while (peek_at(p, n) == q)
        n++;
      if (n < 3) {
        buf_add(p, p->src + p->pos, n);
        p->pos += n;
        continue;
      }
      if (n > 5)
        return fail(p, p->pos,
                    "too many %s in a row: %s closes the string and at most "
                    "two may come before it",
                    literal ? "\"'\"" : "'\"'", literal ? "'''" : "\"\"\"");
      buf_add(p, p->src + p->pos, n - 3);
      p->pos += n;
      return 0;
    }
    int rc = 0;
    if (c == '\n') {
      buf_addc(p, '\n');
      p->pos++;
    } else if (c == '\r') {
      if (peek_at(p, 1) != '\n')
        return bare_cr(p, p->pos);
      buf_addc(p, '\n');
      p->pos += 2;
    } else if (c == '\\' && !literal) {
      rc = read_escape(p, true);
    } else {
      rc = string_char(p, literal);
    }
    if (rc)
      return rc;
  }
}

/* --------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

static bool is_bare(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static void segs_clear(parser_t *p) {
  for (size_t i = 0; i < p->nsegs; i++)
    free(p->segs[i].s);
  p->nsegs = 0;
}

/* Reads a (dotted) key into p->segs.  what names the thing expected for
 * messages ("a key", "a table name"). */
static int read_key(parser_t *p, const char *what) {
  segs_clear(p);
  p->key_cut = false;
  for (;;) {
    if (p->nsegs == MN_TOML_MAX_DEPTH + 1) {
      p->key_cut = true;
      return 0;
    }
    seg_t *s = &p->segs[p->nsegs];
    locate(p, p->pos, &s->line, &s->col);
    int c = peek(p);
    if (is_bare(c)) {
      size_t from = p->pos;
      while (is_bare(peek(p)))
        p->pos++;
      s->len = p->pos - from;
      s->s = mn__xstrndup((const char *)p->src + from, s->len);
    } else if (c == '"' || c == '\'') {
      if (peek_at(p, 1) == c && peek_at(p, 2) == c)
        return fail(p, p->pos, "a multi-line string cannot be a key");
      int rc = read_line_string(p, (char)c);
      if (rc)
        return rc;
      s->s = buf_take(p, &s->len);
    } else if (p->nsegs == 0) {
      return fail(p, p->pos, "expected %s, found %s", what, FOUND(p, p->pos));
    } else {
      return fail(p, p->pos, "expected a key after '.', found %s",
                  FOUND(p, p->pos));
    }
    p->nsegs++;
    skip_ws(p);
    if (peek(p) != '.')
      return 0;
    p->pos++;
    skip_ws(p);
  }
}

/* --------------------------------------------------------------------------
 * Scalars: numbers, booleans, dates and times
 * ------------------------------------------------------------------------ */

static bool is_token_char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' ||
         c == '.' || c == ':';
}

static bool is_digit(int c) {
  return c >= '0' && c <= '9';
}

static int digit_in(int c, int base) {
  int d = hexval(c);
  return d >= 0 && d < base ? d : -1;
}

/* Digits of the given base from t[*k], with '_' allowed only between two
 * digits.  Returns the number of digits, or -1 after a misplaced '_'. */
static long scan_digits(const char *t, size_t n, size_t *k, int base) {
  long count = 0;
  while (*k < n) {
    if (digit_in(t[*k], base) >= 0) {
      count++;
      (*k)++;
    } else if (t[*k] == '_') {
      if (count == 0 || *k + 1 >= n || digit_in(t[*k + 1], base) < 0)
        return -1;
      (*k)++;
    } else {
      break;
    }
  }
  return count;
}

/* Shown in messages: the token as written (printable, at most ~60). */
static const char *show(const char *t, size_t n, char *out) {
  quote_into(out, 64, t, n);
  return out;
}

static int bad_number(parser_t *p, size_t off, const char *t, size_t n,
                      const char *why) {
  char sh[64];
  if (why)
    return fail(p, off, "invalid number '%s': %s", show(t, n, sh), why);
  return fail(p, off, "invalid number '%s'", show(t, n, sh));
}

static int read_number(parser_t *p, size_t off, const char *t, size_t n,
                       mn_toml_value_t *v) {
  size_t i = 0;
  bool neg = false, sign = false;
  if (t[0] == '+' || t[0] == '-') {
    sign = true;
    neg = t[0] == '-';
    i = 1;
  }
  if (i == n || !is_digit(t[i]))
    return bad_number(p, off, t, n, NULL);

  if (t[i] == '0' && i + 1 < n &&
      (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
    int base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
    const char *name = base == 16  ? "hexadecimal"
                       : base == 8 ? "octal"
                                   : "binary";
    if (sign)
      return bad_number(p, off, t, n,
                        "a sign is not allowed on hexadecimal, octal or "
                        "binary integers");
    size_t k = i + 2;
    long nd = scan_digits(t, n, &k, base);
    if (nd < 0)
      return bad_number(p, off, t, n, "'_' must be between two digits");
    if (nd == 0 || k != n) {
      char why[80];
      snprintf(why, sizeof why, "expected %s digits after '0%c'", name,
               t[i + 1]);
      return bad_number(p, off, t, n, why);
    }
    uint64_t u = 0;
    for (k = i + 2; k < n; k++) {
      if (t[k] == '_')
        continue;
      uint64_t d = (uint64_t)digit_in(t[k], base);
      if (u > (UINT64_C(0x7fffffffffffffff) - d) / (uint64_t)base)
        return bad_number(p, off, t, n, "does not fit in 64 bits");
      u = u * (uint64_t)base + d;
    }
    v->type = MN_TOML_INTEGER;
    v->u.i = (int64_t)u;
    return 0;
  }
  if (t[i] == '0' && i + 1 < n &&
      (t[i + 1] == 'X' || t[i + 1] == 'O' || t[i + 1] == 'B'))
    return bad_number(p, off, t, n,
                      "the base prefix must be lower case (0x, 0o, 0b)");

  size_t k = i;
  long nd = scan_digits(t, n, &k, 10);
  if (nd < 0)
    return bad_number(p, off, t, n, "'_' must be between two digits");
  if (t[i] == '0' && k - i > 1)
    return bad_number(p, off, t, n, "leading zeros are not allowed");
  bool is_float = false;
  if (k < n && t[k] == '.') {
    k++;
    is_float = true;
    if (k >= n || !is_digit(t[k]))
      return bad_number(p, off, t, n, "a '.' must be followed by digits");
    if (scan_digits(t, n, &k, 10) < 0)
      return bad_number(p, off, t, n, "'_' must be between two digits");
  }
  if (k < n && (t[k] == 'e' || t[k] == 'E')) {
    k++;
    is_float = true;
    if (k < n && (t[k] == '+' || t[k] == '-'))
      k++;
    if (k >= n || !is_digit(t[k]))
      return bad_number(p, off, t, n, "an exponent must have digits");
    if (scan_digits(t, n, &k, 10) < 0)
      return bad_number(p, off, t, n, "'_' must be between two digits");
  }
  if (k != n)
    return bad_number(p, off, t, n, NULL);

  if (!is_float) {
    uint64_t u = 0;
    uint64_t limit =
        neg ? UINT64_C(0x8000000000000000) : UINT64_C(0x7fffffffffffffff);
    for (k = i; k < n; k++) {
      if (t[k] == '_')
        continue;
      uint64_t d = (uint64_t)(t[k] - '0');
      if (u > (limit - d) / 10)
        return bad_number(p, off, t, n, "does not fit in 64 bits");
      u = u * 10 + d;
    }
    v->type = MN_TOML_INTEGER;
    v->u.i = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
  }

  p->blen = 0;
  for (k = 0; k < n; k++)
    if (t[k] != '_')
      buf_addc(p, t[k]);
  buf_addc(p, '\0');
  double d = mn__toml_strtod(p->buf, NULL);
  p->blen = 0;
  if (isinf(d))
    return bad_number(p, off, t, n, "too large for a 64-bit float");
  v->type = MN_TOML_FLOAT;
  v->u.f = d;
  return 0;
}

static int two_digits(const char *t, size_t n, size_t k) {
  if (k + 2 > n || !is_digit(t[k]) || !is_digit(t[k + 1]))
    return -1;
  return (t[k] - '0') * 10 + (t[k + 1] - '0');
}

static int days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    return 29;
  return days[month - 1];
}

/* HH:MM:SS[.frac] at t[*k]. */
static int read_time(parser_t *p, size_t off, const char *t, size_t n,
                     size_t *k, mn_toml_datetime_t *dt, const char *kind) {
  char sh[64];
  int h = two_digits(t, n, *k);
  int m = *k + 2 < n && t[*k + 2] == ':' ? two_digits(t, n, *k + 3) : -1;
  int s =
      m >= 0 && *k + 5 < n && t[*k + 5] == ':' ? two_digits(t, n, *k + 6) : -1;
  if (h < 0 || m < 0 || s < 0) {
    if (h >= 0 && m >= 0 && (*k + 5 == n || t[*k + 5] != ':'))
      return fail(p, off, "invalid %s '%s': seconds are required", kind,
                  show(t, n, sh));
    return fail(p, off, "invalid %s '%s': expected a time as HH:MM:SS", kind,
                show(t, n, sh));
  }
  if (h > 23)
    return fail(p, off, "invalid %s '%s': hour must be 00 to 23", kind,
                show(t, n, sh));
  if (m > 59)
    return fail(p, off, "invalid %s '%s': minute must be 00 to 59", kind,
                show(t, n, sh));
  if (s > 60)
    return fail(p, off, "invalid %s '%s': second must be 00 to 60", kind,
                show(t, n, sh));
  dt->hour = (uint8_t)h;
  dt->minute = (uint8_t)m;
  dt->second = (uint8_t)s;
  *k += 8;
  if (*k < n && t[*k] == '.') {
    (*k)++;
    uint32_t ns = 0;
    int digits = 0;
    while (*k < n && is_digit(t[*k])) {
      if (digits < 9) {
        ns = ns * 10 + (uint32_t)(t[*k] - '0');
        digits++;
      }
      (*k)++;
    }
    if (digits == 0)
      return fail(p, off, "invalid %s '%s': a '.' must be followed by digits",
                  kind, show(t, n, sh));
    while (digits++ < 9)
      ns *= 10;
    dt->nanosecond = ns;
  }
  return 0;
}

static int read_datetime(parser_t *p, size_t off, const char *t, size_t n,
                         mn_toml_value_t *v) {
  char sh[64];
  mn_toml_datetime_t dt = {0};
  mn_toml_type_t type;
  size_t k = 0;
  /* A date starts "YYYY-", a time "HH:": whichever of '-' and ':' comes
   * first decides. */
  size_t sep = 0;
  while (sep < n && t[sep] != '-' && t[sep] != ':')
    sep++;
  bool has_date = sep < n && t[sep] == '-';
  if (has_date) {
    bool shape = n >= 10 && t[4] == '-' && t[7] == '-';
    for (size_t i = 0; shape && i < 10; i++)
      if (i != 4 && i != 7 && !is_digit(t[i]))
        shape = false;
    if (!shape || (n > 10 && is_digit(t[10])))
      return fail(p, off, "invalid date '%s': expected YYYY-MM-DD",
                  show(t, n, sh));
    int year = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 +
               (t[3] - '0');
    int month = two_digits(t, n, 5), day = two_digits(t, n, 8);
    if (month < 1 || month > 12)
      return fail(p, off, "invalid date '%s': month must be 01 to 12",
                  show(t, n, sh));
    int dim = days_in_month(year, month);
    if (day < 1 || day > dim)
      return fail(p, off,
                  "invalid date '%s': day must be 01 to %d in %04d-%02d",
                  show(t, n, sh), dim, year, month);
    dt.year = (int16_t)year;
    dt.month = (uint8_t)month;
    dt.day = (uint8_t)day;
    k = 10;
    if (k == n) {
      type = MN_TOML_DATE_LOCAL;
      goto done;
    }
    if (t[k] != 'T' && t[k] != 't' && t[k] != ' ')
      return fail(p, off,
                  "invalid date '%s': expected 'T' or a space between date "
                  "and time",
                  show(t, n, sh));
    k++;
    int rc = read_time(p, off, t, n, &k, &dt, "date-time");
    if (rc)
      return rc;
    type = MN_TOML_DATETIME_LOCAL;
    if (k < n && (t[k] == 'Z' || t[k] == 'z')) {
      k++;
      type = MN_TOML_DATETIME;
    } else if (k < n && (t[k] == '+' || t[k] == '-')) {
      int oh = two_digits(t, n, k + 1);
      int om = k + 3 < n && t[k + 3] == ':' ? two_digits(t, n, k + 4) : -1;
      if (oh < 0 || om < 0)
        return fail(p, off,
                    "invalid date-time '%s': expected an offset as +HH:MM "
                    "or -HH:MM",
                    show(t, n, sh));
      if (oh > 23 || om > 59)
        return fail(p, off,
                    "invalid date-time '%s': offset must be 00:00 to 23:59",
                    show(t, n, sh));
      dt.offset_minutes = (int16_t)((t[k] == '-' ? -1 : 1) * (oh * 60 + om));
      k += 6;
      type = MN_TOML_DATETIME;
    }
    if (k != n)
      return fail(p, off, "invalid date-time '%s'", show(t, n, sh));
  } else {
    int rc = read_time(p, off, t, n, &k, &dt, "time");
    if (rc)
      return rc;
    if (k != n)
      return fail(p, off, "invalid time '%s'", show(t, n, sh));
    type = MN_TOML_TIME_LOCAL;
  }
done:
  v->type = (uint8_t)type;
  v->u.s.dt = dt;
  v->u.s.len = n;
  v->u.s.ptr = mn__xstrndup(t, n);
  for (size_t i = 0; i < n; i++) {
    char *c = &v->u.s.ptr[i];
    if (*c == 't' || *c == ' ')
      *c = 'T';
    else if (*c == 'z')
      *c = 'Z';
  }
  return 0;
}

/* A bare token (number, boolean, date, time, inf, nan) at p->pos. */
static int read_scalar(parser_t *p, mn_toml_value_t *v) {
  size_t off = p->pos;
  while (is_token_char(peek(p)))
    p->pos++;
  /* "1979-05-27 07:32:00": a date, one space, then a time. */
  if (p->pos - off == 10 && peek(p) == ' ' && is_digit(peek_at(p, 1)) &&
      is_digit(peek_at(p, 2)) && peek_at(p, 3) == ':' &&
      p->src[off + 4] == '-') {
    p->pos++;
    while (is_token_char(peek(p)))
      p->pos++;
  }
  const char *t = (const char *)p->src + off;
  size_t n = p->pos - off;
  if (n == 0)
    return fail(p, off, "expected a value, found %s", FOUND(p, off));
  if ((n == 4 && memcmp(t, "true", 4) == 0) ||
      (n == 5 && memcmp(t, "false", 5) == 0)) {
    v->type = MN_TOML_BOOL;
    v->u.b = n == 4;
    return 0;
  }
  size_t i = t[0] == '+' || t[0] == '-' ? 1 : 0;
  if (n - i == 3 &&
      (memcmp(t + i, "inf", 3) == 0 || memcmp(t + i, "nan", 3) == 0)) {
    v->type = MN_TOML_FLOAT;
    if (t[i] == 'i')
      v->u.f = t[0] == '-' ? -INFINITY : INFINITY;
    else
      v->u.f = t[0] == '-' ? -NAN : NAN;
    return 0;
  }
  if (i == n || !is_digit(t[i])) {
    char sh[64];
    const char *hint = "";
    if (n - i == 3 && (strncasecmp(t + i, "inf", 3) == 0 ||
                       strncasecmp(t + i, "nan", 3) == 0))
      hint = " (inf and nan are written in lower case)";
    else if ((n == 4 && strncasecmp(t, "true", 4) == 0) ||
             (n == 5 && strncasecmp(t, "false", 5) == 0))
      hint = " (true and false are written in lower case)";
    else if (i < n && isalpha((unsigned char)t[i]))
      hint = " (strings must be quoted)";
    return fail(p, off, "expected a value, found '%s'%s", show(t, n, sh), hint);
  }
  /* A ':' or a '-' right after a digit makes it a date or time. */
  bool dateish = false;
  if (i == 0)
    for (size_t k = 1; k < n; k++)
      if (t[k] == ':' || (t[k] == '-' && is_digit(t[k - 1])))
        dateish = true;
  if (dateish)
    return read_datetime(p, off, t, n, v);
  return read_number(p, off, t, n, v);
}

/* --------------------------------------------------------------------------
 * Values, arrays, inline tables
 * ------------------------------------------------------------------------ */

static int read_value(parser_t *p, int depth, mn_toml_value_t **out);

static int too_deep(parser_t *p, size_t off) {
  return fail(p, off, "tables and arrays nested deeper than %d levels",
              MN_TOML_MAX_DEPTH);
}

/* Resolves the dotted key in p->segs inside table t (at level depth) as
 * the left side of a key/value: makes the missing intermediate tables,
 * checks the rest may be extended and that the last key is new.  On
 * success *parent is the table to insert into, *pdepth its level, and the
 * last segment is left in p->segs[p->nsegs - 1]. */
static int resolve_keyval(parser_t *p, mn_toml_value_t *t, int depth,
                          mn_toml_value_t **parent, int *pdepth) {
  size_t tables = p->key_cut ? p->nsegs : p->nsegs - 1;
  for (size_t i = 0; i < tables; i++) {
    seg_t *s = &p->segs[i];
    mn_toml_entry_t *e = mn__toml_find(t, s->s, s->len);
    if (++depth > MN_TOML_MAX_DEPTH)
      return fail_lc(p, s->line, s->col,
                     "tables and arrays nested deeper than %d levels",
                     MN_TOML_MAX_DEPTH);
    if (!e) {
      mn_toml_value_t *nt = mn__toml_new(MN_TOML_TABLE, s->line, s->col);
      nt->flags = MN__TOML_DOTTED;
      mn__toml_insert(t, mn__xstrndup(s->s, s->len), s->len, s->line, s->col,
                      nt);
      t = nt;
      continue;
    }
    mn_toml_value_t *v = (mn_toml_value_t *)e->value;
    if (v->type == MN_TOML_TABLE && (v->flags & MN__TOML_DOTTED) &&
        !(v->flags & MN__TOML_INLINE)) {
      t = v;
      continue;
    }
    char *kt = key_text(p, i + 1);
    int rc;
    if (v->type != MN_TOML_TABLE)
      rc = fail_lc(p, s->line, s->col,
                   "key \"%s\" is already %s (defined at %" PRIu32 ":%" PRIu32
                   "), not a table",
                   kt, a_type(v), e->line, e->col);
    else if (v->flags & MN__TOML_INLINE)
      rc = fail_lc(p, s->line, s->col,
                   "cannot add to inline table \"%s\" (defined at %" PRIu32
                   ":%" PRIu32 "): inline tables are complete",
                   kt, v->line, v->col);
    else
      rc = fail_lc(p, s->line, s->col,
                   "cannot add to table \"%s\" with dotted keys: it was "
                   "created by a [table] header at %" PRIu32 ":%" PRIu32,
                   kt, v->line, v->col);
    free(kt);
    return rc;
  }
  if (p->key_cut) /* not reached: the loop met the depth limit */
    return too_deep(p, p->pos);
  seg_t *last = &p->segs[p->nsegs - 1];
  mn_toml_entry_t *e = mn__toml_find(t, last->s, last->len);
  if (e) {
    char *kt = key_text(p, p->nsegs);
    int rc = fail_lc(p, last->line, last->col,
                     "duplicate key \"%s\" (first defined at %" PRIu32
                     ":%" PRIu32 ")",
                     kt, e->line, e->col);
    free(kt);
    return rc;
  }
  *parent = t;
  *pdepth = depth;
  return 0;
}

/* key = value, inserted into table t at level depth.  p->pos is at the
 * key; on return it is just after the value. */
static int read_keyval(parser_t *p, mn_toml_value_t *t, int depth) {
  int rc = read_key(p, "a key");
  if (rc)
    return rc;
  if (!p->key_cut && peek(p) != '=') {
    char *kt = key_text(p, p->nsegs);
    rc = fail(p, p->pos, "expected '=' after key \"%s\", found %s", kt,
              FOUND(p, p->pos));
    free(kt);
    return rc;
  }
  p->pos++;
  skip_ws(p);
  mn_toml_value_t *parent = NULL;
  int pdepth = 0;
  rc = resolve_keyval(p, t, depth, &parent, &pdepth);
  if (rc)
    return rc;
  seg_t last = p->segs[--p->nsegs];
  segs_clear(p);
  mn_toml_value_t *v = NULL;
  rc = read_value(p, pdepth + 1, &v);
  if (rc) {
    free(last.s);
    return rc;
  }
  mn__toml_insert(parent, last.s, last.len, last.line, last.col, v);
  return 0;
}

static int read_array(parser_t *p, int depth, mn_toml_value_t *a) {
  p->pos++;
  for (;;) {
    int rc = skip_blank(p);
    if (rc)
      return rc;
    if (peek(p) == ']') {
      p->pos++;
      return 0;
    }
    mn_toml_value_t *item = NULL;
    rc = read_value(p, depth + 1, &item);
    if (rc)
      return rc;
    mn__toml_push(a, item);
    rc = skip_blank(p);
    if (rc)
      return rc;
    if (peek(p) == ',') {
      p->pos++;
    } else if (peek(p) == ']') {
      p->pos++;
      return 0;
    } else {
      return fail(p, p->pos,
                  "expected ',' or ']' after an array element, found %s",
                  FOUND(p, p->pos));
    }
  }
}

static int inline_newline(parser_t *p) {
  return fail(p, p->pos,
              "line ends are not allowed inside an inline table (outside "
              "its values)");
}

static int read_inline_table(parser_t *p, int depth, mn_toml_value_t *t) {
  p->pos++;
  skip_ws(p);
  if (peek(p) == '}') {
    p->pos++;
    t->flags |= MN__TOML_INLINE;
    return 0;
  }
  for (;;) {
    if (at_newline(p))
      return inline_newline(p);
    int rc = read_keyval(p, t, depth);
    if (rc)
      return rc;
    skip_ws(p);
    int c = peek(p);
    if (c == ',') {
      p->pos++;
      skip_ws(p);
      if (peek(p) == '}')
        return fail(p, p->pos,
                    "a comma after the last key of an inline table is not "
                    "allowed");
      continue;
    }
    if (c == '}') {
      p->pos++;
      t->flags |= MN__TOML_INLINE;
      return 0;
    }
    if (at_newline(p))
      return inline_newline(p);
    return fail(p, p->pos, "expected ',' or '}' in an inline table, found %s",
                FOUND(p, p->pos));
  }
}

/* A value at level depth below the root; *out receives it (owned by the
 * caller), or stays NULL on failure. */
static int read_value(parser_t *p, int depth, mn_toml_value_t **out) {
  size_t off = p->pos;
  uint32_t line, col;
  locate(p, off, &line, &col);
  int c = peek(p);
  int rc;
  mn_toml_value_t *v;
  if (c == '[' || c == '{') {
    if (depth > MN_TOML_MAX_DEPTH)
      return too_deep(p, off);
    v = mn__toml_new(c == '[' ? MN_TOML_ARRAY : MN_TOML_TABLE, line, col);
    rc = c == '[' ? read_array(p, depth, v) : read_inline_table(p, depth, v);
  } else if (c == '"' || c == '\'') {
    v = mn__toml_new(MN_TOML_STRING, line, col);
    if (peek_at(p, 1) == c && peek_at(p, 2) == c)
      rc = read_multiline_string(p, (char)c);
    else
      rc = read_line_string(p, (char)c);
    if (rc == 0)
      v->u.s.ptr = buf_take(p, &v->u.s.len);
  } else {
    v = mn__toml_new(MN_TOML_INTEGER, line, col);
    rc = read_scalar(p, v);
  }
  if (rc) {
    mn__toml_value_free(v);
    return rc;
  }
  *out = v;
  return 0;
}

/* --------------------------------------------------------------------------
 * Table headers
 * ------------------------------------------------------------------------ */

static int read_header(parser_t *p) {
  size_t hoff = p->pos;
  uint32_t hline, hcol;
  locate(p, hoff, &hline, &hcol);
  bool aot = peek_at(p, 1) == '[';
  p->pos += aot ? 2 : 1;
  skip_ws(p);
  int rc = read_key(p, "a table name");
  if (rc)
    return rc;
  if (!p->key_cut &&
      (aot ? !(peek(p) == ']' && peek_at(p, 1) == ']') : peek(p) != ']')) {
    size_t at = aot && peek(p) == ']' ? p->pos + 1 : p->pos;
    char *kt = key_text(p, p->nsegs);
    rc =
        fail(p, at, "expected '%s' after %s \"%s\", found %s", aot ? "]]" : "]",
             aot ? "array of tables name" : "table name", kt, FOUND(p, at));
    free(kt);
    return rc;
  }
  p->pos += aot ? 2 : 1;

  mn_toml_value_t *t = p->root;
  int depth = 0;
  size_t tables = p->key_cut ? p->nsegs : p->nsegs - 1;
  for (size_t i = 0; i < tables; i++) {
    seg_t *s = &p->segs[i];
    mn_toml_entry_t *e = mn__toml_find(t, s->s, s->len);
    mn_toml_value_t *v = e ? (mn_toml_value_t *)e->value : NULL;
    if (v && v->type == MN_TOML_ARRAY && (v->flags & MN__TOML_AOT)) {
      /* [a.b] after [[a]] means b in the last table of a. */
      depth += 2;
      t = v->u.arr.items[v->u.arr.len - 1];
    } else {
      depth += 1;
      if (!v) {
        v = mn__toml_new(MN_TOML_TABLE, s->line, s->col);
        v->flags = MN__TOML_IMPLICIT;
        mn__toml_insert(t, mn__xstrndup(s->s, s->len), s->len, s->line, s->col,
                        v);
      } else if (v->type != MN_TOML_TABLE || (v->flags & MN__TOML_INLINE)) {
        char *kt = key_text(p, i + 1);
        if (v->type == MN_TOML_TABLE)
          rc = fail_lc(p, s->line, s->col,
                       "cannot add to inline table \"%s\" (defined at "
                       "%" PRIu32 ":%" PRIu32 "): inline tables are complete",
                       kt, v->line, v->col);
        else
          rc = fail_lc(p, s->line, s->col,
                       "key \"%s\" is already %s (defined at %" PRIu32
                       ":%" PRIu32 "), not a table",
                       kt, a_type(v), e->line, e->col);
        free(kt);
        return rc;
      }
      t = v;
    }
    if (depth > MN_TOML_MAX_DEPTH)
      return fail_lc(p, s->line, s->col,
                     "tables and arrays nested deeper than %d levels",
                     MN_TOML_MAX_DEPTH);
  }

  if (p->key_cut) /* not reached: the loop met the depth limit */
    return too_deep(p, p->pos);
  seg_t *last = &p->segs[p->nsegs - 1];
  depth += aot ? 2 : 1;
  if (depth > MN_TOML_MAX_DEPTH)
    return fail_lc(p, last->line, last->col,
                   "tables and arrays nested deeper than %d levels",
                   MN_TOML_MAX_DEPTH);
  mn_toml_entry_t *e = mn__toml_find(t, last->s, last->len);
  mn_toml_value_t *v = e ? (mn_toml_value_t *)e->value : NULL;
  mn_toml_value_t *target = NULL;
  char *kt = NULL;
  if (aot) {
    if (!v) {
      v = mn__toml_new(MN_TOML_ARRAY, hline, hcol);
      v->flags = MN__TOML_AOT;
      mn__toml_insert(t, mn__xstrndup(last->s, last->len), last->len,
                      last->line, last->col, v);
    } else if (v->type != MN_TOML_ARRAY || !(v->flags & MN__TOML_AOT)) {
      kt = key_text(p, p->nsegs);
      rc = fail_lc(p, last->line, last->col,
                   "cannot define array of tables [[%s]]: key \"%s\" is "
                   "already %s (defined at %" PRIu32 ":%" PRIu32 ")",
                   kt, kt,
                   v->type == MN_TOML_ARRAY ? "a static array" : a_type(v),
                   e->line, e->col);
      goto out;
    }
    target = mn__toml_new(MN_TOML_TABLE, hline, hcol);
    target->flags = MN__TOML_HEADER;
    mn__toml_push(v, target);
  } else if (!v) {
    target = mn__toml_new(MN_TOML_TABLE, hline, hcol);
    target->flags = MN__TOML_HEADER;
    mn__toml_insert(t, mn__xstrndup(last->s, last->len), last->len, last->line,
                    last->col, target);
  } else if (v->type == MN_TOML_TABLE && v->flags == MN__TOML_IMPLICIT) {
    /* Made by an earlier [a.b.c]; this is its own header. */
    v->flags = MN__TOML_HEADER;
    v->line = hline;
    v->col = hcol;
    e->line = last->line;
    e->col = last->col;
    target = v;
  } else {
    kt = key_text(p, p->nsegs);
    if (v->type != MN_TOML_TABLE)
      rc = fail_lc(p, last->line, last->col,
                   "cannot define table [%s]: key \"%s\" is already %s "
                   "(defined at %" PRIu32 ":%" PRIu32 ")",
                   kt, kt, a_type(v), e->line, e->col);
    else if (v->flags & MN__TOML_INLINE)
      rc = fail_lc(p, last->line, last->col,
                   "cannot define table [%s]: it is already an inline "
                   "table (defined at %" PRIu32 ":%" PRIu32 ")",
                   kt, v->line, v->col);
    else if (v->flags & MN__TOML_DOTTED)
      rc = fail_lc(p, last->line, last->col,
                   "cannot define table [%s]: it was already made by dotted "
                   "keys at %" PRIu32 ":%" PRIu32,
                   kt, e->line, e->col);
    else
      rc = fail_lc(p, last->line, last->col,
                   "table [%s] is defined twice (first at %" PRIu32 ":%" PRIu32
                   ")",
                   kt, v->line, v->col);
    goto out;
  }
  segs_clear(p);
  p->cur = target;
  p->cur_depth = depth;
  rc = end_line(p, "a table header");
out:
  free(kt);
  return rc;
}

/* --------------------------------------------------------------------------
 * The document
 * ------------------------------------------------------------------------ */

static int read_document(parser_t *p) {
  for (;;) {
    skip_ws(p);
    if (at_eof(p))
      return 0;
    int c = peek(p);
    int rc;
    if (c == '#') {
      rc = skip_comment(p);
      if (rc == 0)
        rc = end_line(p, "a comment");
    } else if (c == '\n') {
      p->pos++;
      rc = 0;
    } else if (c == '\r') {
      if (peek_at(p, 1) != '\n')
        return bare_cr(p, p->pos);
      p->pos += 2;
      rc = 0;
    } else if (c == '[') {
      rc = read_header(p);
    } else {
      rc = read_keyval(p, p->cur, p->cur_depth);
      if (rc == 0)
        rc = end_line(p, "a value");
    }
    if (rc)
      return rc;
  }
}

int mn__toml_parse(const char *text, size_t len, const char *filename,
                   mn_toml_value_t **out, char **err) {
  *out = NULL;
  if (err)
    *err = NULL;
  if (!filename)
    filename = "<input>";
  parser_t *p = mn__xcalloc(1, sizeof *p);
  p->src = (const unsigned char *)text;
  p->len = len;
  p->filename = filename;
  p->loc_line = 1;
  p->loc_col = 1;
  int rc = 0;
  if (len >= MN_TOML_MAX_INPUT) {
    rc = fail_lc(p, 1, 1, "input of %zu bytes is too large (limit %u)", len,
                 MN_TOML_MAX_INPUT - 1);
    goto out;
  }
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
    p->pos = p->base = p->loc_off = p->loc_line_off = 3;
  if (len >= 2 &&
      (memcmp(text, "\xff\xfe", 2) == 0 || memcmp(text, "\xfe\xff", 2) == 0)) {
    rc = fail_lc(p, 1, 1,
                 "the input is UTF-16; TOML documents must be "
                 "UTF-8");
    goto out;
  }
  p->root = mn__toml_new(MN_TOML_TABLE, 1, 1);
  p->root->flags = MN__TOML_HEADER;
  p->cur = p->root;
  rc = read_document(p);
out:
  segs_clear(p);
  free(p->buf);
  if (rc) {
    mn__toml_value_free(p->root);
    if (err)
      *err = p->err;
    else
      free(p->err);
  } else {
    *out = p->root;
  }
  free(p);
  return rc;
}
