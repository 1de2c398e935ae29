/*
 * The LMDB store: namespacing, map growth, schema versions and error
 * translation.  See store.h for the contract.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/log.h"
#include "util/util.h"

#define FORMAT_VERSION 1u
#define DEFAULT_MAP (256u * 1024u * 1024u)
#define DEFAULT_MAP_MAX ((size_t)1 << 40)
#define DEFAULT_DBS 1024u
#define META_DB "kernel/meta"
/* How long a writer waits for other threads' transactions before growing
 * the map anyway fails with MN_EAGAIN. */
#define GROW_WAIT_MS 30000

struct mn_db {
  mn__store_t *store;
  MDB_dbi dbi;
  char *owner;
  char *name;
  mn_db_t *next;
};

struct mn_txn {
  mn__store_t *store;
  MDB_txn *txn;
  const char *owner;
  bool write;
  bool map_full; /* a put hit MDB_MAP_FULL; the txn can only be aborted */
};

struct mn_cursor {
  mn_txn_t *txn;
  MDB_cursor *cur;
};

struct mn__store {
  MDB_env *env;
  char *dir;
  MDB_dbi meta;
  size_t map_size, map_max;
  unsigned grows;
  pthread_mutex_t lock;
  pthread_cond_t idle;
  unsigned active; /* open transactions, all threads */
  bool need_grow;
  bool write_open;
  mn_db_t *dbs;
};

/* Transactions open on this thread, to tell whether waiting for the others
 * to finish could deadlock. */
static _Thread_local unsigned t_held;

static int from_mdb(int rc) {
  switch (rc) {
  case MDB_SUCCESS:
    return 0;
  case MDB_NOTFOUND:
    return MN_ENOENT;
  case MDB_KEYEXIST:
    return MN_EEXIST;
  case MDB_MAP_FULL:
    return MN_EAGAIN;
  case MDB_DBS_FULL:
  case MDB_READERS_FULL:
  case MDB_TXN_FULL:
  case MDB_CURSOR_FULL:
  case MDB_PAGE_FULL:
    return MN_ENOSPC;
  case MDB_BAD_VALSIZE:
    return MN_ETOOBIG;
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INVALID:
  case MDB_PANIC:
  case MDB_VERSION_MISMATCH:
    return MN_ECORRUPT;
  case MDB_INCOMPATIBLE:
  case MDB_BAD_DBI:
  case MDB_BAD_TXN:
  case MDB_BAD_RSLOT:
    return MN_EINVAL;
  case MDB_MAP_RESIZED:
    return MN_EAGAIN;
  default:
    return rc > 0 ? -rc : MN_EIO;
  }
}

static void report_corrupt(mn__store_t *s, int rc) {
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_PANIC)
    mn__log(NULL, MN_LOG_ERROR,
            "store %s: %s; the database is damaged.  Stop the node, back up "
            "the directory and restore from a backup",
            s->dir, mdb_strerror(rc));
}

/* Caller holds s->lock and knows no transaction is open. */
static void grow_locked(mn__store_t *s) {
  s->need_grow = false;
  if (s->map_size >= s->map_max) {
    mn__log(NULL, MN_LOG_ERROR,
            "store %s: the map is full at its %zu MiB limit; raise "
            "[store] map_max_mb",
            s->dir, s->map_max >> 20);
    return;
  }
  size_t next = s->map_size * 2;
  if (next > s->map_max)
    next = s->map_max;
  int rc = mdb_env_set_mapsize(s->env, next);
  if (rc) {
    mn__log(NULL, MN_LOG_ERROR, "store %s: cannot grow the map to %zu MiB: %s",
            s->dir, next >> 20, mdb_strerror(rc));
    return;
  }
  mn__log(NULL, MN_LOG_INFO, "store: map grown from %zu to %zu MiB",
          s->map_size >> 20, next >> 20);
  s->map_size = next;
  s->grows++;
}

static void txn_ended(mn__store_t *s, bool write) {
  pthread_mutex_lock(&s->lock);
  s->active--;
  t_held--;
  if (write)
    s->write_open = false;
  if (s->need_grow && s->active == 0)
    grow_locked(s);
  pthread_cond_broadcast(&s->idle);
  pthread_mutex_unlock(&s->lock);
}

/* Waits (bounded) until the map can grow, then grows it.  Only called by a
 * thread that holds no transaction. */
