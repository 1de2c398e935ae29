/*
 * StateVariable, Token, Coin and Address (spec/objects.md §2-4, §8):
 * reading, writing, copying, defaults and the builders that go with them.
 */
#include <string.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

const mn_num_t mn__num_zero = {{0, 0, 0, 0}, 0, 0, {0, 0, 0}};
static const uint8_t k_zero[1] = {0x00};
const mn_data_t mn__data_zero = {k_zero, 1};
const mn_data_t mn__data_empty = {k_zero, 0};

static const uint8_t k_true[4] = {'T', 'R', 'U', 'E'};
static const uint8_t k_false[5] = {'F', 'A', 'L', 'S', 'E'};

/* --------------------------------------------------------------------------
 * Shared copies
 * ------------------------------------------------------------------------ */

int mn__copy_data(mn__arena_t *a, mn_data_t *dst, const mn_data_t *src) {
  size_t n = src->len;
  const uint8_t *p = mn__arena_dup(a, src->data, n);
  if (!p)
    return MN_ENOMEM;
  dst->data = p;
  dst->len = n;
  return 0;
}

/* --------------------------------------------------------------------------
 * StateVariable
 * ------------------------------------------------------------------------ */

static bool text_is(const mn_data_t *t, const uint8_t *s, size_t n) {
  return t->len == n && memcmp(t->data, s, n) == 0;
}

/* "0x" + upper-case hex of p into the arena ("" for no bytes). */
static mn_data_t hex_text(mn__dec_t *d, const uint8_t *p, size_t n) {
  mn_data_t out = mn__data_empty;
  size_t tl = mn__data_to_0x(p, n, NULL, 0);
  if (tl == 0)
    return out;
  char *t = mn__arena_alloc(d->a, tl + 1);
  if (!t) {
    mn__dec_fail(d, MN_ENOMEM);
    return out;
  }
  mn__data_to_0x(p, n, t, tl + 1);
  out.data = (const uint8_t *)t;
  out.len = tl;
  return out;
}

void mn__read_statevar(mn__dec_t *d, mn_statevar_t *out) {
  out->port = mn__dec_u8(d);
  out->type = mn__dec_u8(d);
  if (!mn__dec_ok(d))
    return;
  switch (out->type) {
  case MN_STATE_BOOL: {
    bool b = mn__dec_bool(d);
    out->text.data = b ? k_true : k_false;
    out->text.len = b ? 4 : 5;
    return;
  }
  case MN_STATE_HEX: {
    size_t n;
    const uint8_t *p = mn_reader_data(&d->r, MN_MINIDATA_MAX, &n);
    if (!p) {
      mn__dec_fail(d, MN_EFORMAT);
      return;
    }
    out->text = hex_text(d, p, n);
    return;
  }
  case MN_STATE_NUMBER: {
    mn_num_t v, back;
    char buf[MN_NUM_STR_MAX];
    mn__dec_num(d, &v);
    if (!mn__dec_ok(d))
      return;
    size_t n = mn__num_to_str(&v, buf, sizeof buf);
    /* The reference re-parses the printed text when it writes the state
     * (and hashes the transaction); a value that cannot be re-parsed
     * makes it fail there, so it is malformed here. */
    if (n >= sizeof buf || mn__num_parse(&back, buf, n)) {
      mn__dec_fail(d, MN_EFORMAT);
      return;
    }
    const uint8_t *t = mn__arena_dup(d->a, buf, n);
    if (!t) {
      mn__dec_fail(d, MN_ENOMEM);
      return;
    }
    out->text.data = t;
    out->text.len = n;
    return;
  }
  case MN_STATE_STRING:
    out->text = mn__dec_string(d);
    return;
  default:
    mn__dec_fail(d, MN_EFORMAT);
    return;
  }
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Writes the MiniData the reference's MiniData(text) gives, without a
 * temporary copy. */
static void write_hex_text(mn__sink_t *s, const mn_data_t *t) {
  const uint8_t *p = t->data;
  size_t n = t->len;
  if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    n -= 2;
  }
  for (size_t i = 0; i < n; i++)
    if (hexval(p[i]) < 0) {
      mn__sink_fail(s, MN_EINVAL);
      return;
    }
  size_t bytes = (n + 1) / 2;
  uint8_t len4[4] = {(uint8_t)(bytes >> 24), (uint8_t)(bytes >> 16),
                     (uint8_t)(bytes >> 8), (uint8_t)bytes};
  mn__sink_put(s, len4, 4);
  size_t i = 0;
  if (n % 2) {
    mn__sink_u8(s, (uint8_t)hexval(p[0]));
    i = 1;
  }
  uint8_t tmp[256];
  size_t k = 0;
  for (; i < n; i += 2) {
    tmp[k++] = (uint8_t)(hexval(p[i]) << 4 | hexval(p[i + 1]));
    if (k == sizeof tmp) {
      mn__sink_put(s, tmp, k);
      k = 0;
    }
  }
  mn__sink_put(s, tmp, k);
}

