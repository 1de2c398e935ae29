/*
 * vecctx.c - vector contexts and expectations (see vecctx.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiss.h"
#include "vecctx.h"

static mn_buf_t *nbuf(kiss_vec_ctx_t *c) {
  if (c->nbufs == c->capbufs) {
    /* buffers are referenced by pointer: grow by chaining blocks is
     * simpler than moving them, so allocate generously up front */
    return NULL;
  }
  mn_buf_t *b = &c->bufs[c->nbufs++];
  memset(b, 0, sizeof *b);
  return b;
}

static int hexv(char ch) {
  return ch >= '0' && ch <= '9'   ? ch - '0'
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                  : -1;
}

static int hexbytes(kiss_vec_ctx_t *c, json_t *j, const uint8_t **p,
                    size_t *n) {
  if (!json_is_string(j))
    return -1;
  const char *t = json_string_value(j);
  size_t l = strlen(t);
  if (l >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    t += 2;
    l -= 2;
  }
  mn_buf_t *b = nbuf(c);
  if (!b)
    return -1;
  size_t i = 0;
  if (l & 1) {
    if (hexv(t[0]) < 0)
      return -1;
    mn_buf_put_u8(b, (uint8_t)hexv(t[0]));
    i = 1;
  }
  for (; i < l; i += 2) {
    int h = hexv(t[i]), lo = hexv(t[i + 1]);
    if (h < 0 || lo < 0)
      return -1;
    mn_buf_put_u8(b, (uint8_t)(h << 4 | lo));
  }
  if (b->err)
    return -1;
  *p = b->data ? b->data : (const uint8_t *)"";
  *n = b->len;
  return 0;
}

static int states(const mn_kissvm_t *vm, kiss_vec_ctx_t *c, json_t *o,
                  mn_kiss_state_t **out, size_t *n) {
  if (!o)
    return 0;
  if (!json_is_object(o))
    return -1;
  *out = calloc(json_object_size(o) + 1, sizeof **out);
  if (!*out)
    return -1;
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    mn_buf_t *b = nbuf(c);
    if (!b || !json_is_string(v))
      return -1;
    if (vm->state_normalize(json_string_value(v), json_string_length(v), b))
      return -1;
    mn_kiss_state_t *s = &(*out)[(*n)++];
    s->port = (uint32_t)strtoul(k, NULL, 10);
    s->text = b->data ? (char *)b->data : "";
    s->len = b->len;
  }
  return 0;
}

static int coins(const mn_num_api_t *num, kiss_vec_ctx_t *c, json_t *a,
                 bool outputs, mn_kiss_coin_t **out, size_t *n) {
  if (!a)
    return 0;
  if (!json_is_array(a))
    return -1;
  *out = calloc(json_array_size(a) + 1, sizeof **out);
  if (!*out)
    return -1;
  size_t i;
  json_t *j;
  static const uint8_t zero = 0;
  json_array_foreach(a, i, j) {
    mn_kiss_coin_t *k = &(*out)[(*n)++];
    json_t *amt = json_object_get(j, "amount");
    if (!json_is_string(amt) ||
        num->parse(&k->amount, json_string_value(amt),
                   json_string_length(amt)))
      return -1;
    if (hexbytes(c, json_object_get(j, "address"), &k->address,
                 &k->address_len) ||
        hexbytes(c, json_object_get(j, "tokenid"), &k->tokenid,
                 &k->tokenid_len))
      return -1;
    json_t *cid = json_object_get(j, "coinid");
    if (cid) {
      if (hexbytes(c, cid, &k->coinid, &k->coinid_len))
        return -1;
    } else {
      k->coinid = &zero;
      k->coinid_len = 1;
    }
    json_t *sc = json_object_get(j, "token_scale");
    if (json_is_integer(sc)) {
      k->has_token = true;
      k->token_scale = (int32_t)json_integer_value(sc);
    }
    json_t *ks = json_object_get(j, "keepstate");
    k->keepstate = ks ? json_is_true(ks) : true;
    (void)outputs;
  }
  return 0;
}

