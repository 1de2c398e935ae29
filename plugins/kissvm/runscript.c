/*
 * runscript.c - the `runscript` command (spec/rpc.md §7.3): run a script
 * against hand-made state, globals, signatures and MAST scripts, and
 * report the reference's fields: script/clean {script, address,
 * mxaddress}, trace, variables, parseok, monotonic, success.
 *
 * Like the reference, the script runs exactly as given (the "clean" block
 * only reports what cleaning would give), the transaction has no inputs
 * or outputs, @SCRIPT is the script, and @COINAGE is derived from @BLOCK
 * and @CREATED when those two are given without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/host.h>

#include "kiss.h"
#include "runscript.h"

typedef struct rs {
  const mn_host_t *host;
  const mn_kissvm_t *vm;
} rs_t;

static rs_t g_rs;

static const mn_cmd_param_t rs_params[] = {
    {"script", MN_PARAM_STRING, MN_PARAM_REQUIRED, "the script to run"},
    {"state", MN_PARAM_JSON, 0, "state variables {port:value}"},
    {"prevstate", MN_PARAM_JSON, 0, "previous state {port:value}"},
    {"globals", MN_PARAM_JSON, 0, "globals {\"@BLOCK\":\"..\"}"},
    {"signatures", MN_PARAM_JSON, 0, "public keys that signed [..]"},
    {"extrascripts", MN_PARAM_JSON, 0, "MAST scripts {script:proof}"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t rs_def = {
    .name = "runscript",
    .summary = "[script:] (state:{}) (prevstate:{}) (globals:{}) "
               "(signatures:[]) (extrascripts:{}) - Run a script with the "
               "defined parameters",
    .help = "runscript\n"
            "\n"
            "Test run a script with predefined parameters without executing "
            "on chain.\n"
            "\n"
            "script:\n    The script to run.\n"
            "state: (optional)\n    State variables, {0:value,1:value,..}.\n"
            "prevstate: (optional)\n    Previous state of the input coin.\n"
            "globals: (optional)\n    Globals, {@GLOBAL:value,..}.\n"
            "signatures: (optional)\n    Public keys that signed, a JSON "
            "array.\n"
            "extrascripts: (optional)\n    MAST scripts, {script:proof,..}.\n"
            "\n"
            "Examples:\n"
            "runscript script:\"RETURN SIGNEDBY(0xFF) AND @BLOCK GT 100\" "
            "globals:{\"@BLOCK\":\"101\"} signatures:[\"0xFF\"]\n",
    .params = rs_params,
    .flags = 0,
    .fn = NULL, /* set at registration */
};

/* A growing list of borrowed items built for one call. */
typedef struct work {
  mn_kiss_state_t state[256];
  size_t nstate;
  mn_kiss_state_t *prev;
  size_t nprev;
  mn_kiss_global_t *glob;
  size_t nglob;
  mn_kiss_bytes_t *sigs;
  size_t nsigs;
  mn_kiss_script_t *scripts;
  size_t nscripts;
  mn_buf_t **bufs; /* storage for texts and bytes; stable addresses */
  size_t nbufs;
  mn_buf_t trace;
  char *err;
} work_t;

static mn_buf_t *newbuf(work_t *w) {
  mn_buf_t **v = realloc(w->bufs, (w->nbufs + 1) * sizeof *v);
  if (!v)
    return NULL;
  w->bufs = v;
  mn_buf_t *b = calloc(1, sizeof *b);
  if (!b)
    return NULL;
  v[w->nbufs++] = b;
  return b;
}

static void work_free(work_t *w) {
  for (size_t i = 0; i < w->nbufs; i++) {
    mn_buf_free(w->bufs[i]);
    free(w->bufs[i]);
  }
  free(w->bufs);
  free(w->prev);
  free(w->glob);
  free(w->sigs);
  free(w->scripts);
  mn_buf_free(&w->trace);
  free(w->err);
}

static void fail(work_t *w, const char *fmt, const char *arg) {
  if (w->err)
    return;
  size_t n = strlen(fmt) + (arg ? strlen(arg) : 0) + 1;
  w->err = malloc(n);
  if (w->err)
    snprintf(w->err, n, fmt, arg ? arg : "");
}

