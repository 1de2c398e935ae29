/*
 * minima/svc/chain.h - the "chain" service: Minima's consensus.
 *
 * The consensus plugin owns the chain: it validates TxPoWs (spec/
 * consensus.md §7), mines them on the host work queue, keeps the TxPoW
 * tree and picks the heaviest branch (GHOST, §8), keeps the MMR coin
 * database (spec/mmr.md) and the cascade of old headers (spec/cascade.md),
 * the mempool, and builds and reads IBDs for peers.  Everything is stored
 * in the plugin's LMDB databases; each block's effects commit in one write
 * transaction.
 *
 * Two kinds of users:
 *
 *   the wallet   reads the tip and blocks, searches coins (the reference's
 *                TxPoWSearcher), asks for MMR proofs of its coins, posts
 *                transactions (the chain fills the header and the rest of
 *                the body, mines, validates and accepts them), asks the
 *                mempool which coins are being spent, tells the chain
 *                which coins are relevant through the hook
 *                MN_CHAIN_HOOK_RELEVANT, and follows blocks through the
 *                events below.
 *
 *   p2p          submits TxPoWs and IBDs received from peers and gets a
 *                verdict back (relay it, disconnect the peer, already
 *                known), reads TxPoWs and TxBlocks by id for peers that ask,
 *                builds greetings, pulses and IBDs, and requests what the
 *                chain says it needs (the MN_CHAIN_TOPIC_NEED event).
 *
 * Use:
 *
 *   const mn_chain_t *ch = host->service_lookup(self, MN_CHAIN_SERVICE,
 *                                               MN_CHAIN_SERVICE_VERSION);
 *   mn_chain_tip_t tip = {.size = sizeof tip};
 *   ch->tip(ch, &tip);
 *   ch->submit(ch, frame + 1, len - 1, peer_id, on_verdict, peer, &ticket);
 *
 * Threads: every function here is loop-thread only.  Callbacks run on the
 * loop thread, never inside the call that started the operation.
 *
 * Asynchronous operations (submit, ibd_process, txn_post) call their
 * callback exactly once, unless cancel() is called with their ticket
 * first.  A plugin that stops while operations are pending must cancel
 * them in its stop (its users stop before the chain does, so nothing else
 * cancels them).  When the chain itself stops, pending operations complete
 * with status MN_CHAIN_REJECTED and reason MN_CHAIN_R_CANCELED.
 *
 * Ownership: functions that return an object (`**out`) return a new root
 * (minima/objects.h) the caller frees with host->obj->free().  Bytes are
 * appended to a caller's mn_buf_t.  Structs passed in are read during the
 * call only.  Pointers inside callback arguments and event payloads are
 * valid only during the callback.
 *
 * Block numbers are int64_t (-1 means "none"); times are milliseconds
 * since the epoch; ids are 32-byte TxPoW ids (SHA3-256 of the header).
 *
 * Versioning: the interface struct and every struct with a `size` field
 * only grow; a caller sets `size` to sizeof what it was built with and the
 * chain fills only what fits.  Event payloads begin with `size` too, and
 * each topic is declared with MN_CHAIN_EVENT_VERSION.
 */
#ifndef MINIMA_SVC_CHAIN_H
#define MINIMA_SVC_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../objects.h"
#include "../stream.h"
#include "../types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MN_CHAIN_SERVICE "chain"
#define MN_CHAIN_SERVICE_VERSION 1u

/* ---- verdicts and reasons ------------------------------------------------ */

typedef enum mn_chain_status {
  MN_CHAIN_ACCEPTED = 1, /* stored (see relay for whether it is fully valid) */
  MN_CHAIN_KNOWN,        /* already known: nothing done */
  MN_CHAIN_REJECTED      /* not stored as valid; see reason */
} mn_chain_status_t;

/* Where a rejection happened. */
typedef enum mn_chain_stage {
  MN_CHAIN_STAGE_ENTRY = 1, /* checks on receipt (consensus.md §7.1-7.6) */
  MN_CHAIN_STAGE_BLOCK,     /* full block validation (§7.7) */
  MN_CHAIN_STAGE_IBD,       /* IBD structure (cascade.md §8.2) */
  MN_CHAIN_STAGE_LOCAL      /* a transaction posted on this node */
} mn_chain_stage_t;

/* X(enum suffix, short name, text).  The short name is what logs, events
 * and the `status` counters use. */
