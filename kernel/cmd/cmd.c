/*
 * The command registry, the reference's command-line tokenizer and the
 * JSON envelope.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/stream.h>

#include "cmd/cmd.h"
#include "util/log.h"
#include "util/util.h"

typedef struct reg {
  const mn_command_def_t *def;
  void *data;
  const void *owner;
  const char *owner_name;
} reg_t;

typedef struct exec exec_t;

struct mn_call {
  exec_t *ex;
  const reg_t *reg; /* a copy: the command may be withdrawn meanwhile */
  reg_t regcopy;
  json_t *params; /* owned */
  json_t *extra;  /* top-level fields besides response; owned */
  char *name;
  bool replied;
  mn_call_t *next_live; /* calls awaiting a reply */
};

struct exec {
  mn__cmds_t *cmds;
  char **segments;
  size_t n, i;
  json_t *results;
  uint32_t flags;
  mn_exec_done_fn done;
  void *data;
  bool running; /* inside exec_run: replies must not recurse */
  bool waiting; /* a handler is running or owes a reply */
  bool stopped;
};

struct mn__cmds {
  const mn_num_api_t *num;
  const mn_crypto_api_t *crypto;
  reg_t *regs;
  size_t n, cap;
  mn_call_t *live;    /* calls awaiting a reply */
  mn_call_t *zombies; /* failed at shutdown; a late reply is ignored */
  mn__cmds_enter_fn enter;
  mn__cmds_leave_fn leave;
};

mn__cmds_t *mn__cmds_new(const mn_num_api_t *num,
                         const mn_crypto_api_t *crypto) {
  mn__cmds_t *c = mn__xcalloc(1, sizeof *c);
  c->num = num;
  c->crypto = crypto;
  return c;
}

void mn__cmds_set_tracker(mn__cmds_t *c, mn__cmds_enter_fn e,
                          mn__cmds_leave_fn l) {
  c->enter = e;
  c->leave = l;
}

static void call_free(mn_call_t *call);

void mn__cmds_free(mn__cmds_t *c) {
  if (!c)
    return;
  mn__cmds_fail_live(c, "the node is shutting down");
  for (mn_call_t *z = c->zombies, *next; z; z = next) {
    next = z->next_live;
    call_free(z);
  }
  free(c->regs);
  free(c);
}

/* ---- registry ------------------------------------------------------------ */

static bool valid_cmd_name(const char *s) {
  if (!s || !*s || strlen(s) > 64)
    return false;
  for (; *s; s++)
    if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
          *s == '_' || *s == '-'))
      return false;
  return true;
}

static int find_index(const mn__cmds_t *c, const char *name, size_t *at) {
  size_t lo = 0, hi = c->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int cmp = strcmp(c->regs[mid].def->name, name);
    if (cmp == 0) {
      *at = mid;
      return 1;
    }
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *at = lo;
  return 0;
}

int mn__cmds_register(mn__cmds_t *c, const void *owner, const char *owner_name,
                      const mn_command_def_t *def, void *data, char **why) {
  if (!def || !def->fn || !valid_cmd_name(def->name)) {
    if (why)
      *why = mn__xasprintf("plugin \"%s\" tried to register a command with "
                           "no handler or an invalid name \"%s\" (lower "
                           "case letters, digits, - and _ only)",
                           owner_name, def && def->name ? def->name : "");
    return MN_EINVAL;
  }
  for (const mn_cmd_param_t *p = def->params; p && p->name; p++) {
    if (p->type < MN_PARAM_STRING || p->type > MN_PARAM_ANY) {
      if (why)
        *why = mn__xasprintf("command \"%s\": parameter \"%s\" has an "
                             "unknown type %d",
                             def->name, p->name, (int)p->type);
      return MN_EINVAL;
    }
  }
  size_t at;
  if (find_index(c, def->name, &at)) {
    if (why)
      *why = mn__xasprintf("command \"%s\" is already registered by plugin "
                           "\"%s\"",
                           def->name, c->regs[at].owner_name);
    return MN_EEXIST;
  }
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 32;
    c->regs = mn__xrealloc(c->regs, c->cap * sizeof *c->regs);
  }
  memmove(&c->regs[at + 1], &c->regs[at], (c->n - at) * sizeof *c->regs);
  c->regs[at] =
      (reg_t){.def = def, .data = data, .owner = owner, .owner_name = owner_name};
  c->n++;
  return 0;
}

