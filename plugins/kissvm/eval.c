/*
 * eval.c - walking the statement tree (spec/kissvm.md §4, §6, §8).
 *
 * Instruction counting, stack depth and the order in which operands are
 * evaluated and checked follow the reference exactly, because each of
 * them decides which error (or which instruction count) a failing script
 * reports.
 *
 * Memory: temporaries go to vm->arena, which is reset to its mark at the
 * end of every statement.  Variables keep malloc()ed copies of their
 * bytes.  A payload replaced while a FUNCTION call is running may still
 * be referenced by the expression that called it, so it waits in the
 * graveyard until the enclosing top-level statement ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiss.h"

_Noreturn void kiss_fail(kvm_t *vm, mn_kiss_error_t cat, uint32_t off,
                         const char *fmt, ...) {
  (void)off;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(vm->msg, sizeof vm->msg, fmt, ap);
  va_end(ap);
  vm->err = cat;
  longjmp(vm->jb, 1);
}

void kiss_count(kvm_t *vm, uint32_t n, uint32_t off) {
  vm->instr += n;
  if (vm->instr > vm->max_instr)
    kiss_fail(vm, MN_KISS_EINSTRUCTIONS, off,
              "instruction limit %u exceeded (%u) at offset %u",
              vm->max_instr, vm->instr, off);
}

void *kiss_talloc(kvm_t *vm, size_t n) {
  void *p = kiss_alloc(&vm->arena, n);
  if (!p)
    kiss_fail(vm, MN_KISS_ENONE, 0, "out of memory");
  return p;
}

static void depth_inc(kvm_t *vm, uint32_t off) {
  if (++vm->depth > KISS_MAX_STACK)
    kiss_fail(vm, MN_KISS_ESTACK, off,
              "stack depth exceeds %d at offset %u", KISS_MAX_STACK, off);
}

/* ---- variables ---------------------------------------------------------- */

static void bury(kvm_t *vm, void *p) {
  if (!p)
    return;
  if (vm->fn_depth == 0) {
    free(p);
    return;
  }
  if (vm->ngrave == vm->capgrave) {
    size_t cap = vm->capgrave ? vm->capgrave * 2 : 16;
    void **g = realloc(vm->grave, cap * sizeof *g);
    if (!g) {
      free(p); /* nothing can be trusted after this; stop */
      kiss_fail(vm, MN_KISS_ENONE, 0, "out of memory");
    }
    vm->grave = g;
    vm->capgrave = cap;
  }
  vm->grave[vm->ngrave++] = p;
}

static void grave_flush(kvm_t *vm) {
  for (size_t i = 0; i < vm->ngrave; i++)
    free(vm->grave[i]);
  vm->ngrave = 0;
}

static kvar_t *var_find(kvars_t *vs, const char *name, size_t len,
                        uint32_t hash) {
  if (!vs->icap)
    return NULL;
  uint32_t m = vs->icap - 1;
  for (uint32_t i = hash & m;; i = (i + 1) & m) {
    uint32_t k = vs->idx[i];
    if (!k)
      return NULL;
    kvar_t *v = vs->item[k - 1];
    if (v->hash == hash && v->len == len && memcmp(v->name, name, len) == 0)
      return v;
  }
}

const kval_t *kiss_var_get(kvm_t *vm, const char *name, size_t len,
                           uint32_t hash) {
  kvar_t *v = var_find(&vm->vars, name, len, hash);
  return v && v->live ? &v->v : NULL;
}

static _Noreturn void oom(kvm_t *vm) {
  kiss_fail(vm, MN_KISS_ENONE, 0, "out of memory");
}

static kvar_t *var_add(kvm_t *vm, const char *name, size_t len,
                       uint32_t hash) {
  kvars_t *vs = &vm->vars;
  if ((vs->n + 1) * 2 > vs->icap) {
    uint32_t icap = vs->icap ? vs->icap * 2 : 16;
    uint32_t *idx = calloc(icap, sizeof *idx);
    if (!idx)
      oom(vm);
    for (uint32_t j = 0; j < vs->n; j++) {
      uint32_t i = vs->item[j]->hash & (icap - 1);
      while (idx[i])
        i = (i + 1) & (icap - 1);
      idx[i] = j + 1;
    }
    free(vs->idx);
    vs->idx = idx;
    vs->icap = icap;
  }
  if (vs->n == vs->cap) {
    uint32_t cap = vs->cap ? vs->cap * 2 : 16;
    kvar_t **it = realloc(vs->item, cap * sizeof *it);
    if (!it)
      oom(vm);
    vs->item = it;
    vs->cap = cap;
  }
  kvar_t *v = kiss_alloc(&vs->perm, sizeof *v);
  char *nm = kiss_alloc(&vs->perm, len + 1);
  if (!v || !nm)
    oom(vm);
  memset(v, 0, sizeof *v);
  memcpy(nm, name, len);
  nm[len] = 0;
  v->name = nm;
  v->len = (uint32_t)len;
  v->hash = hash;
  vs->item[vs->n++] = v;
  uint32_t i = hash & (vs->icap - 1);
  while (vs->idx[i])
    i = (i + 1) & (vs->icap - 1);
  vs->idx[i] = vs->n;
  return v;
}

