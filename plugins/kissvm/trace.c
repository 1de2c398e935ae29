/*
 * trace.c - the human-readable trace of an evaluation, in the reference's
 * format ("INST[n] - LET a = ( 1 + 2 )"), delivered line by line to
 * ctx->trace.  Nothing here runs unless a trace callback is set.
 */
#include <stdio.h>
#include <string.h>

#include "kiss.h"

static void puts_(mn_buf_t *b, const char *s) { mn_buf_put(b, s, strlen(s)); }

void kiss_trace(kvm_t *vm, const char *fmt, ...) {
  if (!vm->ctx->trace)
    return;
  char head[32];
  int h = snprintf(head, sizeof head, "INST[%u] - ", vm->instr);
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  mn_buf_t b = {0};
  mn_buf_put(&b, head, (size_t)h);
  if (n > 0 && mn_buf_reserve(&b, (size_t)n + 1) == 0) {
    vsnprintf((char *)b.data + b.len, (size_t)n + 1, fmt, ap2);
    b.len += (size_t)n;
  }
  va_end(ap2);
  if (!b.err)
    vm->ctx->trace(vm->ctx->trace_user, (const char *)b.data, b.len);
  mn_buf_free(&b);
}

void kiss_trace_vars(kvm_t *vm) {
  mn_buf_t b = {0};
  puts_(&b, "{ ");
  for (uint32_t i = 0; i < vm->vars.n; i++) {
    const kvar_t *v = vm->vars.item[i];
    if (!v->live)
      continue;
    if (memchr(v->name, ',', v->len)) {
      puts_(&b, "( ");
      for (uint32_t k = 0; k < v->len; k++)
        mn_buf_put_u8(&b, v->name[k] == ',' ? ' ' : (uint8_t)v->name[k]);
      b.len -= b.len && b.data[b.len - 1] == ' ';
      puts_(&b, " )");
    } else
      mn_buf_put(&b, v->name, v->len);
    puts_(&b, " = ");
    kiss_print_buf(vm->num, &v->v, &b);
    puts_(&b, ", ");
  }
  puts_(&b, "}");
  kiss_trace(vm, "%.*s", (int)b.len, b.data ? (char *)b.data : "");
  mn_buf_free(&b);
}

void kiss_expr_str(kvm_t *vm, const kexpr_t *e, mn_buf_t *b) {
  switch (e->kind) {
  case E_CONST:
    kiss_print_buf(vm->num, &e->u.k, b);
    return;
  case E_VAR:
    puts_(b, "variable:");
    mn_buf_put(b, e->u.name.s, e->u.name.len);
    return;
  case E_GLOBAL:
    puts_(b, "global:");
    mn_buf_put(b, e->u.name.s, e->u.name.len);
    return;
  case E_BOOL:
  case E_OPER:
    if (!e->u.bin.r) {
      puts_(b, e->op == OP_NOT ? "NOT ( " : e->op == OP_NEG ? " - ( "
                                                             : " ~ ( ");
      kiss_expr_str(vm, e->u.bin.l, b);
      puts_(b, " )");
      return;
    }
    puts_(b, "( ");
    kiss_expr_str(vm, e->u.bin.l, b);
    mn_buf_put_u8(b, ' ');
    puts_(b, kiss_op_texts[e->op]);
    mn_buf_put_u8(b, ' ');
    kiss_expr_str(vm, e->u.bin.r, b);
    puts_(b, " )");
    return;
  case E_FUNC:
    puts_(b, "function:");
    puts_(b, kiss_fn_names[e->op]);
    puts_(b, ", params:[");
    for (int i = 0; i < e->nargs; i++) {
      if (i)
        puts_(b, ", ");
      kiss_expr_str(vm, e->u.args[i], b);
    }
    puts_(b, "]");
    return;
  }
}

void kiss_stmt_str(kvm_t *vm, const kstmt_t *s, mn_buf_t *b) {
  switch (s->kind) {
  case S_LET:
    puts_(b, "LET ");
    mn_buf_put(b, s->u.let.name, s->u.let.len);
    puts_(b, " = ");
    kiss_expr_str(vm, s->u.let.e, b);
    return;
  case S_LETARR:
    puts_(b, "LET ( ");
    for (uint32_t i = 0; i < s->u.arr.nidx; i++) {
      kiss_expr_str(vm, s->u.arr.idx[i], b);
      mn_buf_put_u8(b, ' ');
    }
    puts_(b, ") = ");
    kiss_expr_str(vm, s->u.arr.e, b);
    return;
  case S_IF:
    for (uint32_t i = 0; i < s->u.iff.n; i++) {
      puts_(b, i ? ", ELSEIF " : "IF ");
      kiss_expr_str(vm, s->u.iff.cond[i], b);
    }
    return;
  case S_WHILE:
    puts_(b, "WHILE ");
    kiss_expr_str(vm, s->u.wh.cond, b);
    return;
  case S_RETURN:
  case S_ASSERT:
  case S_EXEC:
  case S_MAST:
    puts_(b, s->kind == S_RETURN   ? "RETURN "
             : s->kind == S_ASSERT ? "ASSERT "
             : s->kind == S_EXEC   ? "EXEC "
                                   : "MAST ");
    kiss_expr_str(vm, s->u.e, b);
    return;
  }
}