static int hexv(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* The reference's MiniData(String): optional 0x, odd length padded. */
static int hex_bytes(const char *t, mn_buf_t *out) {
  size_t n = strlen(t);
  if (n >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    t += 2;
    n -= 2;
  }
  size_t i = 0;
  if (n & 1) {
    int v = hexv(t[0]);
    if (v < 0)
      return MN_EFORMAT;
    mn_buf_put_u8(out, (uint8_t)v);
    i = 1;
  }
  for (; i < n; i += 2) {
    int hi = hexv(t[i]), lo = hexv(t[i + 1]);
    if (hi < 0 || lo < 0)
      return MN_EFORMAT;
    mn_buf_put_u8(out, (uint8_t)(hi << 4 | lo));
  }
  return out->err;
}

/* Java Integer.parseInt */
static bool parse_port(const char *s, long *out) {
  char *end;
  if (!*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
    return false;
  long v = strtol(s, &end, 10);
  if (*end || end == s)
    return false;
  *out = v;
  return true;
}

static void add_states(work_t *w, const mn_kissvm_t *vm, json_t *obj,
                       bool prev) {
  if (!obj)
    return;
  if (!json_is_object(obj)) {
    fail(w, "%s must be a JSON object", prev ? "prevstate" : "state");
    return;
  }
  const char *key;
  json_t *val;
  json_object_foreach(obj, key, val) {
    long port;
    if (!parse_port(key, &port)) {
      fail(w, "Invalid state port : %s", key);
      return;
    }
    if (!json_is_string(val)) {
      fail(w, "State value for port %s must be a string", key);
      return;
    }
    if (port < 0 || port > 255) {
      fail(w, "State Variable port MUST be 0-255 : %s", key);
      return;
    }
    mn_buf_t *b = newbuf(w);
    if (!b) {
      fail(w, "out of memory", NULL);
      return;
    }
    if (vm->state_normalize(json_string_value(val),
                            json_string_length(val), b)) {
      fail(w, "Invalid state variable value : %s", json_string_value(val));
      return;
    }
    mn_kiss_state_t s = {(uint32_t)port, b->data ? (char *)b->data : "",
                         b->len};
    if (prev) {
      mn_kiss_state_t *np = realloc(w->prev, (w->nprev + 1) * sizeof *np);
      if (!np) {
        fail(w, "out of memory", NULL);
        return;
      }
      w->prev = np;
      w->prev[w->nprev++] = s;
    } else {
      size_t i = 0;
      while (i < w->nstate && w->state[i].port != s.port)
        i++;
      w->state[i] = s; /* a port given twice keeps the last value */
      if (i == w->nstate)
        w->nstate++;
    }
  }
}

static void add_global(work_t *w, const mn_kissvm_t *vm, const char *name,
                       const char *text, size_t len) {
  mn_buf_t *nb = newbuf(w), *vb = newbuf(w);
  if (!nb || !vb) {
    fail(w, "out of memory", NULL);
    return;
  }
  size_t nl = strlen(name);
  char *up = malloc(nl * 3 + 1);
  if (!up) {
    fail(w, "out of memory", NULL);
    return;
  }
  size_t ul = kiss_java_upper(name, nl, up);
  mn_buf_put(nb, up, ul);
  mn_buf_put_u8(nb, 0);
  free(up);
  mn_kiss_value_t v;
  if (vm->value_parse(text, len, vb, &v) || nb->err) {
    fail(w, "Invalid global value : %s", text);
    return;
  }
  for (size_t i = 0; i < w->nglob; i++)
    if (!strcmp(w->glob[i].name, (char *)nb->data)) {
      w->glob[i].value = v;
      return;
    }
  mn_kiss_global_t *g = realloc(w->glob, (w->nglob + 1) * sizeof *g);
  if (!g) {
    fail(w, "out of memory", NULL);
    return;
  }
  w->glob = g;
  w->glob[w->nglob].name = (char *)nb->data;
  w->glob[w->nglob].value = v;
  w->nglob++;
}

static void trace_line(void *user, const char *line, size_t len) {
  work_t *w = user;
  mn_buf_put(&w->trace, line, len);
  mn_buf_put_u8(&w->trace, '\n');
}

static json_t *script_block(const rs_t *rs, const char *text, size_t len) {
  uint8_t addr[32];
  rs->vm->address(text, len, addr);
  char hex[2 + 64 + 1];
  static const char d[] = "0123456789ABCDEF";
  hex[0] = '0';
  hex[1] = 'x';
  for (int i = 0; i < 32; i++) {
    hex[2 + 2 * i] = d[addr[i] >> 4];
    hex[3 + 2 * i] = d[addr[i] & 15];
  }
  hex[66] = 0;
  char mx[MN_MX_MAX];
  if (rs->host->crypto->mx_encode(addr, 32, mx, sizeof mx) < 0)
    mx[0] = 0;
  return json_pack("{s:s%,s:s,s:s}", "script", text, len, "address", hex,
                   "mxaddress", mx);
}

static int handler(mn_call_t *call, json_t *params, void *data) {
  const rs_t *rs = data;
  const mn_host_t *host = rs->host;
  const mn_kissvm_t *vm = rs->vm;
  json_t *js = json_object_get(params, "script");
  if (!json_is_string(js)) {
    host->call_error(call, "param not specified : script");
    return 0;
  }
  const char *script = json_string_value(js);
  size_t slen = json_string_length(js);
  work_t w;
  memset(&w, 0, sizeof w);

  add_states(&w, vm, json_object_get(params, "state"), false);
  add_states(&w, vm, json_object_get(params, "prevstate"), true);

  json_t *sigs = json_object_get(params, "signatures");
  if (sigs && !w.err) {
    if (!json_is_array(sigs))
      fail(&w, "signatures must be a JSON array", NULL);
    size_t i;
    json_t *s;
    json_array_foreach(sigs, i, s) {
      if (w.err)
        break;
      mn_buf_t *b = newbuf(&w);
      if (!b || !json_is_string(s) || hex_bytes(json_string_value(s), b)) {
        fail(&w, "Invalid signature : %s",
             json_is_string(s) ? json_string_value(s) : "(not a string)");
        break;
      }
      mn_kiss_bytes_t *n = realloc(w.sigs, (w.nsigs + 1) * sizeof *n);
      if (!n) {
        fail(&w, "out of memory", NULL);
        break;
      }
      w.sigs = n;
      w.sigs[w.nsigs].data = b->data;
      w.sigs[w.nsigs].len = b->len;
      w.nsigs++;
    }
  }

  json_t *extra = json_object_get(params, "extrascripts");
  if (extra && !w.err) {
    if (!json_is_object(extra))
      fail(&w, "extrascripts must be a JSON object", NULL);
    const char *key;
    json_t *val;
    json_object_foreach(extra, key, val) {
      if (w.err)
        break;
      mn_buf_t *b = newbuf(&w);
      if (!b || !json_is_string(val) ||
          hex_bytes(json_string_value(val), b)) {
        fail(&w, "Invalid MMR proof for extra script : %s", key);
        break;
      }
      kmmr_t cur;
      size_t pos = 0;
      mn_num_t zero;
      host->num->from_i64(&zero, 0);
      kiss_mmr_leaf(host->crypto, host->num, (const uint8_t *)key,
                    strlen(key), &zero, &cur);
      if (b->len && kiss_mmr_fold(host->crypto, host->num, b->data, b->len,
                                  &pos, &cur) == MN_EFORMAT) {
        fail(&w, "Invalid MMR proof for extra script : %s", key);
        break;
      }
      mn_kiss_script_t *n = realloc(w.scripts,
                                    (w.nscripts + 1) * sizeof *n);
      if (!n) {
        fail(&w, "out of memory", NULL);
        break;
      }
      w.scripts = n;
      w.scripts[w.nscripts].script = key;
      w.scripts[w.nscripts].script_len = strlen(key);
      w.scripts[w.nscripts].proof = b->data;
      w.scripts[w.nscripts].proof_len = b->len;
      w.nscripts++;
    }
  }

  /* @SCRIPT first; the globals parameter may override it */
  mn_buf_t *sb = newbuf(&w);
  if (sb && !w.err) {
    mn_buf_put_u8(sb, '[');
    mn_buf_put(sb, script, slen);
    mn_buf_put_u8(sb, ']');
    add_global(&w, vm, "@SCRIPT", (char *)sb->data, sb->len);
  }
  json_t *globals = json_object_get(params, "globals");
  if (globals && !w.err) {
    if (!json_is_object(globals))
      fail(&w, "globals must be a JSON object", NULL);
    json_t *b = json_object_get(globals, "@BLOCK");
    json_t *c = json_object_get(globals, "@CREATED");
    if (json_is_string(b) && json_is_string(c) &&
        !json_object_get(globals, "@COINAGE")) {
      mn_num_t nb, nc, age;
      if (host->num->parse(&nb, json_string_value(b), json_string_length(b)) ||
          host->num->parse(&nc, json_string_value(c), json_string_length(c)) ||
          host->num->sub(&age, &nb, &nc))
        fail(&w, "Invalid @BLOCK or @CREATED", NULL);
      else {
        char t[MN_NUM_STR_MAX];
        size_t tl = host->num->to_str(&age, t, sizeof t);
        add_global(&w, vm, "@COINAGE", t, tl);
      }
    }
    const char *key;
    json_t *val;
    json_object_foreach(globals, key, val) {
      if (w.err)
        break;
      if (!json_is_string(val)) {
        fail(&w, "Global value for %s must be a string", key);
        break;
      }
      add_global(&w, vm, key, json_string_value(val),
                 json_string_length(val));
    }
  }
  if (w.err) {
    host->call_error(call, "%s", w.err);
    work_free(&w);
    return 0;
  }

  mn_buf_t clean = {0};
  int crc = vm->clean(script, slen, &clean);
  if (crc) {
    host->call_error(call, "%s",
                     crc == MN_EINVAL
                         ? "The script cannot be cleaned: it ends with an "
                           "incomplete '<' or '>' operator"
                         : "out of memory");
    mn_buf_free(&clean);
    work_free(&w);
    return 0;
  }

  mn_kiss_ctx_t ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.size = sizeof ctx;
  ctx.globals = w.glob;
  ctx.nglobals = w.nglob;
  ctx.state = w.state;
  ctx.nstate = w.nstate;
  ctx.prevstate = w.prev;
  ctx.nprevstate = w.nprev;
  ctx.signatures = w.sigs;
  ctx.nsignatures = w.nsigs;
  ctx.scripts = w.scripts;
  ctx.nscripts = w.nscripts;
  ctx.trace = trace_line;
  ctx.trace_user = &w;
  char head[64];
  mn_buf_put(&w.trace, "INST[0] - Contract   : ", 23);
  mn_buf_put(&w.trace, script, slen);
  int hl = snprintf(head, sizeof head, "\nINST[0] - Size       : %zu\n",
                    kiss_utf16_len((const uint8_t *)script, slen));
  mn_buf_put(&w.trace, head, (size_t)hl);

  mn_kiss_result_t res;
  memset(&res, 0, sizeof res);
  res.size = sizeof res;
  int rc = vm->run(script, slen, &ctx, MN_KISS_KEEP_VARS, &res);
  if (rc) {
    host->call_error(call, "runscript failed: %s", mn_strerror(rc));
    mn_buf_free(&clean);
    work_free(&w);
    return 0;
  }

  json_t *vars = json_object();
  size_t it = 0;
  mn_kiss_var_t v;
  while (vm->var_next(res.vars, &it, &v)) {
    mn_buf_t k = {0}, val = {0};
    if (memchr(v.name, ',', v.name_len)) {
      mn_buf_put(&k, "( ", 2);
      size_t n = v.name_len;
      while (n && v.name[n - 1] == ',')
        n--;
      for (size_t i = 0; i < n; i++)
        mn_buf_put_u8(&k, v.name[i] == ',' ? ' ' : (uint8_t)v.name[i]);
      mn_buf_put(&k, " )", 2);
    } else
      mn_buf_put(&k, v.name, v.name_len);
    mn_buf_put_u8(&k, 0);
    vm->value_print(&v.value, &val);
    if (!k.err && !val.err)
      json_object_set_new(vars, (char *)k.data,
                          json_stringn(val.data ? (char *)val.data : "",
                                       val.len));
    mn_buf_free(&k);
    mn_buf_free(&val);
  }
  vm->result_free(&res);

  json_t *resp = json_object();
  json_object_set_new(resp, "script", script_block(rs, script, slen));
  json_object_set_new(resp, "clean",
                      script_block(rs, clean.data ? (char *)clean.data : "",
                                   clean.len));
  json_object_set_new(resp, "trace",
                      json_stringn(w.trace.data ? (char *)w.trace.data : "",
                                   w.trace.len));
  json_object_set_new(resp, "variables", vars);
  json_object_set_new(resp, "parseok", json_boolean(res.parse_ok));
  json_object_set_new(resp, "monotonic", json_boolean(res.monotonic));
  json_object_set_new(resp, "success", json_boolean(res.success));
  mn_buf_free(&clean);
  work_free(&w);
  host->call_reply(call, resp);
  return 0;
}

int kiss_runscript_register(mn_plugin_t *self, const mn_host_t *host,
                            const mn_kissvm_t *vm) {
  static mn_command_def_t def;
  def = rs_def;
  def.fn = handler;
  g_rs.host = host;
  g_rs.vm = vm;
  return host->command_register(self, &def, &g_rs);
}