void mn__write_statevar(mn__sink_t *s, const mn_statevar_t *x) {
  mn__sink_u8(s, x->port);
  mn__sink_u8(s, x->type);
  switch (x->type) {
  case MN_STATE_BOOL:
    mn__sink_u8(s, text_is(&x->text, k_true, 4) ? 1 : 0);
    return;
  case MN_STATE_HEX:
    write_hex_text(s, &x->text);
    return;
  case MN_STATE_NUMBER: {
    mn_num_t v;
    if (mn__num_parse(&v, (const char *)x->text.data, x->text.len)) {
      mn__sink_fail(s, MN_EINVAL);
      return;
    }
    mn__sink_num(s, &v);
    return;
  }
  case MN_STATE_STRING:
    mn__sink_d(s, &x->text);
    return;
  default:
    mn__sink_fail(s, MN_EINVAL);
    return;
  }
}

int mn__copy_statevar(mn__arena_t *a, mn_statevar_t *dst,
                      const mn_statevar_t *src) {
  mn_statevar_t t = *src;
  int rc = mn__copy_data(a, &t.text, &src->text);
  if (rc)
    return rc;
  *dst = t;
  return 0;
}

int mn__init_statevar(mn__arena_t *a, mn_statevar_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->type = MN_STATE_BOOL;
  x->text.data = k_false;
  x->text.len = 5;
  return 0;
}

static int copy_states(mn__arena_t *a, mn_statevar_t **dst, uint32_t n,
                       const mn_statevar_t *src) {
  *dst = NULL;
  if (n == 0)
    return 0;
  mn_statevar_t *v = mn__arena_alloc(a, (size_t)n * sizeof *v);
  if (!v)
    return MN_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    int rc = mn__copy_statevar(a, &v[i], &src[i]);
    if (rc)
      return rc;
  }
  *dst = v;
  return 0;
}

/* Java's String.trim(): anything at or below U+0020 at either end. */
static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] > 0x20)
      return false;
  return true;
}

static bool prefix_ci(const char *s, size_t n, const char *p) {
  size_t k = strlen(p);
  if (n < k)
    return false;
  for (size_t i = 0; i < k; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != p[i])
      return false;
  }
  return true;
}

static bool equal_ci(const char *s, size_t n, const char *p) {
  return n == strlen(p) && prefix_ci(s, n, p);
}

/* The text of a HEX variable for the bytes in b, in the arena. */
static int set_hex_text(mn__arena_t *a, const mn_buf_t *b, mn_data_t *out) {
  size_t tl = mn__data_to_0x(b->data, b->len, NULL, 0);
  if (tl == 0) {
    *out = mn__data_empty;
    return 0;
  }
  char *t = mn__arena_alloc(a, tl + 1);
  if (!t)
    return MN_ENOMEM;
  mn__data_to_0x(b->data, b->len, t, tl + 1);
  out->data = (const uint8_t *)t;
  out->len = tl;
  return 0;
}

int mn__obj_statevar_parse(void *owner, int port, const char *text, size_t len,
                           mn_statevar_t *out) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !out || (!text && len))
    return MN_EINVAL;
  if (port < 0 || port > 255 || blank(text, len))
    return MN_EINVAL;
  mn_statevar_t sv;
  memset(&sv, 0, sizeof sv);
  sv.port = (uint8_t)port;
  mn_buf_t b = {0};
  int rc = 0;
  if (prefix_ci(text, len, "mx")) {
    rc = mn__mx_decode(text, len, &b);
    if (rc == 0)
      rc = set_hex_text(a, &b, &sv.text);
    sv.type = MN_STATE_HEX;
  } else if (prefix_ci(text, len, "0x")) {
    rc = mn__data_from_hex(text, len, &b);
    if (rc == 0)
      rc = b.err ? b.err : set_hex_text(a, &b, &sv.text);
    sv.type = MN_STATE_HEX;
  } else if (equal_ci(text, len, "true") || equal_ci(text, len, "false")) {
    bool t = equal_ci(text, len, "true");
    sv.type = MN_STATE_BOOL;
    sv.text.data = t ? k_true : k_false;
    sv.text.len = t ? 4 : 5;
  } else if (len >= 1 && text[0] == '[' && text[len - 1] == ']') {
    /* Text arrives as bytes; the reference holds it as a Java string, so
     * bytes that are not UTF-8 read as U+FFFD there. */
    sv.type = MN_STATE_STRING;
    rc = mn__obj_dup_string(owner, text, len, &sv.text);
  } else {
    mn_num_t v;
    char buf[MN_NUM_STR_MAX];
    sv.type = MN_STATE_NUMBER;
    rc = mn__num_parse(&v, text, len) ? MN_EINVAL : 0;
    if (rc == 0) {
      size_t n = mn__num_to_str(&v, buf, sizeof buf);
      const uint8_t *t = mn__arena_dup(a, buf, n);
      if (!t)
        rc = MN_ENOMEM;
      sv.text.data = t;
      sv.text.len = n;
    }
  }
  mn_buf_free(&b);
  if (rc == 0)
    *out = sv;
  return rc;
}