void kiss_var_set(kvm_t *vm, const char *name, size_t len, uint32_t hash,
                  const kval_t *val) {
  kvar_t *v = var_find(&vm->vars, name, len, hash);
  if (!v)
    v = var_add(vm, name, len, hash);
  void *copy = NULL;
  kval_t nv = *val;
  if ((nv.t == KT_HEX || nv.t == KT_STR) && nv.len) {
    copy = malloc(nv.len);
    if (!copy)
      oom(vm);
    memcpy(copy, nv.p, nv.len);
    nv.p = copy;
  }
  void *old = v->owned;
  v->v = nv;
  v->owned = copy;
  v->live = true;
  bury(vm, old);
  if (vm->ctx->trace)
    kiss_trace_vars(vm);
}

void kiss_var_del(kvm_t *vm, const char *name, size_t len, uint32_t hash) {
  kvar_t *v = var_find(&vm->vars, name, len, hash);
  if (!v || !v->live)
    return;
  void *old = v->owned;
  v->owned = NULL;
  v->live = false;
  memset(&v->v, 0, sizeof v->v);
  bury(vm, old);
}

void kiss_vars_free(kvars_t *vs) {
  for (uint32_t i = 0; i < vs->n; i++)
    free(vs->item[i]->owned);
  free(vs->item);
  free(vs->idx);
  kiss_arena_free(&vs->perm);
  vs->item = NULL;
  vs->idx = NULL;
  vs->n = vs->cap = vs->icap = 0;
}

/* ---- printed forms ------------------------------------------------------ */

static const char hexd[] = "0123456789ABCDEF";

const uint8_t *kiss_print(kvm_t *vm, const kval_t *v, size_t *len) {
  switch (v->t) {
  case KT_BOOL:
    *len = v->b ? 4 : 5;
    return (const uint8_t *)(v->b ? "TRUE" : "FALSE");
  case KT_NUM: {
    char *b = kiss_talloc(vm, MN_NUM_STR_MAX);
    *len = vm->num->to_str(&v->n, b, MN_NUM_STR_MAX);
    return (const uint8_t *)b;
  }
  case KT_HEX: {
    if (!v->len) {
      *len = 0;
      return (const uint8_t *)"";
    }
    uint8_t *b = kiss_talloc(vm, 2 + (size_t)v->len * 2);
    b[0] = '0';
    b[1] = 'x';
    for (uint32_t i = 0; i < v->len; i++) {
      b[2 + 2 * i] = (uint8_t)hexd[v->p[i] >> 4];
      b[3 + 2 * i] = (uint8_t)hexd[v->p[i] & 15];
    }
    *len = 2 + (size_t)v->len * 2;
    return b;
  }
  default:
    *len = v->len;
    return v->p;
  }
}

void kiss_print_buf(const mn_num_api_t *num, const kval_t *v, mn_buf_t *out) {
  switch (v->t) {
  case KT_BOOL:
    mn_buf_put(out, v->b ? "TRUE" : "FALSE", v->b ? 4 : 5);
    return;
  case KT_NUM: {
    char b[MN_NUM_STR_MAX];
    size_t n = num->to_str(&v->n, b, sizeof b);
    mn_buf_put(out, b, n < sizeof b ? n : sizeof b - 1);
    return;
  }
  case KT_HEX:
    if (!v->len)
      return;
    mn_buf_put(out, "0x", 2);
    for (uint32_t i = 0; i < v->len; i++) {
      char h[2] = {hexd[v->p[i] >> 4], hexd[v->p[i] & 15]};
      mn_buf_put(out, h, 2);
    }
    return;
  default:
    mn_buf_put(out, v->p, v->len);
  }
}

/* ---- Value.getValue ----------------------------------------------------- */

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