static int grow_when_idle(mn__store_t *s) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += GROW_WAIT_MS / 1000;
  int rc = 0;
  pthread_mutex_lock(&s->lock);
  while (s->need_grow && s->active > 0 && rc == 0)
    rc = pthread_cond_timedwait(&s->idle, &s->lock, &deadline);
  if (s->need_grow && s->active == 0)
    grow_locked(s);
  int err = s->need_grow ? MN_EAGAIN : 0;
  pthread_mutex_unlock(&s->lock);
  return err;
}

static char *open_why(const char *dir, int rc) {
  switch (rc) {
  case EACCES:
  case EPERM:
    return mn__xasprintf("cannot open the store in %s: permission denied; "
                         "check the directory's owner and mode, or choose "
                         "another --data-dir",
                         dir);
  case EROFS:
    return mn__xasprintf("cannot open the store in %s: the file system is "
                         "read-only; choose a writable --data-dir",
                         dir);
  case ENOSPC:
    return mn__xasprintf("cannot open the store in %s: no space left on the "
                         "device; free some space",
                         dir);
  case MDB_INVALID:
    return mn__xasprintf("%s/data.mdb is not an LMDB store or its header is "
                         "damaged; it was left untouched.  Restore it from a "
                         "backup, or move the directory away to start fresh",
                         dir);
  case MDB_VERSION_MISMATCH:
    return mn__xasprintf("%s/data.mdb was written by an incompatible LMDB "
                         "version; it was left untouched",
                         dir);
  case MDB_CORRUPTED:
  case MDB_PANIC:
  case MDB_PAGE_NOTFOUND:
    return mn__xasprintf("the store in %s is corrupt (%s); it was left "
                         "untouched.  Restore it from a backup, or move the "
                         "directory away to start fresh",
                         dir, mdb_strerror(rc));
  default:
    return mn__xasprintf("cannot open the store in %s: %s", dir,
                         mdb_strerror(rc));
  }
}

int mn__store_open(const char *dir, const mn__store_opts_t *opts,
                   mn__store_t **out, char **why) {
  mn__store_t *s = mn__xcalloc(1, sizeof *s);
  s->dir = mn__xstrdup(dir);
  s->map_size = opts && opts->map_size ? opts->map_size : DEFAULT_MAP;
  s->map_max = opts && opts->map_max ? opts->map_max : DEFAULT_MAP_MAX;
  if (s->map_max < s->map_size)
    s->map_max = s->map_size;
  unsigned dbs = opts && opts->max_dbs ? opts->max_dbs : DEFAULT_DBS;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->idle, NULL);
  MDB_txn *txn = NULL;
  int rc = mdb_env_create(&s->env);
  if (!rc)
    rc = mdb_env_set_maxdbs(s->env, dbs);
  if (!rc)
    rc = mdb_env_set_mapsize(s->env, s->map_size);
  if (!rc)
    rc = mdb_env_set_maxreaders(s->env, 256);
  if (!rc)
    rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
  if (rc)
    goto fail;
  /* A map larger than requested may already be recorded in the file. */
  MDB_envinfo info;
  if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_size)
    s->map_size = info.me_mapsize;

  rc = mdb_txn_begin(s->env, NULL, 0, &txn);
  if (!rc)
    rc = mdb_dbi_open(txn, META_DB, MDB_CREATE, &s->meta);
  if (rc)
    goto fail;
  MDB_val k = {6, "format"}, v;
  rc = mdb_get(txn, s->meta, &k, &v);
  if (rc == MDB_NOTFOUND) {
    uint8_t fmt[4] = {0, 0, 0, FORMAT_VERSION};
    v = (MDB_val){4, fmt};
    rc = mdb_put(txn, s->meta, &k, &v, 0);
  } else if (!rc) {
    const uint8_t *p = v.mv_data;
    uint32_t fmt = v.mv_size == 4 ? (uint32_t)p[0] << 24 |
                                        (uint32_t)p[1] << 16 |
                                        (uint32_t)p[2] << 8 | p[3]
                                  : 0;
    if (fmt != FORMAT_VERSION) {
      mdb_txn_abort(txn);
      txn = NULL;
      if (why)
        *why = mn__xasprintf("the store in %s has format %u but this minimad "
                             "reads format %u; use a matching minimad or "
                             "another --data-dir",
                             dir, fmt, FORMAT_VERSION);
      mn__store_close(s);
      return MN_EVERSION;
    }
  }
  if (!rc)
    rc = mdb_txn_commit(txn);
  else
    mdb_txn_abort(txn);
  txn = NULL;
  if (rc)
    goto fail;
  *out = s;
  return 0;