void mn__cmds_drop_owner(mn__cmds_t *c, const void *owner) {
  size_t w = 0;
  for (size_t r = 0; r < c->n; r++)
    if (c->regs[r].owner != owner)
      c->regs[w++] = c->regs[r];
  c->n = w;
}

size_t mn__cmds_count(const mn__cmds_t *c) { return c->n; }

const mn_command_def_t *mn__cmds_at(const mn__cmds_t *c, size_t i,
                                    const char **owner_name) {
  if (i >= c->n)
    return NULL;
  if (owner_name)
    *owner_name = c->regs[i].owner_name;
  return c->regs[i].def;
}

const mn_command_def_t *mn__cmds_find(const mn__cmds_t *c, const char *name) {
  size_t at;
  return find_index(c, name, &at) ? c->regs[at].def : NULL;
}

/* ---- tokenizer ------------------------------------------------------------ */

typedef struct words {
  char **v;
  size_t n, cap;
} words_t;

static void words_add(words_t *w, const char *s, size_t len) {
  if (w->n == w->cap) {
    w->cap = w->cap ? 2 * w->cap : 8;
    w->v = mn__xrealloc(w->v, w->cap * sizeof *w->v);
  }
  w->v[w->n++] = mn__xstrndup(s, len);
}

static void trim(const char **s, size_t *len) {
  while (*len && isspace((unsigned char)**s)) {
    (*s)++;
    (*len)--;
  }
  while (*len && isspace((unsigned char)(*s)[*len - 1]))
    (*len)--;
}

/* The general method: spaces split unless inside quotes or JSON brackets;
 * quotes outside JSON are removed. */
static void split_general(const char *s, size_t len, words_t *out) {
  trim(&s, &len);
  char *cur = mn__xmalloc(len + 1);
  size_t n = 0;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ' ' && !quoted && depth == 0) {
      const char *t = cur;
      size_t tl = n;
      trim(&t, &tl);
      if (n)
        words_add(out, t, tl);
      n = 0;
      continue;
    }
    if (c == '{' || c == '[')
      depth++;
    else if (c == '}' || c == ']')
      depth--;
    else if (c == '"' && depth <= 0) {
      quoted = !quoted;
      continue;
    }
    cur[n++] = c;
  }
  if (n) {
    const char *t = cur;
    size_t tl = n;
    trim(&t, &tl);
    words_add(out, t, tl);
  }
  free(cur);
}

/* The quick method for lines without JSON: colons become their own tokens,
 * "..." is one token, and name : value triples are glued back together.
 * Returns false when the shape is odd (a colon where a name should be);
 * the general method then decides. */