kval_t kiss_value_from_text(kvm_t *vm, const uint8_t *t, size_t len,
                            uint32_t off) {
  kval_t v;
  memset(&v, 0, sizeof v);
  if (len >= 2 && t[0] == '[' && t[len - 1] == ']') {
    size_t n = kiss_utf8_sanitized_len(t + 1, len - 2);
    if (n > KISS_MAX_DATA)
      kiss_fail(vm, MN_KISS_ESIZE, off, "string larger than 64 KiB at "
                "offset %u", off);
    uint8_t *b = kiss_talloc(vm, n + 1);
    kiss_utf8_sanitize(t + 1, len - 2, b);
    v.t = KT_STR;
    v.p = b;
    v.len = (uint32_t)n;
    return v;
  }
  if (len == 1 && t[0] == '[') {
    /* "[" alone starts and ends with different brackets: not a string */
  }
  if (len >= 2 && t[0] == '0' && t[1] == 'x') {
    /* MiniData(String): upper-cased, [0-9A-F]+, odd gets a leading 0 */
    char *u = kiss_talloc(vm, (len - 2) * 3 + 1);
    size_t ul = kiss_java_upper((const char *)t + 2, len - 2, u);
    for (size_t i = 0; i < ul; i++)
      if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'A' && u[i] <= 'F')))
        kiss_fail(vm, MN_KISS_ECONVERSION, off,
                  "invalid hex text at offset %u", off);
    size_t nb = (ul + 1) / 2;
    if (nb > KISS_MAX_DATA)
      kiss_fail(vm, MN_KISS_ESIZE, off, "hex larger than 64 KiB at offset "
                "%u", off);
    uint8_t *b = kiss_talloc(vm, nb + 1);
    size_t i = 0, o = 0;
    if (ul & 1)
      b[o++] = (uint8_t)hexval(u[i++]);
    for (; i < ul; i += 2)
      b[o++] = (uint8_t)(hexval(u[i]) << 4 | hexval(u[i + 1]));
    v.t = KT_HEX;
    v.p = b;
    v.len = (uint32_t)nb;
    return v;
  }
  if (len == 4 && memcmp(t, "TRUE", 4) == 0) {
    v.t = KT_BOOL;
    v.b = 1;
    return v;
  }
  if (len == 5 && memcmp(t, "FALSE", 5) == 0) {
    v.t = KT_BOOL;
    return v;
  }
  bool numeric = len > 0;
  {
    size_t i = 0;
    while (i < len && t[i] >= '0' && t[i] <= '9')
      i++;
    if (i == 0)
      numeric = false;
    else if (i < len) {
      if (t[i] != '.')
        numeric = false;
      else {
        size_t j = ++i;
        while (i < len && t[i] >= '0' && t[i] <= '9')
          i++;
        numeric = i > j && i == len;
      }
    }
  }
  if ((len > 0 && t[0] == '-') || numeric) {
    uint8_t *d = kiss_talloc(vm, len + 1);
    size_t dl = kiss_ascii_digits(t, len, d);
    v.t = KT_NUM;
    int rc = vm->num->parse(&v.n, (const char *)d, dl);
    if (rc == MN_EOVERFLOW)
      kiss_fail(vm, MN_KISS_EOVERFLOW, off, "number out of range at offset "
                "%u", off);
    if (rc)
      kiss_fail(vm, MN_KISS_ECONVERSION, off, "invalid number at offset %u",
                off);
    return v;
  }
  kiss_fail(vm, MN_KISS_ECONVERSION, off, "invalid value text at offset %u",
            off);
}

/* ---- expressions -------------------------------------------------------- */

static _Noreturn void type_err(kvm_t *vm, const kexpr_t *e,
                               const char *what, const kval_t *a,
                               const kval_t *b) {
  const char *op = e->kind == E_FUNC ? kiss_fn_names[e->op]
                                     : kiss_op_texts[e->op];
  if (b)
    kiss_fail(vm, MN_KISS_ETYPE, e->off, "%s at offset %u %s, got %s and %s",
              op, e->off, what, kiss_type_name(a->t), kiss_type_name(b->t));
  kiss_fail(vm, MN_KISS_ETYPE, e->off, "%s at offset %u %s, got %s", op,
            e->off, what, kiss_type_name(a->t));
}

