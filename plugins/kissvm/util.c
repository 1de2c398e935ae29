/*
 * util.c - the arena and the text helpers that give UTF-8 text the
 * semantics of Java strings (the reference works on UTF-16 strings).
 */
#include <stdlib.h>
#include <string.h>

#include "kiss.h"

/* ---- arena -------------------------------------------------------------- */

#define KISS_CHUNK 16384

void kiss_arena_init(karena_t *a, void *buf, size_t cap) {
  memset(a, 0, sizeof *a);
  a->first.data = buf;
  a->first.cap = buf ? cap : 0;
  a->head = &a->first;
}

void kiss_arena_free(karena_t *a) {
  kchunk_t *c = a->head;
  while (c && c != &a->first) {
    kchunk_t *next = c->next;
    free(c);
    c = next;
  }
  a->head = &a->first;
  a->first.used = 0;
}

void *kiss_alloc(karena_t *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  kchunk_t *c = a->head;
  if (c->cap - c->used >= n) {
    void *p = c->data + c->used;
    c->used += n;
    return p;
  }
  size_t cap = n > KISS_CHUNK ? n : KISS_CHUNK;
  kchunk_t *nc = malloc(sizeof *nc + cap + 15);
  if (!nc) {
    a->oom = true;
    return NULL;
  }
  nc->data = (uint8_t *)(((uintptr_t)(nc + 1) + 15) & ~(uintptr_t)15);
  nc->cap = cap;
  nc->used = n;
  nc->next = c;
  a->head = nc;
  return nc->data;
}

void kiss_arena_move(karena_t *dst, karena_t *src) {
  *dst = *src;
  if (src->head == &src->first) {
    dst->head = &dst->first;
    return;
  }
  for (kchunk_t *c = dst->head; c; c = c->next)
    if (c->next == &src->first) {
      c->next = &dst->first;
      break;
    }
}

kmark_t kiss_mark(const karena_t *a) {
  kmark_t m = {a->head, a->head->used};
  return m;
}

void kiss_reset(karena_t *a, kmark_t m) {
  kchunk_t *c = a->head;
  while (c != m.chunk) {
    kchunk_t *next = c->next;
    free(c);
    c = next;
  }
  a->head = m.chunk;
  m.chunk->used = m.used;
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Decodes UTF-8 the way Java's String(byte[], UTF_8) does, which is not
 * quite Unicode's "maximal subpart" rule: an encoded surrogate (ED A0..BF
 * xx) is one U+FFFD for all three bytes, and a broken ED sequence is cut
 * like any other three-byte lead.  Each call handles the sequence at s[0]
 * and returns the bytes consumed; *cp is the code point or 0xFFFD. */
static bool cont(uint8_t b) { return (b & 0xC0) == 0x80; }

