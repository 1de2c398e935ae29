/*
 * minima/svc/wallet.h - the "wallet" service: keys, addresses, coins and
 * signatures of the node's own wallet.
 *
 * The wallet plugin holds a seed phrase (24 BIP-39 words), the tree keys
 * derived from it (spec/crypto.md §4), the scripts it owns or tracks
 * (simple `RETURN SIGNEDBY(0x<PUBKEY>)` addresses and custom scripts), and
 * the coins of those addresses, each with an MMR proof it keeps valid as
 * blocks arrive and reorganise.  It registers the reference node's wallet
 * commands (balance, coins, send, txn*, ...); this interface is for other
 * plugins (channels, Maxima) that need addresses, keys, signatures and
 * coins without going through commands.
 *
 * Use:
 *
 *   const mn_wallet_t *w = host->service_lookup(self, MN_WALLET_SERVICE,
 *                                               MN_WALLET_SERVICE_VERSION);
 *   mn_wallet_addr_t a = {.size = sizeof a};
 *   mn_buf_t script = {0};
 *   if (w->new_address(w, &a, &script) == 0) {
 *     // a.address is ours; script.data holds "RETURN SIGNEDBY(0x...)"
 *   }
 *   mn_buf_free(&script);
 *
 * Threads: every function is loop-thread only; callbacks run on the loop
 * thread, never inside the call that started the operation.
 *
 * One-time keys: a tree key signs at most keys_per_level^levels times
 * (262 144 by default).  Before each signature the wallet stores the key's
 * next use counter, so a crash can waste a use but never repeat one.  A key
 * with no uses left gives MN_EEXHAUSTED and signs nothing.
 *
 * Ownership: structs passed in are read during the call only; texts are
 * appended to a caller's mn_buf_t (mn_buf_free() them); objects returned
 * through `**out` are new roots freed with host->obj->free().  Pointers in
 * callback arguments are valid only during the callback.
 *
 * Versioning: the interface and every struct with a `size` field only
 * grow; callers set `size` to what they were built with.
 */
#ifndef MINIMA_SVC_WALLET_H
#define MINIMA_SVC_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../objects.h"
#include "../stream.h"
#include "../types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MN_WALLET_SERVICE "wallet"
#define MN_WALLET_SERVICE_VERSION 1u

/* One address the wallet knows (the reference's ScriptRow). */
typedef struct mn_wallet_addr {
  uint32_t size;        /* set by the caller */
  uint8_t address[32];  /* the script's address (objects.md §8) */
  bool simple;          /* RETURN SIGNEDBY(publickey) of one of our keys */
  bool is_default;      /* one of the pre-created change addresses */
  bool track;           /* every coin at this address is relevant */
  bool has_publickey;   /* simple: publickey is the signing key */
  uint8_t publickey[32];
} mn_wallet_addr_t;

/* One of the wallet's tree keys (the reference's KeyRow). */
typedef struct mn_wallet_key {
  uint32_t size;
  uint8_t publickey[32];
  uint32_t index;        /* derivation index k: modifier = minimal bytes */
  uint32_t keys_per_level;
  uint32_t levels;
  uint64_t uses;         /* signatures made so far */
  uint64_t max_uses;
} mn_wallet_key_t;

/* Coin listing filters (coins()). */
#define MN_WALLET_Q_TOKENID 0x01u  /* only coins of tokenid */
#define MN_WALLET_Q_ADDRESS 0x02u  /* only coins at address */
#define MN_WALLET_Q_SENDABLE 0x04u /* only coins of simple addresses */
#define MN_WALLET_Q_SPENT 0x08u    /* include coins spent on chain */

typedef struct mn_wallet_coin_query {
  uint32_t size;
  uint32_t flags; /* MN_WALLET_Q_* */
  mn_data_t tokenid;
  uint8_t address[32];
  /* Only coins created at least this many blocks below the tip (0: all,
   * 3: the reference's confirmation depth). */
  int64_t min_depth;
} mn_wallet_coin_query_t;

/* A coin of the wallet as the MMR holds it, with the proof the wallet
 * keeps for it (NULL while none could be made, e.g. without a chain). */
typedef struct mn_wallet_coin {
  uint32_t size;
  const mn_coin_t *coin;
  const mn_coinproof_t *proof;
  int64_t created;     /* block number */
  int64_t spent_block; /* -1 while unspent */
  bool simple;         /* at one of our simple addresses */
} mn_wallet_coin_t;

/* Return non-zero to stop the walk. */
typedef int (*mn_wallet_coin_cb)(const mn_wallet_coin_t *coin, void *data);