static _Noreturn void numerr(kvm_t *vm, int rc, const kexpr_t *e) {
  const char *op = e->kind == E_FUNC ? kiss_fn_names[e->op]
                                     : kiss_op_texts[e->op];
  switch (rc) {
  case MN_EOVERFLOW:
    kiss_fail(vm, MN_KISS_EOVERFLOW, e->off,
              "%s at offset %u: number out of range", op, e->off);
  case MN_EDIVZERO:
    kiss_fail(vm, MN_KISS_EDIVZERO, e->off, "%s at offset %u: division by "
              "zero", op, e->off);
  case MN_ERANGE:
    kiss_fail(vm, MN_KISS_ERANGE, e->off, "%s at offset %u: out of range",
              op, e->off);
  default:
    kiss_fail(vm, MN_KISS_EARITH, e->off, "%s at offset %u: arithmetic "
              "error", op, e->off);
  }
}

/* Minimal big-endian bytes: leading zeros stripped, empty -> 0x00. */
static kval_t hex_min(kvm_t *vm, uint8_t *b, size_t n, const kexpr_t *e) {
  size_t i = 0;
  while (i < n && b[i] == 0)
    i++;
  kval_t v;
  memset(&v, 0, sizeof v);
  v.t = KT_HEX;
  if (i == n) {
    static const uint8_t zero = 0;
    v.p = &zero;
    v.len = 1;
    return v;
  }
  if (n - i > KISS_MAX_DATA)
    kiss_fail(vm, MN_KISS_ESIZE, e->off, "%s at offset %u: result larger "
              "than 64 KiB", kiss_op_texts[e->op], e->off);
  v.p = b + i;
  v.len = (uint32_t)(n - i);
  return v;
}

static kval_t shift(kvm_t *vm, const kexpr_t *e, const kval_t *l,
                    const kval_t *r) {
  if (l->t != KT_HEX || r->t != KT_NUM)
    type_err(vm, e, "needs HEX and NUMBER", l, r);
  mn_num_t a, lim;
  vm->num->abs(&a, &r->n);
  vm->num->from_i64(&lim, 256);
  if (vm->num->cmp(&a, &lim) > 0)
    kiss_fail(vm, MN_KISS_ERANGE, e->off, "%s at offset %u: shift larger "
              "than 256 bits", kiss_op_texts[e->op], e->off);
  int32_t n = vm->num->to_i32_wrap(&r->n);
  if (e->op == OP_SHR)
    n = -n;
  /* the unsigned value, leading zero bytes dropped */
  const uint8_t *src = l->p;
  size_t sl = l->len;
  while (sl && src[0] == 0) {
    src++;
    sl--;
  }
  if (n >= 0) {
    size_t by = (size_t)n / 8, bi = (size_t)n % 8;
    size_t ol = sl + by + 1;
    uint8_t *o = kiss_talloc(vm, ol);
    memset(o, 0, ol);
    for (size_t i = 0; i < sl; i++) {
      unsigned v = (unsigned)src[i] << bi;
      o[i] |= (uint8_t)(v >> 8);
      o[i + 1] |= (uint8_t)v;
    }
    return hex_min(vm, o, ol, e);
  }
  size_t m = (size_t)(-(int64_t)n);
  size_t by = m / 8, bi = m % 8;
  if (by >= sl)
    return hex_min(vm, NULL, 0, e);
  size_t ol = sl - by;
  uint8_t *o = kiss_talloc(vm, ol);
  for (size_t i = 0; i < ol; i++) {
    unsigned v = src[i];
    unsigned prev = i ? src[i - 1] : 0;
    o[i] = (uint8_t)((v >> bi) | (bi ? prev << (8 - bi) : 0));
  }
  return hex_min(vm, o, ol, e);
}

static kval_t bitwise(kvm_t *vm, const kexpr_t *e, const kval_t *l,
                      const kval_t *r) {
  if (l->t != r->t || l->t != KT_HEX)
    type_err(vm, e, "needs two HEX values", l, r);
  if (e->op == OP_BAND) {
    size_t n = l->len < r->len ? l->len : r->len;
    uint8_t *o = kiss_talloc(vm, n + 1);
    const uint8_t *a = l->p + (l->len - n), *b = r->p + (r->len - n);
    for (size_t i = 0; i < n; i++)
      o[i] = a[i] & b[i];
    return hex_min(vm, o, n, e);
  }
  size_t n = l->len > r->len ? l->len : r->len;
  uint8_t *o = kiss_talloc(vm, n + 1);
  size_t pa = n - l->len, pb = n - r->len;
  for (size_t i = 0; i < n; i++) {
    uint8_t a = i >= pa ? l->p[i - pa] : 0, b = i >= pb ? r->p[i - pb] : 0;
    o[i] = e->op == OP_BOR ? a | b : a ^ b;
  }
  return hex_min(vm, o, n, e);
}

