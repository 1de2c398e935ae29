/*
 * service.c - compile / evaluate / helpers behind the "kissvm" service
 * table (minima/svc/kissvm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiss.h"

static const mn_num_api_t *g_num;
static const mn_crypto_api_t *g_cr;

/* ---- compile ------------------------------------------------------------ */

static void diag_set(mn_kiss_diag_t *d, uint32_t off, const char *msg) {
  if (!d)
    return;
  d->category = MN_KISS_EPARSE;
  d->offset = off;
  snprintf(d->message, sizeof d->message, "%s", msg);
}

int kiss_compile(const mn_num_api_t *num, const mn_crypto_api_t *cr,
                 const char *script, size_t len, mn_kiss_prog_t **out,
                 mn_kiss_diag_t *diag) {
  *out = NULL;
  if (diag)
    memset(diag, 0, sizeof *diag);
  if (!num || !cr || (!script && len))
    return MN_EINVAL;
  mn_kiss_prog_t *p = calloc(1, sizeof *p);
  if (!p)
    return MN_ENOMEM;
  p->num = num;
  p->cr = cr;
  kiss_arena_init(&p->arena, NULL, 0);
  size_t n = kiss_utf8_sanitized_len((const uint8_t *)script, len);
  p->src = malloc(n + 1);
  if (!p->src) {
    free(p);
    return MN_ENOMEM;
  }
  kiss_utf8_sanitize((const uint8_t *)script, len, (uint8_t *)p->src);
  p->src[n] = 0;
  p->len = n;

  karena_t tmp;
  uint8_t buf[4096];
  kiss_arena_init(&tmp, buf, sizeof buf);
  ktoks_t toks;
  char msg[MN_KISS_MSG_MAX];
  uint32_t off = 0;
  int rc = kiss_lex(p->src, n, false, &tmp, &toks, msg, sizeof msg, &off);
  if (rc == 0) {
    kparse_err_t perr;
    p->top = kiss_parse(&toks, 0, num, &p->arena, &perr);
    if (!p->top) {
      rc = p->arena.oom ? MN_ENOMEM : MN_EINVAL;
      diag_set(diag, perr.off, perr.msg);
    }
  } else {
    diag_set(diag, off, msg);
    rc = rc == -3 ? MN_ENOMEM : MN_EINVAL;
  }
  kiss_arena_free(&tmp);
  if (rc) {
    kiss_prog_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void kiss_prog_free(mn_kiss_prog_t *p) {
  if (!p)
    return;
  kiss_arena_free(&p->arena);
  free(p->src);
  free(p);
}

/* ---- evaluate ----------------------------------------------------------- */

struct mn_kiss_vars {
  kvars_t v;
};

static int guarded(kvm_t *vm, const kblock_t *b) {
  if (setjmp(vm->jb))
    return 1;
  kiss_run_block(vm, b);
  return 0;
}

static void trace_ctx(kvm_t *vm) {
  const mn_kiss_ctx_t *c = vm->ctx;
  for (size_t i = 0; i < c->nsignatures; i++) {
    mn_buf_t b = {0};
    kval_t v;
    memset(&v, 0, sizeof v);
    v.t = KT_HEX;
    v.p = c->signatures[i].data;
    v.len = (uint32_t)c->signatures[i].len;
    kiss_print_buf(vm->num, &v, &b);
    kiss_trace(vm, "Signature : %.*s", (int)b.len, b.data ? (char *)b.data
                                                          : "");
    mn_buf_free(&b);
  }
  for (size_t i = 0; i < c->nstate; i++)
    kiss_trace(vm, "State[%u] : %.*s", c->state[i].port,
               (int)c->state[i].len, c->state[i].text);
  for (size_t i = 0; i < c->nprevstate; i++)
    kiss_trace(vm, "PrevState[%u] : %.*s", c->prevstate[i].port,
               (int)c->prevstate[i].len, c->prevstate[i].text);
  for (size_t i = 0; i < c->nglobals; i++) {
    mn_buf_t b = {0};
    kval_t v;
    memset(&v, 0, sizeof v);
    v.t = (uint8_t)c->globals[i].value.type;
    v.b = c->globals[i].value.boolean;
    v.n = c->globals[i].value.number;
    v.p = c->globals[i].value.data;
    v.len = (uint32_t)c->globals[i].value.len;
    kiss_print_buf(vm->num, &v, &b);
    kiss_trace(vm, "Global [%s] : %.*s", c->globals[i].name, (int)b.len,
               b.data ? (char *)b.data : "");
    mn_buf_free(&b);
  }
}

int kiss_evaluate(const mn_kiss_prog_t *prog, const mn_kiss_ctx_t *ctx,
                  uint32_t flags, mn_kiss_result_t *res) {
  if (!prog || !ctx || !res || res->size < sizeof *res ||
      ctx->size < sizeof *ctx)
    return MN_EINVAL;
  uint32_t rsize = res->size;
  memset(res, 0, sizeof *res);
  res->size = rsize;
  res->parse_ok = true;
  res->monotonic = true;

  uint8_t tbuf[8192], pbuf[2048];
  kvm_t vm;
  memset(&vm, 0, sizeof vm);
  vm.num = prog->num;
  vm.cr = prog->cr;
  vm.ctx = ctx;
  vm.max_instr = ctx->max_instructions ? ctx->max_instructions
                                       : MN_KISS_DEFAULT_INSTRUCTIONS;
  vm.monotonic = true;
  kiss_arena_init(&vm.arena, tbuf, sizeof tbuf);
  bool keep = flags & MN_KISS_KEEP_VARS;
  kiss_arena_init(&vm.vars.perm, keep ? NULL : pbuf, keep ? 0 : sizeof pbuf);
  vm.num->from_i64(&vm.one, 1);
  vm.num->from_i64(&vm.zero, 0);
  vm.num->from_i64(&vm.minus_one, -1);
  vm.num->parse(&vm.ten, "1E1", 3); /* the reference's TEN has scale -1 */

  if (ctx->trace) {
    trace_ctx(&vm);
    kiss_trace(&vm, "Start executing the contract");
  }
  int failed = guarded(&vm, prog->top);
  int rc = 0;
  if (failed) {
    if (vm.err == MN_KISS_ENONE)
      rc = MN_ENOMEM;
    res->error = vm.err;
    snprintf(res->message, sizeof res->message, "%s", vm.msg);
    res->success = false;
    if (ctx->trace)
      kiss_trace(&vm, "Execution Error - %s", vm.msg);
  } else {
    res->success = vm.success_set && vm.success;
  }
  res->instructions = vm.instr;
  res->monotonic = vm.monotonic;
  if (ctx->trace) {
    kiss_trace(&vm, "Contract instructions : %u", vm.instr);
    kiss_trace(&vm, "Contract finished     : %s",
               res->success ? "true" : "false");
  }

  for (size_t i = 0; i < vm.ngrave; i++)
    free(vm.grave[i]);
  free(vm.grave);
  kiss_arena_free(&vm.arena);
  if (keep && rc == 0) {
    struct mn_kiss_vars *kv = malloc(sizeof *kv);
    if (kv) {
      kv->v = vm.vars;
      kiss_arena_move(&kv->v.perm, &vm.vars.perm);
      res->vars = kv;
      return 0;
    }
    rc = MN_ENOMEM;
  }
  kiss_vars_free(&vm.vars);
  return rc;
}

static void result_free(mn_kiss_result_t *res) {
  if (!res || !res->vars)
    return;
  kiss_vars_free(&res->vars->v);
  free(res->vars);
  res->vars = NULL;
}

static bool var_next(const mn_kiss_vars_t *vars, size_t *iter,
                     mn_kiss_var_t *out) {
  if (!vars)
    return false;
  while (*iter < vars->v.n) {
    const kvar_t *v = vars->v.item[(*iter)++];
    if (!v->live)
      continue;
    memset(out, 0, sizeof *out);
    out->name = v->name;
    out->name_len = v->len;
    out->value.type = (mn_kiss_type_t)v->v.t;
    out->value.boolean = v->v.b;
    out->value.number = v->v.n;
    out->value.data = v->v.p;
    out->value.len = v->v.len;
    return true;
  }
  return false;
}

/* ---- bound entry points ------------------------------------------------- */

static int svc_compile(const char *script, size_t len, mn_kiss_prog_t **out,
                       mn_kiss_diag_t *diag) {
  return kiss_compile(g_num, g_cr, script, len, out, diag);
}

static int svc_run(const char *script, size_t len, const mn_kiss_ctx_t *ctx,
                   uint32_t flags, mn_kiss_result_t *res) {
  if (!res || res->size < sizeof *res || !ctx || ctx->size < sizeof *ctx)
    return MN_EINVAL;
  mn_kiss_prog_t *p;
  mn_kiss_diag_t d;
  int rc = kiss_compile(g_num, g_cr, script, len, &p, &d);
  if (rc == MN_EINVAL && script) {
    uint32_t rsize = res->size;
    memset(res, 0, sizeof *res);
    res->size = rsize;
    res->monotonic = true;
    res->error = MN_KISS_EPARSE;
    snprintf(res->message, sizeof res->message, "%s", d.message);
    if (ctx->trace) {
      char line[MN_KISS_MSG_MAX + 32];
      int n = snprintf(line, sizeof line, "INST[0] - PARSE ERROR : %s",
                       d.message);
      ctx->trace(ctx->trace_user, line, (size_t)n);
    }
    return 0;
  }
  if (rc)
    return rc;
  if (ctx->trace) {
    const char *ok = "INST[0] - Script token parse OK.";
    ctx->trace(ctx->trace_user, ok, strlen(ok));
  }
  rc = kiss_evaluate(p, ctx, flags, res);
  kiss_prog_free(p);
  return rc;
}

static int svc_clean(const char *script, size_t len, mn_buf_t *out) {
  int rc = kiss_clean(script, len, out);
  if (rc == 2)
    return MN_EINVAL;
  return rc < 0 ? rc : 0;
}

static void svc_address(const char *script, size_t len, uint8_t out[32]) {
  kiss_script_address(g_cr, (const uint8_t *)script, len, out);
}

static int text_value_guard(kvm_t *vm, const uint8_t *t, size_t len,
                            kval_t *out) {
  if (setjmp(vm->jb))
    return 1;
  *out = kiss_value_from_text(vm, t, len, 0);
  return 0;
}

int kiss_value_parse(const mn_num_api_t *num, const char *text, size_t len,
                     mn_buf_t *store, mn_kiss_value_t *out) {
  kvm_t vm;
  memset(&vm, 0, sizeof vm);
  vm.num = num;
  uint8_t buf[1024];
  kiss_arena_init(&vm.arena, buf, sizeof buf);
  kval_t v;
  int rc = 0;
  if (text_value_guard(&vm, (const uint8_t *)text, len, &v)) {
    rc = vm.err == MN_KISS_ENONE ? MN_ENOMEM : MN_EINVAL;
  } else {
    memset(out, 0, sizeof *out);
    out->type = (mn_kiss_type_t)v.t;
    out->boolean = v.b;
    out->number = v.n;
    if (v.t == KT_HEX || v.t == KT_STR) {
      size_t at = store->len;
      mn_buf_put(store, v.p, v.len);
      if (store->err)
        rc = store->err;
      else {
        out->data = v.len ? store->data + at : (const uint8_t *)"";
        out->len = v.len;
      }
    }
  }
  kiss_arena_free(&vm.arena);
  return rc;
}

static int svc_value_parse(const char *text, size_t len, mn_buf_t *store,
                           mn_kiss_value_t *out) {
  return kiss_value_parse(g_num, text, len, store, out);
}

static int svc_value_print(const mn_kiss_value_t *v, mn_buf_t *out) {
  kval_t k;
  memset(&k, 0, sizeof k);
  k.t = (uint8_t)v->type;
  k.b = v->boolean;
  k.n = v->number;
  k.p = v->data;
  k.len = (uint32_t)v->len;
  kiss_print_buf(g_num, &k, out);
  return out->err;
}

static bool ieq(const char *a, size_t n, const char *b) {
  if (strlen(b) != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c != b[i])
      return false;
  }
  return true;
}

int kiss_state_normalize(const mn_num_api_t *num, const mn_crypto_api_t *cr,
                         const char *t, size_t len, mn_buf_t *out) {
  size_t a = 0, z = len;
  while (a < z && (unsigned char)t[a] <= 0x20)
    a++;
  while (z > a && (unsigned char)t[z - 1] <= 0x20)
    z--;
  if (a == z)
    return MN_EINVAL;
  static const char hexd[] = "0123456789ABCDEF";
  if (len >= 2 && (t[0] == 'm' || t[0] == 'M') &&
      (t[1] == 'x' || t[1] == 'X')) {
    mn_buf_t d = {0};
    int rc = cr->mx_decode(t, len, &d);
    if (rc == 0 && d.len) {
      mn_buf_put(out, "0x", 2);
      for (size_t i = 0; i < d.len; i++) {
        char h[2] = {hexd[d.data[i] >> 4], hexd[d.data[i] & 15]};
        mn_buf_put(out, h, 2);
      }
    }
    mn_buf_free(&d);
    return rc ? MN_EINVAL : out->err;
  }
  if (len >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    char *u = malloc((len - 2) * 3 + 1);
    if (!u)
      return MN_ENOMEM;
    size_t ul = kiss_java_upper(t + 2, len - 2, u);
    for (size_t i = 0; i < ul; i++)
      if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'A' && u[i] <= 'F'))) {
        free(u);
        return MN_EINVAL;
      }
    if (ul) {
      mn_buf_put(out, "0x", 2);
      if (ul & 1)
        mn_buf_put_u8(out, '0');
      mn_buf_put(out, u, ul);
    }
    free(u);
    return out->err;
  }
  if (ieq(t, len, "true") || ieq(t, len, "false")) {
    bool tr = ieq(t, len, "true");
    mn_buf_put(out, tr ? "TRUE" : "FALSE", tr ? 4 : 5);
    return out->err;
  }
  if (t[0] == '[' && t[len - 1] == ']') {
    mn_buf_put(out, t, len);
    return out->err;
  }
  uint8_t *d = malloc(len + 1);
  if (!d)
    return MN_ENOMEM;
  size_t dl = kiss_ascii_digits((const uint8_t *)t, len, d);
  mn_num_t n;
  int rc = num->parse(&n, (const char *)d, dl);
  free(d);
  if (rc)
    return MN_EINVAL;
  char b[MN_NUM_STR_MAX];
  size_t bl = num->to_str(&n, b, sizeof b);
  mn_buf_put(out, b, bl);
  return out->err;
}

static int svc_state_normalize(const char *text, size_t len, mn_buf_t *out) {
  return kiss_state_normalize(g_num, g_cr, text, len, out);
}

static const mn_kissvm_t kiss_svc = {
    .size = sizeof(mn_kissvm_t),
    .compile = svc_compile,
    .prog_free = kiss_prog_free,
    .evaluate = kiss_evaluate,
    .run = svc_run,
    .result_free = result_free,
    .var_next = var_next,
    .clean = svc_clean,
    .address = svc_address,
    .state_normalize = svc_state_normalize,
    .value_parse = svc_value_parse,
    .value_print = svc_value_print,
};

void kiss_bind(const mn_num_api_t *num, const mn_crypto_api_t *cr) {
  g_num = num;
  g_cr = cr;
}

const mn_kissvm_t *kiss_service(const mn_num_api_t *num,
                                const mn_crypto_api_t *cr) {
  kiss_bind(num, cr);
  return &kiss_svc;
}

void kiss_service_init(mn_kissvm_t *svc) { *svc = kiss_svc; }
