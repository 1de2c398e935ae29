/*
 * wire.c - the protocol's payloads (spec/p2p.md §2-§5): encoding, and
 * decoding that bounds every length by the bytes actually present before
 * it allocates anything.
 */
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

/* ---- fields -------------------------------------------------------------- */

static void put_num(const mn_num_api_t *num, mn_buf_t *out, int64_t v) {
  mn_num_t n;
  uint8_t b[MN_NUM_MAX_ENCODED];
  num->from_i64(&n, v);
  int len = num->encode(&n, b, sizeof b);
  if (len > 0)
    mn_buf_put(out, b, (size_t)len);
  else if (!out->err)
    out->err = len;
}

/* A MiniNumber that must be a whole number within [lo, hi]. */
static int64_t read_int(const mn_num_api_t *num, mn_reader_t *r, int64_t lo,
                        int64_t hi) {
  if (r->err)
    return 0;
  mn_num_t n;
  size_t used = 0;
  int err = num->decode(&n, r->p + r->pos, r->len - r->pos, &used);
  int64_t v = 0;
  if (err || !num->is_whole(&n) || num->to_i64(&n, &v) || v < lo || v > hi) {
    r->err = MN_EFORMAT;
    return 0;
  }
  r->pos += used;
  return v;
}

static void put_string(mn_buf_t *out, const char *s) {
  mn_buf_put_data(out, s, strlen(s));
}

int p2p_minidata_decode(const uint8_t *p, size_t len, size_t max,
                        const uint8_t **data, size_t *n) {
  mn_reader_t r;
  mn_reader_init(&r, p, len);
  *data = mn_reader_data(&r, max, n);
  return r.err ? MN_EFORMAT : 0;
}

int p2p_ministring_decode(const uint8_t *p, size_t len, size_t max,
                          char **out) {
  const uint8_t *d;
  size_t n;
  *out = NULL;
  if (p2p_minidata_decode(p, len, max, &d, &n))
    return MN_EFORMAT;
  char *s = malloc(n + 1);
  if (!s)
    return MN_ENOMEM;
  if (n)
    memcpy(s, d, n);
  s[n] = '\0';
  *out = s;
  return 0;
}

/* ---- greeting -------------------------------------------------------------
 */

void p2p_greeting_encode(const mn_num_api_t *num, const char *version,
                         const json_t *extra, int64_t top, const uint8_t *ids,
                         size_t n, mn_buf_t *out) {
  put_string(out, version);
  char *text = json_dumps(extra, JSON_COMPACT);
  put_string(out, text ? text : "{}");
  free(text);
  put_num(num, out, top);
  put_num(num, out, (int64_t)n);
  for (size_t i = 0; i < n; i++)
    mn_buf_put_data(out, ids + i * 32, 32);
}

int p2p_greeting_decode(const mn_num_api_t *num, const uint8_t *p, size_t len,
                        p2p_greeting_t *g) {
  memset(g, 0, sizeof *g);
  mn_reader_t r;
  mn_reader_init(&r, p, len);
  size_t vn, jn;
  const uint8_t *v = mn_reader_data(&r, P2P_VERSION_MAX, &vn);
  const uint8_t *j = mn_reader_data(&r, P2P_JSON_MAX, &jn);
  g->top = read_int(num, &r, -1, INT64_MAX);
  /* each id takes at least 4 + 32 bytes: no count beyond what is here */
  size_t room = mn_reader_left(&r) / (4 + P2P_ID_LEN);
  int64_t n = read_int(num, &r, 0, P2P_GREETING_IDS_MAX);
  if (r.err || (size_t)n > room)
    return MN_EFORMAT;
  if (vn)
    memcpy(g->version, v, vn);
  g->version[vn] = '\0';
  if (n > 0) {
    g->ids = malloc((size_t)n * 32);
    if (!g->ids)
      return MN_ENOMEM;
  }
  for (int64_t i = 0; i < n; i++) {
    size_t idn;
    const uint8_t *id = mn_reader_data(&r, MN_HASH_MAX, &idn);
    if (r.err || idn != P2P_ID_LEN) {
      p2p_greeting_free(g);
      return MN_EFORMAT;
    }
    memcpy(g->ids[i], id, 32);
  }
  g->n = (size_t)n;
  json_error_t jerr;
  json_t *extra = jn ? json_loadb((const char *)j, jn, 0, &jerr) : NULL;
  if (!json_is_object(extra)) {
    json_decref(extra);
    extra = json_object();
  }
  g->extra = extra;
  return 0;
}

void p2p_greeting_free(p2p_greeting_t *g) {
  free(g->ids);
  json_decref(g->extra);
  memset(g, 0, sizeof *g);
}

/* ---- pulse ------------------------------------------------------------------
 */

void p2p_pulse_encode(const mn_num_api_t *num, const uint8_t *ids, size_t n,
                      mn_buf_t *out) {
  put_num(num, out, 1);
  put_num(num, out, (int64_t)n);
  for (size_t i = 0; i < n; i++)
    mn_buf_put_data(out, ids + i * 32, 32);
}

int p2p_pulse_decode(const mn_num_api_t *num, const uint8_t *p, size_t len,
                     const uint8_t **ids, size_t *n, bool *ignored) {
  mn_reader_t r;
  mn_reader_init(&r, p, len);
  *ids = NULL;
  *n = 0;
  *ignored = false;
  read_int(num, &r, INT64_MIN, INT64_MAX); /* version, not checked */
  int64_t count = read_int(num, &r, 0, INT64_MAX);
  if (r.err)
    return MN_EFORMAT;
  if (count > (int64_t)P2P_PULSE_MAX) {
    *ignored = true;
    return 0;
  }
  size_t start = r.pos;
  for (int64_t i = 0; i < count; i++) {
    size_t idn;
    mn_reader_data(&r, MN_HASH_MAX, &idn);
    if (r.err || idn != P2P_ID_LEN)
      return MN_EFORMAT;
  }
  *ids = p + start;
  *n = (size_t)count;
  return 0;
}

/* ---- frames
 * ------------------------------------------------------------------ */

typedef struct buf_frame {
  mn_frame_t f;
} buf_frame_t;

static void buf_frame_release(mn_frame_t *f) {
  free(f->data);
  free(f);
}

mn_frame_t *p2p_frame(uint8_t type, mn_buf_t *payload) {
  /* the payload's buffer becomes the frame after a one-byte shift */
  if (payload->err) {
    mn_buf_free(payload);
    return NULL;
  }
  if (mn_buf_reserve(payload, 1)) {
    mn_buf_free(payload);
    return NULL;
  }
  if (payload->len)
    memmove(payload->data + 1, payload->data, payload->len);
  payload->data[0] = type;
  payload->len++;
  buf_frame_t *bf = malloc(sizeof *bf);
  if (!bf) {
    mn_buf_free(payload);
    return NULL;
  }
  bf->f.data = payload->data;
  bf->f.len = payload->len;
  bf->f.refs = 1;
  bf->f.release = buf_frame_release;
  memset(payload, 0, sizeof *payload);
  return &bf->f;
}

mn_frame_t *p2p_frame_copy(uint8_t type, const void *p, size_t len) {
  mn_frame_t *f = mn_frame_new(len + 1);
  if (!f)
    return NULL;
  f->data[0] = type;
  if (len)
    memcpy(f->data + 1, p, len);
  return f;
}

bool p2p_version_ok(const char *version, bool test) {
  if (strncmp(version, P2P_BASE_VERSION, strlen(P2P_BASE_VERSION)) != 0)
    return false;
  return (strstr(version, "TEST") != NULL) == test;
}