fail:
  if (txn)
    mdb_txn_abort(txn);
  if (why)
    *why = open_why(dir, rc);
  int err = rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PANIC ||
                    rc == MDB_PAGE_NOTFOUND || rc == MDB_VERSION_MISMATCH
                ? MN_ECORRUPT
                : from_mdb(rc);
  mn__store_close(s);
  return err;
}

void mn__store_close(mn__store_t *s) {
  if (!s)
    return;
  if (s->env)
    mdb_env_close(s->env);
  for (mn_db_t *d = s->dbs, *n; d; d = n) {
    n = d->next;
    free(d->owner);
    free(d->name);
    free(d);
  }
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->idle);
  free(s->dir);
  free(s);
}

static bool valid_name(const char *name) {
  if (!name || !*name || strlen(name) > 200)
    return false;
  for (const char *p = name; *p; p++)
    if (*p == '/' || (unsigned char)*p < 0x20)
      return false;
  return true;
}

int mn__store_db_open(mn__store_t *s, const char *owner, const char *name,
                      uint32_t flags, mn_db_t **out) {
  if (!valid_name(name) || !valid_name(owner) || (flags & ~MN_DB_DUPSORT))
    return MN_EINVAL;
  for (mn_db_t *d = s->dbs; d; d = d->next)
    if (strcmp(d->owner, owner) == 0 && strcmp(d->name, name) == 0) {
      *out = d;
      return 0;
    }
  char *full = mn__xasprintf("%s/%s", owner, name);
  mn_txn_t *txn;
  int err = mn__store_txn_begin(s, owner, 0, &txn);
  if (err) {
    free(full);
    return err;
  }
  MDB_dbi dbi;
  unsigned mflags = MDB_CREATE | (flags & MN_DB_DUPSORT ? MDB_DUPSORT : 0);
  int rc = mdb_dbi_open(txn->txn, full, mflags, &dbi);
  free(full);
  if (rc) {
    mn__store_txn_abort(txn);
    return rc == MDB_INCOMPATIBLE ? MN_EINVAL : from_mdb(rc);
  }
  err = mn__store_txn_commit(txn);
  if (err)
    return err;
  mn_db_t *d = mn__xcalloc(1, sizeof *d);
  *d = (mn_db_t){.store = s,
                 .dbi = dbi,
                 .owner = mn__xstrdup(owner),
                 .name = mn__xstrdup(name),
                 .next = s->dbs};
  s->dbs = d;
  *out = d;
  return 0;
}

int mn__store_txn_begin(mn__store_t *s, const char *owner, uint32_t flags,
                        mn_txn_t **out) {
  bool write = !(flags & MN_TXN_RDONLY);
  pthread_mutex_lock(&s->lock);
  if (write && s->write_open) {
    pthread_mutex_unlock(&s->lock);
    mn__log(NULL, MN_LOG_ERROR,
            "store: plugin \"%s\" opened a second write transaction while "
            "one is open",
            owner);
    return MN_EBUSY;
  }
  if (s->need_grow && s->active == 0)
    grow_locked(s);
  s->active++;
  t_held++;
  if (write)
    s->write_open = true;
  pthread_mutex_unlock(&s->lock);
  MDB_txn *t;
  int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t);
  if (rc == MDB_MAP_RESIZED) {
    mdb_env_set_mapsize(s->env, 0);
    rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t);
  }
  if (rc) {
    txn_ended(s, write);
    report_corrupt(s, rc);
    return from_mdb(rc);
  }
  mn_txn_t *txn = malloc(sizeof *txn);
  if (!txn) {
    mdb_txn_abort(t);
    txn_ended(s, write);
    return MN_ENOMEM;
  }
  *txn = (mn_txn_t){.store = s, .txn = t, .owner = owner, .write = write};
  *out = txn;
  return 0;
}