static bool split_quick(const char *s, size_t len, words_t *out) {
  trim(&s, &len);
  words_t raw = {0};
  size_t i = 0;
  while (i < len) {
    if (isspace((unsigned char)s[i])) {
      i++;
      continue;
    }
    if (s[i] == ':') {
      words_add(&raw, ":", 1);
      i++;
      continue;
    }
    if (s[i] == '"') {
      const char *end = memchr(s + i + 1, '"', len - i - 1);
      if (end) {
        words_add(&raw, s + i + 1, (size_t)(end - s - i - 1));
        i = (size_t)(end - s) + 1;
        continue;
      }
    }
    size_t j = i;
    while (j < len && !isspace((unsigned char)s[j]) && s[j] != ':')
      j++;
    words_add(&raw, s + i, j - i);
    i = j;
  }
  bool ok = true;
  bool have_name = false;
  char *pair = NULL;
  for (size_t k = 0; k < raw.n && ok; k++) {
    const char *tok = raw.v[k];
    if (k == 0) {
      words_add(out, tok, strlen(tok));
      continue;
    }
    if (!have_name) {
      if (strcmp(tok, ":") == 0) {
        ok = false;
        break;
      }
      free(pair);
      pair = mn__xstrdup(tok);
      have_name = true;
    } else {
      char *next = mn__xasprintf("%s%s", pair, tok);
      free(pair);
      pair = next;
      if (strcmp(tok, ":") != 0) {
        words_add(out, pair, strlen(pair));
        have_name = false;
      }
    }
  }
  /* A name with no value is dropped, as the reference does. */
  free(pair);
  for (size_t k = 0; k < raw.n; k++)
    free(raw.v[k]);
  free(raw.v);
  return ok;
}

static void split_words(const char *s, size_t len, words_t *out) {
  bool json = memchr(s, '{', len) || memchr(s, '[', len);
  bool winpath = false;
  for (size_t i = 0; i + 1 < len; i++)
    if (s[i] == ':' && s[i + 1] == '\\')
      winpath = true;
  if (!json && !winpath) {
    words_t quick = {0};
    if (split_quick(s, len, &quick)) {
      *out = quick;
      return;
    }
    for (size_t k = 0; k < quick.n; k++)
      free(quick.v[k]);
    free(quick.v);
  }
  split_general(s, len, out);
}

size_t mn__cmdline_words(const char *command, char ***words) {
  words_t w = {0};
  split_words(command, strlen(command), &w);
  *words = w.v;
  return w.n;
}

/* Splits a line at top-level ';' (not inside quotes or JSON), dropping
 * empty pieces. */
static void split_line(const char *line, words_t *out) {
  size_t len = strlen(line), start = 0;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i <= len; i++) {
    char c = i < len ? line[i] : ';';
    if (c == '"' && depth <= 0)
      quoted = !quoted;
    else if (!quoted && (c == '{' || c == '['))
      depth++;
    else if (!quoted && (c == '}' || c == ']'))
      depth--;
    if (c == ';' && ((!quoted && depth <= 0) || i == len)) {
      const char *p = line + start;
      size_t n = i - start;
      trim(&p, &n);
      if (n)
        words_add(out, p, n);
      start = i + 1;
      depth = 0;
      quoted = false;
    }
  }
}

/* ---- envelope ------------------------------------------------------------- */

static json_t *envelope(const char *command, json_t *params, bool status) {
  json_t *o = json_object();
  json_object_set_new(o, "command", json_string(command));
  if (params && json_object_size(params) > 0)
    json_object_set(o, "params", params);
  json_object_set_new(o, "status", json_boolean(status));
  json_object_set_new(o, "pending", json_false());
  return o;
}

static void exec_run(exec_t *ex);

static void push_result(exec_t *ex, json_t *result, bool ok) {
  json_array_append_new(ex->results, result);
  ex->i++;
  if (!ok)
    ex->stopped = true;
  ex->waiting = false;
  if (!ex->running)
    exec_run(ex);
}

