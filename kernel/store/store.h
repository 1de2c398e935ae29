/*
 * store/store.h - the node's LMDB environment.
 *
 * One environment lives in <data_dir>/store.  Each plugin sees only its own
 * named databases: the plugin "wallet" opening "keys" gets the LMDB database
 * "wallet/keys", and no host function can name another plugin's database.
 * The kernel keeps one database of its own, "kernel/meta", holding the
 * store format and each plugin's schema version.
 *
 * Commits are durable when they return (LMDB's default sync mode), so a
 * crash at any instant leaves the last committed state.
 *
 * The map starts at [store] map_size_mb and doubles whenever a write hits
 * MDB_MAP_FULL: the failing transaction is discarded and MN_EAGAIN tells the
 * caller to run it again (mn__store_write() does that itself).  The map can
 * only be resized while no transaction is open, so growth waits for open
 * read transactions on other threads to finish.
 *
 * Transactions: read transactions (MDB_NOTLS) may be used on any thread;
 * write transactions belong to the loop thread, one at a time.
 */
#ifndef MN_STORE_H
#define MN_STORE_H

#include <minima/host.h>

typedef struct mn__store mn__store_t;

typedef struct mn__store_opts {
  size_t map_size;     /* initial map size in bytes (0: 256 MiB) */
  size_t map_max;      /* growth stops here (0: 1 TiB) */
  unsigned max_dbs;    /* named databases (0: 1024) */
} mn__store_opts_t;

/* Opens (creating) the environment in dir, which must exist.  On failure
 * *why is a malloc()ed sentence saying what, where and how to fix it, and
 * nothing on disk was changed (a corrupt or foreign file is never
 * rewritten). */
int mn__store_open(const char *dir, const mn__store_opts_t *opts,
                   mn__store_t **out, char **why);
/* Closes the environment; every transaction must have ended. */
void mn__store_close(mn__store_t *store);

/* Plugin-facing operations; `owner` is the plugin name used as namespace
 * and must outlive the handles. */
int mn__store_db_open(mn__store_t *store, const char *owner, const char *name,
                      uint32_t flags, mn_db_t **out);
int mn__store_txn_begin(mn__store_t *store, const char *owner, uint32_t flags,
                        mn_txn_t **out);
int mn__store_txn_commit(mn_txn_t *txn);
void mn__store_txn_abort(mn_txn_t *txn);
int mn__store_get(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen,
                  mn_val_t *val);
int mn__store_put(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen,
                  const void *val, size_t vlen, uint32_t flags);
int mn__store_del(mn_txn_t *txn, mn_db_t *db, const void *key, size_t klen);
int mn__store_clear(mn_txn_t *txn, mn_db_t *db);
int mn__store_cursor_open(mn_txn_t *txn, mn_db_t *db, mn_cursor_t **out);
int mn__store_cursor_get(mn_cursor_t *cur, mn_val_t *key, mn_val_t *val,
                         mn_cursor_op_t op);
void mn__store_cursor_close(mn_cursor_t *cur);
int mn__store_write(mn__store_t *store, const char *owner, mn_write_fn fn,
                    void *data);
int mn__store_schema_get(mn__store_t *store, const char *owner,
                         uint32_t *version);
int mn__store_schema_set(mn_txn_t *txn, uint32_t version);

/* Plugin namespaces that have data in the store (names of the form
 * "plugin/db"), for reporting data of plugins that are not loaded.  Calls
 * fn once per distinct plugin name. */
int mn__store_owners(mn__store_t *store, void (*fn)(const char *owner,
                                                    void *data),
                     void *data);

/* Current map size in bytes and the number of times it grew. */
size_t mn__store_map_size(const mn__store_t *store);
unsigned mn__store_grow_count(const mn__store_t *store);

#endif