#define MN_CHAIN_REASON_MAP(X)                                                \
  X(NONE, "none", "no problem")                                               \
  X(FORMAT, "format", "malformed bytes")                                      \
  X(TOO_BIG, "toobig", "larger than any valid object")                        \
  X(NO_TIP, "notip", "the node has no chain yet")                             \
  X(CHAINID, "chainid", "wrong chain id")                                     \
  X(BASIC, "basic", "transaction fails the basic checks")                     \
  X(SIGNATURE, "signature", "a signature does not verify")                    \
  X(STATE_SIZE, "statesize", "stored state larger than the limit")            \
  X(SCRIPT, "script", "a script does not return TRUE")                        \
  X(MMR_PROOF, "mmrproof", "an MMR proof is invalid or too old")              \
  X(DOUBLE_SPEND, "doublespend", "an input is already spent")                 \
  X(TXN_DIFFICULTY, "txndifficulty", "transaction difficulty too easy")       \
  X(SIZE, "size", "larger than the magic size limit")                         \
  X(BODYHASH, "bodyhash", "body hash does not match the header")              \
  X(BLOCK_NUMBER, "blocknumber", "block number is not parent + 1")            \
  X(SUPER_PARENTS, "superparents", "wrong super parents")                     \
  X(TIME, "time", "block time outside the median-time window")                \
  X(FUTURE, "future", "block time too far in the future")                     \
  X(DIFFICULTY, "difficulty", "wrong block difficulty")                       \
  X(MAGIC, "magic", "wrong magic values")                                     \
  X(TXN_COUNT, "txncount", "too many transactions in the block")              \
  X(DUPLICATE_INPUT, "duplicateinput", "a coin is spent twice in the block")  \
  X(MMR_ROOT, "mmrroot", "MMR root or total does not match")                  \
  X(BEFORE_CASCADE, "beforecascade", "older than the tree root")              \
  X(EASY_BLOCK, "easyblock", "block far easier than the tip's difficulty")    \
  X(RELAY_POLICY, "relaypolicy", "outside the relay policy")                  \
  X(MEMPOOL_FULL, "mempoolfull", "mempool full and burn too low")             \
  X(TIMEOUT, "timeout", "validation took too long")                           \
  X(IBD, "ibd", "inconsistent IBD")                                           \
  X(HEAVIER, "heavier", "the peer is on a heavier, different chain")          \
  X(NO_CROSSOVER, "nocrossover", "no block in common with the peer")          \
  X(INVALID_PARENT, "invalidparent", "descends from an invalid block")        \
  X(CANCELED, "canceled", "the chain stopped")                                \
  X(INTERNAL, "internal", "internal error")

typedef enum mn_chain_reason {
#define MN__CHAIN_REASON_ENUM(e, name, text) MN_CHAIN_R_##e,
  MN_CHAIN_REASON_MAP(MN__CHAIN_REASON_ENUM)
#undef MN__CHAIN_REASON_ENUM
  MN_CHAIN_R_COUNT
} mn_chain_reason_t;

/* "doublespend"...; "?" out of range. */
static inline const char *mn_chain_reason_name(mn_chain_reason_t r) {
  switch (r) {
#define MN__CHAIN_REASON_NAME(e, name, text)                                  \
  case MN_CHAIN_R_##e:                                                        \
    return name;
    MN_CHAIN_REASON_MAP(MN__CHAIN_REASON_NAME)
#undef MN__CHAIN_REASON_NAME
  case MN_CHAIN_R_COUNT:
    break;
  }
  return "?";
}

/* The verdict on a submitted TxPoW or IBD. */
typedef struct mn_chain_verdict {
  uint32_t size; /* sizeof(mn_chain_verdict_t) of the chain */
  mn_chain_status_t status;
  mn_chain_stage_t stage;
  mn_chain_reason_t reason; /* MN_CHAIN_R_NONE unless rejected/not relayed */
  /* ACCEPTED and fully valid: announce it to every peer (TXPOWID). */
  bool relay;
  /* The sender broke a rule only a faulty or hostile peer breaks
   * (consensus.md §7.1 group A, a bad IBD): drop the connection. */
  bool disconnect;
  bool is_block;
  bool is_txn; /* structural transaction (mn_txpow_is_txn) */
  uint8_t txpowid[32]; /* zero when the bytes did not decode */
  int64_t blocknumber; /* -1 when the bytes did not decode */
  const char *message; /* one sentence naming the failed check, or "" */
} mn_chain_verdict_t;

typedef void (*mn_chain_verdict_cb)(const mn_chain_verdict_t *v, void *data);

