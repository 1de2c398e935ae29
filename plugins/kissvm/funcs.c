/*
 * funcs.c - the 53 built-in functions (spec/kissvm.md §9).
 *
 * Each function evaluates its own arguments, in the reference's order and
 * only as far as it needs them, and checks types and ranges at the same
 * points the reference does: a script that fails must fail with the same
 * error after the same number of instructions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiss.h"

#define NAME(e) kiss_fn_names[(e)->op]

static kval_t arg(kvm_t *vm, const kexpr_t *e, int i) {
  return kiss_eval(vm, e->u.args[i]);
}

static _Noreturn void bad_type(kvm_t *vm, const kexpr_t *e, int i,
                               const char *want, const kval_t *v) {
  kiss_fail(vm, MN_KISS_ETYPE, e->off,
            "%s at offset %u: parameter %d must be %s, not %s", NAME(e),
            e->off, i + 1, want, kiss_type_name(v->t));
}

static kval_t typed(kvm_t *vm, const kexpr_t *e, int i, int t) {
  kval_t v = arg(vm, e, i);
  if (v.t != t)
    bad_type(vm, e, i, kiss_type_name(t), &v);
  return v;
}

static int32_t int_arg(kvm_t *vm, const kexpr_t *e, int i) {
  kval_t v = typed(vm, e, i, KT_NUM);
  return vm->num->to_i32_wrap(&v.n);
}

static _Noreturn void range(kvm_t *vm, const kexpr_t *e, const char *what) {
  kiss_fail(vm, MN_KISS_ERANGE, e->off, "%s at offset %u: %s", NAME(e),
            e->off, what);
}

static void numchk(kvm_t *vm, const kexpr_t *e, int rc) {
  if (!rc)
    return;
  switch (rc) {
  case MN_EOVERFLOW:
    kiss_fail(vm, MN_KISS_EOVERFLOW, e->off, "%s at offset %u: number out "
              "of range", NAME(e), e->off);
  case MN_EDIVZERO:
    kiss_fail(vm, MN_KISS_EDIVZERO, e->off, "%s at offset %u: division by "
              "zero", NAME(e), e->off);
  case MN_ERANGE:
    range(vm, e, "argument out of range");
  default:
    kiss_fail(vm, MN_KISS_EARITH, e->off, "%s at offset %u: arithmetic "
              "error", NAME(e), e->off);
  }
}

static kval_t mk(int t) {
  kval_t v;
  memset(&v, 0, sizeof v);
  v.t = (uint8_t)t;
  return v;
}

static kval_t mkbool(bool b) {
  kval_t v = mk(KT_BOOL);
  v.b = b;
  return v;
}

static kval_t mknum(kvm_t *vm, int64_t n) {
  kval_t v = mk(KT_NUM);
  vm->num->from_i64(&v.n, n);
  return v;
}

static kval_t mkbytes(int t, const uint8_t *p, size_t n) {
  static const uint8_t none = 0;
  kval_t v = mk(t);
  v.p = p ? p : &none; /* callers may lend NULL for empty bytes */
  v.len = (uint32_t)n;
  return v;
}

static void size_chk(kvm_t *vm, const kexpr_t *e, size_t n) {
  if (n > KISS_MAX_DATA)
    kiss_fail(vm, MN_KISS_ESIZE, e->off, "%s at offset %u: result larger "
              "than 64 KiB (%zu bytes)", NAME(e), e->off, n);
}

/* The unsigned value of bytes as a NUMBER; [overflow] above 2^64-1. */
static mn_num_t hex_number(kvm_t *vm, const kexpr_t *e, const kval_t *h) {
  size_t i = 0;
  while (i < h->len && h->p[i] == 0)
    i++;
  if (h->len - i > 8)
    kiss_fail(vm, MN_KISS_EOVERFLOW, e->off, "%s at offset %u: value above "
              "2^64-1", NAME(e), e->off);
  uint64_t x = 0;
  for (; i < h->len; i++)
    x = x << 8 | h->p[i];
  mn_num_t n;
  vm->num->from_u64(&n, x);
  return n;
}

static bool is_minima(const uint8_t *p, size_t n) {
  return n == 1 && p[0] == 0;
}

/* Amount as a script sees it: token coins are scaled by 10^scale. */
static mn_num_t scaled(kvm_t *vm, const kexpr_t *e, const mn_kiss_coin_t *c,
                       const char *which, int32_t idx) {
  mn_num_t a = c->amount;
  if (is_minima(c->tokenid, c->tokenid_len))
    return a;
  if (!c->has_token)
    kiss_fail(vm, MN_KISS_EMISSING, e->off, "%s at offset %u: %s coin %d "
              "has no token details", NAME(e), e->off, which, idx);
  for (int32_t i = 0; i < c->token_scale; i++) {
    if (vm->num->sign(&a) == 0 && a.scale <= 0)
      break; /* zero stays zero */
    numchk(vm, e, vm->num->mul(&a, &a, &vm->ten));
  }
  return a;
}

