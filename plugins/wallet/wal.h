/*
 * wal.h - the wallet plugin's internals (library mn_wallet_core).
 *
 *   bip39.c     seed phrases
 *   hset.c      32-byte key -> index hash table
 *   store.c     the LMDB records and write batches
 *   keys.c      tree keys: derivation, creation on the work queue, use
 *               counters, signing
 *   scripts.c   addresses (ScriptRows) and relevance
 *   coins.c     the wallet's coins: chain events, reorgs, proofs,
 *               balances, tokens, history
 *   build.c     coin selection, transaction assembly, signing and posting
 *   txns.c      custom transactions under construction (txn*)
 *   backup.c    encrypted backups
 *   cmds.c, cmd_send.c, cmd_txn.c   the commands
 *   service.c   the "wallet" service (minima/svc/wallet.h)
 *   wallet.c    lifecycle: init, start, stop, free
 *   chainsim.c  an in-memory chain service for tests and benchmarks
 *
 * Everything runs on the loop thread except the work functions of keys.c
 * (key creation, signatures), which touch only their own job.
 *
 * Storage: one write transaction per change (a block's coins, a new key,
 * a use counter); the memory copies are updated only after the commit
 * succeeded, so a failed write leaves both unchanged.
 */
#ifndef MN_WALLET_WAL_H
#define MN_WALLET_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/minima.h>
#include <minima/svc/chain.h>
#include <minima/svc/kissvm.h>
#include <minima/svc/wallet.h>

#include "bip39.h"

/* The reference's constants (GlobalParams). */
#define WAL_CONFIRM_DEPTH 3      /* MINIMA_CONFIRM_DEPTH */
#define WAL_MAX_SPLIT 20         /* GeneralParams.MAX_SPLIT_COINS */
#define WAL_MAX_OUTPUTS 32       /* MAX_RELAY_OUTPUTCOINS */
#define WAL_SIMPLE_SCRIPT_LEN 83 /* RETURN SIGNEDBY(0x + 64 hex + ) */
/* Spent coins are kept this many blocks for reorgs, then forgotten. */
#define WAL_SPENT_KEEP 512

/* ---- hash table of 32-byte keys (hset.c) --------------------------------- */

typedef struct wal_hset {
  uint8_t (*keys)[32];
  size_t *vals;
  uint8_t *used;
  size_t cap, n;
} wal_hset_t;

/* 0 or MN_ENOMEM (the table is unchanged).  Replaces an existing key. */
int wal_hset_put(wal_hset_t *h, const uint8_t key[32], size_t val);
/* true and *val when present (val may be NULL). */
bool wal_hset_get(const wal_hset_t *h, const uint8_t *key, size_t len,
                  size_t *val);
bool wal_hset_del(wal_hset_t *h, const uint8_t key[32]);
void wal_hset_clear(wal_hset_t *h);
void wal_hset_free(wal_hset_t *h);

/* ---- records ---------------------------------------------------------- */

typedef struct wal_key {
  uint8_t pub[32];
  uint32_t index; /* derivation index (the modifier) */
  uint32_t size;  /* keys per level */
  uint32_t depth; /* levels */
  uint64_t uses;
  uint64_t maxuses;
  mn_treekey_t *tk; /* cached signer, or NULL */
  bool busy;        /* tk is in use by a work item */
} wal_key_t;

#define WAL_S_SIMPLE 0x1u
#define WAL_S_DEFAULT 0x2u
#define WAL_S_TRACK 0x4u

typedef struct wal_script {
  uint8_t address[32];
  uint8_t pub[32]; /* simple scripts: the key */
  uint32_t flags;  /* WAL_S_* */
  uint64_t seq;    /* insertion order */
  char *script;    /* NUL-terminated */
  size_t len;
} wal_script_t;

typedef struct wal_coin {
  mn_coin_t *coin;       /* root: the coin as the MMR holds it */
  mn_coinproof_t *proof; /* root, or NULL */
  int64_t created;
  int64_t spent; /* block that spent it, -1 */
  bool pending;  /* an input of a transaction being signed or posted */
} wal_coin_t;

typedef struct wal_token {
  uint8_t id[32];
  mn_token_t *tok; /* root */
} wal_token_t;

/* ---- the wallet -----------------------------------------------------------
 */

typedef struct wal_keygen wal_keygen_t;
typedef struct wal_waiter wal_waiter_t;
typedef struct wal_post wal_post_t;