static void fail_segment(exec_t *ex, const char *command, json_t *params,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_segment(exec_t *ex, const char *command, json_t *params,
                         const char *fmt, ...) {
  json_t *o = envelope(command, params, false);
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  json_object_set_new(o, "error", json_string(buf));
  push_result(ex, o, false);
}

/* ---- parameter checks ----------------------------------------------------- */

static const mn_cmd_param_t *find_param(const mn_command_def_t *def,
                                        const char *name) {
  for (const mn_cmd_param_t *p = def->params; p && p->name; p++)
    if (strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

static bool is_blank(const char *s) {
  for (; *s; s++)
    if (!isspace((unsigned char)*s))
      return false;
  return true;
}

/* Converts an Mx or 0x text to upper-case 0x hex in *out (malloc()ed). */
static int to_hex(mn__cmds_t *c, const char *text, char **out) {
  mn_buf_t b = {0};
  int err;
  if (strncasecmp(text, "mx", 2) == 0)
    err = c->crypto->mx_decode(text, strlen(text), &b);
  else if (strncmp(text, "0x", 2) == 0 || strncmp(text, "0X", 2) == 0)
    err = mn__hex_decode(text, strlen(text), &b);
  else
    err = MN_EFORMAT;
  if (!err)
    *out = mn__hex_0x(b.data, b.len, false);
  mn_buf_free(&b);
  return err;
}

/* Checks and normalises every parameter; returns an error text (static or
 * in errbuf) or NULL. */
static const char *check_params(mn__cmds_t *c, const mn_command_def_t *def,
                                json_t *params, char *errbuf, size_t cap) {
  const char *key;
  json_t *val;
  json_object_foreach(params, key, val) {
    const mn_cmd_param_t *p = find_param(def, key);
    if (!p) {
      snprintf(errbuf, cap, "Invalid parameter : %s", key);
      return errbuf;
    }
  }
  for (const mn_cmd_param_t *p = def->params; p && p->name; p++) {
    val = json_object_get(params, p->name);
    if (!val) {
      if (p->flags & MN_PARAM_REQUIRED) {
        snprintf(errbuf, cap, "param not specified : %s", p->name);
        return errbuf;
      }
      continue;
    }
    const char *s = json_is_string(val) ? json_string_value(val) : NULL;
    if (s && is_blank(s)) {
      snprintf(errbuf, cap, "BLANK param not allowed : %s", p->name);
      return errbuf;
    }
    switch (p->type) {
    case MN_PARAM_STRING:
    case MN_PARAM_BOOL:
      if (!s) {
        /* JSON given where text is wanted: keep its text form. */
        char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
        json_object_set_new(params, p->name, json_string(text ? text : ""));
        free(text);
      }
      break;
    case MN_PARAM_NUMBER: {
      mn_num_t n;
      if (!s || c->num->parse(&n, s, strlen(s)) != 0) {
        snprintf(errbuf, cap, "Invalid number parameter : %s %s", p->name,
                 s ? s : "(JSON)");
        return errbuf;
      }
      break;
    }
    case MN_PARAM_HEX:
    case MN_PARAM_ADDRESS: {
      char *hex = NULL;
      if (!s || to_hex(c, s, &hex) != 0) {
        snprintf(errbuf, cap, "Invalid %s param specified : %s %s",
                 p->type == MN_PARAM_HEX ? "Data" : "address", p->name,
                 s ? s : "(JSON)");
        return errbuf;
      }
      if (p->type == MN_PARAM_ADDRESS && strlen(hex) != 66) {
        snprintf(errbuf, cap, "Invalid address param specified : %s %s "
                 "(an address is 32 bytes)", p->name, s);
        free(hex);
        return errbuf;
      }
      json_object_set_new(params, p->name, json_string(hex));
      free(hex);
      break;
    }
    case MN_PARAM_JSON:
      if (s) {
        snprintf(errbuf, cap, "Invalid JSON parameter : %s %s", p->name, s);
        return errbuf;
      }
      break;
    case MN_PARAM_ANY:
      break;
    }
  }
  return NULL;
}

/* Parses "key:value" words into params; returns an error text or NULL. */
static const char *parse_params(const char *cmdname, char **words, size_t n,
                                bool raw_brackets, json_t *params,
                                char *errbuf, size_t cap) {
  for (size_t i = 1; i < n; i++) {
    const char *tok = words[i];
    const char *colon = strchr(tok, ':');
    if (!colon) {
      snprintf(errbuf, cap, "Invalid parameters for %s @ %s", cmdname, tok);
      return errbuf;
    }
    const char *k = tok, *v = colon + 1;
    size_t kl = (size_t)(colon - tok), vl = strlen(v);
    trim(&k, &kl);
    trim(&v, &vl);
    char *key = mn__xstrndup(k, kl);
    bool obj = vl >= 2 && v[0] == '{' && v[vl - 1] == '}';
    bool arr = vl >= 2 && v[0] == '[' && v[vl - 1] == ']';
    if (obj || (arr && !raw_brackets)) {
      json_error_t jerr;
      json_t *j = json_loadb(v, vl, JSON_DECODE_ANY, &jerr);
      if (!j || (obj && !json_is_object(j)) || (arr && !json_is_array(j))) {
        json_decref(j);
        snprintf(errbuf, cap, "Invalid JSON parameter for %s @ %s %s",
                 cmdname, tok, jerr.text);
        free(key);
        return errbuf;
      }
      json_object_set_new(params, key, j);
    } else {
      if (vl && v[0] == '"') {
        v++;
        vl--;
      }
      if (vl && v[vl - 1] == '"')
        vl--;
      json_object_set_new(params, key, json_stringn(v, vl));
    }
    free(key);
  }
  return NULL;
}

/* ---- execution ------------------------------------------------------------ */

static void unlink_live(mn__cmds_t *c, mn_call_t *call) {
  for (mn_call_t **pp = &c->live; *pp; pp = &(*pp)->next_live)
    if (*pp == call) {
      *pp = call->next_live;
      return;
    }
}

static void call_free(mn_call_t *call) {
  json_decref(call->params);
  json_decref(call->extra);
  free(call->name);
  free(call);
}

static void start_segment(exec_t *ex) {
  mn__cmds_t *c = ex->cmds;
  const char *seg = ex->segments[ex->i];
  char **words = NULL;
  size_t n = mn__cmdline_words(seg, &words);
  char errbuf[1024];
  char *name = mn__xstrdup(n ? words[0] : "");
  for (char *p = name; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  size_t at;
  json_t *params = NULL;
  if (!find_index(c, name, &at)) {
    fail_segment(ex, name, NULL, "Command not found");
    goto out;
  }
  const reg_t *reg = &c->regs[at];
  params = json_object();
  const char *err = parse_params(name, words, n,
                                 reg->def->flags & MN_CMD_RAW_BRACKETS, params,
                                 errbuf, sizeof errbuf);
  if (err) {
    fail_segment(ex, name, NULL, "%s", err);
    goto out;
  }
  /* Unknown keys are reported with the whole command text, as the
   * reference does. */
  err = check_params(c, reg->def, params, errbuf, sizeof errbuf);
  if (err) {
    bool unknown = strncmp(err, "Invalid parameter : ", 20) == 0;
    fail_segment(ex, unknown ? seg : name, params, "%s", err);
    goto out;
  }
  if ((reg->def->flags & MN_CMD_WRITE) && !(ex->flags & MN_EXEC_WRITE)) {
    fail_segment(ex, seg, NULL,
                 "%s changes the node and needs WRITE access, which this "
                 "caller does not have",
                 name);
    goto out;
  }
  mn_call_t *call = mn__xcalloc(1, sizeof *call);
  call->ex = ex;
  call->regcopy = *reg;
  call->reg = &call->regcopy;
  call->params = params;
  params = NULL;
  call->extra = json_object();
  call->name = mn__xstrdup(name);
  call->next_live = c->live;
  c->live = call;
  if (c->enter)
    c->enter(call->reg->owner, call->name);
  int rc = call->reg->def->fn(call, call->params, call->reg->data);
  if (c->leave)
    c->leave();
  /* The handler may have replied (call freed).  If it failed without a
   * reply, answer for it. */
  bool still_live = false;
  for (mn_call_t *l = c->live; l; l = l->next_live)
    if (l == call)
      still_live = true;
  if (still_live && rc < 0)
    mn__call_error(call, "%s", mn_strerror(rc));
out:
  json_decref(params);
  free(name);
  for (size_t i = 0; i < n; i++)
    free(words[i]);
  free(words);
}

static void finish(exec_t *ex) {
  json_t *result;
  if (json_array_size(ex->results) == 1) {
    result = json_incref(json_array_get(ex->results, 0));
    json_decref(ex->results);
  } else {
    result = ex->results;
  }
  ex->results = NULL;
  mn_exec_done_fn done = ex->done;
  void *data = ex->data;
  for (size_t i = 0; i < ex->n; i++)
    free(ex->segments[i]);
  free(ex->segments);
  free(ex);
  done(result, data);
}

static void exec_run(exec_t *ex) {
  ex->running = true;
  while (ex->i < ex->n && !ex->stopped) {
    ex->waiting = true;
    start_segment(ex);
    if (ex->waiting) {
      /* Asynchronous reply pending; mn__call_reply resumes. */
      ex->running = false;
      return;
    }
  }
  ex->running = false;
  finish(ex);
}

int mn__cmds_exec(mn__cmds_t *c, const char *line, uint32_t flags,
                  mn_exec_done_fn done, void *data) {
  if (!line || !done)
    return MN_EINVAL;
  exec_t *ex = mn__xcalloc(1, sizeof *ex);
  words_t segs = {0};
  split_line(line, &segs);
  ex->cmds = c;
  ex->segments = segs.v;
  ex->n = segs.n;
  ex->results = json_array();
  ex->flags = flags;
  ex->done = done;
  ex->data = data;
  if (ex->n == 0) {
    json_t *o = envelope("", NULL, false);
    json_object_set_new(o, "error", json_string("Command not found"));
    json_array_append_new(ex->results, o);
    finish(ex);
    return 0;
  }
  exec_run(ex);
  return 0;
}

static void complete(mn_call_t *call, json_t *result, bool ok) {
  if (call->replied) {
    json_decref(result);
    return;
  }
  mn__cmds_t *c = call->ex->cmds;
  call->replied = true;
  unlink_live(c, call);
  const char *k;
  json_t *v;
  json_object_foreach(call->extra, k, v) json_object_set(result, k, v);
  exec_t *ex = call->ex;
  call_free(call);
  push_result(ex, result, ok);
}

void mn__cmds_fail_live(mn__cmds_t *c, const char *reason) {
  while (c->live) {
    mn_call_t *call = c->live;
    c->live = call->next_live;
    json_t *o = envelope(call->name, call->params, false);
    json_object_set_new(o, "error", json_string(reason));
    call->replied = true;
    call->next_live = c->zombies;
    c->zombies = call;
    push_result(call->ex, o, false);
  }
}

void mn__call_reply(mn_call_t *call, json_t *response) {
  if (!call) {
    json_decref(response);
    return;
  }
  json_t *o = envelope(call->name, call->params, true);
  if (response)
    json_object_set_new(o, "response", response);
  complete(call, o, true);
}

void mn__call_verror(mn_call_t *call, const char *fmt, va_list ap) {
  if (!call)
    return;
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  json_t *o = envelope(call->name, call->params, false);
  json_object_set_new(o, "error", json_string(buf));
  complete(call, o, false);
}

void mn__call_error(mn_call_t *call, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mn__call_verror(call, fmt, ap);
  va_end(ap);
}

void mn__call_set(mn_call_t *call, const char *key, json_t *value) {
  if (!call || !key) {
    json_decref(value);
    return;
  }
  json_object_set_new(call->extra, key, value ? value : json_null());
}

const char *mn__call_param(mn_call_t *call, const char *name) {
  if (!call)
    return NULL;
  json_t *v = json_object_get(call->params, name);
  return json_is_string(v) ? json_string_value(v) : NULL;
}