int mn__obj_statevar_number(const mn_statevar_t *sv, mn_num_t *out) {
  if (sv->type != MN_STATE_NUMBER)
    return MN_ETYPE;
  return mn__num_parse(out, (const char *)sv->text.data, sv->text.len)
             ? MN_EFORMAT
             : 0;
}

int mn__obj_statevar_hex(const mn_statevar_t *sv, mn_buf_t *out) {
  if (sv->type != MN_STATE_HEX)
    return MN_ETYPE;
  return mn__data_from_hex((const char *)sv->text.data, sv->text.len, out);
}

/* --------------------------------------------------------------------------
 * Token
 * ------------------------------------------------------------------------ */

void mn__read_token(mn__dec_t *d, mn_token_t *out) {
  out->coinid = mn__dec_data(d, MN_HASH_MAX);
  out->script = mn__dec_string(d);
  mn__dec_num(d, &out->scale);
  mn__dec_num(d, &out->amount);
  out->name = mn__dec_string(d);
  mn__dec_num(d, &out->created);
}

void mn__write_token(mn__sink_t *s, const mn_token_t *x) {
  mn__sink_hash(s, &x->coinid);
  mn__sink_d(s, &x->script);
  mn__sink_num(s, &x->scale);
  mn__sink_num(s, &x->amount);
  mn__sink_d(s, &x->name);
  mn__sink_num(s, &x->created);
}

int mn__copy_token(mn__arena_t *a, mn_token_t *dst, const mn_token_t *src) {
  mn_token_t t = *src;
  if (mn__copy_data(a, &t.coinid, &src->coinid) ||
      mn__copy_data(a, &t.script, &src->script) ||
      mn__copy_data(a, &t.name, &src->name))
    return MN_ENOMEM;
  *dst = t;
  return 0;
}

int mn__init_token(mn__arena_t *a, mn_token_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->coinid = mn__data_zero;
  x->script = mn__data_empty;
  x->name = mn__data_empty;
  return 0;
}

int mn__obj_token_id(const mn_token_t *tok, uint8_t out[32]) {
  mn__sink_t s;
  mn__sink_init(&s, NULL, NULL);
  mn__write_token(&s, tok);
  if (s.err)
    return s.err;
  size_t n = s.n;
  mn_sha3_t h;
  mn__sha3_init(&h);
  mn__sink_init(&s, NULL, &h);
  uint8_t len4[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                     (uint8_t)n};
  mn__sink_put(&s, len4, 4);
  mn__write_token(&s, tok);
  int rc = mn__sink_end(&s);
  if (rc)
    return rc;
  mn__sha3_final(&h, out);
  return 0;
}

/* The reference's MiniNumber TEN is "1E1" (scale -1). */
static void num_ten(mn_num_t *ten) {
  memset(ten, 0, sizeof *ten);
  ten->mag[0] = 1;
  ten->scale = -1;
}

int mn__obj_token_scale_up(const mn_token_t *tok, const mn_num_t *minima,
                           mn_num_t *out) {
  int32_t k = mn__num_to_i32_wrap(&tok->scale);
  mn_num_t cur = *minima, ten;
  num_ten(&ten);
  for (int32_t i = 0; i < k; i++) {
    /* Once the value is a plain zero further steps change nothing. */
    if (mn__num_is_zero(&cur) && cur.scale == 0)
      break;
    int rc = mn__num_mul(&cur, &cur, &ten);
    if (rc)
      return rc;
  }
  *out = cur;
  return 0;
}

int mn__obj_token_scale_down(const mn_token_t *tok, const mn_num_t *tokens,
                             mn_num_t *out) {
  int32_t k = mn__num_to_i32_wrap(&tok->scale);
  mn_num_t cur = *tokens, ten;
  num_ten(&ten);
  for (int32_t i = 0; i < k; i++) {
    /* Zero at the 44-place limit is a fixed point of ÷10. */
    if (mn__num_is_zero(&cur) && cur.scale == MN_NUM_MAX_DECIMALS)
      break;
    int rc = mn__num_div(&cur, &cur, &ten);
    if (rc)
      return rc;
  }
  *out = cur;
  return 0;
}

/* --------------------------------------------------------------------------
 * Coin
 * ------------------------------------------------------------------------ */