static bool bytes_eq(const uint8_t *a, size_t al, const uint8_t *b,
                     size_t bl) {
  return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* ---- the array key of GET/EXISTS ---------------------------------------- */

static const char *array_key(kvm_t *vm, const kexpr_t *e, size_t *kl) {
  char *parts[KISS_MAX_PARAMS + 1];
  size_t plen[KISS_MAX_PARAMS + 1], total = 0;
  for (int i = 0; i < e->nargs; i++) {
    kval_t v = arg(vm, e, i);
    if (v.t != KT_NUM)
      bad_type(vm, e, i, "NUMBER", &v);
    parts[i] = kiss_talloc(vm, MN_NUM_STR_MAX);
    plen[i] = vm->num->to_str(&v.n, parts[i], MN_NUM_STR_MAX);
    total += plen[i] + 1;
  }
  char *k = kiss_talloc(vm, total + 1);
  size_t o = 0;
  for (int i = 0; i < e->nargs; i++) {
    memcpy(k + o, parts[i], plen[i]);
    o += plen[i];
    k[o++] = ',';
  }
  *kl = o;
  return k;
}

/* ---- regex replacement text (Java Matcher.appendReplacement) ------------ */

/* Expands repl for one match whose text is m; NULL result on an error
 * (the reference throws), which the caller reports as [format]. */
static uint8_t *expand(kvm_t *vm, const uint8_t *r, size_t rl,
                       const uint8_t *m, size_t ml, size_t *outlen,
                       const char **why) {
  /* worst case: every "$0" becomes m */
  size_t cap = rl + (rl / 2 + 1) * ml + 1;
  uint8_t *o = kiss_talloc(vm, cap);
  size_t n = 0;
  for (size_t i = 0; i < rl;) {
    uint8_t c = r[i];
    if (c == '\\') {
      i++;
      if (i == rl) {
        *why = "character to be escaped is missing";
        return NULL;
      }
      size_t k = r[i] < 0x80 ? 1 : r[i] < 0xE0 ? 2 : r[i] < 0xF0 ? 3 : 4;
      if (i + k > rl)
        k = rl - i;
      memcpy(o + n, r + i, k);
      n += k;
      i += k;
    } else if (c == '$') {
      i++;
      if (i == rl) {
        *why = "group index is missing after '$'";
        return NULL;
      }
      if (r[i] == '{') {
        *why = "no named groups exist";
        return NULL;
      }
      int ref = r[i] - '0';
      if (ref < 0 || ref > 9) {
        *why = "illegal group reference";
        return NULL;
      }
      i++;
      while (ref == 0 && i < rl && r[i] == '0')
        i++;
      if (ref != 0) {
        *why = "no such group (only $0 exists)";
        return NULL;
      }
      memcpy(o + n, m, ml);
      n += ml;
    } else {
      o[n++] = c;
      i++;
    }
  }
  *outlen = n;
  return o;
}

/* UTF-16 units to UTF-8, lone surrogates becoming '?' (Java's encoder). */
static size_t utf16_to_utf8(const uint16_t *u, size_t n, uint8_t *o) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = u[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 &&
        u[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      o[k++] = '?';
      continue;
    }
    if (c < 0x80)
      o[k++] = (uint8_t)c;
    else if (c < 0x800) {
      o[k++] = (uint8_t)(0xC0 | c >> 6);
      o[k++] = (uint8_t)(0x80 | (c & 63));
    } else if (c < 0x10000) {
      o[k++] = (uint8_t)(0xE0 | c >> 12);
      o[k++] = (uint8_t)(0x80 | (c >> 6 & 63));
      o[k++] = (uint8_t)(0x80 | (c & 63));
    } else {
      o[k++] = (uint8_t)(0xF0 | c >> 18);
      o[k++] = (uint8_t)(0x80 | (c >> 12 & 63));
      o[k++] = (uint8_t)(0x80 | (c >> 6 & 63));
      o[k++] = (uint8_t)(0x80 | (c & 63));
    }
  }
  return k;
}

static size_t utf8_to_utf16(const uint8_t *s, size_t n, uint16_t *u) {
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    uint8_t c = s[i];
    uint32_t cp;
    size_t l;
    if (c < 0x80) {
      cp = c;
      l = 1;
    } else if (c < 0xE0) {
      cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 63);
      l = 2;
    } else if (c < 0xF0) {
      cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 63) << 6 |
           (s[i + 2] & 63);
      l = 3;
    } else {
      cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[i + 1] & 63) << 12 |
           (uint32_t)(s[i + 2] & 63) << 6 | (s[i + 3] & 63);
      l = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u[k++] = (uint16_t)(0xD800 + (cp >> 10));
      u[k++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
    } else
      u[k++] = (uint16_t)cp;
    i += l;
  }
  return k;
}

/* The reference's REPLACE.safeReplaceAll (and replaceFirst when first):
 * literal search, regex replacement text, 64 KiB UTF-16 checks. */