int mn__store_txn_commit(mn_txn_t *txn) {
  if (!txn)
    return MN_EINVAL;
  mn__store_t *s = txn->store;
  bool write = txn->write;
  int rc;
  if (txn->map_full) {
    mdb_txn_abort(txn->txn);
    rc = MDB_MAP_FULL;
  } else {
    rc = mdb_txn_commit(txn->txn);
  }
  if (rc == MDB_MAP_FULL) {
    pthread_mutex_lock(&s->lock);
    s->need_grow = true;
    pthread_mutex_unlock(&s->lock);
  }
  free(txn);
  txn_ended(s, write);
  report_corrupt(s, rc);
  return from_mdb(rc);
}

void mn__store_txn_abort(mn_txn_t *txn) {
  if (!txn)
    return;
  mn__store_t *s = txn->store;
  bool write = txn->write;
  mdb_txn_abort(txn->txn);
  free(txn);
  txn_ended(s, write);
}

static int check(mn_txn_t *txn, mn_db_t *db) {
  if (!txn || !db || db->store != txn->store)
    return MN_EINVAL;
  if (strcmp(db->owner, txn->owner) != 0)
    return MN_EPERM;
  return 0;
}

int mn__store_get(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen,
                  mn_val_t *val) {
  int err = check(txn, db);
  if (err)
    return err;
  MDB_val k = {klen, (void *)key}, v;
  int rc = mdb_get(txn->txn, db->dbi, &k, &v);
  if (rc) {
    report_corrupt(txn->store, rc);
    return from_mdb(rc);
  }
  val->data = v.mv_data;
  val->size = v.mv_size;
  return 0;
}

static int write_rc(mn_txn_t *txn, int rc) {
  if (rc == MDB_MAP_FULL) {
    txn->map_full = true;
    pthread_mutex_lock(&txn->store->lock);
    txn->store->need_grow = true;
    pthread_mutex_unlock(&txn->store->lock);
  }
  report_corrupt(txn->store, rc);
  return from_mdb(rc);
}

int mn__store_put(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen,
                  const void *val, size_t vlen, uint32_t flags) {
  int err = check(txn, db);
  if (err)
    return err;
  if (!txn->write)
    return MN_EPERM;
  if (txn->map_full)
    return MN_EAGAIN;
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
  unsigned f = flags & MN_PUT_NOOVERWRITE ? MDB_NOOVERWRITE : 0;
  return write_rc(txn, mdb_put(txn->txn, db->dbi, &k, &v, f));
}

int mn__store_del(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen) {
  int err = check(txn, db);
  if (err)
    return err;
  if (!txn->write)
    return MN_EPERM;
  if (txn->map_full)
    return MN_EAGAIN;
  MDB_val k = {klen, (void *)key};
  return write_rc(txn, mdb_del(txn->txn, db->dbi, &k, NULL));
}

int mn__store_clear(mn_txn_t *txn, mn_db_t *db) {
  int err = check(txn, db);
  if (err)
    return err;
  if (!txn->write)
    return MN_EPERM;
  return write_rc(txn, mdb_drop(txn->txn, db->dbi, 0));
}

int mn__store_cursor_open(mn_txn_t *txn, mn_db_t *db, mn_cursor_t **out) {
  int err = check(txn, db);
  if (err)
    return err;
  mn_cursor_t *c = malloc(sizeof *c);
  if (!c)
    return MN_ENOMEM;
  int rc = mdb_cursor_open(txn->txn, db->dbi, &c->cur);
  if (rc) {
    free(c);
    return from_mdb(rc);
  }
  c->txn = txn;
  *out = c;
  return 0;
}

int mn__store_cursor_get(mn_cursor_t *cur, mn_val_t *key, mn_val_t *val,
                         mn_cursor_op_t op) {
  MDB_cursor_op mop;
  switch (op) {
  case MN_CURSOR_FIRST:
    mop = MDB_FIRST;
    break;
  case MN_CURSOR_LAST:
    mop = MDB_LAST;
    break;
  case MN_CURSOR_NEXT:
    mop = MDB_NEXT;
    break;
  case MN_CURSOR_PREV:
    mop = MDB_PREV;
    break;
  case MN_CURSOR_SET_RANGE:
    mop = MDB_SET_RANGE;
    break;
  case MN_CURSOR_SET:
    mop = MDB_SET_KEY;
    break;
  default:
    return MN_EINVAL;
  }
  MDB_val k = {0, NULL}, v = {0, NULL};
  if (op == MN_CURSOR_SET || op == MN_CURSOR_SET_RANGE) {
    if (!key)
      return MN_EINVAL;
    k = (MDB_val){key->size, (void *)key->data};
  }
  int rc = mdb_cursor_get(cur->cur, &k, &v, mop);
  if (rc) {
    report_corrupt(cur->txn->store, rc);
    return from_mdb(rc);
  }
  if (key)
    *key = (mn_val_t){k.mv_data, k.mv_size};
  if (val)
    *val = (mn_val_t){v.mv_data, v.mv_size};
  return 0;
}

