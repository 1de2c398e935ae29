/*
 * text.c - the rpc plugin's text helpers: buffers, the reference's reading
 * of a GET target, UTF-8 and base64 checks, credentials, the browser guard
 * and log masking.  Pure functions; no loop, no host.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <minima/errors.h>

#include "rpc.h"

/* ---- buffers ------------------------------------------------------------- */

bool rpc_buf_add(rpc_buf_t *b, const void *p, size_t n) {
  if (n > SIZE_MAX / 2 - b->len - 1)
    return false;
  if (!b->data || b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
      return false;
    b->data = d;
    b->cap = cap;
  }
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

bool rpc_buf_printf(rpc_buf_t *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return false;
  if ((size_t)n < sizeof small)
    return rpc_buf_add(b, small, (size_t)n);
  char *big = malloc((size_t)n + 1);
  if (!big)
    return false;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = rpc_buf_add(b, big, (size_t)n);
  free(big);
  return ok;
}

void rpc_buf_reset(rpc_buf_t *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

void rpc_buf_free(rpc_buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- the command line of a GET ------------------------------------------- */

const char *rpc_trim(const char *s, size_t *len) {
  size_t n = *len;
  while (n && (unsigned char)*s <= ' ') {
    s++;
    n--;
  }
  while (n && (unsigned char)s[n - 1] <= ' ')
    n--;
  *len = n;
  return s;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int rpc_target_command(const char *target, size_t len, char **out,
                       size_t *out_len, size_t *bad_at) {
  const char *t = target;
  size_t n = len;
  if (n && t[0] == '/') {
    t++;
    n--;
  }
  if (n && t[n - 1] == '/')
    n--;
  char *d = malloc(n + 1);
  if (!d)
    return MN_ENOMEM;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    if (c == '+') {
      d[w++] = ' ';
    } else if (c == '%') {
      int hi = i + 1 < n ? hexval(t[i + 1]) : -1;
      int lo = i + 2 < n ? hexval(t[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        free(d);
        if (bad_at)
          *bad_at = (size_t)(t - target) + i;
        return MN_EFORMAT;
      }
      d[w++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      d[w++] = c;
    }
  }
  size_t tl = w;
  const char *s = rpc_trim(d, &tl);
  memmove(d, s, tl);
  d[tl] = '\0';
  *out = d;
  *out_len = tl;
  return 0;
}

/* ---- UTF-8 and base64 ---------------------------------------------------- */

size_t rpc_utf8_check(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    unsigned cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return i;
    }
    if (len - i <= need)
      return i;
    for (size_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return i;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return i;
    i += need + 1;
  }
  return len;
}

static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

bool rpc_base64_decode(const char *in, size_t len, unsigned char *out,
                       size_t *out_len) {
  size_t pad = 0;
  while (len && in[len - 1] == '=' && pad < 2) {
    len--;
    pad++;
  }
  if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
    return false;
  uint32_t acc = 0;
  int bits = 0;
  size_t w = 0;
  for (size_t i = 0; i < len; i++) {
    int v = b64val((unsigned char)in[i]);
    if (v < 0)
      return false;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[w++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  /* Leftover bits of the last group must be zero in canonical text. */
  if (acc != 0)
    return false;
  *out_len = w;
  return true;
}

/* ---- credentials --------------------------------------------------------- */

bool rpc_secret_equal(const char *given, size_t given_len, const char *secret,
                      size_t secret_len) {
  if (secret_len == 0)
    return false;
  volatile unsigned char diff = given_len != secret_len;
  for (size_t i = 0; i < given_len; i++)
    diff |= (unsigned char)(given[i] ^ secret[i % secret_len]);
  return diff == 0;
}

/* Matches a scheme word (case-insensitive) followed by spaces; returns the
 * credentials after them, or NULL. */
static const char *scheme(const char *h, const char *name) {
  size_t n = strlen(name);
  if (strncasecmp(h, name, n) != 0 || (h[n] != ' ' && h[n] != '\t'))
    return NULL;
  h += n;
  while (*h == ' ' || *h == '\t')
    h++;
  return h;
}

bool rpc_auth_ok(const char *authorization, const char *password) {
  if (!authorization || !password || !*password)
    return false;
  const char *h = authorization;
  while (*h == ' ' || *h == '\t')
    h++;
  size_t plen = strlen(password);
  const char *cred;
  if ((cred = scheme(h, "Bearer")) != NULL) {
    size_t n = strlen(cred);
    cred = rpc_trim(cred, &n);
    return rpc_secret_equal(cred, n, password, plen);
  }
  if ((cred = scheme(h, "Basic")) == NULL)
    return false;
  size_t n = strlen(cred);
  cred = rpc_trim(cred, &n);
  if (n > 4096)
    return false;
  unsigned char dec[3 * 4096 / 4 + 4];
  size_t dlen;
  if (!rpc_base64_decode(cred, n, dec, &dlen))
    return false;
  const char *up = (const char *)dec;
  size_t ul = dlen;
  up = rpc_trim(up, &ul); /* the reference trims the decoded text */
  const char *colon = memchr(up, ':', ul);
  if (!colon)
    return false;
  bool user_ok = (size_t)(colon - up) == 6 && memcmp(up, "minima", 6) == 0;
  bool pass_ok = rpc_secret_equal(colon + 1, ul - (size_t)(colon - up) - 1,
                                  password, plen);
  return user_ok & pass_ok;
}

/* ---- addresses and the browser guard ------------------------------------- */

bool rpc_is_loopback(const char *addr) {
  if (!addr)
    return false;
  if (strcasecmp(addr, "localhost") == 0)
    return true;
  unsigned char b[16];
  if (inet_pton(AF_INET, addr, b) == 1)
    return b[0] == 127;
  if (inet_pton(AF_INET6, addr, b) == 1) {
    static const unsigned char one[16] = {[15] = 1};
    static const unsigned char v4map[12] = {[10] = 0xff, [11] = 0xff};
    if (memcmp(b, one, 16) == 0)
      return true;
    return memcmp(b, v4map, 12) == 0 && b[12] == 127;
  }
  return false;
}

bool rpc_is_address(const char *addr) {
  unsigned char b[16];
  return addr && (strcasecmp(addr, "localhost") == 0 ||
                  inet_pton(AF_INET, addr, b) == 1 ||
                  inet_pton(AF_INET6, addr, b) == 1);
}

/* True if the authority "host[:port]" or "[v6]:port" names this machine. */
static bool local_authority(const char *a, size_t n) {
  char host[128];
  if (n == 0 || n >= sizeof host)
    return false;
  if (a[0] == '[') {
    const char *end = memchr(a, ']', n);
    if (!end)
      return false;
    size_t hl = (size_t)(end - a) - 1;
    if (hl >= sizeof host)
      return false;
    memcpy(host, a + 1, hl);
    host[hl] = '\0';
  } else {
    const char *colon = memchr(a, ':', n);
    size_t hl = colon ? (size_t)(colon - a) : n;
    memcpy(host, a, hl);
    host[hl] = '\0';
    /* A trailing dot names the same host ("localhost."). */
    if (hl > 1 && host[hl - 1] == '.')
      host[hl - 1] = '\0';
  }
  return rpc_is_loopback(host);
}

static bool local_origin(const char *o) {
  const char *rest;
  if (strncasecmp(o, "http://", 7) == 0)
    rest = o + 7;
  else if (strncasecmp(o, "https://", 8) == 0)
    rest = o + 8;
  else
    return false;
  size_t n = strcspn(rest, "/");
  return local_authority(rest, n);
}

const char *rpc_browser_refusal(const char *origin, const char *fetch_site,
                                const char *host) {
  if (origin && !local_origin(origin))
    return "a web page asked for this (Origin header), and this RPC server "
           "has no password, so only pages served from this machine may use "
           "it; set [rpc] password to let authenticated web clients in";
  /* Without an Origin (links, images, forms that navigate) the browser
   * still says whether another site caused the request. */
  if (!origin && fetch_site &&
      (strcasecmp(fetch_site, "cross-site") == 0 ||
       strcasecmp(fetch_site, "same-site") == 0))
    return "a web page of another site made this request (Sec-Fetch-Site), "
           "and this RPC server has no password; set [rpc] password to let "
           "authenticated web clients in";
  if (host && !local_authority(host, strlen(host)))
    return "the Host header does not name this machine (localhost, "
           "127.0.0.1 or [::1]), which is how DNS-rebinding attacks look; "
           "connect to 127.0.0.1, or set [rpc] password";
  return NULL;
}

/* ---- log masking --------------------------------------------------------- */

static const char *const secret_keys[] = {"password", "phrase", "privatekey",
                                          "seed"};

/* Length of the secret key at s (including its ':'), or 0. */
static size_t secret_key_at(const char *s, size_t n) {
  for (size_t k = 0; k < sizeof secret_keys / sizeof *secret_keys; k++) {
    size_t kl = strlen(secret_keys[k]);
    if (n > kl && strncasecmp(s, secret_keys[k], kl) == 0 && s[kl] == ':')
      return kl + 1;
  }
  return 0;
}

/* Length of the value at s as the command tokenizer would take it. */
static size_t value_len(const char *s, size_t n) {
  if (n == 0)
    return 0;
  if (s[0] == '"') {
    const char *end = memchr(s + 1, '"', n - 1);
    return end ? (size_t)(end - s) + 1 : n;
  }
  if (s[0] == '{' || s[0] == '[') {
    int depth = 0;
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
      char c = s[i];
      if (c == '"' && (i == 0 || s[i - 1] != '\\'))
        quoted = !quoted;
      else if (!quoted && (c == '{' || c == '['))
        depth++;
      else if (!quoted && (c == '}' || c == ']') && --depth == 0)
        return i + 1;
    }
    return n;
  }
  size_t i = 0;
  while (i < n && !isspace((unsigned char)s[i]) && s[i] != ';')
    i++;
  return i;
}

char *rpc_mask_secrets(const char *line, size_t len, size_t max) {
  rpc_buf_t b = {0};
  bool ok = rpc_buf_add(&b, "", 0);
  size_t i = 0;
  while (ok && i < len && b.len < max) {
    bool start =
        i == 0 || isspace((unsigned char)line[i - 1]) || line[i - 1] == ';';
    size_t kl = start ? secret_key_at(line + i, len - i) : 0;
    if (kl) {
      ok = rpc_buf_add(&b, line + i, kl) && rpc_buf_add(&b, "***", 3);
      i += kl;
      i += value_len(line + i, len - i);
      continue;
    }
    unsigned char c = (unsigned char)line[i++];
    char out = c < 0x20 || c == 0x7f ? '?' : (char)c;
    ok = rpc_buf_add(&b, &out, 1);
  }
  if (ok && i < len)
    ok = rpc_buf_printf(&b, "...(%zu bytes)", len);
  if (!ok) {
    rpc_buf_free(&b);
    return NULL;
  }
  return b.data;
}

/* ---- JSON request bodies ---------------------------------------------------- */

static bool json_one(json_t *o, rpc_buf_t *b, char *errbuf, size_t cap) {
  const char *cmd = json_string_value(json_object_get(o, "command"));
  json_t *params = json_object_get(o, "params");
  if (!json_is_object(o) || !cmd || !*cmd || strpbrk(cmd, " ;\"")) {
    snprintf(errbuf, cap, "a JSON request is {\"command\": \"name\", "
             "\"params\": {...}}");
    return false;
  }
  if (params && !json_is_object(params)) {
    snprintf(errbuf, cap, "\"params\" must be a JSON object");
    return false;
  }
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    if (strcmp(k, "command") != 0 && strcmp(k, "params") != 0) {
      snprintf(errbuf, cap, "unknown member \"%.60s\" in a JSON request", k);
      return false;
    }
  }
  rpc_buf_add(b, cmd, strlen(cmd));
  json_object_foreach(params, k, v) {
    if (!*k || strpbrk(k, " :;\"{}[]")) {
      snprintf(errbuf, cap, "invalid parameter name \"%.60s\"", k);
      return false;
    }
    char *text = NULL;
    if (json_is_string(v))
      text = strdup(json_string_value(v));
    else if (json_is_true(v) || json_is_false(v) || json_is_number(v) ||
             json_is_object(v) || json_is_array(v))
      text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) {
      snprintf(errbuf, cap, "parameter \"%.60s\" has no usable value", k);
      return false;
    }
    /* The command language quotes with '"' and has no escape: a string
     * holding one cannot be passed (JSON values keep theirs). */
    bool quote = json_is_string(v) && strpbrk(text, " ;");
    bool ok = !json_is_string(v) ||
              (!strchr(text, '"') && strlen(text) == json_string_length(v));
    if (!ok) {
      snprintf(errbuf, cap, "parameter \"%.60s\": a text value cannot "
               "contain '\"'", k);
      free(text);
      return false;
    }
    rpc_buf_printf(b, quote ? " %s:\"%s\"" : " %s:%s", k, text);
    free(text);
  }
  return true;
}

int rpc_json_command(const char *body, size_t len, char **out, char *errbuf,
                     size_t errcap) {
  json_error_t jerr;
  json_t *j = json_loadb(body, len, 0, &jerr);
  if (!j) {
    snprintf(errbuf, errcap, "invalid JSON request body: %s (line %d, "
             "column %d)", jerr.text, jerr.line, jerr.column);
    return MN_EFORMAT;
  }
  rpc_buf_t b = {0};
  bool ok = true;
  if (json_is_array(j)) {
    size_t i;
    json_t *e;
    if (json_array_size(j) == 0) {
      snprintf(errbuf, errcap, "an empty JSON request array");
      ok = false;
    }
    json_array_foreach(j, i, e) {
      if (!ok)
        break;
      if (i)
        rpc_buf_add(&b, ";", 1);
      ok = json_one(e, &b, errbuf, errcap);
    }
  } else {
    ok = json_one(j, &b, errbuf, errcap);
  }
  json_decref(j);
  if (!ok || !rpc_buf_add(&b, "", 0)) {
    if (ok)
      snprintf(errbuf, errcap, "out of memory");
    rpc_buf_free(&b);
    return MN_EFORMAT;
  }
  *out = b.data;
  return 0;
}