static kval_t replace(kvm_t *vm, const kexpr_t *e, const uint8_t *s,
                      size_t sl, const uint8_t *f, size_t fl,
                      const uint8_t *r, size_t rl, bool first,
                      bool safe) {
  const char *why = NULL;
  if (fl == 0) {
    /* matches at every UTF-16 index, so work in UTF-16 */
    size_t el;
    uint8_t *ex = expand(vm, r, rl, f, 0, &el, &why);
    if (!ex)
      kiss_fail(vm, MN_KISS_EFORMAT, e->off, "%s at offset %u: bad "
                "replacement text: %s", NAME(e), e->off, why);
    uint16_t *h = kiss_talloc(vm, (sl + 1) * 2);
    size_t hl = utf8_to_utf16(s, sl, h);
    uint16_t *x = kiss_talloc(vm, (el + 1) * 2);
    size_t xl = utf8_to_utf16(ex, el, x);
    size_t reps = first ? 1 : hl + 1;
    if (safe && xl && reps > (KISS_MAX_DATA + 1) / xl + 2)
      kiss_fail(vm, MN_KISS_ESIZE, e->off, "%s at offset %u: result longer "
                "than 64 KiB", NAME(e), e->off);
    size_t total = hl + reps * xl;
    if (safe && total > KISS_MAX_DATA) {
      kiss_fail(vm, MN_KISS_ESIZE, e->off, "%s at offset %u: result longer "
                "than 64 KiB", NAME(e), e->off);
    }
    uint16_t *o = kiss_talloc(vm, (total + 1) * 2);
    size_t n = 0;
    for (size_t i = 0; i <= hl; i++) {
      if (!first || i == 0) {
        memcpy(o + n, x, xl * 2);
        n += xl;
      }
      if (i < hl)
        o[n++] = h[i];
    }
    uint8_t *u8 = kiss_talloc(vm, n * 3 + 1);
    size_t ul = utf16_to_utf8(o, n, u8);
    size_chk(vm, e, ul);
    return mkbytes(KT_STR, u8, ul);
  }
  /* count the matches first to size the output */
  size_t count = 0;
  for (size_t pos = 0; pos + fl <= sl;) {
    const uint8_t *m = memmem(s + pos, sl - pos, f, fl);
    if (!m)
      break;
    count++;
    pos = (size_t)(m - s) + fl;
    if (first)
      break;
  }
  if (!count)
    return mkbytes(KT_STR, s, sl);
  size_t el;
  uint8_t *ex = expand(vm, r, rl, f, fl, &el, &why);
  if (!ex)
    kiss_fail(vm, MN_KISS_EFORMAT, e->off, "%s at offset %u: bad "
              "replacement text: %s", NAME(e), e->off, why);
  size_t xu = kiss_utf16_len(ex, el);
  size_t total = sl - count * fl + count * el;
  uint8_t *o = kiss_talloc(vm, total + 1);
  size_t n = 0, u16 = 0, pos = 0;
  for (size_t c = 0; c < count; c++) {
    const uint8_t *m = memmem(s + pos, sl - pos, f, fl);
    size_t at = (size_t)(m - s);
    memcpy(o + n, s + pos, at - pos);
    u16 += kiss_utf16_len(s + pos, at - pos) + xu;
    n += at - pos;
    memcpy(o + n, ex, el);
    n += el;
    pos = at + fl;
    if (safe && u16 > KISS_MAX_DATA)
      kiss_fail(vm, MN_KISS_ESIZE, e->off, "%s at offset %u: result longer "
                "than 64 KiB", NAME(e), e->off);
  }
  memcpy(o + n, s + pos, sl - pos);
  u16 += kiss_utf16_len(s + pos, sl - pos);
  n += sl - pos;
  if (safe && u16 > KISS_MAX_DATA)
    kiss_fail(vm, MN_KISS_ESIZE, e->off, "%s at offset %u: result longer "
              "than 64 KiB", NAME(e), e->off);
  return mkbytes(KT_STR, o, n);
}

/* StringTokenizer(text, "$").countTokens() - 1 > 64 */
static void dollar_check(kvm_t *vm, const kexpr_t *e, const uint8_t *t,
                         size_t n) {
  size_t tokens = 0;
  bool in = false;
  for (size_t i = 0; i < n; i++) {
    if (t[i] == '$')
      in = false;
    else if (!in) {
      in = true;
      tokens++;
    }
  }
  if (tokens > 65)
    kiss_fail(vm, MN_KISS_ESIZE, e->off, "FUNCTION at offset %u: more than "
              "64 '$' replacements", e->off);
}

static kval_t function(kvm_t *vm, const kexpr_t *e) {
  /* From here until the call returns, the expression that called us may
   * hold values read from variables: replaced payloads must wait in the
   * graveyard. */
  vm->fn_depth++;
  kval_t s = typed(vm, e, 0, KT_STR);
  const uint8_t *text = s.p;
  size_t tl = s.len;
  dollar_check(vm, e, text, tl);
  for (int i = 1; i < e->nargs; i++) {
    kval_t v = arg(vm, e, i);
    size_t pl;
    const uint8_t *pr = kiss_print(vm, &v, &pl);
    uint8_t *rep = (uint8_t *)pr;
    size_t rl = pl;
    if (v.t == KT_STR) {
      rep = kiss_talloc(vm, pl + 2);
      rep[0] = '[';
      memcpy(rep + 1, pr, pl);
      rep[pl + 1] = ']';
      rl = pl + 2;
    }
    char key[16];
    int kl = snprintf(key, sizeof key, "$%d", i);
    kval_t out = replace(vm, e, text, tl, (const uint8_t *)key, (size_t)kl,
                         rep, rl, false, true);
    text = out.p;
    tl = out.len;
    dollar_check(vm, e, text, tl);
  }
  kiss_var_del(vm, "returnvalue", 11, kiss_hash("returnvalue", 11));
  kiss_run_text(vm, text, tl, e->off);
  vm->fn_depth--;
  const kval_t *rv = kiss_var_get(vm, "returnvalue", 11,
                                  kiss_hash("returnvalue", 11));
  return rv ? *rv : mkbool(true);
}