int kiss_vec_load(const mn_kissvm_t *vm, const mn_num_api_t *num,
                  json_t *cj, uint32_t default_max, kiss_vec_ctx_t *c,
                  char *why, size_t whycap) {
  memset(c, 0, sizeof *c);
  c->ctx.size = sizeof c->ctx;
  c->ctx.max_instructions = default_max;
  c->capbufs = 4096;
  c->bufs = calloc(c->capbufs, sizeof *c->bufs);
  if (!c->bufs) {
    snprintf(why, whycap, "out of memory");
    return MN_ENOMEM;
  }
  if (!cj)
    return 0;
  const char *what = "context";
  json_t *g = json_object_get(cj, "globals");
  if (g) {
    what = "globals";
    if (!json_is_object(g))
      goto bad;
    c->globals = calloc(json_object_size(g) + 1, sizeof *c->globals);
    if (!c->globals)
      goto bad;
    const char *k;
    json_t *v;
    json_object_foreach(g, k, v) {
      mn_buf_t *b = nbuf(c);
      mn_kiss_global_t *gl = &c->globals[c->ctx.nglobals];
      if (!b || !json_is_string(v) ||
          vm->value_parse(json_string_value(v), json_string_length(v), b,
                          &gl->value))
        goto bad;
      gl->name = k;
      c->ctx.nglobals++;
    }
    c->ctx.globals = c->globals;
  }
  what = "state";
  if (states(vm, c, json_object_get(cj, "state"), &c->state,
             &c->ctx.nstate))
    goto bad;
  c->ctx.state = c->state;
  what = "prevstate";
  if (states(vm, c, json_object_get(cj, "prevstate"), &c->prev,
             &c->ctx.nprevstate))
    goto bad;
  c->ctx.prevstate = c->prev;
  what = "inputs";
  if (coins(num, c, json_object_get(cj, "inputs"), false, &c->in,
            &c->ctx.ninputs))
    goto bad;
  c->ctx.inputs = c->in;
  what = "outputs";
  if (coins(num, c, json_object_get(cj, "outputs"), true, &c->out,
            &c->ctx.noutputs))
    goto bad;
  c->ctx.outputs = c->out;
  json_t *s = json_object_get(cj, "signatures");
  if (s) {
    what = "signatures";
    if (!json_is_array(s))
      goto bad;
    c->sigs = calloc(json_array_size(s) + 1, sizeof *c->sigs);
    if (!c->sigs)
      goto bad;
    size_t i;
    json_t *j;
    json_array_foreach(s, i, j) {
      mn_kiss_bytes_t *b = &c->sigs[c->ctx.nsignatures++];
      if (hexbytes(c, j, &b->data, &b->len))
        goto bad;
    }
    c->ctx.signatures = c->sigs;
  }
  json_t *sc = json_object_get(cj, "scripts");
  if (sc) {
    what = "scripts";
    if (!json_is_array(sc))
      goto bad;
    c->scripts = calloc(json_array_size(sc) + 1, sizeof *c->scripts);
    if (!c->scripts)
      goto bad;
    size_t i;
    json_t *j;
    json_array_foreach(sc, i, j) {
      mn_kiss_script_t *m = &c->scripts[c->ctx.nscripts++];
      json_t *t = json_object_get(j, "script");
      if (!json_is_string(t))
        goto bad;
      m->script = json_string_value(t);
      m->script_len = json_string_length(t);
      json_t *pr = json_object_get(j, "proof");
      if (pr && hexbytes(c, pr, &m->proof, &m->proof_len))
        goto bad;
    }
    c->ctx.scripts = c->scripts;
  }
  json_t *mx = json_object_get(cj, "max_instructions");
  if (json_is_integer(mx))
    c->ctx.max_instructions = (uint32_t)json_integer_value(mx);
  return 0;
bad:
  snprintf(why, whycap, "cannot read the context's %s", what);
  kiss_vec_free(c);
  return MN_EINVAL;
}

void kiss_vec_free(kiss_vec_ctx_t *c) {
  for (size_t i = 0; i < c->nbufs; i++)
    mn_buf_free(&c->bufs[i]);
  free(c->bufs);
  free(c->globals);
  free(c->state);
  free(c->prev);
  free(c->in);
  free(c->out);
  free(c->sigs);
  free(c->scripts);
  memset(c, 0, sizeof *c);
}

static void line(mn_buf_t *r, const char *field, const char *exp,
                 const char *got) {
  char b[1200];
  int n = snprintf(b, sizeof b, "  %s: expected %s, got %s\n", field, exp,
                   got);
  mn_buf_put(r, b, (size_t)(n < (int)sizeof b ? n : (int)sizeof b - 1));
}

static const char *tf(bool b) { return b ? "true" : "false"; }