/* ---- queries ------------------------------------------------------------- */

/* The tip of the heaviest branch. */
typedef struct mn_chain_tip {
  uint32_t size; /* set by the caller */
  int64_t number; /* -1: no chain yet (everything below is zero) */
  uint8_t txpowid[32];
  uint64_t timemilli;
  int64_t root;         /* block number of the tree root */
  int64_t cascade_tip;  /* newest cascaded block, -1 without a cascade */
  uint32_t cascade_len; /* cascade nodes */
  uint32_t tree_len;    /* blocks from the root to the tip, both included */
  mn_weight_t weight;   /* tree weight of the heaviest branch */
  mn_weight_t cascade_weight;
  uint8_t mmr_root[32]; /* the tip header's mmrroot */
  mn_num_t mmr_total;   /* the tip header's mmrtotal (Minima in the MMR) */
  uint64_t mmr_leaves;  /* coins ever created up to the tip */
  uint8_t blockdifficulty[32]; /* the tip's, big-endian, left-padded */
} mn_chain_tip_t;

/* Where an id is known (lookup()). */
#define MN_CHAIN_HAVE_TXPOW 0x01u    /* stored (any TxPoW) */
#define MN_CHAIN_IN_TREE 0x02u       /* a block in the tree, any branch */
#define MN_CHAIN_ON_MAIN 0x04u       /* a block on the heaviest branch */
#define MN_CHAIN_IN_CASCADE 0x08u    /* a cascaded header */
#define MN_CHAIN_IS_BLOCK 0x10u      /* its id beats its block difficulty */
#define MN_CHAIN_IS_TXN 0x20u        /* a structural transaction */
#define MN_CHAIN_IN_MEMPOOL 0x40u    /* a pending transaction */
#define MN_CHAIN_INVALID 0x80u       /* known to be invalid (not stored) */

typedef struct mn_chain_where {
  uint32_t size;
  uint32_t flags;      /* MN_CHAIN_HAVE_TXPOW ... */
  int64_t blocknumber; /* -1 when unknown */
  /* For a block of the main chain that includes this TxPoW (or is it):
   * the including block's number and id; -1 when none. */
  int64_t onchain_block;
  uint8_t onchain_id[32];
} mn_chain_where_t;

/* Sync state (minima-cli wait-sync, the status command). */
typedef struct mn_chain_sync {
  uint32_t size;
  int64_t tip;        /* our tip's block number, -1 none */
  int64_t best_known; /* highest block number any peer claimed (>= tip) */
  uint64_t tip_time;  /* our tip's timemilli */
  /* Our tip is the best known one and the chain is not processing an IBD
   * or waiting for blocks it requested. */
  bool synced;
  bool ibd_running;
  uint32_t waiting; /* stored blocks waiting for a parent or txns */
} mn_chain_sync_t;

/* Coin search (the reference's TxPoWSearcher.searchCoins): unspent coins
 * on the main chain, newest first, as the MMR holds them (mmrentry,
 * created, spent = false, stored state, token). */
#define MN_CHAIN_Q_RELEVANT 0x01u /* only coins the wallet found relevant */
#define MN_CHAIN_Q_COINID 0x02u
#define MN_CHAIN_Q_AMOUNT 0x04u
#define MN_CHAIN_Q_ADDRESS 0x08u
#define MN_CHAIN_Q_TOKENID 0x10u

typedef struct mn_chain_coin_query {
  uint32_t size;
  uint32_t flags; /* MN_CHAIN_Q_*: which fields below to match */
  mn_data_t coinid;
  mn_num_t amount; /* numeric equality */
  mn_data_t address;
  mn_data_t tokenid;
  int64_t depth; /* blocks back from the tip to search; < 0: the tree */
} mn_chain_coin_query_t;

/* Called once per coin found; the coin is valid during the call.  Return
 * non-zero to stop the search. */
typedef int (*mn_chain_coin_cb)(const mn_coin_t *coin, void *data);

/* Result of txn_check(): the reference's txncheck verdicts. */
typedef struct mn_chain_check {
  uint32_t size;
  bool basic;      /* checkTxPoWBasic */
  bool signatures; /* every signature verifies */
  bool mmrproofs;  /* every coin proof is valid at the tip */
  bool scripts;    /* every script returns TRUE against the tip */
  bool monotonic;  /* no script read @BLOCK, @BLOCKMILLI or @COINAGE */
  bool valid;      /* all of the above */
  mn_chain_reason_t reason; /* the first failure */
  char message[256];
} mn_chain_check_t;

