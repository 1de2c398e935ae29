/*
 * backup.c - encrypted backups of the wallet (backup, restore).
 *
 * The file has the reference's shape (backup.java, spec/crypto.md §7.2):
 *
 *   MiniData(salt, 8 bytes) || MiniData(iv, 16 bytes) ||
 *   AES-128-CBC(PBKDF2-HMAC-SHA256(password, salt, 65536, 16 bytes), iv,
 *     GZIP( MiniData(wallet) || MiniData(cascade) || MiniData(chain) ||
 *           MiniData(user) || MiniData(p2p) || MiniData(txpow list) ))
 *
 * The wallet section is this plugin's own record set (every database,
 * below); the chain sections are empty, since the chain plugin keeps its
 * own data (a restored node takes the chain from its peers, and the
 * wallet replays or rescans it for its coins).  A wrong password shows as
 * bad padding or a corrupt GZIP stream.
 *
 * Wallet section: "MNWALLET" u32 version, then per database a tag byte,
 * a u32 count and that many MiniData(key) MiniData(value) pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wal.h"

#define MAGIC "MNWALLET"
#define VERSION 1u
#define PBKDF2_ITERATIONS 65536u
#define MAX_BACKUP (512u * 1024u * 1024u)

char *wal_path(wal_t *w, const char *file) {
  char *p = NULL;
  if (file[0] == '/')
    return strdup(file);
  if (asprintf(&p, "%s/%s", w->host->data_dir(w->self), file) < 0)
    return NULL;
  return p;
}

static mn_db_t **db_of(wal_t *w, int tag) {
  switch (tag) {
  case 1:
    return &w->db_meta;
  case 2:
    return &w->db_keys;
  case 3:
    return &w->db_scripts;
  case 4:
    return &w->db_coins;
  case 5:
    return &w->db_tokens;
  case 6:
    return &w->db_txns;
  case 7:
    return &w->db_hist;
  }
  return NULL;
}

int wal_export(wal_t *w, mn_buf_t *out) {
  const mn_host_t *h = w->host;
  mn_txn_t *t;
  int err = h->txn_begin(w->self, MN_TXN_RDONLY, &t);
  if (err)
    return err;
  mn_buf_put(out, MAGIC, 8);
  mn_buf_put_u32be(out, VERSION);
  for (int tag = 1; tag <= 7 && !err; tag++) {
    mn_buf_put_u8(out, (uint8_t)tag);
    size_t at = out->len;
    mn_buf_put_u32be(out, 0);
    uint32_t n = 0;
    mn_cursor_t *c;
    err = h->cursor_open(t, *db_of(w, tag), &c);
    if (err)
      break;
    mn_val_t k, v;
    int e;
    for (e = h->cursor_get(c, &k, &v, MN_CURSOR_FIRST); e == 0;
         e = h->cursor_get(c, &k, &v, MN_CURSOR_NEXT)) {
      mn_buf_put_data(out, k.data, k.size);
      mn_buf_put_data(out, v.data, v.size);
      n++;
    }
    h->cursor_close(c);
    if (e != MN_ENOENT)
      err = e;
    if (!out->err) {
      out->data[at] = (uint8_t)(n >> 24);
      out->data[at + 1] = (uint8_t)(n >> 16);
      out->data[at + 2] = (uint8_t)(n >> 8);
      out->data[at + 3] = (uint8_t)n;
    }
  }
  h->txn_abort(t);
  return err ? err : out->err;
}

int wal_import(wal_t *w, const uint8_t *p, size_t len, uint64_t add_uses) {
  mn_reader_t r;
  mn_reader_init(&r, p, len);
  const uint8_t *m = mn_reader_take(&r, 8);
  if (!m || memcmp(m, MAGIC, 8) || mn_reader_u32be(&r) != VERSION)
    return MN_EFORMAT;
  wal_batch_t b = {0};
  for (int tag = 1; tag <= 7; tag++)
    wal_clear_db(&b, *db_of(w, tag));
  bool have_phrase = false;
  for (int i = 0; i < 7 && !r.err; i++) {
    int tag = mn_reader_u8(&r);
    mn_db_t **db = db_of(w, tag);
    uint32_t n = mn_reader_u32be(&r);
    if (!db || r.err)
      break;
    for (uint32_t k = 0; k < n && !r.err; k++) {
      size_t kl, vl;
      const uint8_t *key = mn_reader_data(&r, 65536, &kl);
      const uint8_t *val = mn_reader_data(&r, MN_MINIDATA_MAX, &vl);
      if (r.err)
        break;
      if (tag == 1 && kl == strlen(WAL_META_PHRASE) &&
          !memcmp(key, WAL_META_PHRASE, kl))
        have_phrase = vl > 0;
      if (tag == 2 && add_uses) {
        /* Another copy of this wallet may have signed since the backup:
         * skip ahead, as the reference's restore does. */
        wal_key_t kr;
        if (wal_key_decode(val, vl, &kr)) {
          r.err = MN_EFORMAT;
          break;
        }
        kr.uses =
            kr.uses + add_uses > kr.maxuses ? kr.maxuses : kr.uses + add_uses;
        uint8_t rec[WAL_KEY_REC];
        wal_key_encode(&kr, rec);
        wal_put(&b, *db, key, kl, rec, sizeof rec);
        continue;
      }
      wal_put(&b, *db, key, kl, val, vl);
    }
  }
  if (r.err || mn_reader_left(&r) || !have_phrase) {
    wal_batch_free(&b);
    return MN_EFORMAT;
  }
  int err = wal_commit(w, &b);
  if (err)
    return err;
  return wal_load(w);
}

