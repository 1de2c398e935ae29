/*
 * lex.c - the KISS tokenizer (spec/kissvm.md §2), byte for byte the
 * reference's ScriptTokenizer: the same word classes in the same order,
 * the same "a command needs whitespace before it" rule, and the same
 * case-insensitive mode the script cleaner uses.
 *
 * The reference scans UTF-16 characters; every non-ASCII character is a
 * word character there, so scanning UTF-8 bytes gives the same tokens.
 */
#include <stdio.h>
#include <string.h>

#include "kiss.h"

const char *const kiss_cmd_names[CMD_COUNT] = {
#define KISS_CMD_NAME(n) #n,
    KISS_COMMANDS(KISS_CMD_NAME)
#undef KISS_CMD_NAME
};

const char *const kiss_op_texts[OP_COUNT] = {
#define KISS_OP_TEXT(n, t) t,
    KISS_OPERATORS(KISS_OP_TEXT)
#undef KISS_OP_TEXT
};

const char *const kiss_fn_names[FN_COUNT] = {
#define KISS_FN_NAME(n, a, m) #n,
    KISS_FUNCTIONS(KISS_FN_NAME)
#undef KISS_FN_NAME
};

const uint8_t kiss_fn_params[FN_COUNT] = {
#define KISS_FN_PAR(n, a, m) a,
    KISS_FUNCTIONS(KISS_FN_PAR)
#undef KISS_FN_PAR
};

const uint8_t kiss_fn_min[FN_COUNT] = {
#define KISS_FN_MIN(n, a, m) m,
    KISS_FUNCTIONS(KISS_FN_MIN)
#undef KISS_FN_MIN
};

static bool is_ws(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

/* End-of-word characters: + - / * % & | ^ ~ = ( ) [ ] < > */
static bool is_eow(unsigned char c) {
  switch (c) {
  case '+': case '-': case '/': case '*': case '%': case '&': case '|':
  case '^': case '~': case '=': case '(': case ')': case '[': case ']':
  case '<': case '>':
    return true;
  }
  return false;
}

static int find_word(const char *const *tab, int n, const char *w, size_t len) {
  if (len == 0 || len > 15)
    return -1;
  for (int i = 0; i < n; i++)
    if (tab[i][0] == w[0] && strlen(tab[i]) == len &&
        memcmp(tab[i], w, len) == 0)
      return i;
  return -1;
}

static bool is_numeric(const char *w, size_t n) {
  size_t i = 0;
  while (i < n && w[i] >= '0' && w[i] <= '9')
    i++;
  if (i == 0)
    return false;
  if (i == n)
    return true;
  if (w[i] != '.')
    return false;
  size_t j = ++i;
  while (i < n && w[i] >= '0' && w[i] <= '9')
    i++;
  return i > j && i == n;
}

static bool is_hexdigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static bool is_hex(const char *w, size_t n) {
  if (n < 3 || w[0] != '0' || w[1] != 'x')
    return false;
  for (size_t i = 2; i < n; i++)
    if (!is_hexdigit(w[i]))
      return false;
  return true;
}

static bool is_global(const char *w, size_t n) {
  if (n < 2 || w[0] != '@')
    return false;
  for (size_t i = 1; i < n; i++)
    if (w[i] < 'A' || w[i] > 'Z')
      return false;
  return true;
}

static bool is_variable(const char *w, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (w[i] < 'a' || w[i] > 'z')
      return false;
  return true;
}

static int push(karena_t *a, ktoks_t *t, int type, int sub, uint32_t off,
                const char *text, size_t len) {
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 64;
    ktok_t *v = kiss_alloc(a, sizeof *v * cap);
    if (!v)
      return -1;
    if (t->n)
      memcpy(v, t->v, sizeof *v * t->n);
    t->v = v;
    t->cap = cap;
  }
  ktok_t *k = &t->v[t->n++];
  k->type = (uint8_t)type;
  k->sub = (uint8_t)sub;
  k->off = off;
  k->len = (uint32_t)len;
  k->text = text;
  return 0;
}

static void shorten(char *out, size_t cap, const char *s, size_t n) {
  size_t m = n < 40 ? n : 40;
  snprintf(out, cap, "%.*s%s", (int)m, s, n > m ? "..." : "");
}