/* ---- state -------------------------------------------------------------- */

static const mn_kiss_state_t *find_state(const mn_kiss_state_t *s, size_t n,
                                         int32_t port) {
  for (size_t i = 0; i < n; i++)
    if ((int64_t)s[i].port == port)
      return &s[i];
  return NULL;
}

static kval_t state_value(kvm_t *vm, const kexpr_t *e, bool prev,
                          int32_t port) {
  const mn_kiss_ctx_t *c = vm->ctx;
  const mn_kiss_state_t *s =
      prev ? find_state(c->prevstate, c->nprevstate, port)
           : find_state(c->state, c->nstate, port);
  if (!s)
    kiss_fail(vm, MN_KISS_EMISSING, e->off, "%s at offset %u: %s port %d is "
              "not set", NAME(e), e->off, prev ? "previous state" : "state",
              port);
  return kiss_value_from_text(vm, (const uint8_t *)s->text, s->len, e->off);
}

/* ---- signatures --------------------------------------------------------- */

static bool signed_by(kvm_t *vm, const kval_t *pk) {
  const mn_kiss_ctx_t *c = vm->ctx;
  for (size_t i = 0; i < c->nsignatures; i++)
    if (bytes_eq(c->signatures[i].data, c->signatures[i].len, pk->p,
                 pk->len))
      return true;
  return false;
}

/* ---- dispatch ----------------------------------------------------------- */

static const mn_kiss_coin_t *coin_at(kvm_t *vm, const kexpr_t *e, bool out,
                                     int32_t i) {
  const mn_kiss_ctx_t *c = vm->ctx;
  size_t n = out ? c->noutputs : c->ninputs;
  if (i < 0 || (size_t)i >= n)
    kiss_fail(vm, MN_KISS_ERANGE, e->off, "%s at offset %u: %s %d out of "
              "range (%zu %s)", NAME(e), e->off, out ? "output" : "input", i,
              n, out ? "outputs" : "inputs");
  return out ? &c->outputs[i] : &c->inputs[i];
}

static kval_t num_unary(kvm_t *vm, const kexpr_t *e) {
  kval_t x = typed(vm, e, 0, KT_NUM);
  kval_t v = mk(KT_NUM);
  const mn_num_api_t *N = vm->num;
  int rc;
  switch (e->op) {
  case FN_ABS: rc = N->abs(&v.n, &x.n); break;
  case FN_CEIL: rc = N->ceil(&v.n, &x.n); break;
  case FN_FLOOR: rc = N->floor(&v.n, &x.n); break;
  case FN_INC: rc = N->add(&v.n, &x.n, &vm->one); break;
  case FN_DEC: rc = N->sub(&v.n, &x.n, &vm->one); break;
  default: rc = N->sqrt(&v.n, &x.n); break;
  }
  numchk(vm, e, rc);
  return v;
}

