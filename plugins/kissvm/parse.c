/*
 * parse.c - tokens to a statement tree, with the reference's exact rules
 * (StatementParser / ExpressionParser): statements are cut out of the
 * token list by scanning for the next command, THEN, DO, ENDIF or
 * ENDWHILE; expressions are parsed by precedence climbing over such a
 * slice and must use every token of it.  Nesting limits are the
 * reference's: 64 statement blocks (counted from the run-time depth for
 * EXEC/MAST/FUNCTION) and 64 levels of brackets and function arguments per
 * expression, which restarts at 0 for every expression.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "kiss.h"

typedef struct kp {
  const ktok_t *t;
  const mn_num_api_t *num;
  karena_t *a;
  kparse_err_t *err;
  jmp_buf jb;
  int prefix; /* nested NOT/NEG/~ (C stack guard) */
} kp_t;

/* An expression cursor over tokens [lo, hi). */
typedef struct lx {
  uint32_t lo, hi, pos;
  int depth;
} lx_t;

static _Noreturn void perr(kp_t *p, bool stack, uint32_t off, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));

static _Noreturn void perr(kp_t *p, bool stack, uint32_t off, const char *fmt,
                           ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
  va_end(ap);
  p->err->stack = stack;
  p->err->off = off;
  longjmp(p->jb, 1);
}

static void *palloc(kp_t *p, size_t n) {
  void *m = kiss_alloc(p->a, n);
  if (!m)
    longjmp(p->jb, 2);
  memset(m, 0, n);
  return m;
}

static void tokname(const ktok_t *t, char *buf, size_t cap) {
  size_t n = t->len < 40 ? t->len : 40;
  snprintf(buf, cap, "%.*s%s", (int)n, t->text, t->len > n ? "..." : "");
}

static const ktok_t *next(kp_t *p, lx_t *l) {
  if (l->pos >= l->hi)
    perr(p, false, l->hi > 0 ? p->t[l->hi - 1].off : 0,
         "expression ends too early after offset %u",
         l->hi > 0 ? p->t[l->hi - 1].off : 0);
  return &p->t[l->pos++];
}

static bool is_op(const ktok_t *t, int op) {
  return t->type == TK_OPERATOR && t->sub == op;
}

static kexpr_t *getexpr(kp_t *p, lx_t *l);

/* ---- values from literal tokens ----------------------------------------- */

static kval_t literal(kp_t *p, const ktok_t *t) {
  kval_t v;
  memset(&v, 0, sizeof v);
  char name[64];
  if (t->type == TK_VALUE && t->sub == KT_STR) {
    if (!(t->len >= 2 && t->text[t->len - 1] == ']')) {
      tokname(t, name, sizeof name);
      perr(p, false, t->off, "unterminated string %s at offset %u", name,
           t->off);
    }
    if (t->len - 2 > KISS_MAX_DATA)
      perr(p, false, t->off, "string literal at offset %u is larger than "
           "64 KiB", t->off);
    v.t = KT_STR;
    v.p = (const uint8_t *)t->text + 1;
    v.len = t->len - 2;
    return v;
  }
  if (t->type == TK_VALUE && t->sub == KT_HEX) {
    size_t nd = t->len - 2;
    size_t nb = (nd + 1) / 2;
    if (nb > KISS_MAX_DATA)
      perr(p, false, t->off, "hex literal at offset %u is larger than 64 "
           "KiB", t->off);
    uint8_t *b = palloc(p, nb ? nb : 1);
    const char *h = t->text + 2;
    size_t i = 0, o = 0;
    if (nd & 1) {
      b[o++] = (uint8_t)(h[0] <= '9' ? h[0] - '0' : (h[0] | 32) - 'a' + 10);
      i = 1;
    }
    for (; i < nd; i += 2) {
      int hi = h[i] <= '9' ? h[i] - '0' : (h[i] | 32) - 'a' + 10;
      int lo = h[i + 1] <= '9' ? h[i + 1] - '0' : (h[i + 1] | 32) - 'a' + 10;
      b[o++] = (uint8_t)(hi << 4 | lo);
    }
    v.t = KT_HEX;
    v.p = b;
    v.len = (uint32_t)nb;
    return v;
  }
  /* number */
  v.t = KT_NUM;
  int rc = p->num->parse(&v.n, t->text, t->len);
  if (rc) {
    tokname(t, name, sizeof name);
    perr(p, false, t->off, "number %s at offset %u is %s", name, t->off,
         rc == MN_EOVERFLOW ? "out of range" : "not a number");
  }
  return v;
}