typedef struct wal {
  mn_wallet_t svc; /* first: the service pointer is the wallet */
  mn_plugin_t *self;
  const mn_host_t *host;
  const mn_num_api_t *num;
  const mn_crypto_api_t *crypto;
  const mn_obj_api_t *obj;
  const mn_chain_t *chain; /* NULL until found */
  const mn_kissvm_t *vm;   /* NULL without the kissvm plugin */

  mn_db_t *db_meta, *db_keys, *db_scripts, *db_coins, *db_tokens, *db_txns,
      *db_hist;

  /* settings */
  uint32_t default_keys; /* default (change) addresses to keep */
  uint32_t key_size, key_depth;
  int64_t proof_refresh; /* re-prove coins whose proof is this old */

  /* seed */
  char *phrase;
  uint8_t seed[32];

  /* keys, by public key */
  wal_key_t *keys;
  size_t nkeys, capkeys;
  wal_hset_t keyidx;
  uint32_t next_index; /* next derivation index to hand out */

  /* scripts, by address */
  wal_script_t *scripts;
  size_t nscripts, capscripts;
  wal_hset_t addridx;
  uint64_t next_seq;
  uint32_t ndefault;

  /* coins, by coin id */
  wal_coin_t *coins;
  size_t ncoins, capcoins;
  wal_hset_t coinidx;

  /* tokens, by token id */
  wal_token_t *tokens;
  size_t ntokens, captokens;
  wal_hset_t tokidx;

  /* the chain as last seen */
  int64_t tip;
  uint8_t tipid[32];
  int64_t synced; /* last block whose coins are applied (-1 none) */
  uint8_t syncedid[32];

  /* background work */
  wal_keygen_t *keygen;  /* default keys being made */
  wal_waiter_t *waiters; /* getaddress calls waiting for a default key */
  mn_timer_t *refresh;   /* proof refresh slices */
  size_t refresh_at;
  uint32_t jobs;     /* work items in flight */
  uint32_t gen;      /* bumped by every load: older key jobs are void */
  wal_post_t *posts; /* transactions being signed or posted */
  bool stopping;
  bool in_genesis; /* inside the chain's genesis hook: no chain calls */

  mn_sub_t *sub_conn, *sub_disc, *sub_tip;
  mn_hookreg_t *hook_rel, *hook_gen;
} wal_t;

static inline wal_t *wal_of(const mn_wallet_t *svc) {
  return (wal_t *)(uintptr_t)svc;
}

/* ---- lifecycle (wallet.c) -------------------------------------------------
 */

int wal_new(mn_plugin_t *self, const mn_host_t *host, wal_t **out);
int wal_start(wal_t *w);
void wal_stop(wal_t *w);
void wal_free(wal_t *w);
/* Looks the chain up again if it was missing; NULL when there is none. */
const mn_chain_t *wal_chain(wal_t *w);
/* Reloads every record from the store (after a restore). */
int wal_load(wal_t *w);
void wal_unload(wal_t *w);

/* ---- store (store.c) ------------------------------------------------------
 */

/* A list of puts and deletes applied in one write transaction. */
typedef struct wal_op {
  mn_db_t *db;
  uint8_t *key;
  size_t klen;
  uint8_t *val; /* NULL: delete (a missing key is fine) */
  size_t vlen;
} wal_op_t;

typedef struct wal_batch {
  wal_op_t *ops;
  size_t n, cap;
  int err;           /* first MN_ENOMEM */
  mn_db_t *clear[8]; /* databases emptied first */
  size_t nclear;
} wal_batch_t;

void wal_put(wal_batch_t *b, mn_db_t *db, const void *key, size_t klen,
             const void *val, size_t vlen);
void wal_del(wal_batch_t *b, mn_db_t *db, const void *key, size_t klen);
/* Empties db before the batch's puts. */
void wal_clear_db(wal_batch_t *b, mn_db_t *db);
/* Runs the batch; 0 or the store's error (nothing written).  Frees it. */
int wal_commit(wal_t *w, wal_batch_t *b);
void wal_batch_free(wal_batch_t *b);

/* Record encodings. */
#define WAL_KEY_REC 28
void wal_key_encode(const wal_key_t *k, uint8_t out[WAL_KEY_REC]);
int wal_key_decode(const uint8_t *p, size_t len, wal_key_t *k);
int wal_script_encode(const wal_script_t *s, mn_buf_t *out);
int wal_script_decode(const uint8_t *p, size_t len, wal_script_t *s);
int wal_coin_encode(wal_t *w, const wal_coin_t *c, mn_buf_t *out);
int wal_coin_decode(wal_t *w, const uint8_t *p, size_t len, wal_coin_t *c);
void wal_put_i64(uint8_t *p, int64_t v);
int64_t wal_get_i64(const uint8_t *p);