kval_t kiss_call(kvm_t *vm, const kexpr_t *e) {
  const mn_num_api_t *N = vm->num;
  const mn_kiss_ctx_t *c = vm->ctx;
  switch (e->op) {
  case FN_CONCAT: {
    kval_t *vals = kiss_talloc(vm, sizeof *vals * e->nargs);
    size_t total = 0;
    for (int i = 0; i < e->nargs; i++) {
      vals[i] = typed(vm, e, i, KT_HEX);
      total += vals[i].len;
      size_chk(vm, e, total);
    }
    uint8_t *o = kiss_talloc(vm, total + 1);
    size_t n = 0;
    for (int i = 0; i < e->nargs; i++) {
      if (vals[i].len)
        memcpy(o + n, vals[i].p, vals[i].len);
      n += vals[i].len;
    }
    return mkbytes(KT_HEX, o, n);
  }
  case FN_LEN: {
    kval_t v = arg(vm, e, 0);
    if (v.t == KT_HEX)
      return mknum(vm, v.len);
    if (v.t == KT_STR)
      return mknum(vm, (int64_t)kiss_utf16_len(v.p, v.len));
    bad_type(vm, e, 0, "HEX or STRING", &v);
  }
  case FN_REV: {
    kval_t h = typed(vm, e, 0, KT_HEX);
    uint8_t *o = kiss_talloc(vm, (size_t)h.len + 1);
    for (uint32_t i = 0; i < h.len; i++)
      o[i] = h.p[h.len - 1 - i];
    return mkbytes(KT_HEX, o, h.len);
  }
  case FN_SUBSET: {
    int32_t start = int_arg(vm, e, 0), end = int_arg(vm, e, 1);
    int32_t len = (int32_t)((uint32_t)end - (uint32_t)start);
    if (len < 0)
      range(vm, e, "negative length");
    if (len > KISS_MAX_DATA)
      range(vm, e, "length larger than 64 KiB");
    kval_t h = typed(vm, e, 2, KT_HEX);
    if (start < 0 || (uint32_t)start > h.len || end < 0 ||
        (uint32_t)end > h.len)
      range(vm, e, "start or end outside the data");
    return mkbytes(KT_HEX, h.p + start, (size_t)len);
  }
  case FN_GET:
  case FN_EXISTS: {
    size_t kl;
    const char *k = array_key(vm, e, &kl);
    const kval_t *v = kiss_var_get(vm, k, kl, kiss_hash(k, kl));
    if (e->op == FN_EXISTS)
      return mkbool(v != NULL);
    if (!v)
      kiss_fail(vm, MN_KISS_EMISSING, e->off, "GET at offset %u: %.*s is "
                "not set", e->off, (int)kl, k);
    return *v;
  }
  case FN_ADDRESS: {
    kval_t s = typed(vm, e, 0, KT_STR);
    uint8_t *o = kiss_talloc(vm, 32);
    kiss_script_address(vm->cr, s.p, s.len, o);
    return mkbytes(KT_HEX, o, 32);
  }
  case FN_BOOL: {
    kval_t v = arg(vm, e, 0);
    switch (v.t) {
    case KT_BOOL:
      return v;
    case KT_HEX: {
      mn_num_t n = hex_number(vm, e, &v);
      return mkbool(N->sign(&n) != 0);
    }
    case KT_NUM:
      return mkbool(N->sign(&v.n) != 0);
    default:
      return mkbool(!(v.len == 5 && memcmp(v.p, "FALSE", 5) == 0));
    }
  }
  case FN_HEX: {
    kval_t v = arg(vm, e, 0);
    switch (v.t) {
    case KT_BOOL: {
      static const uint8_t one = 1, zero = 0;
      return mkbytes(KT_HEX, v.b ? &one : &zero, 1);
    }
    case KT_HEX:
      return v;
    case KT_NUM: {
      if (!N->is_whole(&v.n) || N->sign(&v.n) < 0)
        kiss_fail(vm, MN_KISS_ECONVERSION, e->off, "HEX at offset %u: only "
                  "whole numbers >= 0 convert to HEX", e->off);
      mn_num_t f;
      numchk(vm, e, N->floor(&f, &v.n));
      /* integer value: mag / 10^scale (scale 0 after floor normally) */
      uint64_t m[4] = {f.mag[0], f.mag[1], f.mag[2], f.mag[3]};
      for (int32_t s = f.scale; s > 0; s--) {
        unsigned __int128 rem = 0;
        for (int k = 3; k >= 0; k--) {
          unsigned __int128 cur = rem << 64 | m[k];
          m[k] = (uint64_t)(cur / 10);
          rem = cur % 10;
        }
      }
      uint64_t x = m[0];
      for (int32_t s = f.scale; s < 0; s++)
        x *= 10;
      uint8_t *o = kiss_talloc(vm, 8);
      size_t n = 0;
      bool on = false;
      for (int k = 7; k >= 0; k--) {
        uint8_t b = (uint8_t)(x >> (8 * k));
        if (b || on || k == 0) {
          o[n++] = b;
          on = true;
        }
      }
      return mkbytes(KT_HEX, o, n);
    }
    default:
      return mkbytes(KT_HEX, v.p, v.len);
    }
  }
  case FN_NUMBER: {
    kval_t v = arg(vm, e, 0);
    switch (v.t) {
    case KT_BOOL:
      return mknum(vm, v.b ? 1 : 0);
    case KT_HEX: {
      kval_t r = mk(KT_NUM);
      r.n = hex_number(vm, e, &v);
      return r;
    }
    case KT_STR: {
      uint8_t *d = kiss_talloc(vm, (size_t)v.len + 1);
      size_t dl = kiss_ascii_digits(v.p, v.len, d);
      kval_t r = mk(KT_NUM);
      int rc = N->parse(&r.n, (const char *)d, dl);
      if (rc == MN_EOVERFLOW)
        kiss_fail(vm, MN_KISS_EOVERFLOW, e->off, "NUMBER at offset %u: "
                  "number out of range", e->off);
      if (rc)
        kiss_fail(vm, MN_KISS_ECONVERSION, e->off, "NUMBER at offset %u: "
                  "'%.*s' is not a number", e->off,
                  (int)(v.len > 40 ? 40 : v.len), (const char *)v.p);
      return r;
    }
    default:
      return v;
    }
  }
  case FN_STRING: {
    kval_t v = arg(vm, e, 0);
    size_t n;
    const uint8_t *p = kiss_print(vm, &v, &n);
    size_chk(vm, e, n);
    return mkbytes(KT_STR, p, n);
  }
  case FN_ASCII: {
    kval_t h = typed(vm, e, 0, KT_HEX);
    uint8_t *o = kiss_talloc(vm, (size_t)h.len * 3 + 1);
    size_t n = 0;
    for (uint32_t i = 0; i < h.len; i++) {
      if (h.p[i] < 0x80)
        o[n++] = h.p[i];
      else {
        o[n++] = 0xEF;
        o[n++] = 0xBF;
        o[n++] = 0xBD;
      }
    }
    size_chk(vm, e, n);
    return mkbytes(KT_STR, o, n);
  }
  case FN_UTF8: {
    kval_t h = typed(vm, e, 0, KT_HEX);
    size_t n = kiss_utf8_sanitized_len(h.p, h.len);
    size_chk(vm, e, n);
    uint8_t *o = kiss_talloc(vm, n + 1);
    kiss_utf8_sanitize(h.p, h.len, o);
    return mkbytes(KT_STR, o, n);
  }
  case FN_ABS:
  case FN_CEIL:
  case FN_FLOOR:
  case FN_INC:
  case FN_DEC:
  case FN_SQRT:
    return num_unary(vm, e);
  case FN_MAX:
  case FN_MIN: {
    kval_t best = mk(KT_NUM);
    for (int i = 0; i < e->nargs; i++) {
      kval_t v = typed(vm, e, i, KT_NUM);
      int cmp = i ? N->cmp(&v.n, &best.n) : 0;
      if (i == 0 || (e->op == FN_MAX ? cmp > 0 : cmp < 0))
        best = v;
    }
    return best;
  }
  case FN_SIGDIG: {
    kval_t d = typed(vm, e, 0, KT_NUM), x = typed(vm, e, 1, KT_NUM);
    if (!N->is_whole(&d.n))
      range(vm, e, "digits must be a whole number");
    if (N->sign(&d.n) < 0)
      range(vm, e, "digits must not be negative");
    int32_t di = N->to_i32_wrap(&d.n);
    if (di > MN_NUM_MAX_DIGITS || di < 0)
      range(vm, e, "digits must be 0..64");
    kval_t v = mk(KT_NUM);
    numchk(vm, e, N->sigdig(&v.n, &x.n, di));
    return v;
  }
  case FN_POW: {
    kval_t n = typed(vm, e, 0, KT_NUM), x = typed(vm, e, 1, KT_NUM);
    if (!N->is_whole(&n.n))
      range(vm, e, "the exponent must be a whole number");
    mn_num_t a, lim;
    N->abs(&a, &n.n);
    N->from_i64(&lim, 1024);
    if (N->cmp(&a, &lim) >= 0)
      range(vm, e, "the exponent must be between -1023 and 1023");
    kval_t v = mk(KT_NUM);
    numchk(vm, e, N->pow(&v.n, &x.n, N->to_i32_wrap(&n.n)));
    return v;
  }
  case FN_FUNCTION:
    return function(vm, e);
  case FN_SUMINPUTS:
  case FN_SUMOUTPUTS: {
    kval_t t = typed(vm, e, 0, KT_HEX);
    bool out = e->op == FN_SUMOUTPUTS;
    const mn_kiss_coin_t *coins = out ? c->outputs : c->inputs;
    size_t n = out ? c->noutputs : c->ninputs;
    kval_t sum = mknum(vm, 0);
    for (size_t i = 0; i < n; i++) {
      const mn_kiss_coin_t *k = &coins[i];
      if (!bytes_eq(k->tokenid, k->tokenid_len, t.p, t.len))
        continue;
      mn_num_t a = scaled(vm, e, k, out ? "output" : "input", (int32_t)i);
      numchk(vm, e, N->add(&sum.n, &sum.n, &a));
    }
    return sum;
  }
  case FN_SETLEN: {
    int32_t n = int_arg(vm, e, 0);
    if (n < 1 || n > KISS_MAX_DATA)
      range(vm, e, "length must be 1..65536");
    kval_t h = typed(vm, e, 1, KT_HEX);
    if ((uint32_t)n == h.len)
      return h;
    uint8_t *o = kiss_talloc(vm, (size_t)n);
    if (h.len > (uint32_t)n)
      memcpy(o, h.p + (h.len - (uint32_t)n), (size_t)n);
    else {
      memset(o, 0, (size_t)n - h.len);
      if (h.len)
        memcpy(o + ((uint32_t)n - h.len), h.p, h.len);
    }
    return mkbytes(KT_HEX, o, (size_t)n);
  }
  case FN_REPLACE:
  case FN_REPLACEFIRST: {
    kval_t s = typed(vm, e, 0, KT_STR), f = typed(vm, e, 1, KT_STR),
           r = typed(vm, e, 2, KT_STR);
    bool first = e->op == FN_REPLACEFIRST;
    kval_t v = replace(vm, e, s.p, s.len, f.p, f.len, r.p, r.len, first,
                       !first);
    size_chk(vm, e, v.len);
    return v;
  }
  case FN_SUBSTR: {
    int32_t start = int_arg(vm, e, 0), end = int_arg(vm, e, 1);
    int32_t len = (int32_t)((uint32_t)end - (uint32_t)start);
    if (len < 0)
      range(vm, e, "negative length");
    kval_t s = typed(vm, e, 2, KT_STR);
    size_t u = kiss_utf16_len(s.p, s.len);
    if (start < 0 || (int64_t)end > (int64_t)u || end < start)
      range(vm, e, "start or end outside the string");
    bool split_a, split_b;
    size_t a = kiss_utf16_offset(s.p, s.len, (size_t)start, &split_a);
    size_t b = kiss_utf16_offset(s.p, s.len, (size_t)end, &split_b);
    if (!split_a && !split_b)
      return mkbytes(KT_STR, s.p + a, b - a);
    /* a surrogate pair was cut: its halves become '?' */
    uint16_t *w = kiss_talloc(vm, (u + 1) * 2);
    utf8_to_utf16(s.p, s.len, w);
    uint8_t *o = kiss_talloc(vm, (size_t)len * 3 + 1);
    size_t n = utf16_to_utf8(w + start, (size_t)len, o);
    return mkbytes(KT_STR, o, n);
  }
  case FN_OVERWRITE: {
    kval_t src = typed(vm, e, 0, KT_HEX);
    int32_t sp = int_arg(vm, e, 1);
    kval_t dst = typed(vm, e, 2, KT_HEX);
    int32_t dp = int_arg(vm, e, 3), len = int_arg(vm, e, 4);
    if ((int32_t)((uint32_t)dp + (uint32_t)len) > (int64_t)dst.len)
      range(vm, e, "destination too short");
    if ((int32_t)((uint32_t)sp + (uint32_t)len) > (int64_t)src.len)
      range(vm, e, "source too short");
    if (len < 0)
      range(vm, e, "negative length");
    if (sp < 0 || dp < 0 || (int64_t)sp + len > (int64_t)src.len ||
        (int64_t)dp + len > (int64_t)dst.len)
      range(vm, e, "position outside the data");
    uint8_t *o = kiss_talloc(vm, (size_t)dst.len + 1);
    if (dst.len)
      memcpy(o, dst.p, dst.len);
    if (len)
      memcpy(o + dp, src.p + sp, (size_t)len);
    return mkbytes(KT_HEX, o, dst.len);
  }
  case FN_SHA2:
  case FN_SHA3: {
    kval_t v = arg(vm, e, 0);
    if (v.t != KT_HEX && v.t != KT_STR)
      bad_type(vm, e, 0, "HEX or STRING", &v);
    uint8_t *o = kiss_talloc(vm, 32);
    if (e->op == FN_SHA2)
      vm->cr->sha256(v.p, v.len, o);
    else
      vm->cr->sha3_256(v.p, v.len, o);
    return mkbytes(KT_HEX, o, 32);
  }
  case FN_PROOF: {
    kval_t d = arg(vm, e, 0);
    if (d.t != KT_HEX && d.t != KT_STR)
      bad_type(vm, e, 0, "HEX or STRING", &d);
    kval_t sum = typed(vm, e, 1, KT_NUM);
    kmmr_t cur;
    kiss_mmr_leaf(vm->cr, N, d.p, d.len, &sum.n, &cur);
    kval_t root = typed(vm, e, 2, KT_HEX);
    kval_t rsum = typed(vm, e, 3, KT_NUM);
    kval_t chain = typed(vm, e, 4, KT_HEX);
    size_t pos = 0;
    int rc = kiss_mmr_fold(vm->cr, N, chain.p, chain.len, &pos, &cur);
    if (rc == MN_EFORMAT)
      kiss_fail(vm, MN_KISS_EFORMAT, e->off, "PROOF at offset %u: the "
                "proof chain is not a valid MMR proof", e->off);
    numchk(vm, e, rc);
    return mkbool(bytes_eq(cur.hash, cur.hlen, root.p, root.len) &&
                  N->cmp(&cur.value, &rsum.n) == 0);
  }
  case FN_BITSET:
  case FN_BITGET: {
    kval_t h = typed(vm, e, 0, KT_HEX);
    int32_t bit = int_arg(vm, e, 1);
    if (bit < 0 || (int64_t)bit > (int64_t)h.len * 8 - 1)
      range(vm, e, "bit outside the data");
    if (e->op == FN_BITGET)
      return mkbool(h.p[bit / 8] >> (bit % 8) & 1);
    kval_t b = typed(vm, e, 2, KT_BOOL);
    uint8_t *o = kiss_talloc(vm, (size_t)h.len + 1);
    memcpy(o, h.p, h.len);
    if (b.b)
      o[bit / 8] |= (uint8_t)(1u << (bit % 8));
    else
      o[bit / 8] &= (uint8_t)~(1u << (bit % 8));
    size_t n = h.len;
    while (n && o[n - 1] == 0)
      n--;
    return mkbytes(KT_HEX, o, n);
  }
  case FN_BITCOUNT: {
    kval_t h = typed(vm, e, 0, KT_HEX);
    int64_t n = 0;
    for (uint32_t i = 0; i < h.len; i++)
      n += __builtin_popcount(h.p[i]);
    return mknum(vm, n);
  }
  case FN_SIGNEDBY: {
    kval_t pk = typed(vm, e, 0, KT_HEX);
    return mkbool(signed_by(vm, &pk));
  }
  case FN_MULTISIG: {
    int32_t need = int_arg(vm, e, 0);
    if (need < 0)
      range(vm, e, "negative number of signatures");
    int32_t found = 0;
    for (int i = 1; i < e->nargs; i++) {
      kval_t pk = typed(vm, e, i, KT_HEX);
      if (signed_by(vm, &pk))
        found++;
      if (found >= need)
        break;
    }
    return mkbool(found >= need);
  }
  case FN_CHECKSIG: {
    kiss_count(vm, 31, e->off);
    kval_t pk = typed(vm, e, 0, KT_HEX), data = typed(vm, e, 1, KT_HEX),
           sig = typed(vm, e, 2, KT_HEX);
    if (!pk.len || !sig.len)
      kiss_fail(vm, MN_KISS_EFORMAT, e->off, "CHECKSIG at offset %u: empty "
                "public key or signature", e->off);
    int rc = kiss_checksig(vm->cr, N, pk.p, pk.len, data.p, data.len, sig.p,
                           sig.len);
    if (rc == MN_EFORMAT)
      kiss_fail(vm, MN_KISS_EFORMAT, e->off, "CHECKSIG at offset %u: "
                "malformed signature", e->off);
    if (rc < 0)
      numchk(vm, e, rc);
    return mkbool(rc == 1);
  }
  case FN_GETINADDR:
  case FN_GETINAMT:
  case FN_GETINID:
  case FN_GETINTOK: {
    int32_t i = int_arg(vm, e, 0);
    const mn_kiss_coin_t *k = coin_at(vm, e, false, i);
    if (e->op == FN_GETINADDR)
      return mkbytes(KT_HEX, k->address, k->address_len);
    if (e->op == FN_GETINID)
      return mkbytes(KT_HEX, k->coinid, k->coinid_len);
    if (e->op == FN_GETINTOK)
      return mkbytes(KT_HEX, k->tokenid, k->tokenid_len);
    kval_t v = mk(KT_NUM);
    v.n = scaled(vm, e, k, "input", i);
    return v;
  }
  case FN_GETOUTADDR:
  case FN_GETOUTAMT:
  case FN_GETOUTTOK:
  case FN_GETOUTKEEPSTATE: {
    int32_t i = int_arg(vm, e, 0);
    const mn_kiss_coin_t *k = coin_at(vm, e, true, i);
    if (e->op == FN_GETOUTADDR)
      return mkbytes(KT_HEX, k->address, k->address_len);
    if (e->op == FN_GETOUTTOK)
      return mkbytes(KT_HEX, k->tokenid, k->tokenid_len);
    if (e->op == FN_GETOUTKEEPSTATE)
      return mkbool(k->keepstate);
    kval_t v = mk(KT_NUM);
    v.n = scaled(vm, e, k, "output", i);
    return v;
  }
  case FN_VERIFYIN:
  case FN_VERIFYOUT: {
    bool out = e->op == FN_VERIFYOUT;
    if (out && e->nargs > 5)
      kiss_fail(vm, MN_KISS_EARGS, e->off, "VERIFYOUT at offset %u takes 4 "
                "or 5 parameters, not %d", e->off, e->nargs);
    int32_t i = int_arg(vm, e, 0);
    kval_t addr = typed(vm, e, 1, KT_HEX), amt = typed(vm, e, 2, KT_NUM),
           tok = typed(vm, e, 3, KT_HEX);
    bool checkkeep = false, keep = false;
    if (out && e->nargs == 5) {
      checkkeep = true;
      keep = typed(vm, e, 4, KT_BOOL).b;
    }
    const mn_kiss_coin_t *k = coin_at(vm, e, out, i);
    bool same = !checkkeep || k->keepstate == keep;
    bool a = bytes_eq(addr.p, addr.len, k->address, k->address_len);
    bool t = bytes_eq(tok.p, tok.len, k->tokenid, k->tokenid_len);
    mn_num_t have = scaled(vm, e, k, out ? "output" : "input", i);
    bool m = N->cmp(&have, &amt.n) == 0;
    return mkbool(a && m && t && same);
  }
  case FN_STATE:
  case FN_PREVSTATE: {
    int32_t p = int_arg(vm, e, 0);
    return state_value(vm, e, e->op == FN_PREVSTATE, p);
  }
  case FN_SAMESTATE: {
    int32_t a = int_arg(vm, e, 0), b = int_arg(vm, e, 1);
    if (a < 0 || b < a)
      range(vm, e, "bad port range");
    for (int64_t i = a; i <= b; i++) {
      kval_t pv = state_value(vm, e, true, (int32_t)i);
      kval_t cv = state_value(vm, e, false, (int32_t)i);
      size_t pl, cl;
      const uint8_t *ps = kiss_print(vm, &pv, &pl);
      const uint8_t *cs = kiss_print(vm, &cv, &cl);
      if (!bytes_eq(ps, pl, cs, cl))
        return mkbool(false);
    }
    return mkbool(true);
  }
  }
  kiss_fail(vm, MN_KISS_EPARSE, e->off, "unknown function");
}