static kexpr_t *mkconst(kp_t *p, const ktok_t *t, kval_t v) {
  kexpr_t *e = palloc(p, sizeof *e);
  e->kind = E_CONST;
  e->off = t->off;
  e->u.k = v;
  return e;
}

/* ---- expressions -------------------------------------------------------- */

static kexpr_t *mkbin(kp_t *p, int kind, int op, kexpr_t *l, kexpr_t *r,
                      uint32_t off) {
  kexpr_t *e = palloc(p, sizeof *e);
  e->kind = (uint8_t)kind;
  e->op = (uint8_t)op;
  e->off = off;
  e->u.bin.l = l;
  e->u.bin.r = r;
  return e;
}

static kexpr_t *baseunit(kp_t *p, lx_t *l) {
  const ktok_t *t = next(p, l);
  char name[64];
  switch (t->type) {
  case TK_VALUE:
    return mkconst(p, t, literal(p, t));
  case TK_OPERATOR:
    if (t->sub == OP_SUB) {
      const ktok_t *n = next(p, l);
      if (!(n->type == TK_VALUE && n->sub == KT_NUM)) {
        tokname(n, name, sizeof name);
        perr(p, false, n->off, "'-' at offset %u must be followed by a "
             "number, not %s", t->off, name);
      }
      kval_t v = literal(p, n);
      mn_num_t m1;
      p->num->from_i64(&m1, -1);
      if (p->num->mul(&v.n, &v.n, &m1))
        perr(p, false, n->off, "number out of range at offset %u", n->off);
      return mkconst(p, t, v);
    }
    break;
  case TK_GLOBAL:
  case TK_VARIABLE: {
    kexpr_t *e = palloc(p, sizeof *e);
    e->kind = t->type == TK_GLOBAL ? E_GLOBAL : E_VAR;
    e->off = t->off;
    e->u.name.s = t->text;
    e->u.name.len = t->len;
    e->hash = kiss_hash(t->text, t->len);
    return e;
  }
  case TK_TRUE:
  case TK_FALSE: {
    kval_t v;
    memset(&v, 0, sizeof v);
    v.t = KT_BOOL;
    v.b = t->type == TK_TRUE;
    return mkconst(p, t, v);
  }
  case TK_FUNCTION: {
    int fn = t->sub;
    const ktok_t *b = next(p, l);
    if (b->type != TK_OPEN)
      perr(p, false, t->off, "missing '(' after %s at offset %u",
           kiss_fn_names[fn], t->off);
    kexpr_t *args[KISS_MAX_PARAMS + 1];
    int n = 0;
    for (;;) {
      const ktok_t *c = next(p, l);
      if (c->type == TK_CLOSE)
        break;
      l->pos--;
      l->depth++;
      args[n++] = getexpr(p, l);
      if (n > KISS_MAX_PARAMS)
        perr(p, false, t->off, "%s at offset %u has more than %d parameters",
             kiss_fn_names[fn], t->off, KISS_MAX_PARAMS);
      l->depth--;
    }
    int want = kiss_fn_params[fn];
    if (kiss_fn_min[fn] ? n < want : n != want)
      perr(p, false, t->off, "%s at offset %u needs %s%d parameters, not %d",
           kiss_fn_names[fn], t->off, kiss_fn_min[fn] ? "at least " : "",
           want, n);
    kexpr_t *e = palloc(p, sizeof *e);
    e->kind = E_FUNC;
    e->op = (uint8_t)fn;
    e->off = t->off;
    e->nargs = (uint16_t)n;
    e->u.args = palloc(p, sizeof(kexpr_t *) * (size_t)(n ? n : 1));
    memcpy(e->u.args, args, sizeof(kexpr_t *) * (size_t)n);
    return e;
  }
  case TK_OPEN: {
    l->depth++;
    kexpr_t *e = getexpr(p, l);
    l->depth--;
    const ktok_t *c = next(p, l);
    if (c->type != TK_CLOSE) {
      tokname(c, name, sizeof name);
      perr(p, false, c->off, "missing ')' at offset %u, found %s", c->off,
           name);
    }
    return e;
  }
  default:
    break;
  }
  tokname(t, name, sizeof name);
  perr(p, false, t->off, "unexpected %s at offset %u", name, t->off);
}