/* Meta keys. */
#define WAL_META_PHRASE "phrase"
#define WAL_META_NEXTKEY "nextkey"
#define WAL_META_SYNCED "synced"

/* ---- keys (keys.c) ------------------------------------------------------ */

/* Minimal unsigned big-endian bytes of index (0 -> 00); returns length. */
size_t wal_modifier(uint32_t index, uint8_t out[4]);
/* private seed_k = SHA3(MiniData(seed) || MiniData(modifier(k))). */
void wal_privseed(const mn_crypto_api_t *c, const uint8_t seed[32],
                  uint32_t index, uint8_t out[32]);
/* "RETURN SIGNEDBY(0x<PUB>)" into out (WAL_SIMPLE_SCRIPT_LEN + 1). */
void wal_simple_script(const uint8_t pub[32], char *out);
/* Derives the public key of index with the wallet's key shape. */
int wal_derive_pub(const mn_crypto_api_t *c, const uint8_t seed[32],
                   uint32_t index, uint32_t size, uint32_t depth,
                   uint8_t pub[32]);

wal_key_t *wal_key_find(wal_t *w, const uint8_t *pub, size_t len);
/* Makes a key and its simple address now (on the loop).  *out may be
 * NULL.  0, MN_EIO, MN_ENOMEM. */
int wal_new_simple(wal_t *w, bool is_default, wal_script_t **out);
/* Makes a key (and its simple address when with_script) on the work
 * queue; done gets the stored rows (NULL on error) on the loop. */
typedef void (*wal_key_done_fn)(wal_t *w, int status, wal_key_t *key,
                                wal_script_t *script, void *data);
int wal_new_key_async(wal_t *w, bool with_script, wal_key_done_fn done,
                      void *data);
/* Starts making default keys on the work queue until there are
 * default_keys of them. */
void wal_keygen_kick(wal_t *w);
/* Reserves one use of each key (stored before returning): uses[i] gets
 * the use to sign with.  0, MN_ENOENT, MN_EEXHAUSTED (message in why),
 * MN_EIO.  Nothing is reserved on error. */
int wal_reserve_uses(wal_t *w, const uint8_t (*pubs)[32], size_t n,
                     uint64_t *uses, char *why, size_t cap);
/* Signs on the loop with a reserved use. */
int wal_sign_now(wal_t *w, const uint8_t pub[32], uint64_t use, const void *msg,
                 size_t len, mn_buf_t *sig);

/* Signs on the work queue.  The job owns copies of everything. */
typedef void (*wal_signed_fn)(wal_t *w, int status, mn_buf_t *sigs, size_t n,
                              void *data);
/* Signs msg (32 bytes) with each key at its reserved use; done gets one
 * buffer per key (freed by the caller of done... by the job after done
 * returns).  0 or MN_ENOMEM / MN_ESTATE. */
int wal_sign_async(wal_t *w, const uint8_t (*pubs)[32], const uint64_t *uses,
                   size_t n, const uint8_t msg[32], wal_signed_fn done,
                   void *data);
void wal_keys_free(wal_t *w);

/* ---- scripts (scripts.c) ------------------------------------------------ */

wal_script_t *wal_script_find(wal_t *w, const uint8_t *addr, size_t len);
/* Adds (or replaces) a script row and stores it.  0, MN_EIO, MN_ENOMEM;
 * *out (may be NULL) points at the row. */
int wal_script_add(wal_t *w, const char *script, size_t len, const uint8_t *pub,
                   uint32_t flags, wal_script_t **out);
/* Appends the row to the in-memory tables only (loading, after a commit). */
int wal_script_insert(wal_t *w, const wal_script_t *s);
/* A random default address, or NULL while there is none. */
wal_script_t *wal_script_default(wal_t *w);
json_t *wal_script_json(wal_t *w, const wal_script_t *s);
void wal_script_fill(const wal_script_t *s, mn_wallet_addr_t *out);
bool wal_is_relevant(wal_t *w, const mn_coin_t *c);
/* True when addr (32 bytes) is a tracked address. */
bool wal_is_tracked(wal_t *w, const uint8_t *addr, size_t len);
void wal_scripts_free(wal_t *w);
/* Mx text of 32 bytes into buf (MN_MX_MAX). */
void wal_mx(wal_t *w, const uint8_t *data, size_t len, char *buf);
/* "0x" + upper-case hex, malloc()ed ("0x" for no bytes). */
char *wal_hex(const uint8_t *p, size_t n);
/* Parses 0x hex (either case) or Mx text into out.  MN_EFORMAT,
 * MN_EINVALID (an Mx checksum). */