int kiss_lex(const char *src, size_t len, bool clean, karena_t *a,
             ktoks_t *out, char *msg, size_t msgcap, uint32_t *erroff) {
  memset(out, 0, sizeof *out);
  size_t pos = 0;
  bool waslastspace = true;
  char word[48];
  while (pos < len) {
    unsigned char c = (unsigned char)src[pos];
    bool wasspace = false;
    uint32_t off = (uint32_t)pos;
    int rc = 0;
    if (is_ws(c)) {
      pos++;
      wasspace = true;
    } else if (strchr("+-/*%&|^~=", c) && c) {
      int op = find_word(kiss_op_texts, OP_FIRST_WORD, src + pos, 1);
      rc = push(a, out, TK_OPERATOR, op, off, src + pos, 1);
      pos++;
    } else if (c == '<' || c == '>') {
      if (pos + 1 >= len) {
        snprintf(msg, msgcap, "incomplete operator '%c' at the end (offset "
                 "%u)", c, off);
        *erroff = off;
        return clean ? -2 : -1;
      }
      if ((unsigned char)src[pos + 1] != c) {
        snprintf(msg, msgcap, "incorrect token '%c%c' at offset %u", c,
                 src[pos + 1], off);
        *erroff = off;
        return -1;
      }
      rc = push(a, out, TK_OPERATOR, c == '<' ? OP_SHL : OP_SHR, off,
                src + pos, 2);
      pos += 2;
    } else if (c == '(' || c == ')') {
      rc = push(a, out, c == '(' ? TK_OPEN : TK_CLOSE, 0, off, src + pos, 1);
      pos++;
    } else if (c == '[') {
      size_t start = pos;
      int sq = 0;
      while (pos < len) {
        char ch = src[pos];
        if (ch == '[')
          sq++;
        else if (ch == ']') {
          sq--;
          if (sq == 0) {
            pos++;
            break;
          }
        }
        pos++;
      }
      rc = push(a, out, TK_VALUE, KT_STR, off, src + start, pos - start);
    } else {
      size_t start = pos;
      while (pos < len && !is_eow((unsigned char)src[pos]) &&
             !is_ws((unsigned char)src[pos]))
        pos++;
      const char *w = src + start;
      size_t wl = pos - start;
      if (c == '$') {
        rc = push(a, out, TK_PARAM, 0, off, w, wl);
      } else {
        const char *up = w, *lo = w;
        size_t ul = wl, ll = wl;
        if (clean) {
          char *u = kiss_alloc(a, wl * 3 + 1), *l = kiss_alloc(a, wl * 3 + 1);
          if (!u || !l)
            return -3;
          ul = kiss_java_upper(w, wl, u);
          ll = kiss_java_lower(w, wl, l);
          up = u;
          lo = l;
        }
        int k;
        if ((k = find_word(kiss_cmd_names, CMD_COUNT, up, ul)) >= 0) {
          if (!waslastspace) {
            snprintf(msg, msgcap, "missing space before command %s at "
                     "offset %u", kiss_cmd_names[k], off);
            *erroff = off;
            return -1;
          }
          rc = push(a, out, TK_COMMAND, k, off, up, ul);
        } else if ((k = find_word(kiss_fn_names, FN_COUNT, up, ul)) >= 0) {
          rc = push(a, out, TK_FUNCTION, k, off, up, ul);
        } else if ((k = find_word(kiss_op_texts + OP_FIRST_WORD,
                                  OP_COUNT - OP_FIRST_WORD, up, ul)) >= 0) {
          rc = push(a, out, TK_OPERATOR, k + OP_FIRST_WORD, off, up, ul);
        } else if (is_numeric(w, wl)) {
          rc = push(a, out, TK_VALUE, KT_NUM, off, w, wl);
        } else if (is_hex(w, wl)) {
          rc = push(a, out, TK_VALUE, KT_HEX, off, w, wl);
        } else if (ul == 4 && memcmp(up, "TRUE", 4) == 0) {
          rc = push(a, out, TK_TRUE, 0, off, up, ul);
        } else if (ul == 5 && memcmp(up, "FALSE", 5) == 0) {
          rc = push(a, out, TK_FALSE, 0, off, up, ul);
        } else if (is_global(up, ul)) {
          rc = push(a, out, TK_GLOBAL, 0, off, up, ul);
        } else if (is_variable(lo, ll)) {
          if (ll > KISS_MAX_VARLEN) {
            shorten(word, sizeof word, w, wl);
            snprintf(msg, msgcap, "variable name longer than %d letters: "
                     "'%s' at offset %u", KISS_MAX_VARLEN, word, off);
            *erroff = off;
            return -1;
          }
          rc = push(a, out, TK_VARIABLE, 0, off, lo, ll);
        } else {
          if (wl == 0)
            snprintf(msg, msgcap, "unexpected '%c' at offset %u", c, off);
          else {
            shorten(word, sizeof word, w, wl);
            snprintf(msg, msgcap, "incorrect token '%s' at offset %u", word,
                     off);
          }
          *erroff = off;
          return -1;
        }
      }
    }
    if (rc)
      return -3;
    waslastspace = wasspace;
  }
  return 0;
}