/* ---- posting transactions ------------------------------------------------ */

/* The outcome of txn_post(). */
typedef struct mn_chain_post_result {
  uint32_t size;
  mn_chain_status_t status; /* ACCEPTED, or REJECTED with reason */
  mn_chain_reason_t reason;
  const char *message;
  /* The mined and accepted TxPoW (NULL when rejected before mining). */
  const mn_txpow_t *txpow;
  bool is_block;
} mn_chain_post_result_t;

typedef void (*mn_chain_post_cb)(const mn_chain_post_result_t *res,
                                 void *data);

/* txn_post() flags */
/* Skip the entry checks that need the mempool (double spend): for a
 * transaction that deliberately replaces one of ours. */
#define MN_CHAIN_POST_ALLOW_MEMPOOL_CONFLICT 0x1u

/* ---- the hook ---------------------------------------------------------- */

/* Declared by the chain (MN_HOOK_CHAIN, default MN_HOOK_REJECT, no
 * deadline): called on the loop thread for every coin a block creates or
 * spends when the block joins the tree.  Return MN_HOOK_ACCEPT when the
 * coin is relevant to the wallet (its address is ours, or a HEX state
 * variable holds one of our addresses or public keys), else MN_HOOK_PASS.
 * Relevant coins are remembered with their block; the tree root keeps the
 * MMR paths of the unspent ones when older blocks are cascaded (mmr.md §7,
 * copyParentRelevantCoins), so their proofs can still be built, and
 * coins_search() with MN_CHAIN_Q_RELEVANT finds them. */
#define MN_CHAIN_HOOK_RELEVANT "chain.coin.relevant"

typedef struct mn_chain_relevant {
  uint32_t size;
  const mn_coin_t *coin; /* final form: coin id, mmrentry, created */
  bool spent;            /* the block spends it (else it creates it) */
  int64_t blocknumber;
} mn_chain_relevant_t;

/* Declared by the chain (MN_HOOK_SINGLE, default MN_HOOK_REJECT, no
 * deadline): called once on the loop thread when this node creates a
 * genesis block, with arg a mn_chain_genesis_t whose size is set and
 * `set` false.  The wallet writes a new simple address of its own into
 * `address`, sets `set` and returns MN_HOOK_ACCEPT; the genesis output
 * (1 000 000 000 Minima) then pays that address, as the reference's
 * doGenesis() pays createNewSimpleAddress(true).  When nobody accepts,
 * the output pays the RETURN TRUE address. */
#define MN_CHAIN_HOOK_GENESIS "chain.genesis.address"

typedef struct mn_chain_genesis {
  uint32_t size;
  uint8_t address[32];
  bool set;
} mn_chain_genesis_t;

/* ---- events ------------------------------------------------------------ */

#define MN_CHAIN_EVENT_VERSION 1u

/* A TxPoW arrived (peer, local mining or a post), decoded, before checks. */
#define MN_CHAIN_TOPIC_TXPOW_RECEIVED "chain.txpow.received"
/* It passed the entry checks and was stored (relay says fully valid).
 * TxPoWs mined or posted on this node arrive here with origin 0: p2p
 * announces those with relay set (a peer's TxPoW is announced from its
 * submit verdict instead). */
#define MN_CHAIN_TOPIC_TXPOW_ACCEPTED "chain.txpow.accepted"
/* It failed a check: at entry, or as a block (stage BLOCK). */
#define MN_CHAIN_TOPIC_TXPOW_REJECTED "chain.txpow.rejected"

typedef struct mn_chain_txpow_event {
  uint32_t size;
  mn_chain_status_t status; /* 0 for received */
  mn_chain_stage_t stage;
  mn_chain_reason_t reason;
  bool relay;
  bool is_block;
  bool is_txn;
  uint64_t origin;       /* the submitter's origin, 0 for local */
  uint8_t txpowid[32];
  int64_t blocknumber;
  const mn_txpow_t *txpow; /* NULL when the bytes did not decode */
  const char *message;     /* "" when none */
} mn_chain_txpow_event_t;

/* A block joined the main chain (published oldest first), or left it in a
 * reorg (published newest first, before the new branch's connects). */
#define MN_CHAIN_TOPIC_BLOCK_CONNECTED "chain.block.connected"
#define MN_CHAIN_TOPIC_BLOCK_DISCONNECTED "chain.block.disconnected"