static bool val_eq(kvm_t *vm, const kval_t *a, const kval_t *b) {
  switch (a->t) {
  case KT_BOOL:
    return a->b == b->b;
  case KT_NUM:
    return vm->num->cmp(&a->n, &b->n) == 0;
  default:
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) ==
                                                   0);
  }
}

static kval_t boolean(bool b) {
  kval_t v;
  memset(&v, 0, sizeof v);
  v.t = KT_BOOL;
  v.b = b;
  return v;
}

static kval_t eval_bool(kvm_t *vm, const kexpr_t *e, const kval_t *l,
                        const kval_t *r) {
  if (e->op == OP_NOT) {
    if (l->t != KT_BOOL)
      type_err(vm, e, "needs a BOOLEAN", l, NULL);
    return boolean(!l->b);
  }
  if (l->t != r->t)
    type_err(vm, e, "needs two values of the same type", l, r);
  switch (e->op) {
  case OP_AND:
  case OP_NAND:
  case OP_OR:
  case OP_NOR:
  case OP_XOR:
  case OP_NXOR: {
    if (l->t != KT_BOOL)
      type_err(vm, e, "needs BOOLEAN values", l, r);
    bool a = l->b, b = r->b, x;
    switch (e->op) {
    case OP_AND: x = a && b; break;
    case OP_NAND: x = !(a && b); break;
    case OP_OR: x = a || b; break;
    case OP_NOR: x = !(a || b); break;
    case OP_XOR: x = a != b; break;
    default: x = a == b; break;
    }
    return boolean(x);
  }
  case OP_EQ:
    return boolean(val_eq(vm, l, r));
  case OP_NEQ:
    return boolean(!val_eq(vm, l, r));
  default: {
    if (l->t != KT_NUM)
      type_err(vm, e, "needs NUMBER values", l, r);
    int c = vm->num->cmp(&l->n, &r->n);
    switch (e->op) {
    case OP_LT: return boolean(c < 0);
    case OP_LTE: return boolean(c <= 0);
    case OP_GT: return boolean(c > 0);
    default: return boolean(c >= 0);
    }
  }
  }
}

static kval_t eval_oper(kvm_t *vm, const kexpr_t *e, const kval_t *l,
                        const kval_t *r) {
  kval_t v;
  memset(&v, 0, sizeof v);
  int rc = 0;
  switch (e->op) {
  case OP_ADD:
    if (l->t != r->t)
      type_err(vm, e, "needs two values of the same type", l, r);
    if (l->t == KT_NUM) {
      v.t = KT_NUM;
      if ((rc = vm->num->add(&v.n, &l->n, &r->n)))
        numerr(vm, rc, e);
      return v;
    }
    if (l->t == KT_STR) {
      size_t n = (size_t)l->len + r->len;
      if (n > KISS_MAX_DATA)
        kiss_fail(vm, MN_KISS_ESIZE, e->off, "+ at offset %u: string "
                  "larger than 64 KiB", e->off);
      uint8_t *b = kiss_talloc(vm, n + 1);
      memcpy(b, l->p, l->len);
      memcpy(b + l->len, r->p, r->len);
      v.t = KT_STR;
      v.p = b;
      v.len = (uint32_t)n;
      return v;
    }
    type_err(vm, e, "needs NUMBER or STRING values", l, r);
  case OP_SUB:
  case OP_MUL:
  case OP_DIV:
  case OP_MOD:
    if (l->t != r->t || l->t != KT_NUM)
      type_err(vm, e, "needs two NUMBER values", l, r);
    v.t = KT_NUM;
    if (e->op == OP_DIV && vm->num->sign(&r->n) == 0)
      kiss_fail(vm, MN_KISS_EDIVZERO, e->off, "/ at offset %u: division by "
                "zero", e->off);
    rc = e->op == OP_SUB   ? vm->num->sub(&v.n, &l->n, &r->n)
         : e->op == OP_MUL ? vm->num->mul(&v.n, &l->n, &r->n)
         : e->op == OP_DIV ? vm->num->div(&v.n, &l->n, &r->n)
                           : vm->num->rem(&v.n, &l->n, &r->n);
    if (rc)
      numerr(vm, rc, e);
    return v;
  case OP_NEG:
    if (l->t != KT_NUM)
      type_err(vm, e, "needs a NUMBER", l, NULL);
    v.t = KT_NUM;
    if ((rc = vm->num->mul(&v.n, &l->n, &vm->minus_one)))
      numerr(vm, rc, e);
    return v;
  case OP_SHL:
  case OP_SHR:
    return shift(vm, e, l, r);
  case OP_BAND:
  case OP_BOR:
  case OP_BXOR:
    return bitwise(vm, e, l, r);
  case OP_BNOT: {
    if (l->t != KT_HEX)
      type_err(vm, e, "needs a HEX value", l, NULL);
    uint8_t *o = kiss_talloc(vm, (size_t)l->len + 1);
    for (uint32_t i = 0; i < l->len; i++)
      o[i] = (uint8_t)~l->p[i];
    return hex_min(vm, o, l->len, e);
  }
  default:
    kiss_fail(vm, MN_KISS_ETYPE, e->off, "unknown operator at offset %u",
              e->off);
  }
}