/* ---- the file ---------------------------------------------------------- */

static int derive(wal_t *w, const char *password, const uint8_t *salt,
                  size_t slen, uint8_t key[16]) {
  return w->crypto->pbkdf2_sha256(password, strlen(password), salt, slen,
                                  PBKDF2_ITERATIONS, key, 16);
}

int wal_backup_write(wal_t *w, const char *path, const char *password,
                     json_t **info, char *why, size_t cap) {
  mn_buf_t blob = {0}, plain = {0}, gz = {0}, out = {0};
  uint8_t salt[8], iv[16], key[16];
  int err = wal_export(w, &blob);
  if (err) {
    snprintf(why, cap, "Cannot read the wallet: %s", mn_strerror(err));
    goto done;
  }
  mn_buf_put_data(&plain, blob.data, blob.len);
  for (int i = 0; i < 4; i++)
    mn_buf_put_data(&plain, NULL, 0);            /* cascade, chain, user, p2p */
  static const uint8_t empty_list[] = {0, 1, 0}; /* TxPoWList, none */
  mn_buf_put_data(&plain, empty_list, sizeof empty_list);
  err = plain.err;
  if (!err && (w->crypto->random(salt, sizeof salt) ||
               w->crypto->random(iv, sizeof iv)))
    err = MN_EIO;
  if (!err)
    err = derive(w, password, salt, sizeof salt, key);
  if (!err)
    err = w->crypto->gzip(plain.data, plain.len, &gz);
  mn_buf_put_data(&out, salt, sizeof salt);
  mn_buf_put_data(&out, iv, sizeof iv);
  if (!err)
    err = w->crypto->aes_cbc_encrypt(key, 16, iv, gz.data, gz.len, &out);
  if (!err)
    err = out.err;
  if (err) {
    snprintf(why, cap, "Cannot make the backup: %s", mn_strerror(err));
    goto done;
  }
  char *tmp = NULL;
  if (asprintf(&tmp, "%s.tmp", path) < 0) {
    err = MN_ENOMEM;
    goto done;
  }
  FILE *f = fopen(tmp, "wb");
  bool ok = f && fwrite(out.data, 1, out.len, f) == out.len;
  if (f && fclose(f))
    ok = false;
  if (ok && rename(tmp, path))
    ok = false;
  if (!ok) {
    unlink(tmp);
    snprintf(why, cap, "Cannot write the backup file %s", path);
    err = MN_EIO;
  }
  free(tmp);
  if (!err) {
    json_t *files = json_object();
    json_object_set_new(files, "wallet", json_integer((json_int_t)blob.len));
    json_object_set_new(files, "cascade", json_integer(0));
    json_object_set_new(files, "chain", json_integer(0));
    json_object_set_new(files, "user", json_integer(0));
    json_object_set_new(files, "p2p", json_integer(0));
    json_object_set_new(files, "txpow", json_integer(sizeof empty_list));
    json_t *o = json_object();
    json_object_set_new(o, "block", json_integer((json_int_t)w->tip));
    json_object_set_new(o, "files", files);
    json_object_set_new(o, "uncompressed", json_integer((json_int_t)plain.len));
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "size", json_integer((json_int_t)out.len));
    json_object_set_new(o, "auto", json_false());
    *info = o;
  }
done:
  memset(key, 0, sizeof key);
  mn_buf_free(&blob);
  mn_buf_free(&plain);
  mn_buf_free(&gz);
  mn_buf_free(&out);
  return err;
}

