/*
 * scripts.c - the addresses the wallet owns or tracks (the reference's
 * ScriptRows) and the relevance rule of spec/mmr.md §7: a coin is relevant
 * when its address is tracked, or when a HEX state variable holds one of
 * our addresses or public keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

char *wal_hex(const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  char *s = malloc(2 * n + 3);
  if (!s)
    return NULL;
  s[0] = '0';
  s[1] = 'x';
  for (size_t i = 0; i < n; i++) {
    s[2 + 2 * i] = hex[p[i] >> 4];
    s[3 + 2 * i] = hex[p[i] & 15];
  }
  s[2 + 2 * n] = '\0';
  return s;
}

void wal_mx(wal_t *w, const uint8_t *data, size_t len, char *buf) {
  if (w->crypto->mx_encode(data, len, buf, MN_MX_MAX) < 0)
    buf[0] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int wal_parse_data(wal_t *w, const char *text, mn_buf_t *out) {
  size_t len = strlen(text);
  if (len >= 2 && (text[0] == 'M' || text[0] == 'm') &&
      (text[1] == 'x' || text[1] == 'X'))
    return w->crypto->mx_decode(text, len, out);
  if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text += 2;
    len -= 2;
  }
  for (size_t i = 0; i < len; i++)
    if (hexval(text[i]) < 0)
      return MN_EFORMAT;
  size_t odd = len & 1;
  if (odd)
    mn_buf_put_u8(out, (uint8_t)hexval(text[0]));
  for (size_t i = odd; i < len; i += 2)
    mn_buf_put_u8(out, (uint8_t)(hexval(text[i]) << 4 | hexval(text[i + 1])));
  return out->err;
}

wal_script_t *wal_script_find(wal_t *w, const uint8_t *addr, size_t len) {
  size_t i;
  return wal_hset_get(&w->addridx, addr, len, &i) ? &w->scripts[i] : NULL;
}

int wal_script_insert(wal_t *w, const wal_script_t *s) {
  wal_script_t *old = wal_script_find(w, s->address, 32);
  if (old) {
    if (old->flags & WAL_S_DEFAULT)
      w->ndefault--;
    free(old->script);
    *old = *s;
  } else {
    if (w->nscripts == w->capscripts) {
      size_t cap = w->capscripts ? w->capscripts * 2 : 64;
      wal_script_t *a = realloc(w->scripts, cap * sizeof *a);
      if (!a)
        return MN_ENOMEM;
      w->scripts = a;
      w->capscripts = cap;
    }
    int err = wal_hset_put(&w->addridx, s->address, w->nscripts);
    if (err)
      return err;
    w->scripts[w->nscripts++] = *s;
  }
  if (s->flags & WAL_S_DEFAULT)
    w->ndefault++;
  if (s->seq >= w->next_seq)
    w->next_seq = s->seq + 1;
  return 0;
}

int wal_script_add(wal_t *w, const char *script, size_t len, const uint8_t *pub,
                   uint32_t flags, wal_script_t **out) {
  wal_script_t s = {0};
  s.script = malloc(len + 1);
  if (!s.script)
    return MN_ENOMEM;
  memcpy(s.script, script, len);
  s.script[len] = '\0';
  s.len = len;
  w->obj->script_address(script, len, s.address);
  if (pub)
    memcpy(s.pub, pub, 32);
  s.flags = flags;
  s.seq = w->next_seq;
  wal_batch_t b = {0};
  mn_buf_t rec = {0};
  wal_script_encode(&s, &rec);
  wal_put(&b, w->db_scripts, s.address, 32, rec.data, rec.len);
  if (rec.err)
    b.err = rec.err;
  mn_buf_free(&rec);
  int err = wal_commit(w, &b);
  if (!err)
    err = wal_script_insert(w, &s);
  if (err) {
    free(s.script);
    return err;
  }
  if (out)
    *out = wal_script_find(w, s.address, 32);
  return 0;
}

wal_script_t *wal_script_default(wal_t *w) {
  if (w->ndefault == 0)
    return NULL;
  uint32_t r;
  if (w->crypto->random(&r, sizeof r))
    r = 0;
  uint32_t pick = r % w->ndefault;
  for (size_t i = 0; i < w->nscripts; i++)
    if (w->scripts[i].flags & WAL_S_DEFAULT) {
      if (pick == 0)
        return &w->scripts[i];
      pick--;
    }
  return NULL;
}

json_t *wal_script_json(wal_t *w, const wal_script_t *s) {
  char mx[MN_MX_MAX];
  wal_mx(w, s->address, 32, mx);
  char *addr = wal_hex(s->address, 32);
  char *pub = (s->flags & WAL_S_SIMPLE) ? wal_hex(s->pub, 32) : NULL;
  json_t *o = json_object();
  json_object_set_new(o, "script", json_stringn(s->script, s->len));
  json_object_set_new(o, "address", json_string(addr ? addr : ""));
  json_object_set_new(o, "miniaddress", json_string(mx));
  json_object_set_new(o, "simple", json_boolean(s->flags & WAL_S_SIMPLE));
  json_object_set_new(o, "default", json_boolean(s->flags & WAL_S_DEFAULT));
  json_object_set_new(o, "publickey", json_string(pub ? pub : "0x00"));
  json_object_set_new(o, "track", json_boolean(s->flags & WAL_S_TRACK));
  free(addr);
  free(pub);
  return o;
}

void wal_script_fill(const wal_script_t *s, mn_wallet_addr_t *out) {
  mn_wallet_addr_t a = {0};
  a.size = out->size;
  memcpy(a.address, s->address, 32);
  a.simple = s->flags & WAL_S_SIMPLE;
  a.is_default = s->flags & WAL_S_DEFAULT;
  a.track = s->flags & WAL_S_TRACK;
  a.has_publickey = s->flags & WAL_S_SIMPLE;
  if (a.has_publickey)
    memcpy(a.publickey, s->pub, 32);
  size_t n = out->size < sizeof a ? out->size : sizeof a;
  memcpy(out, &a, n);
}

bool wal_is_tracked(wal_t *w, const uint8_t *addr, size_t len) {
  wal_script_t *s = wal_script_find(w, addr, len);
  return s && (s->flags & WAL_S_TRACK);
}

bool wal_is_relevant(wal_t *w, const mn_coin_t *c) {
  if (wal_is_tracked(w, c->address.data, c->address.len))
    return true;
  for (uint32_t i = 0; i < c->n_state; i++) {
    const mn_statevar_t *sv = &c->state[i];
    /* "0x" + 64 digits: a 32-byte HEX value. */
    if (sv->type != MN_STATE_HEX || sv->text.len != 66)
      continue;
    mn_buf_t b = {0};
    if (w->obj->statevar_hex(sv, &b) == 0 && b.len == 32 &&
        (wal_is_tracked(w, b.data, 32) || wal_key_find(w, b.data, 32))) {
      mn_buf_free(&b);
      return true;
    }
    mn_buf_free(&b);
  }
  return false;
}

void wal_scripts_free(wal_t *w) {
  for (size_t i = 0; i < w->nscripts; i++)
    free(w->scripts[i].script);
  free(w->scripts);
  w->scripts = NULL;
  w->nscripts = w->capscripts = 0;
  w->ndefault = 0;
  wal_hset_free(&w->addridx);
}
