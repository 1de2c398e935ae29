/*
 * clean.c - the node's "clean script" (the reference's
 * Contract.cleanScript), which runs before a script's address is computed.
 *
 * Whitespace runs become one space and the ends are trimmed; the text is
 * tokenized case-insensitively (keywords, functions, operators, TRUE,
 * FALSE and globals upper case, variables lower case, hex digits upper
 * case) and written back with the reference's spacing rules.  A script the
 * tokenizer rejects comes back unchanged, as in the reference.
 */
#include <stdlib.h>
#include <string.h>

#include "kiss.h"

static bool jws(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

static bool in_list(const char *s, size_t n, const char *const *list) {
  for (; *list; list++)
    if (strlen(*list) == n && memcmp(*list, s, n) == 0)
      return true;
  return false;
}

static const char *const bool_ops[] = {"LT",   "LTE",  "GT",  "GTE", "EQ",
                                       "NEQ",  "XOR",  "AND", "OR",  "NXOR",
                                       "NAND", "NOR",  "NOT", "NEG", NULL};
static const char *const eow[] = {"+", "-", "/", "*", "%", "&", "|",
                                  "^", "~", "=", "(", ")", "[", "]",
                                  "<", ">", "<<", ">>", NULL};
static const char *const after[] = {"+", "-", "/", "*", "%",  "&",  "|",
                                    "^", "=", "<", ">", "<<", ">>", ")",
                                    NULL};

static bool ends(const ktok_t *t, char c) {
  return t && t->len && t->text[t->len - 1] == c;
}

static bool ret_ends_space(const mn_buf_t *b) {
  return b->len && b->data[b->len - 1] == ' ';
}

static void put(mn_buf_t *b, const char *s, size_t n) { mn_buf_put(b, s, n); }

int kiss_clean(const char *src, size_t len, mn_buf_t *out) {
  /* replaceAll("\\s+", " ") then trim() (chars <= U+0020) */
  char *s = malloc(len + 1);
  if (!s)
    return MN_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    if (jws((unsigned char)src[i])) {
      while (i < len && jws((unsigned char)src[i]))
        i++;
      s[n++] = ' ';
    } else
      s[n++] = src[i++];
  }
  size_t a = 0, z = n;
  while (a < z && (unsigned char)s[a] <= 0x20)
    a++;
  while (z > a && (unsigned char)s[z - 1] <= 0x20)
    z--;

  karena_t ar;
  kiss_arena_init(&ar, NULL, 0);
  ktoks_t toks;
  char msg[MN_KISS_MSG_MAX];
  uint32_t off;
  int rc = kiss_lex(s + a, z - a, true, &ar, &toks, msg, sizeof msg, &off);
  if (rc == -3) {
    rc = MN_ENOMEM;
    goto out;
  }
  if (rc == -2) {
    rc = 2;
    goto out;
  }
  if (rc) {
    mn_buf_put(out, src, len);
    rc = out->err ? out->err : 1;
    goto out;
  }
  mn_buf_t r = {0};
  bool whites = true;
  const ktok_t *prev = NULL;
  for (uint32_t i = 0; i < toks.n; i++) {
    const ktok_t *t = &toks.v[i];
    const char *T = t->text;
    size_t L = t->len;
    if (t->type == TK_COMMAND) {
      if (!ret_ends_space(&r))
        put(&r, " ", 1);
      put(&r, T, L);
      put(&r, " ", 1);
      whites = true;
    } else if (in_list(T, L, bool_ops)) {
      put(&r, " ", 1);
      put(&r, T, L);
      put(&r, " ", 1);
      whites = true;
    } else if (L >= 2 && T[0] == '0' && T[1] == 'x') {
      if (ends(prev, ')') || !whites)
        put(&r, " ", 1);
      put(&r, "0x", 2);
      for (size_t k = 2; k < L; k++) {
        char c = T[k];
        mn_buf_put_u8(&r, (uint8_t)(c >= 'a' && c <= 'z' ? c - 32 : c));
      }
      whites = false;
    } else if (L && (T[0] == '(' || T[0] == '[')) {
      bool space;
      if (whites)
        space = ends(prev, ')') || ends(prev, ']');
      else
        space = prev && in_list(prev->text, prev->len, eow);
      if (space)
        put(&r, " ", 1);
      put(&r, T, L);
      whites = true;
    } else {
      bool lastclose = ends(prev, ')') || ends(prev, ']');
      if (lastclose && !in_list(T, L, after)) {
        put(&r, " ", 1);
        put(&r, T, L);
        whites = false;
      } else if (in_list(T, L, eow)) {
        put(&r, T, L);
        whites = true;
      } else {
        if (!whites)
          put(&r, " ", 1);
        put(&r, T, L);
        whites = false;
      }
    }
    prev = t;
  }
  if (r.err) {
    rc = r.err;
    mn_buf_free(&r);
    goto out;
  }
  size_t ra = 0, rz = r.len;
  while (ra < rz && r.data[ra] <= 0x20)
    ra++;
  while (rz > ra && r.data[rz - 1] <= 0x20)
    rz--;
  mn_buf_put(out, r.data ? r.data + ra : NULL, rz - ra);
  mn_buf_free(&r);
  rc = out->err;
out:
  kiss_arena_free(&ar);
  free(s);
  return rc;
}