typedef struct mn_chain_block_event {
  uint32_t size;
  int64_t number;
  uint8_t txpowid[32];
  uint64_t timemilli;
  const mn_txblock_t *txblock;
  /* The coins this block spends, as the MMR holds them afterwards
   * (spent = 1), and the coins it creates (mmrentry and created set,
   * spent = 0), in MMR order. */
  const mn_coin_t *spent;
  uint32_t n_spent;
  const mn_coin_t *created;
  uint32_t n_created;
  /* The TxPoWs of the block's txpowlist, in order (the block's own
   * transaction is in txblock->txpow). */
  const mn_txpow_t *const *txns;
  uint32_t n_txns;
  bool sync; /* added from an IBD without full validation */
} mn_chain_block_event_t;

/* The tip changed.  After a reorg, the disconnects and connects have been
 * published already. */
#define MN_CHAIN_TOPIC_TIP "chain.tip"

typedef struct mn_chain_tip_event {
  uint32_t size;
  int64_t number;
  uint8_t txpowid[32];
  uint64_t timemilli;
  int64_t old_number; /* -1 when there was no tip */
  uint8_t old_txpowid[32];
  int64_t fork_number; /* the last block both branches share */
  uint32_t disconnected; /* blocks that left the main chain */
  uint32_t connected;    /* blocks that joined it */
  bool reorg;            /* disconnected > 0 */
} mn_chain_tip_event_t;

/* The chain needs TxPoWs it does not have: a block's missing txns or an
 * unknown parent.  p2p requests them (TXPOWREQ) from `origin` (the peer
 * that sent the block; 0 when local: ask anyone). */
#define MN_CHAIN_TOPIC_NEED "chain.need"

typedef struct mn_chain_need_event {
  uint32_t size;
  uint64_t origin;
  uint8_t block[32]; /* the block that needs them */
  const uint8_t (*ids)[32];
  uint32_t n_ids;
} mn_chain_need_event_t;

/* ---- the interface ----------------------------------------------------- */

typedef struct mn_chain mn_chain_t;

struct mn_chain {
  uint32_t size; /* sizeof(mn_chain_t) as the provider was built */

  /* -- version 1: reading the chain ------------------------------------- */

  /* Fills out (out->size set by the caller).  0. */
  int (*tip)(const mn_chain_t *c, mn_chain_tip_t *out);
  /* The TxBlock of the main-chain block `number` (tree or archive).
   * MN_ENOENT when not held. */
  int (*block_by_number)(const mn_chain_t *c, int64_t number,
                         mn_txblock_t **out);
  /* The TxBlock of a block in the tree (any branch) or the archive.
   * MN_ENOENT. */
  int (*block_by_id)(const mn_chain_t *c, const uint8_t id[32],
                     mn_txblock_t **out);
  /* A stored TxPoW (block or not, with body when held).  MN_ENOENT. */
  int (*txpow_get)(const mn_chain_t *c, const uint8_t id[32],
                   mn_txpow_t **out);
  /* What the chain knows about an id.  0 (flags 0 when unknown). */
  int (*lookup)(const mn_chain_t *c, const uint8_t id[32],
                mn_chain_where_t *out);

  /* -- version 1: coins and proofs (the wallet) ------------------------- */

  /* Unspent coins matching q, newest first.  0, or cb's non-zero value. */
  int (*coins_search)(const mn_chain_t *c, const mn_chain_coin_query_t *q,
                      mn_chain_coin_cb cb, void *data);
  /* The block to prove coins against (mmr.md §6): tip − min(tip −
   * newest_created, proof history), never below the tree root.  -1 with
   * no chain. */
  int64_t (*proof_block)(const mn_chain_t *c, int64_t newest_created);
  /* A CoinProof for coin (as the MMR holds it: coinid, mmrentry, created,
   * state, token) made with proofToPeak on the MMR of main-chain block
   * `block` (-1: proof_block(coin->created)).  MN_ENOENT when the block or
   * the leaf is not held (a coin older than the root that was never
   * relevant), MN_EINVALID when the leaf there is not this unspent
   * coin. */
  int (*coin_proof)(const mn_chain_t *c, const mn_coin_t *coin,
                    int64_t block, mn_coinproof_t **out);
  /* checkProofTimeValid of a coin proof against the tip (the proof's block
   * must be on the main chain and the leaf unchanged since). */
  bool (*proof_valid)(const mn_chain_t *c, const mn_coinproof_t *cp);

  /* -- version 1: transactions ------------------------------------------- */