static kexpr_t *primary(kp_t *p, lx_t *l) {
  const ktok_t *t = next(p, l);
  if (t->type == TK_OPERATOR &&
      (t->sub == OP_NOT || t->sub == OP_NEG || t->sub == OP_BNOT)) {
    if (++p->prefix > KISS_MAX_CREC)
      perr(p, false, t->off, "too many prefix operators at offset %u",
           t->off);
    kexpr_t *x = primary(p, l);
    p->prefix--;
    return mkbin(p, t->sub == OP_NOT ? E_BOOL : E_OPER, t->sub, x, NULL,
                 t->off);
  }
  l->pos--;
  return baseunit(p, l);
}

static kexpr_t *muldiv(kp_t *p, lx_t *l) {
  kexpr_t *e = primary(p, l);
  while (l->pos < l->hi) {
    const ktok_t *t = next(p, l);
    if (is_op(t, OP_MUL) || is_op(t, OP_DIV))
      e = mkbin(p, E_OPER, t->sub, e, primary(p, l), t->off);
    else {
      l->pos--;
      break;
    }
  }
  return e;
}

static kexpr_t *addsub(kp_t *p, lx_t *l) {
  kexpr_t *e = muldiv(p, l);
  while (l->pos < l->hi) {
    const ktok_t *t = next(p, l);
    if (is_op(t, OP_ADD) || is_op(t, OP_SUB) || is_op(t, OP_MOD) ||
        is_op(t, OP_SHL) || is_op(t, OP_SHR))
      e = mkbin(p, E_OPER, t->sub, e, muldiv(p, l), t->off);
    else {
      l->pos--;
      break;
    }
  }
  return e;
}

static kexpr_t *logic(kp_t *p, lx_t *l) {
  kexpr_t *e = addsub(p, l);
  while (l->pos < l->hi) {
    const ktok_t *t = next(p, l);
    if (is_op(t, OP_BAND) || is_op(t, OP_BOR) || is_op(t, OP_BXOR))
      e = mkbin(p, E_OPER, t->sub, e, addsub(p, l), t->off);
    else {
      l->pos--;
      break;
    }
  }
  return e;
}

static kexpr_t *relation(kp_t *p, lx_t *l) {
  kexpr_t *e = logic(p, l);
  while (l->pos < l->hi) {
    const ktok_t *t = next(p, l);
    if (is_op(t, OP_EQ) || is_op(t, OP_NEQ) || is_op(t, OP_GT) ||
        is_op(t, OP_GTE) || is_op(t, OP_LT) || is_op(t, OP_LTE))
      e = mkbin(p, E_BOOL, t->sub, e, logic(p, l), t->off);
    else {
      l->pos--;
      break;
    }
  }
  return e;
}

static kexpr_t *getexpr(kp_t *p, lx_t *l) {
  if (l->depth > KISS_MAX_STACK)
    perr(p, true, l->pos < l->hi ? p->t[l->pos].off : 0,
         "expression nested deeper than %d at offset %u", KISS_MAX_STACK,
         l->pos < l->hi ? p->t[l->pos].off : 0);
  kexpr_t *e = relation(p, l);
  while (l->pos < l->hi) {
    const ktok_t *t = next(p, l);
    if (is_op(t, OP_AND) || is_op(t, OP_OR) || is_op(t, OP_XOR) ||
        is_op(t, OP_NAND) || is_op(t, OP_NOR) || is_op(t, OP_NXOR))
      e = mkbin(p, E_BOOL, t->sub, e, relation(p, l), t->off);
    else {
      l->pos--;
      break;
    }
  }
  return e;
}

/* A complete expression over [lo, hi): non-empty, every token used. */
static kexpr_t *expr_range(kp_t *p, uint32_t lo, uint32_t hi, uint32_t at) {
  if (lo >= hi)
    perr(p, false, at, "empty expression at offset %u", at);
  lx_t l = {lo, hi, lo, 0};
  kexpr_t *e = getexpr(p, &l);
  if (l.pos != hi) {
    char name[64];
    tokname(&p->t[l.pos], name, sizeof name);
    perr(p, false, p->t[l.pos].off, "unexpected %s at offset %u", name,
         p->t[l.pos].off);
  }
  return e;
}

/* ---- statements --------------------------------------------------------- */

static bool is_cmd(const ktok_t *t, int c) {
  return t->type == TK_COMMAND && t->sub == c;
}