/* The balance of one token, as the `balance` command computes it:
 * confirmed = coins at least `confirmations` deep, unconfirmed = the rest,
 * sendable = confirmed coins of simple addresses (and, for a token, a
 * token script of RETURN TRUE).  Amounts are stored Minima amounts (for a
 * token, the colouring Minima; scale with host->obj->token_scale_up). */
typedef struct mn_wallet_balance {
  uint32_t size;
  mn_num_t confirmed;
  mn_num_t unconfirmed;
  mn_num_t sendable;
  uint32_t coins;
} mn_wallet_balance_t;

/* Completion of sign_txn(): status 0, or the first error (nothing was
 * added to the witness then).  n_signed keys signed. */
typedef void (*mn_wallet_signed_cb)(int status, uint32_t n_signed,
                                    void *data);

typedef struct mn_wallet mn_wallet_t;

struct mn_wallet {
  uint32_t size; /* sizeof(mn_wallet_t) as the provider was built */

  /* -- version 1: addresses -------------------------------------------- */

  /* A new simple address on a new key (the reference's newaddress).
   * Making a key costs tens of milliseconds of hashing on the loop.
   * script (may be NULL) receives the script text.  0, MN_ESTATE when the
   * wallet has no seed, MN_EIO on a store failure. */
  int (*new_address)(const mn_wallet_t *w, mn_wallet_addr_t *out,
                     mn_buf_t *script);
  /* One of the default (change) addresses, at random (getaddress).
   * MN_EPENDING while the first default key is still being made. */
  int (*get_address)(const mn_wallet_t *w, mn_wallet_addr_t *out,
                     mn_buf_t *script);
  /* Adds a custom script (newscript): clean it first with the kissvm
   * service when `clean`, track every coin at it when `track`.
   * MN_EINVAL for an empty or uncleanable script. */
  int (*add_script)(const mn_wallet_t *w, const char *script, size_t len,
                    bool clean, bool track, mn_wallet_addr_t *out);
  /* The row of an address the wallet knows.  MN_ENOENT. */
  int (*find_address)(const mn_wallet_t *w, const uint8_t address[32],
                      mn_wallet_addr_t *out, mn_buf_t *script);

  /* -- version 1: keys ----------------------------------------------------- */

  /* The key with this public key.  MN_ENOENT. */
  int (*find_key)(const mn_wallet_t *w, const uint8_t publickey[32],
                  mn_wallet_key_t *out);
  /* Signs len bytes (the reference signs 32-byte ids) with one of our
   * keys, on the loop: tens of milliseconds for a key not used since the
   * node started, under one otherwise.  The serialized Signature is
   * appended to sig.  MN_ENOENT (not our key), MN_EEXHAUSTED (no uses
   * left), MN_EIO (the use counter could not be stored: nothing signed). */
  int (*sign)(const mn_wallet_t *w, const uint8_t publickey[32],
              const void *data, size_t len, mn_buf_t *sig);
  /* Signs the transaction id of txn with each key of keys (n of them) on
   * the host work queue and adds the signatures to wit (owned by owner,
   * a root; neither may change or be freed until cb runs).  Use counters
   * are stored before this returns.  0 and cb later, or an error now
   * (MN_ENOENT, MN_EEXHAUSTED, MN_EIO) with nothing reserved. */
  int (*sign_txn)(const mn_wallet_t *w, void *owner,
                  const mn_transaction_t *txn, mn_witness_t *wit,
                  const uint8_t (*keys)[32], size_t n, mn_wallet_signed_cb cb,
                  void *data);

  /* -- version 1: coins ---------------------------------------------------- */

  /* True when a coin is relevant to this wallet: its address is tracked,
   * or a HEX state variable holds one of our addresses or public keys. */
  bool (*is_relevant)(const mn_wallet_t *w, const mn_coin_t *coin);
  /* The wallet's coins matching q (NULL: all unspent), newest first.
   * 0, or cb's non-zero value. */
  int (*coins)(const mn_wallet_t *w, const mn_wallet_coin_query_t *q,
               mn_wallet_coin_cb cb, void *data);
  /* The balance of tokenid (len 1 0x00 for Minima) with the given
   * confirmation depth.  0. */
  int (*balance)(const mn_wallet_t *w, const uint8_t *tokenid, size_t len,
                 int64_t confirmations, mn_wallet_balance_t *out);
  /* A copy of the proof kept for one of our unspent coins, refreshed
   * first when the chain no longer accepts it.  MN_ENOENT (not our coin,
   * or spent), MN_ESTATE (no chain), or the chain's coin_proof error. */
  int (*coin_proof)(const mn_wallet_t *w, const uint8_t coinid[32],
                    mn_coinproof_t **out);
};

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_SVC_WALLET_H */