static void trace_result(kvm_t *vm, const kexpr_t *e, const kval_t *v) {
  mn_buf_t b = {0};
  kiss_expr_str(vm, e, &b);
  mn_buf_put(&b, " returns:", 9);
  kiss_print_buf(vm->num, v, &b);
  kiss_trace(vm, "%.*s", (int)b.len, b.data ? (char *)b.data : "");
  mn_buf_free(&b);
}

kval_t kiss_eval(kvm_t *vm, const kexpr_t *e) {
  switch (e->kind) {
  case E_CONST:
    kiss_count(vm, 1, e->off);
    return e->u.k;
  case E_VAR: {
    kiss_count(vm, 1, e->off);
    const kval_t *v = kiss_var_get(vm, e->u.name.s, e->u.name.len, e->hash);
    if (!v)
      kiss_fail(vm, MN_KISS_EMISSING, e->off,
                "variable %.*s at offset %u is not set", (int)e->u.name.len,
                e->u.name.s, e->off);
    return *v;
  }
  case E_GLOBAL: {
    kiss_count(vm, 1, e->off);
    const mn_kiss_ctx_t *c = vm->ctx;
    for (size_t i = 0; i < c->nglobals; i++) {
      const mn_kiss_global_t *g = &c->globals[i];
      if (g->name && strlen(g->name) == e->u.name.len &&
          memcmp(g->name, e->u.name.s, e->u.name.len) == 0) {
        const char *n = g->name;
        if (!strcmp(n, "@BLOCK") || !strcmp(n, "@BLOCKMILLI") ||
            !strcmp(n, "@COINAGE"))
          vm->monotonic = false;
        kval_t v;
        memset(&v, 0, sizeof v);
        v.t = (uint8_t)g->value.type;
        if (v.t == KT_BOOL)
          v.b = g->value.boolean;
        else if (v.t == KT_NUM)
          v.n = g->value.number;
        else {
          size_t n2 = g->value.len;
          if (v.t == KT_STR) {
            n2 = kiss_utf8_sanitized_len(g->value.data, g->value.len);
            if (n2 != g->value.len) {
              uint8_t *b = kiss_talloc(vm, n2);
              kiss_utf8_sanitize(g->value.data, g->value.len, b);
              v.p = b;
            } else
              v.p = g->value.data;
          } else
            v.p = g->value.data;
          if (!v.p)
            v.p = (const uint8_t *)"";
          if (n2 > KISS_MAX_DATA)
            kiss_fail(vm, MN_KISS_ESIZE, e->off, "global %s larger than 64 "
                      "KiB", g->name);
          v.len = (uint32_t)n2;
        }
        return v;
      }
    }
    kiss_fail(vm, MN_KISS_EMISSING, e->off,
              "global %.*s at offset %u is not defined", (int)e->u.name.len,
              e->u.name.s, e->off);
  }
  case E_BOOL:
  case E_OPER: {
    kiss_count(vm, 1, e->off);
    if (++vm->crec > KISS_MAX_CREC)
      kiss_fail(vm, MN_KISS_ESTACK, e->off, "expression too deep at offset "
                "%u", e->off);
    kval_t l = kiss_eval(vm, e->u.bin.l);
    kval_t r;
    if (e->u.bin.r)
      r = kiss_eval(vm, e->u.bin.r);
    else {
      kiss_count(vm, 1, e->off); /* the reference's dummy FALSE operand */
      r = boolean(false);
    }
    vm->crec--;
    kval_t v = e->kind == E_BOOL ? eval_bool(vm, e, &l, &r)
                                 : eval_oper(vm, e, &l, &r);
    if (vm->ctx->trace && !(e->kind == E_OPER && e->op == OP_ADD))
      trace_result(vm, e, &v);
    return v;
  }
  case E_FUNC: {
    kiss_count(vm, 1, e->off);
    depth_inc(vm, e->off);
    if (++vm->crec > KISS_MAX_CREC)
      kiss_fail(vm, MN_KISS_ESTACK, e->off, "expression too deep at offset "
                "%u", e->off);
    kval_t v = kiss_call(vm, e);
    vm->crec--;
    vm->depth--;
    if (vm->ctx->trace)
      trace_result(vm, e, &v);
    return v;
  }
  }
  kiss_fail(vm, MN_KISS_ETYPE, e->off, "bad expression");
}