static size_t jdecode(const uint8_t *s, size_t n, uint32_t *cp) {
  uint8_t b1 = s[0];
  *cp = 0xFFFD;
  if (b1 < 0x80) {
    *cp = b1;
    return 1;
  }
  if (b1 >= 0xC2 && b1 <= 0xDF) { /* two bytes */
    if (n < 2)
      return 1;
    if (!cont(s[1]))
      return 1;
    *cp = (uint32_t)(b1 & 0x1F) << 6 | (s[1] & 0x3F);
    return 2;
  }
  if (b1 >= 0xE0 && b1 <= 0xEF) { /* three bytes */
    if (n < 3) {
      if (n == 2 && ((b1 == 0xE0 && (s[1] & 0xE0) == 0x80) || !cont(s[1])))
        return 1;
      return n; /* a truncated sequence at the end: one U+FFFD */
    }
    uint8_t b2 = s[1], b3 = s[2];
    if ((b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !cont(b2) || !cont(b3))
      return ((b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !cont(b2)) ? 1 : 2;
    uint32_t c = (uint32_t)(b1 & 0x0F) << 12 | (uint32_t)(b2 & 0x3F) << 6 |
                 (b3 & 0x3F);
    if (c < 0xD800 || c > 0xDFFF)
      *cp = c;
    return 3;
  }
  if (b1 >= 0xF0 && b1 <= 0xF7) { /* four bytes */
    if (n < 4) {
      if (b1 > 0xF4)
        return 1;
      if (n >= 2) {
        uint8_t b2 = s[1];
        if ((b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) ||
            (b1 == 0xF4 && (b2 & 0xF0) != 0x80) || !cont(b2))
          return 1;
      }
      if (n >= 3 && !cont(s[2]))
        return 2;
      return n;
    }
    uint8_t b2 = s[1], b3 = s[2], b4 = s[3];
    uint32_t u = (uint32_t)(b1 & 0x07) << 18 | (uint32_t)(b2 & 0x3F) << 12 |
                 (uint32_t)(b3 & 0x3F) << 6 | (b4 & 0x3F);
    if (!cont(b2) || !cont(b3) || !cont(b4) || u < 0x10000 ||
        u > 0x10FFFF) {
      if (b1 > 0xF4 || (b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) ||
          (b1 == 0xF4 && (b2 & 0xF0) != 0x80) || !cont(b2))
        return 1;
      return cont(b3) ? 3 : 2;
    }
    *cp = u;
    return 4;
  }
  return 1;
}

static size_t u8len(uint32_t c) {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static size_t u8put(uint32_t c, uint8_t *o) {
  if (c < 0x80) {
    o[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    o[0] = (uint8_t)(0xC0 | c >> 6);
    o[1] = (uint8_t)(0x80 | (c & 63));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (uint8_t)(0xE0 | c >> 12);
    o[1] = (uint8_t)(0x80 | (c >> 6 & 63));
    o[2] = (uint8_t)(0x80 | (c & 63));
    return 3;
  }
  o[0] = (uint8_t)(0xF0 | c >> 18);
  o[1] = (uint8_t)(0x80 | (c >> 12 & 63));
  o[2] = (uint8_t)(0x80 | (c >> 6 & 63));
  o[3] = (uint8_t)(0x80 | (c & 63));
  return 4;
}

size_t kiss_utf8_sanitized_len(const uint8_t *s, size_t len) {
  size_t out = 0, i = 0;
  while (i < len) {
    uint32_t cp;
    i += jdecode(s + i, len - i, &cp);
    out += u8len(cp);
  }
  return out;
}

void kiss_utf8_sanitize(const uint8_t *s, size_t len, uint8_t *o) {
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    i += jdecode(s + i, len - i, &cp);
    o += u8put(cp, o);
  }
}

size_t kiss_utf16_len(const uint8_t *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = s[i];
    if ((c & 0xC0) != 0x80)
      n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

size_t kiss_utf16_offset(const uint8_t *s, size_t len, size_t u, bool *split) {
  size_t i = 0, n = 0;
  *split = false;
  while (i < len && n < u) {
    uint8_t c = s[i];
    size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    size_t w = k == 4 ? 2 : 1;
    if (n + w > u) {
      *split = true;
      return i;
    }
    n += w;
    i += k;
  }
  return i;
}

/* Zero code points of the BMP decimal digit blocks (Unicode Nd). */
static const uint16_t digit_zeros[] = {
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
    0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20,
    0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0,
    0xA9F0, 0xAA50, 0xABF0, 0xFF10};

size_t kiss_ascii_digits(const uint8_t *s, size_t len, uint8_t *out) {
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    uint8_t c = s[i];
    if (c >= 0xC0 && c < 0xF0) {
      size_t k = c < 0xE0 ? 2 : 3;
      if (i + k <= len) {
        uint32_t cp = k == 2 ? (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3F)
                             : (uint32_t)(c & 0x0F) << 12 |
                                   (uint32_t)(s[i + 1] & 0x3F) << 6 |
                                   (s[i + 2] & 0x3F);
        bool hit = false;
        for (size_t z = 0; z < sizeof digit_zeros / sizeof *digit_zeros; z++)
          if (cp >= digit_zeros[z] && cp < digit_zeros[z] + 10u) {
            out[o++] = (uint8_t)('0' + (cp - digit_zeros[z]));
            hit = true;
            break;
          }
        if (!hit) {
          memcpy(out + o, s + i, k);
          o += k;
        }
        i += k;
        continue;
      }
    }
    out[o++] = c;
    i++;
  }
  return o;
}

/* Non-ASCII characters whose Java upper-case form is ASCII. */
static const struct {
  uint32_t cp;
  const char *up;
} upper_special[] = {
    {0x00DF, "SS"},  {0x0131, "I"},   {0x017F, "S"},  {0xFB00, "FF"},
    {0xFB01, "FI"},  {0xFB02, "FL"},  {0xFB03, "FFI"}, {0xFB04, "FFL"},
    {0xFB05, "ST"},  {0xFB06, "ST"},
};

static uint32_t decode_cp(const char *s, size_t len, size_t *k) {
  const uint8_t *u = (const uint8_t *)s;
  uint8_t c = u[0];
  if (c < 0x80 || len < 2) {
    *k = 1;
    return c;
  }
  if (c < 0xE0) {
    *k = 2;
    return (uint32_t)(c & 0x1F) << 6 | (u[1] & 0x3F);
  }
  if (c < 0xF0 || len < 4) {
    *k = len < 3 ? len : 3;
    if (*k < 3)
      return 0xFFFD;
    return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
           (u[2] & 0x3F);
  }
  *k = 4;
  return 0x10000;
}

size_t kiss_java_upper(const char *s, size_t len, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[o++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
      i++;
      continue;
    }
    size_t k;
    uint32_t cp = decode_cp(s + i, len - i, &k);
    const char *rep = NULL;
    for (size_t j = 0; j < sizeof upper_special / sizeof *upper_special; j++)
      if (upper_special[j].cp == cp)
        rep = upper_special[j].up;
    if (rep) {
      size_t rl = strlen(rep);
      memcpy(out + o, rep, rl);
      o += rl;
    } else {
      memcpy(out + o, s + i, k);
      o += k;
    }
    i += k;
  }
  return o;
}

size_t kiss_java_lower(const char *s, size_t len, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      i++;
      continue;
    }
    size_t k;
    uint32_t cp = decode_cp(s + i, len - i, &k);
    if (cp == 0x212A) { /* KELVIN SIGN */
      out[o++] = 'k';
    } else {
      memcpy(out + o, s + i, k);
      o += k;
    }
    i += k;
  }
  return o;
}

uint32_t kiss_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

const char *kiss_type_name(int t) {
  switch (t) {
  case KT_BOOL:
    return "BOOLEAN";
  case KT_NUM:
    return "NUMBER";
  case KT_HEX:
    return "HEX";
  case KT_STR:
    return "STRING";
  }
  return "?";
}