void mn__read_coin(mn__dec_t *d, mn_coin_t *out) {
  out->coinid = mn__dec_data(d, MN_HASH_MAX);
  out->address = mn__dec_data(d, MN_HASH_MAX);
  mn__dec_num(d, &out->amount);
  out->tokenid = mn__dec_data(d, MN_HASH_MAX);
  out->storestate = mn__dec_bool(d);
  out->mmrentry = mn__dec_entry(d);
  out->spent = mn__dec_u8(d);
  mn__dec_num(d, &out->created);
  out->n_state = mn__dec_count(d, MN__MIN_STATEVAR);
  out->state = mn__dec_array(d, out->n_state, sizeof *out->state);
  for (uint32_t i = 0; i < out->n_state && mn__dec_ok(d); i++)
    mn__read_statevar(d, &out->state[i]);
  out->token = NULL;
  if (mn__dec_bool(d) && mn__dec_ok(d)) {
    out->token = mn__dec_array(d, 1, sizeof *out->token);
    if (out->token)
      mn__read_token(d, out->token);
  }
  if (!mn__dec_ok(d)) {
    out->n_state = 0;
    out->state = NULL;
    out->token = NULL;
  }
}

void mn__write_coin(mn__sink_t *s, const mn_coin_t *x) {
  mn__sink_hash(s, &x->coinid);
  mn__sink_hash(s, &x->address);
  mn__sink_num(s, &x->amount);
  mn__sink_hash(s, &x->tokenid);
  mn__sink_u8(s, x->storestate ? 1 : 0);
  mn__sink_entry(s, x->mmrentry);
  mn__sink_u8(s, x->spent);
  mn__sink_num(s, &x->created);
  mn__sink_int(s, x->n_state);
  for (uint32_t i = 0; i < x->n_state && !s->err; i++)
    mn__write_statevar(s, &x->state[i]);
  mn__sink_u8(s, x->token ? 1 : 0);
  if (x->token)
    mn__write_token(s, x->token);
}

int mn__copy_coin(mn__arena_t *a, mn_coin_t *dst, const mn_coin_t *src) {
  mn_coin_t c = *src;
  if (mn__copy_data(a, &c.coinid, &src->coinid) ||
      mn__copy_data(a, &c.address, &src->address) ||
      mn__copy_data(a, &c.tokenid, &src->tokenid) ||
      copy_states(a, &c.state, src->n_state, src->state))
    return MN_ENOMEM;
  if (src->token) {
    c.token = mn__arena_alloc(a, sizeof *c.token);
    if (!c.token || mn__copy_token(a, c.token, src->token))
      return MN_ENOMEM;
  }
  *dst = c;
  return 0;
}

int mn__init_coin(mn__arena_t *a, mn_coin_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->coinid = mn__data_zero;
  x->address = mn__data_zero;
  x->tokenid = mn__data_zero;
  x->storestate = true;
  return 0;
}

int mn__obj_coin_set_state(void *owner, mn_coin_t *c, const mn_statevar_t *sv,
                           uint32_t n) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !c || (n && !sv))
    return MN_EINVAL;
  mn_statevar_t *v;
  int rc = copy_states(a, &v, n, sv);
  if (rc)
    return rc;
  c->state = v;
  c->n_state = n;
  return 0;
}

int mn__obj_coin_set_token(void *owner, mn_coin_t *c, const mn_token_t *tok) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !c)
    return MN_EINVAL;
  if (!tok) {
    c->token = NULL;
    return 0;
  }
  mn_token_t *t = mn__arena_alloc(a, sizeof *t);
  if (!t || mn__copy_token(a, t, tok))
    return MN_ENOMEM;
  c->token = t;
  return 0;
}

/* --------------------------------------------------------------------------
 * Address
 * ------------------------------------------------------------------------ */

void mn__read_address(mn__dec_t *d, mn_address_t *out) {
  out->address = mn__dec_data(d, MN_HASH_MAX);
  out->script = mn__dec_string(d);
}

void mn__write_address(mn__sink_t *s, const mn_address_t *x) {
  mn__sink_hash(s, &x->address);
  mn__sink_d(s, &x->script);
}

int mn__copy_address(mn__arena_t *a, mn_address_t *dst,
                     const mn_address_t *src) {
  mn_address_t t;
  if (mn__copy_data(a, &t.address, &src->address) ||
      mn__copy_data(a, &t.script, &src->script))
    return MN_ENOMEM;
  *dst = t;
  return 0;
}

int mn__init_address(mn__arena_t *a, mn_address_t *x) {
  /* The reference's Address("") : the address of the empty script. */
  uint8_t h[32];
  mn__obj_script_address("", 0, h);
  const uint8_t *p = mn__arena_dup(a, h, 32);
  if (!p)
    return MN_ENOMEM;
  x->address.data = p;
  x->address.len = 32;
  x->script = mn__data_empty;
  return 0;
}