int wal_parse_data(wal_t *w, const char *text, mn_buf_t *out);

/* ---- coins (coins.c) ---------------------------------------------------- */

wal_coin_t *wal_coin_find(wal_t *w, const uint8_t *coinid, size_t len);
/* Loads a coin row (store records). */
int wal_coin_insert(wal_t *w, const wal_coin_t *c);
void wal_coins_free(wal_t *w);
/* Chain events. */
void wal_on_connected(const mn_event_t *ev, void *data);
void wal_on_disconnected(const mn_event_t *ev, void *data);
void wal_on_tip(const mn_event_t *ev, void *data);
int wal_on_relevant(void *arg, void *data);
/* Brings the wallet's coins to the chain's tip (start, restore). */
void wal_catch_up(wal_t *w);
/* Adds the chain's unspent coins at these (new) addresses. */
void wal_scan_addresses(wal_t *w, const uint8_t (*addrs)[32], size_t n);
/* Rescans the chain for unspent coins of every tracked address. */
int wal_rescan(wal_t *w);
/* Makes the proof of one coin now if it has none, or one older than
 * proof_refresh blocks, or (verify) one the chain no longer accepts. */
int wal_coin_prove(wal_t *w, wal_coin_t *c, bool verify);
void wal_refresh_kick(wal_t *w);
/* Token registry. */
const mn_token_t *wal_token_find(wal_t *w, const uint8_t *id, size_t len);
int wal_token_insert(wal_t *w, const mn_token_t *tok, wal_batch_t *b);
/* A token's amount in token units (scaled) as text. */
void wal_token_amount(wal_t *w, const mn_token_t *tok, const mn_num_t *minima,
                      char *buf, size_t cap);
/* Balance of one token over the unspent coins (address may be NULL). */
void wal_balance(wal_t *w, const uint8_t *tokenid, size_t tlen,
                 const uint8_t *address, int64_t confirmations,
                 mn_wallet_balance_t *out);
json_t *wal_coin_json(wal_t *w, const wal_coin_t *c, bool simplestate);

/* ---- building and posting (build.c) ----------------------------------- */

/* A transaction the wallet is finishing: signatures are made on the work
 * queue, then it is posted; `done` gets the outcome on the loop. */
typedef void (*wal_post_fn)(wal_t *w, wal_post_t *p, int status,
                            const char *msg, const mn_txpow_t *txpow);

struct wal_post {
  wal_t *w;
  mn_txpow_t *draft;   /* root: body->txn, witness, burn txn and witness */
  uint8_t (*keys)[32]; /* keys signing the main transaction */
  size_t nkeys;
  uint8_t (*bkeys)[32]; /* keys signing the burn transaction */
  size_t nbkeys;
  uint64_t *uses;  /* reserved uses, nkeys then nbkeys */
  bool sign_only;  /* sign, do not post */
  bool marked;     /* inputs marked pending */
  mn_call_t *call; /* for done; may be NULL */
  wal_post_fn done;
  void *data; /* the caller's, released by done */
  uint64_t ticket;
  bool ticketed;
  wal_post_t *next;
};

/* Coin selection as the reference's send.selectCoins: biggest first; the
 * smallest single coin that covers amount, or all of them. */
size_t wal_select(wal_t *w, wal_coin_t **coins, size_t n,
                  const mn_num_t *amount);
/* Candidate coins: unspent, of tokenid, simple addresses (or address),
 * created at least coinage blocks below the tip, not pending or in the
 * mempool.  Returns a malloc()ed array (*n entries). */
wal_coin_t **wal_candidates(wal_t *w, const uint8_t *tokenid, size_t tlen,
                            const uint8_t *address, int64_t coinage, size_t *n);
/* Adds inputs with their proofs and scripts to t/wit and collects the
 * simple keys to sign with.  MN_EMISSING when a proof cannot be made. */
int wal_add_inputs(wal_t *w, void *owner, mn_transaction_t *t,
                   mn_witness_t *wit, wal_coin_t **coins, size_t n,
                   uint8_t (**keys)[32], size_t *nkeys, char *why, size_t cap);