  /* Posts a transaction.  draft carries body->txn and body->witness (and
   * optionally body->burntxn / burnwitness); everything else is filled by
   * the chain as the reference's generator does: header from the tip,
   * txndifficulty from the node's hash rate, a block template of mempool
   * txns, MMR root.  The TxPoW is mined on the work queue, checked like
   * any received TxPoW and stored; cb gets the result.  draft is copied
   * during the call.  MN_ESTATE without a chain, MN_EINVAL without a body;
   * otherwise 0 and *ticket (may be NULL). */
  int (*txn_post)(const mn_chain_t *c, const mn_txpow_t *draft,
                  uint32_t flags, mn_chain_post_cb cb, void *data,
                  uint64_t *ticket);
  /* Checks a TxPoW's transactions against the tip without storing it
   * (txncheck): basic, signatures, MMR proofs, scripts.  0. */
  int (*txn_check)(const mn_chain_t *c, const mn_txpow_t *txpow,
                   mn_chain_check_t *out);
  /* True when a pending (mempool) TxPoW spends this coin id. */
  bool (*mempool_spends)(const mn_chain_t *c, const uint8_t *coinid,
                         size_t len);
  /* Appends the ids (32 bytes each) of the mempool's TxPoWs. */
  int (*mempool_ids)(const mn_chain_t *c, mn_buf_t *ids);

  /* -- version 1: peers (p2p) -------------------------------------------- */

  /* A serialized TxPoW from a peer (`origin`: the p2p plugin's peer id,
   * non-zero; echoed in events).  Entry checks run on the work queue; cb
   * gets the verdict (KNOWN at once for a known id).  Blocks then go to
   * the block processor, which may publish MN_CHAIN_TOPIC_NEED.  0, or
   * MN_ESTATE while stopping. */
  int (*submit)(const mn_chain_t *c, const uint8_t *bytes, size_t len,
                uint64_t origin, mn_chain_verdict_cb cb, void *data,
                uint64_t *ticket);
  /* Serialized TxPoW / TxBlock by id, appended to out.  MN_ENOENT. */
  int (*txpow_bytes)(const mn_chain_t *c, const uint8_t id[32],
                     mn_buf_t *out);
  int (*txblock_bytes)(const mn_chain_t *c, const uint8_t id[32],
                       mn_buf_t *out);
  /* The greeting's chain: *top = tip block number (-1 none) and the ids
   * of every tree block on the main chain, tip first, appended to ids (32
   * bytes each). */
  int (*tree_ids)(const mn_chain_t *c, int64_t *top, mn_buf_t *ids);
  /* The pulse: up to 512 ids from the tip back, tip first. */
  int (*pulse_ids)(const mn_chain_t *c, mn_buf_t *ids);
  /* Ids a stored block still needs: its missing txpowlist TxPoWs and, if
   * unknown, its parent.  Appended to ids; 0 (none appended when
   * complete), MN_ENOENT for an unknown block. */
  int (*missing)(const mn_chain_t *c, const uint8_t id[32], mn_buf_t *ids);
  /* The IBD for a peer's greeting (cascade.md §8.1): their tip number
   * (-1: no chain) and their chain ids tip first.  The serialized IBD is
   * appended to out; *crossover is false when their chain shares nothing
   * with ours (the reference then marks the peer invalid, yet sends the
   * complete IBD). */
  int (*ibd_build)(const mn_chain_t *c, int64_t top,
                   const uint8_t (*ids)[32], size_t n, mn_buf_t *out,
                   bool *crossover);
  /* A serialized IBD from a peer (cascade.md §8.2), processed on the loop
   * in slices; cb gets the verdict (ACCEPTED, or REJECTED with
   * disconnect for an inconsistent IBD or a heavier different chain). */
  int (*ibd_process)(const mn_chain_t *c, const uint8_t *bytes, size_t len,
                     uint64_t origin, mn_chain_verdict_cb cb, void *data,
                     uint64_t *ticket);
  /* A peer's claimed tip (its greeting, pulses); feeds best_known. */
  void (*peer_tip)(const mn_chain_t *c, uint64_t origin, int64_t number);
  int (*sync_status)(const mn_chain_t *c, mn_chain_sync_t *out);

  /* -- version 1: operations --------------------------------------------- */

  /* Cancels a pending submit, ibd_process or txn_post: its callback will
   * not be called.  Unknown or finished tickets are ignored. */
  void (*cancel)(const mn_chain_t *c, uint64_t ticket);
};

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_SVC_CHAIN_H */