static const char *short_text(const char *s, size_t n, char *buf,
                              size_t cap) {
  size_t m = n < 120 ? n : 120;
  snprintf(buf, cap, "%.*s%s", (int)m, s, n > m ? "..." : "");
  return buf;
}

int kiss_vec_check(const mn_kissvm_t *vm, json_t *ex,
                   const mn_kiss_result_t *res, mn_buf_t *r) {
  int diffs = 0;
  char a[512], b[1024];
  json_t *j;
  if ((j = json_object_get(ex, "parse_ok")) &&
      json_is_true(j) != res->parse_ok) {
    line(r, "parse_ok", tf(json_is_true(j)), tf(res->parse_ok));
    diffs++;
  }
  if ((j = json_object_get(ex, "success")) &&
      json_is_true(j) != res->success) {
    line(r, "success", tf(json_is_true(j)), tf(res->success));
    diffs++;
  }
  if ((j = json_object_get(ex, "error"))) {
    const char *want = json_is_string(j) ? json_string_value(j) : "null";
    const char *got = res->error == MN_KISS_ENONE
                          ? "null"
                          : mn_kiss_error_name(res->error);
    if (strcmp(want, got)) {
      snprintf(a, sizeof a, "%s", want);
      snprintf(b, sizeof b, "%s (%s)", got, res->message);
      line(r, "error", a, b);
      diffs++;
    }
  }
  if ((j = json_object_get(ex, "instructions")) && json_is_integer(j) &&
      (uint32_t)json_integer_value(j) != res->instructions) {
    snprintf(a, sizeof a, "%lld", (long long)json_integer_value(j));
    snprintf(b, sizeof b, "%u", res->instructions);
    line(r, "instructions", a, b);
    diffs++;
  }
  if ((j = json_object_get(ex, "monotonic")) &&
      json_is_true(j) != res->monotonic) {
    line(r, "monotonic", tf(json_is_true(j)), tf(res->monotonic));
    diffs++;
  }
  json_t *vars = json_object_get(ex, "vars");
  if (vars) {
    size_t it = 0, seen = 0;
    mn_kiss_var_t v;
    while (vm->var_next(res->vars, &it, &v)) {
      char name[80];
      short_text(v.name, v.name_len, name, sizeof name);
      char key[4096];
      if (v.name_len >= sizeof key)
        continue;
      memcpy(key, v.name, v.name_len);
      key[v.name_len] = 0;
      json_t *e = json_object_get(vars, key);
      mn_buf_t pv = {0};
      vm->value_print(&v.value, &pv);
      char field[128];
      snprintf(field, sizeof field, "vars.%s", name);
      const char *tn = v.value.type == MN_KISS_BOOLEAN  ? "BOOLEAN"
                       : v.value.type == MN_KISS_NUMBER ? "NUMBER"
                       : v.value.type == MN_KISS_HEX    ? "HEX"
                                                        : "STRING";
      if (!e) {
        snprintf(b, sizeof b, "%s %s", tn,
                 short_text(pv.data ? (char *)pv.data : "", pv.len, a,
                            sizeof a));
        line(r, field, "(absent)", b);
        diffs++;
      } else {
        seen++;
        const char *et = json_string_value(json_object_get(e, "type"));
        json_t *evj = json_object_get(e, "value");
        const char *ev = json_string_value(evj);
        size_t evl = json_string_length(evj);
        if (!et || !ev || strcmp(et, tn) || evl != pv.len ||
            (pv.len && memcmp(ev, pv.data, pv.len))) {
          char sa[256];
          snprintf(a, sizeof a, "%s %s", et ? et : "?",
                   ev ? short_text(ev, evl, sa, sizeof sa) : "?");
          snprintf(b, sizeof b, "%s %s", tn,
                   short_text(pv.data ? (char *)pv.data : "", pv.len, sa,
                              sizeof sa));
          line(r, field, a, b);
          diffs++;
        }
      }
      mn_buf_free(&pv);
    }
    if (seen != json_object_size(vars)) {
      const char *k;
      json_t *e;
      json_object_foreach(vars, k, e) {
        size_t it2 = 0;
        bool found = false;
        while (vm->var_next(res->vars, &it2, &v))
          if (v.name_len == strlen(k) && memcmp(v.name, k, v.name_len) == 0)
            found = true;
        if (!found) {
          char field[128];
          snprintf(field, sizeof field, "vars.%.60s", k);
          line(r, field, "present", "(absent)");
          diffs++;
        }
      }
    }
  }
  return diffs;
}