/* Sets the output coin ids as the reference's precomputeTransactionCoinID
 * does (floating first input: 0x00). */
int wal_precompute_coinids(wal_t *w, void *owner, mn_transaction_t *t);
/* Reserves the keys' uses, signs on the work queue and posts.  Takes p
 * (freed after done).  On an immediate error returns it with a message in
 * why and frees p. */
int wal_post_start(wal_post_t *p, char *why, size_t cap);
void wal_post_free(wal_post_t *p);
/* Cancels the posts waiting on the chain (stop). */
void wal_posts_cancel(wal_t *w);
/* Marks coins pending (or not) by the coin ids of t's inputs. */
void wal_mark_pending(wal_t *w, const mn_transaction_t *t, bool on);
/* A burn transaction paying `burn` from wallet coins not in exclude
 * (main txn's inputs), linked to txid.  Keys to sign with in *keys. */
int wal_burn_txn(wal_t *w, void *owner, const mn_transaction_t *main,
                 const mn_num_t *burn, mn_transaction_t *bt, mn_witness_t *bw,
                 uint8_t (**keys)[32], size_t *nkeys, char *why, size_t cap);
/* The TxPoW JSON of a txpow (for replies). */
json_t *wal_txpow_json(wal_t *w, const mn_txpow_t *t);
/* Records a posted transaction in the history. */
void wal_history_add(wal_t *w, const mn_txpow_t *t, int64_t block,
                     wal_batch_t *b);

/* ---- custom transactions (txns.c) ----------------------------------- */

typedef struct wal_txnrow {
  char *id;
  mn_transaction_t *txn; /* root */
  mn_witness_t *wit;     /* root */
} wal_txnrow_t;

/* Loads a row; MN_ENOENT. */
int wal_txn_get(wal_t *w, const char *id, wal_txnrow_t *row);
int wal_txn_put(wal_t *w, const wal_txnrow_t *row);
int wal_txn_del(wal_t *w, const char *id, bool *found);
void wal_txnrow_free(wal_t *w, wal_txnrow_t *row);
/* MiniString(id) || Transaction || Witness, as the reference exports. */
int wal_txnrow_encode(wal_t *w, const wal_txnrow_t *row, mn_buf_t *out);
int wal_txnrow_decode(wal_t *w, const uint8_t *p, size_t len,
                      wal_txnrow_t *row);
json_t *wal_txnrow_json(wal_t *w, wal_txnrow_t *row, bool witness);

/* ---- backup (backup.c) ------------------------------------------------ */

/* The wallet's records as one blob, and back (replacing everything). */
int wal_export(wal_t *w, mn_buf_t *out);
int wal_import(wal_t *w, const uint8_t *p, size_t len, uint64_t add_uses);
/* Password-encrypted backup file (spec/crypto.md §7.2). */
int wal_backup_write(wal_t *w, const char *path, const char *password,
                     json_t **info, char *why, size_t cap);
int wal_backup_read(wal_t *w, const char *path, const char *password, char *why,
                    size_t cap);
/* A path relative to the data directory, malloc()ed. */
char *wal_path(wal_t *w, const char *file);

/* ---- commands and service ----------------------------------------------- */

int wal_cmds_register(wal_t *w);
int wal_cmd_send_register(wal_t *w);
int wal_cmd_txn_register(wal_t *w);
int wal_cmd_backup_register(wal_t *w);
void wal_service_init(wal_t *w);

/* Helpers the command files share (cmds.c). */
/* Reads an optional number parameter; false (and the call failed) on a
 * bad value. */
bool wal_param_num(wal_t *w, mn_call_t *call, const char *name,
                   const mn_num_t *def, mn_num_t *out);
bool wal_param_bool(wal_t *w, mn_call_t *call, const char *name, bool def);
/* Decodes a 0x parameter into out; false and the call failed on bad hex. */
bool wal_param_hex(wal_t *w, mn_call_t *call, const char *name, mn_buf_t *out);
/* Fails a call with status false, "message" and "error" both the text (the
 * reference's insufficient-funds style). */
void wal_fail_message(wal_t *w, mn_call_t *call, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Number to JSON string. */
json_t *wal_num_json(wal_t *w, const mn_num_t *n);
/* A getaddress call waiting for the first default key. */
void wal_waiters_flush(wal_t *w);
void wal_wait_default(wal_t *w, mn_call_t *call);

#endif