/* ---- statements --------------------------------------------------------- */

static bool want_bool(kvm_t *vm, const kval_t *v, const char *what,
                     uint32_t off) {
  if (v->t != KT_BOOL)
    kiss_fail(vm, MN_KISS_ETYPE, off, "%s at offset %u needs a BOOLEAN, got "
              "%s", what, off, kiss_type_name(v->t));
  return v->b;
}

static void exec_stmt(kvm_t *vm, const kstmt_t *s) {
  switch (s->kind) {
  case S_LET: {
    kval_t v = kiss_eval(vm, s->u.let.e);
    kiss_var_set(vm, s->u.let.name, s->u.let.len, s->u.let.hash, &v);
    return;
  }
  case S_LETARR: {
    uint32_t n = s->u.arr.nidx;
    char **parts = kiss_talloc(vm, sizeof *parts * n);
    size_t *plen = kiss_talloc(vm, sizeof *plen * n);
    size_t kl = 0;
    for (uint32_t i = 0; i < n; i++) {
      kval_t v = kiss_eval(vm, s->u.arr.idx[i]);
      if (v.t != KT_NUM)
        kiss_fail(vm, MN_KISS_ETYPE, s->off, "LET ( .. ) at offset %u needs "
                  "NUMBER indexes, got %s", s->off, kiss_type_name(v.t));
      parts[i] = kiss_talloc(vm, MN_NUM_STR_MAX);
      plen[i] = vm->num->to_str(&v.n, parts[i], MN_NUM_STR_MAX);
      kl += plen[i] + 1;
    }
    char *k = kiss_talloc(vm, kl + 1);
    for (size_t i = 0, o = 0; i < n; i++) {
      memcpy(k + o, parts[i], plen[i]);
      o += plen[i];
      k[o++] = ',';
    }
    kval_t v = kiss_eval(vm, s->u.arr.e);
    kiss_var_set(vm, k, kl, kiss_hash(k, kl), &v);
    return;
  }
  case S_IF: {
    kmark_t m = kiss_mark(&vm->arena);
    for (uint32_t i = 0; i < s->u.iff.n; i++) {
      kval_t v = kiss_eval(vm, s->u.iff.cond[i]);
      bool b = want_bool(vm, &v, "IF", s->off);
      kiss_reset(&vm->arena, m);
      if (b) {
        kiss_run_block(vm, s->u.iff.body[i]);
        break;
      }
    }
    return;
  }
  case S_WHILE: {
    kmark_t m = kiss_mark(&vm->arena);
    kval_t v = kiss_eval(vm, s->u.wh.cond);
    bool b = want_bool(vm, &v, "WHILE", s->off);
    kiss_reset(&vm->arena, m);
    while (b) {
      kiss_run_block(vm, s->u.wh.body);
      if (vm->success_set)
        return;
      v = kiss_eval(vm, s->u.wh.cond);
      b = want_bool(vm, &v, "WHILE", s->off);
      kiss_reset(&vm->arena, m);
    }
    return;
  }
  case S_RETURN: {
    kval_t v = kiss_eval(vm, s->u.e);
    bool b = want_bool(vm, &v, "RETURN", s->off);
    if (!vm->success_set) {
      vm->success = b;
      vm->success_set = true;
    }
    return;
  }
  case S_ASSERT: {
    kval_t v = kiss_eval(vm, s->u.e);
    if (!want_bool(vm, &v, "ASSERT", s->off) && !vm->success_set) {
      vm->success = false;
      vm->success_set = true;
    }
    return;
  }
  case S_EXEC: {
    kval_t v = kiss_eval(vm, s->u.e);
    if (v.t != KT_STR)
      kiss_fail(vm, MN_KISS_ETYPE, s->off, "EXEC at offset %u needs a "
                "STRING, got %s", s->off, kiss_type_name(v.t));
    kiss_run_text(vm, v.p, v.len, s->off);
    return;
  }
  case S_MAST: {
    kval_t v = kiss_eval(vm, s->u.e);
    if (v.t != KT_HEX)
      kiss_fail(vm, MN_KISS_ETYPE, s->off, "MAST at offset %u needs a HEX, "
                "got %s", s->off, kiss_type_name(v.t));
    const mn_kiss_ctx_t *c = vm->ctx;
    if (!vm->mast_addr && c->nscripts) {
      vm->mast_addr = kiss_alloc(&vm->vars.perm, 32 * c->nscripts);
      vm->mast_ok = kiss_alloc(&vm->vars.perm, c->nscripts);
      if (!vm->mast_addr || !vm->mast_ok)
        oom(vm);
      for (size_t i = 0; i < c->nscripts; i++) {
        const mn_kiss_script_t *sp = &c->scripts[i];
        size_t n = kiss_utf8_sanitized_len((const uint8_t *)sp->script,
                                           sp->script_len);
        uint8_t *t = kiss_talloc(vm, n + 1);
        kiss_utf8_sanitize((const uint8_t *)sp->script, sp->script_len, t);
        kmmr_t cur;
        kiss_mmr_leaf(vm->cr, vm->num, t, n, &vm->zero, &cur);
        size_t pos = 0;
        int rc = sp->proof_len
                     ? kiss_mmr_fold(vm->cr, vm->num, sp->proof,
                                     sp->proof_len, &pos, &cur)
                     : 0;
        vm->mast_ok[i] = rc == 0 && cur.hlen == 32;
        if (vm->mast_ok[i])
          memcpy(vm->mast_addr[i], cur.hash, 32);
      }
    }
    for (size_t i = 0; i < c->nscripts; i++) {
      if (vm->mast_ok[i] && v.len == 32 &&
          memcmp(vm->mast_addr[i], v.p, 32) == 0) {
        const mn_kiss_script_t *sp = &c->scripts[i];
        size_t n = kiss_utf8_sanitized_len((const uint8_t *)sp->script,
                                           sp->script_len);
        uint8_t *t = kiss_talloc(vm, n + 1);
        kiss_utf8_sanitize((const uint8_t *)sp->script, sp->script_len, t);
        kiss_run_text(vm, t, n, s->off);
        return;
      }
    }
    kiss_fail(vm, MN_KISS_EMISSING, s->off, "MAST at offset %u: no script "
              "with that address in the witness", s->off);
  }
  }
}