int wal_backup_read(wal_t *w, const char *path, const char *password, char *why,
                    size_t cap) {
  mn_buf_t file = {0}, gz = {0}, plain = {0};
  uint8_t key[16];
  int err = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, cap, "Restore file doesn't exist : %s", path);
    return MN_ENOENT;
  }
  uint8_t chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && file.len < MAX_BACKUP)
    mn_buf_put(&file, chunk, n);
  fclose(f);
  mn_reader_t r;
  mn_reader_init(&r, file.data, file.len);
  size_t sl, il;
  const uint8_t *salt = mn_reader_data(&r, 64, &sl);
  const uint8_t *iv = mn_reader_data(&r, 64, &il);
  if (r.err || il != 16 || file.err) {
    snprintf(why, cap, "%s is not a backup file", path);
    err = MN_EFORMAT;
    goto done;
  }
  err = derive(w, password, salt, sl, key);
  if (!err)
    err = w->crypto->aes_cbc_decrypt(key, 16, iv, file.data + r.pos,
                                     file.len - r.pos, &gz);
  if (!err)
    err = w->crypto->gunzip(gz.data, gz.len, MAX_BACKUP, &plain);
  if (err) {
    snprintf(why, cap, "Incorrect Password!");
    err = MN_EINVALID;
    goto done;
  }
  mn_reader_init(&r, plain.data, plain.len);
  size_t wl;
  const uint8_t *wallet = mn_reader_data(&r, MN_MINIDATA_MAX, &wl);
  if (r.err || wl == 0) {
    snprintf(why, cap, "The backup holds no wallet");
    err = MN_EFORMAT;
    goto done;
  }
  err = wal_import(w, wallet, wl, 256);
  if (err)
    snprintf(why, cap, "The backup's wallet cannot be restored: %s",
             mn_strerror(err));
done:
  memset(key, 0, sizeof key);
  mn_buf_free(&file);
  mn_buf_free(&gz);
  mn_buf_free(&plain);
  return err;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_backup(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *password = h->call_param(call, "password");
  const char *confirm = h->call_param(call, "confirm");
  const char *file = h->call_param(call, "file");
  if (!password)
    password = "minima";
  if (confirm && strcmp(confirm, password)) {
    h->call_error(call, "Passwords do NOT match!");
    return 0;
  }
  char name[64];
  if (!file) {
    snprintf(name, sizeof name, "minima-backup-%llu.bak",
             (unsigned long long)h->now_ms());
    file = name;
  }
  char *path = wal_path(w, file);
  char why[512] = "";
  json_t *info = NULL;
  int err = path ? wal_backup_write(w, path, password, &info, why, sizeof why)
                 : MN_ENOMEM;
  free(path);
  if (err) {
    h->call_error(call, "%s", *why ? why : mn_strerror(err));
    return 0;
  }
  h->call_set(call, "backup", info);
  h->call_reply(call, NULL);
  return 0;
}

static int cmd_restore(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *password = h->call_param(call, "password");
  bool shutdown = wal_param_bool(w, call, "shutdown", false);
  if (!password)
    password = "minima";
  if (w->posts) {
    h->call_error(call, "Transactions are being signed or posted; restore "
                        "when they are done");
    return 0;
  }
  char *path = wal_path(w, h->call_param(call, "file"));
  char why[512] = "";
  int err =
      path ? wal_backup_read(w, path, password, why, sizeof why) : MN_ENOMEM;
  if (err) {
    h->call_error(call, "%s", *why ? why : mn_strerror(err));
    free(path);
    return 0;
  }
  h->log(w->self, MN_LOG_INFO, "wallet restored from %s", path);
  /* The restored coins are checked against this node's chain. */
  wal_catch_up(w);
  wal_keygen_kick(w);
  wal_refresh_kick(w);
  json_t *o = json_object();
  json_object_set_new(o, "file", json_string(path));
  free(path);
  h->call_set(call, "restore", o);
  h->call_set(call, "message", json_string("Restore complete"));
  h->call_reply(call, NULL);
  if (shutdown)
    h->shutdown(w->self, 0, "restored a wallet backup");
  return 0;
}

static const mn_cmd_param_t backup_params[] = {
    {"password", MN_PARAM_STRING, 0, "encryption password [minima]"},
    {"file", MN_PARAM_STRING, 0, "file name (data dir relative)"},
    {"confirm", MN_PARAM_STRING, 0, "the password again"},
    {"auto", MN_PARAM_BOOL, 0, "accepted for compatibility"},
    {"maxhistory", MN_PARAM_NUMBER, 0, "accepted for compatibility"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t restore_params[] = {
    {"file", MN_PARAM_STRING, MN_PARAM_REQUIRED, "the backup file"},
    {"password", MN_PARAM_STRING, 0, "its password [minima]"},
    {"shutdown", MN_PARAM_BOOL, 0, "stop the node afterwards [false]"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t defs[] = {
    {"backup", "(password:) (file:) (confirm:) - an encrypted wallet backup",
     "backup\n\nWrites the wallet (seed phrase, keys and their use "
     "counters, scripts, coins, tokens, custom transactions, history) to "
     "a password-encrypted file.\n\nExamples:\n\nbackup password:secret "
     "file:my.bak\n",
     backup_params, MN_CMD_WRITE, cmd_backup},
    {"restore", "[file:] (password:) - restore a wallet backup",
     "restore\n\nReplaces this node's wallet with a backup's; its one-time "
     "key counters move 256 uses ahead.  The coins are then checked "
     "against this node's chain.\n\nExamples:\n\nrestore file:my.bak "
     "password:secret\n",
     restore_params, MN_CMD_WRITE, cmd_restore},
};

int wal_cmd_backup_register(wal_t *w) {
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
    int err = w->host->command_register(w->self, &defs[i], w);
    if (err)
      return err;
  }
  return 0;
}