void mn__store_cursor_close(mn_cursor_t *cur) {
  if (!cur)
    return;
  mdb_cursor_close(cur->cur);
  free(cur);
}

int mn__store_write(mn__store_t *s, const char *owner, mn_write_fn fn,
                    void *data) {
  for (int attempt = 0; attempt < 64; attempt++) {
    mn_txn_t *txn;
    int err = mn__store_txn_begin(s, owner, 0, &txn);
    if (err)
      return err;
    err = fn(txn, data);
    if (err == 0)
      err = mn__store_txn_commit(txn);
    else
      mn__store_txn_abort(txn);
    if (err != MN_EAGAIN)
      return err;
    /* The map was full.  Grow it once no transaction is open, unless this
     * thread holds one itself (then only the caller can make room). */
    if (t_held > 0)
      return MN_EAGAIN;
    if (grow_when_idle(s) != 0)
      return MN_EAGAIN;
  }
  return MN_ENOSPC;
}

static void schema_key(const char *owner, char *buf, size_t cap, size_t *n) {
  *n = (size_t)snprintf(buf, cap, "schema/%s", owner);
  if (*n >= cap)
    *n = cap - 1;
}

int mn__store_schema_get(mn__store_t *s, const char *owner, uint32_t *version) {
  mn_txn_t *txn;
  int err = mn__store_txn_begin(s, owner, MN_TXN_RDONLY, &txn);
  if (err)
    return err;
  char key[256];
  size_t n;
  schema_key(owner, key, sizeof key, &n);
  MDB_val k = {n, key}, v;
  int rc = mdb_get(txn->txn, s->meta, &k, &v);
  *version = 0;
  if (rc == 0 && v.mv_size == 4) {
    const uint8_t *p = v.mv_data;
    *version = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
               (uint32_t)p[2] << 8 | p[3];
  } else if (rc == 0) {
    rc = MDB_CORRUPTED;
  }
  mn__store_txn_abort(txn);
  return rc == MDB_NOTFOUND ? 0 : from_mdb(rc);
}

int mn__store_schema_set(mn_txn_t *txn, uint32_t version) {
  if (!txn || !txn->write)
    return MN_EPERM;
  char key[256];
  size_t n;
  schema_key(txn->owner, key, sizeof key, &n);
  uint8_t b[4] = {(uint8_t)(version >> 24), (uint8_t)(version >> 16),
                  (uint8_t)(version >> 8), (uint8_t)version};
  MDB_val k = {n, key}, v = {4, b};
  return write_rc(txn, mdb_put(txn->txn, txn->store->meta, &k, &v, 0));
}

int mn__store_owners(mn__store_t *s, void (*fn)(const char *, void *),
                     void *data) {
  MDB_txn *t;
  int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t);
  if (rc)
    return from_mdb(rc);
  MDB_dbi main;
  MDB_cursor *c = NULL;
  rc = mdb_dbi_open(t, NULL, 0, &main);
  if (!rc)
    rc = mdb_cursor_open(t, main, &c);
  char last[256] = "";
  MDB_val k, v;
  while (!rc && (rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
    const char *p = k.mv_data;
    const char *slash = memchr(p, '/', k.mv_size);
    if (!slash)
      continue;
    size_t n = (size_t)(slash - p);
    if (n == 0 || n >= sizeof last)
      continue;
    if (strlen(last) == n && memcmp(last, p, n) == 0)
      continue;
    memcpy(last, p, n);
    last[n] = '\0';
    if (strcmp(last, "kernel") != 0)
      fn(last, data);
  }
  if (c)
    mdb_cursor_close(c);
  mdb_txn_abort(t);
  return rc == MDB_NOTFOUND ? 0 : from_mdb(rc);
}

size_t mn__store_map_size(const mn__store_t *s) { return s->map_size; }
unsigned mn__store_grow_count(const mn__store_t *s) { return s->grows; }