/* Index of the next command token at or after i (or hi). */
static uint32_t to_next_command(kp_t *p, uint32_t i, uint32_t hi) {
  while (i < hi && p->t[i].type != TK_COMMAND)
    i++;
  return i;
}

/* Index of the first token after i that is the command c; hi if none. */
static uint32_t to_required(kp_t *p, uint32_t i, uint32_t hi, int c) {
  while (i < hi && !is_cmd(&p->t[i], c))
    i++;
  return i;
}

/* End (exclusive, terminator included) of an IF branch body starting at
 * i: the next ENDIF, ELSEIF or ELSE at this IF level; nested IFs are
 * skipped up to their ENDIF only.  hi when no terminator exists. */
static uint32_t scan_if(kp_t *p, uint32_t i, uint32_t hi) {
  int level = 0;
  for (; i < hi; i++) {
    const ktok_t *t = &p->t[i];
    if (t->type != TK_COMMAND)
      continue;
    if (t->sub == CMD_ENDIF) {
      if (level == 0)
        return i + 1;
      level--;
    } else if ((t->sub == CMD_ELSEIF || t->sub == CMD_ELSE) && level == 0) {
      return i + 1;
    } else if (t->sub == CMD_IF) {
      level++;
    }
  }
  return hi;
}

static uint32_t scan_while(kp_t *p, uint32_t i, uint32_t hi) {
  int level = 0;
  for (; i < hi; i++) {
    const ktok_t *t = &p->t[i];
    if (is_cmd(t, CMD_ENDWHILE)) {
      if (level == 0)
        return i + 1;
      level--;
    } else if (is_cmd(t, CMD_WHILE)) {
      level++;
    }
  }
  return hi;
}

/* A growable array of pointers in the arena. */
typedef struct pvec {
  void **v;
  uint32_t n, cap;
} pvec_t;

static void ppush(kp_t *p, pvec_t *s, void *x) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 4;
    void **v = palloc(p, sizeof *v * cap);
    if (s->n)
      memcpy(v, s->v, sizeof *v * s->n);
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = x;
}