void kiss_run_block(kvm_t *vm, const kblock_t *b) {
  depth_inc(vm, b->n ? b->s[0]->off : 0);
  for (uint32_t i = 0; i < b->n; i++) {
    if (vm->success_set)
      return;
    const kstmt_t *s = b->s[i];
    kiss_count(vm, 1, s->off);
    if (vm->ctx->trace) {
      mn_buf_t t = {0};
      kiss_stmt_str(vm, s, &t);
      kiss_trace(vm, "%.*s", (int)t.len, t.data ? (char *)t.data : "");
      mn_buf_free(&t);
    }
    kmark_t m = kiss_mark(&vm->arena);
    exec_stmt(vm, s);
    kiss_reset(&vm->arena, m);
    if (vm->fn_depth == 0)
      grave_flush(vm);
  }
  vm->depth--;
}

void kiss_run_text(kvm_t *vm, const uint8_t *text, size_t len, uint32_t off) {
  uint8_t *copy = kiss_talloc(vm, len + 1);
  memcpy(copy, text, len);
  ktoks_t toks;
  char msg[MN_KISS_MSG_MAX];
  uint32_t eoff = 0;
  int rc = kiss_lex((const char *)copy, len, false, &vm->arena, &toks, msg,
                    sizeof msg, &eoff);
  if (rc == -3)
    oom(vm);
  if (rc)
    kiss_fail(vm, MN_KISS_EPARSE, off, "script run at offset %u: %s", off,
              msg);
  kparse_err_t perr;
  kblock_t *b = kiss_parse(&toks, vm->depth, vm->num, &vm->arena, &perr);
  if (!b) {
    if (vm->arena.oom)
      oom(vm);
    kiss_fail(vm, perr.stack ? MN_KISS_ESTACK : MN_KISS_EPARSE, off,
              "script run at offset %u: %s", off, perr.msg);
  }
  kiss_run_block(vm, b);
}