static kblock_t *block(kp_t *p, uint32_t lo, uint32_t hi, int depth) {
  int cur = depth + 1;
  if (cur > KISS_MAX_STACK)
    perr(p, true, lo < hi ? p->t[lo].off : 0,
         "statements nested deeper than %d at offset %u", KISS_MAX_STACK,
         lo < hi ? p->t[lo].off : 0);
  pvec_t sv = {0};
  uint32_t pos = lo;
  char name[64];
  while (pos < hi) {
    const ktok_t *t = &p->t[pos++];
    if (t->type != TK_COMMAND) {
      tokname(t, name, sizeof name);
      perr(p, false, t->off, "expected a command at offset %u, found %s",
           t->off, name);
    }
    kstmt_t *st = palloc(p, sizeof *st);
    st->off = t->off;
    switch (t->sub) {
    case CMD_LET: {
      if (pos >= hi)
        perr(p, false, t->off, "LET at offset %u has no variable", t->off);
      const ktok_t *v = &p->t[pos++];
      if (v->type == TK_OPEN) {
        uint32_t e = pos;
        while (e < hi && !is_op(&p->t[e], OP_ASSIGN))
          e++;
        if (e == pos || p->t[e - 1].type != TK_CLOSE)
          perr(p, false, v->off, "LET ( at offset %u is missing its ')'",
               v->off);
        uint32_t ilo = pos, ihi = e - 1;
        pos = e;
        if (pos >= hi)
          perr(p, false, v->off, "LET ( at offset %u is missing '='", v->off);
        pos++;
        if (ilo == ihi)
          perr(p, false, v->off, "LET () at offset %u has no index", v->off);
        lx_t l = {ilo, ihi, ilo, 0};
        pvec_t idx = {0};
        while (l.pos != l.hi)
          ppush(p, &idx, getexpr(p, &l));
        uint32_t end = to_next_command(p, pos, hi);
        st->kind = S_LETARR;
        st->u.arr.e = expr_range(p, pos, end, t->off);
        pos = end;
        st->u.arr.nidx = idx.n;
        st->u.arr.idx = (kexpr_t **)idx.v;
      } else if (v->type == TK_VARIABLE) {
        if (pos >= hi || !is_op(&p->t[pos], OP_ASSIGN))
          perr(p, false, v->off, "LET %.*s at offset %u is missing '='",
               (int)v->len, v->text, v->off);
        pos++;
        uint32_t end = to_next_command(p, pos, hi);
        st->kind = S_LET;
        st->u.let.name = v->text;
        st->u.let.len = v->len;
        st->u.let.hash = kiss_hash(v->text, v->len);
        st->u.let.e = expr_range(p, pos, end, t->off);
        pos = end;
      } else {
        tokname(v, name, sizeof name);
        perr(p, false, v->off, "LET at offset %u needs a variable, not %s",
             t->off, name);
      }
      break;
    }
    case CMD_EXEC:
    case CMD_MAST:
    case CMD_RETURN:
    case CMD_ASSERT: {
      uint32_t end = to_next_command(p, pos, hi);
      st->kind = t->sub == CMD_EXEC     ? S_EXEC
                 : t->sub == CMD_MAST   ? S_MAST
                 : t->sub == CMD_RETURN ? S_RETURN
                                        : S_ASSERT;
      st->u.e = expr_range(p, pos, end, t->off);
      pos = end;
      break;
    }
    case CMD_IF: {
      pvec_t conds = {0}, bodies = {0};
      uint32_t th = to_required(p, pos, hi, CMD_THEN);
      if (th >= hi)
        perr(p, false, t->off, "IF at offset %u has no THEN", t->off);
      ppush(p, &conds, expr_range(p, pos, th, t->off));
      pos = th + 1;
      uint32_t e = scan_if(p, pos, hi);
      if (e == pos)
        perr(p, false, t->off, "IF at offset %u has no body or ENDIF",
             t->off);
      const ktok_t *nt = &p->t[e - 1];
      ppush(p, &bodies, block(p, pos, e - 1, cur));
      pos = e;
      while (!is_cmd(nt, CMD_ENDIF)) {
        if (is_cmd(nt, CMD_ELSE)) {
          kval_t tv;
          memset(&tv, 0, sizeof tv);
          tv.t = KT_BOOL;
          tv.b = 1;
          ppush(p, &conds, mkconst(p, nt, tv));
        } else if (is_cmd(nt, CMD_ELSEIF)) {
          th = to_required(p, pos, hi, CMD_THEN);
          if (th >= hi)
            perr(p, false, nt->off, "ELSEIF at offset %u has no THEN",
                 nt->off);
          ppush(p, &conds, expr_range(p, pos, th, nt->off));
          pos = th + 1;
        } else {
          perr(p, false, t->off, "IF at offset %u is missing its ENDIF",
               t->off);
        }
        uint32_t at = nt->off;
        e = scan_if(p, pos, hi);
        if (e == pos)
          perr(p, false, at, "branch at offset %u has no body or ENDIF", at);
        nt = &p->t[e - 1];
        ppush(p, &bodies, block(p, pos, e - 1, cur));
        pos = e;
      }
      st->kind = S_IF;
      st->u.iff.n = conds.n;
      st->u.iff.cond = (kexpr_t **)conds.v;
      st->u.iff.body = (kblock_t **)bodies.v;
      break;
    }
    case CMD_WHILE: {
      uint32_t d = to_required(p, pos, hi, CMD_DO);
      if (d >= hi)
        perr(p, false, t->off, "WHILE at offset %u has no DO", t->off);
      st->kind = S_WHILE;
      st->u.wh.cond = expr_range(p, pos, d, t->off);
      pos = d + 1;
      uint32_t e = scan_while(p, pos, hi);
      if (e == pos)
        perr(p, false, t->off, "WHILE at offset %u has no body or ENDWHILE",
             t->off);
      st->u.wh.body = block(p, pos, e - 1, cur);
      pos = e;
      break;
    }
    default:
      perr(p, false, t->off, "unexpected %s at offset %u",
           kiss_cmd_names[t->sub], t->off);
    }
    ppush(p, &sv, st);
  }
  kblock_t *b = palloc(p, sizeof *b);
  b->n = sv.n;
  b->s = (kstmt_t **)sv.v;
  return b;
}

kblock_t *kiss_parse(const ktoks_t *toks, int depth, const mn_num_api_t *num,
                     karena_t *a, kparse_err_t *err) {
  kp_t p;
  memset(&p, 0, sizeof p);
  p.t = toks->v;
  p.num = num;
  p.a = a;
  p.err = err;
  memset(err, 0, sizeof *err);
  int j = setjmp(p.jb);
  if (j == 1)
    return NULL;
  if (j == 2) {
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return NULL;
  }
  return block(&p, 0, toks->n, depth);
}
