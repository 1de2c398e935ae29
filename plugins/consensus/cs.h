/*
 * cs.h - the consensus plugin's internals (library mn_consensus_core).
 *
 * Layers, bottom up:
 *
 *   idmap.c    32-byte id -> pointer hash map
 *   mmr.c      sparse per-block MMR layers (spec/mmr.md)
 *   cascade.c  the cascade of old headers (spec/cascade.md)
 *   tree.c     the TxPoW tree, GHOST tip selection, cutting into the
 *              cascade (consensus.md §8)
 *   diff.c     median times and the block difficulty retarget (§5)
 *   txblock.c  a block's coin changes and the layer built from them
 *              (mmr.md §4)
 *   check.c    every validation rule of consensus.md §7
 *   pool.c     the TxPoW RAM store and the mempool (§9)
 *   chain.c    the chain: processing, generation, persistence, events
 *   ibd.c      IBDs for peers and from peers (cascade.md §8)
 *   mine.c     mining on the host work queue (§3)
 *   service.c  the "chain" service (minima/svc/chain.h)
 *   cmd.c      the commands (status, block, txpow, printtree, ...)
 *
 * Everything below chain.c is pure: it needs the libraries in cs_env_t
 * and nothing of the host, so unit tests drive it directly.  chain.c and
 * above run on the loop thread; only mining, entry signature checks and
 * entry script checks run on the work queue, and they touch nothing but
 * their own copies.
 */
#ifndef MN_CONSENSUS_CS_H
#define MN_CONSENSUS_CS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/minima.h>
#include <minima/svc/chain.h>
#include <minima/svc/kissvm.h>

/* ---- parameters (consensus.md §5.1, §12; cascade.md §1) ---------------- */

typedef struct cs_params {
  char name[16];            /* "main", "test", "dev" */
  mn_num_t block_speed;     /* blocks per second (MINIMA_BLOCK_SPEED) */
  int speed_calc;           /* MINIMA_BLOCKS_SPEED_CALC */
  int median_calc;          /* MEDIAN_BLOCK_CALC */
  int cascade_start_depth;  /* MINIMA_CASCADE_START_DEPTH */
  int cascade_frequency;    /* MINIMA_CASCADE_FREQUENCY */
  int cascade_level_nodes;  /* MINIMA_CASCADE_LEVEL_NODES */
  int proof_history;        /* MINIMA_MMR_PROOF_HISTORY */
  bool test_range;          /* TxPoWProcessor's test-params valid range */
  uint64_t ibd_uptodate_ms; /* IBD TxBlocks ignored when the tip is this new */
  int mempool_max;          /* mempool entries kept (5000) */
  uint64_t ram_keep_ms;     /* RAM TxPoW retention (1 h) */
} cs_params_t;

/* Fills p with a named preset ("main", "test", "dev").  MN_EINVAL. */
int cs_params_preset(const mn_num_api_t *num, const char *name, cs_params_t *p);

/* The libraries every pure module uses. */
typedef struct cs_env {
  const mn_num_api_t *num;
  const mn_crypto_api_t *crypto;
  const mn_obj_api_t *obj;
  const mn_kissvm_t *vm; /* NULL: scripts cannot run (every script fails) */
  cs_params_t p;
  /* Magic.MIN_TXPOW_WORK: the easiest difficulty, minimal bytes. */
  uint8_t min_work[64];
  size_t min_work_len;
  mn_uint_t min_work_u;
} cs_env_t;

int cs_env_init(cs_env_t *env, const mn_num_api_t *num,
                const mn_crypto_api_t *crypto, const mn_obj_api_t *obj,
                const mn_kissvm_t *vm, const cs_params_t *p);

/* ---- small helpers (util.c) ---------------------------------------------- */

/* A MiniNumber as int64: MN_ERANGE when it is not a whole number in
 * range. */
int cs_num_i64(const cs_env_t *env, const mn_num_t *n, int64_t *out);
/* mn_data_t equality (byte-exact, length included: MiniData.isEqual). */
bool cs_data_eq(const mn_data_t *a, const mn_data_t *b);
bool cs_data_is(const mn_data_t *a, const uint8_t *p, size_t len);
/* 0x00 (one zero byte). */
bool cs_data_is_zero(const mn_data_t *a);
/* Upper-case "0x..." into buf (cap >= 2 * len + 3). */
char *cs_hex(const uint8_t *p, size_t len, char *buf, size_t cap);
/* Allocation that aborts on exhaustion (the plugin cannot degrade in the
 * middle of a tree update). */
void *cs_xmalloc(size_t n);
void *cs_xcalloc(size_t n, size_t size);
void *cs_xrealloc(void *p, size_t n);
/* Block time of a txpow as int64 (0 when unreadable). */
int64_t cs_txpow_time(const cs_env_t *env, const mn_txpow_t *t);
int64_t cs_txpow_number(const cs_env_t *env, const mn_txpow_t *t);

/* ---- id map -------------------------------------------------------------- */

typedef struct cs_idmap_slot {
  uint8_t key[32];
  void *val; /* NULL: empty; tombstones use the map's own marker */
} cs_idmap_slot_t;

typedef struct cs_idmap {
  cs_idmap_slot_t *slots;
  size_t cap;  /* power of two */
  size_t n;    /* live entries */
  size_t used; /* live + tombstones */
} cs_idmap_t;

void cs_idmap_init(cs_idmap_t *m);
void cs_idmap_free(cs_idmap_t *m);
void *cs_idmap_get(const cs_idmap_t *m, const uint8_t key[32]);
/* Replaces an existing value. */
void cs_idmap_put(cs_idmap_t *m, const uint8_t key[32], void *val);
/* The removed value, or NULL. */
void *cs_idmap_del(cs_idmap_t *m, const uint8_t key[32]);
/* Iteration: *it starts at 0; false at the end. */
bool cs_idmap_next(const cs_idmap_t *m, size_t *it, const uint8_t **key,
                   void **val);

/* ---- MMR layers (mmr.c) -------------------------------------------------- */

#define CS_MMR_ROWS 64 /* entries are u64, so rows stay below 64 */

typedef struct cs_mmr cs_mmr_t;

/* A new empty layer at blocktime. */
cs_mmr_t *cs_mmr_new(int64_t blocktime);
/* The reference's new MMR(parent): finalises parent, seeds the parent's
 * peaks, blocktime + 1, links to parent. */
cs_mmr_t *cs_mmr_child(const cs_env_t *env, cs_mmr_t *parent);
void cs_mmr_free(cs_mmr_t *m);
void cs_mmr_set_parent(cs_mmr_t *m, cs_mmr_t *parent);
cs_mmr_t *cs_mmr_parent(const cs_mmr_t *m);
int64_t cs_mmr_blocktime(const cs_mmr_t *m);
uint64_t cs_mmr_leaves(const cs_mmr_t *m);
void cs_mmr_set_leaves(cs_mmr_t *m, uint64_t leaves);
/* The largest entry held in a row of this layer (printmmr). */
bool cs_mmr_max(const cs_mmr_t *m, int row, uint64_t *entry);
int cs_mmr_max_row(const cs_mmr_t *m);
/* Entries held in this layer itself. */
size_t cs_mmr_size(const cs_mmr_t *m);
/* Sets (row, entry) in this layer only.  MN_ERANGE for a bad row. */
int cs_mmr_set(cs_mmr_t *m, int row, uint64_t entry, const mn_mmrdata_t *d);
/* Looks in this layer, then its ancestors, stopping at layers older than
 * maxback.  NULL when absent. */
const mn_mmrdata_t *cs_mmr_get(const cs_mmr_t *m, int row, uint64_t entry,
                               int64_t maxback);
/* Appends a leaf (addEntry); *entry receives its number. */
int cs_mmr_add(const cs_env_t *env, cs_mmr_t *m, const mn_mmrdata_t *leaf,
               uint64_t *entry);
/* updateEntry with a proof that was checked before.  MN_EINVALID when the
 * proof runs out of chunks or rows. */
int cs_mmr_update(const cs_env_t *env, cs_mmr_t *m, uint64_t entry,
                  const mn_mmrproof_t *proof, const mn_mmrdata_t *leaf);
/* proofToPeak; chunks are allocated in owner (a root), out->chunks must
 * start empty (cap 0). */
int cs_mmr_proof_to_peak(const cs_env_t *env, const cs_mmr_t *m, uint64_t entry,
                         void *owner, mn_mmrproof_t *out);
/* Peaks, highest row first.  Returns the count (<= CS_MMR_ROWS). */
size_t cs_mmr_peaks(const cs_mmr_t *m, mn_mmrentry_t *out);
/* The root (bagged peaks).  MN_ENOENT for an empty MMR. */
int cs_mmr_root(const cs_env_t *env, const cs_mmr_t *m, mn_mmrdata_t *root);
void cs_mmr_finalize(const cs_env_t *env, cs_mmr_t *m);
void cs_mmr_unfinalize(cs_mmr_t *m);
/* checkProof: folds to the root or any peak. */
bool cs_mmr_check_proof(const cs_env_t *env, const cs_mmr_t *m,
                        const mn_mmrdata_t *leaf, const mn_mmrproof_t *p);
/* checkProofTimeValid (mmr.md §5). */
bool cs_mmr_check_time_valid(const cs_env_t *env, const cs_mmr_t *m,
                             uint64_t entry, const mn_mmrdata_t *leaf,
                             const mn_mmrproof_t *p);
/* The layer at blocktime t walking back, or NULL. */
const cs_mmr_t *cs_mmr_at(const cs_mmr_t *m, int64_t t);
/* Storage form (own): blocktime, leaves, entries. */
int cs_mmr_encode(const cs_env_t *env, const cs_mmr_t *m, mn_buf_t *out);
int cs_mmr_decode(const cs_env_t *env, mn_reader_t *r, cs_mmr_t **out);
/* Calls fn for every entry of this layer (any order). */
void cs_mmr_each(const cs_mmr_t *m,
                 void (*fn)(int row, uint64_t entry, const mn_mmrdata_t *d,
                            void *data),
                 void *data);

/* ---- cascade (cascade.c) ------------------------------------------------- */

typedef struct cs_cnode {
  mn_txpow_t *txpow; /* root, header only */
  int32_t level;
  int32_t superlevel;
} cs_cnode_t;

/* Nodes oldest first: nodes[n - 1] is the tip. */
typedef struct cs_cascade {
  cs_cnode_t *nodes;
  uint32_t n, cap;
  mn_weight_t total; /* after the last cs_cascade_chain */
} cs_cascade_t;

void cs_cascade_init(cs_cascade_t *c);
void cs_cascade_free(const cs_env_t *env, cs_cascade_t *c);
/* addToTip: a header-only copy of t becomes the tip at level 0. */
int cs_cascade_add(const cs_env_t *env, cs_cascade_t *c, const mn_txpow_t *t);
/* Takes ownership of a header-only root (level given). */
void cs_cascade_push(cs_cascade_t *c, mn_txpow_t *t, int32_t level);
/* cascadeChain(). */
int cs_cascade_chain(const cs_env_t *env, cs_cascade_t *c);
/* A node's weight at its level (DECIMAL32). */
int cs_cascade_node_weight(const cs_env_t *env, const cs_cnode_t *n,
                           mn_weight_t *w);
/* Serialization: MiniNumber count, nodes tip first (TxPoW + level). */
int cs_cascade_encode(const cs_env_t *env, const cs_cascade_t *c,
                      mn_buf_t *out);
/* Reads the serialized form from an mn_cascade_t object (taking copies)
 * and re-runs cascadeChain as the reference's reader does. */
int cs_cascade_from_obj(const cs_env_t *env, const mn_cascade_t *o,
                        cs_cascade_t *c);
/* checkCascadeCorrect (run on a cascade as read, i.e. re-chained). */
bool cs_cascade_correct(const cs_cascade_t *c);
int cs_cascade_copy(const cs_env_t *env, const cs_cascade_t *src,
                    cs_cascade_t *dst);
const cs_cnode_t *cs_cascade_tip(const cs_cascade_t *c);

/* ---- tree (tree.c) ------------------------------------------------------- */

typedef struct cs_node cs_node_t;

struct cs_node {
  mn_txblock_t *tb;  /* root object: the TxBlock */
  void *extra;       /* a root tb's txpow points into, or NULL */
  mn_txpow_t *txpow; /* &tb->txpow */
  int64_t number;
  int64_t time;
  cs_node_t *parent;
  cs_node_t **kids;
  uint32_t nkids, capkids;
  cs_mmr_t *mmr;
  mn_weight_t total; /* GHOST subtree weight */
  /* Every coin the block touched (spent ones with spent = 1) and, on the
   * root, the relevant coins copied from its ancestors; held as the
   * newcoins list of a TxBlock root. */
  mn_txblock_t *coins;
  uint64_t *relevant; /* mmr entries relevant to the wallet */
  uint32_t nrel, caprel;
  bool on_main;
  bool have_txns; /* checkFullTxns cache */
  bool dirty;     /* to be written */
};

typedef struct cs_tree {
  cs_node_t *root;
  cs_node_t *tip;
  uint32_t length; /* heaviest branch, root..tip */
  cs_idmap_t map;  /* id -> node */
} cs_tree_t;

void cs_tree_init(cs_tree_t *t);
/* Frees every node. */
void cs_tree_free(const cs_env_t *env, cs_tree_t *t);
cs_node_t *cs_tree_find(const cs_tree_t *t, const uint8_t id[32]);
/* A node for tb (taken over, with extra and coins), not yet linked. */
cs_node_t *cs_node_new(const cs_env_t *env, mn_txblock_t *tb, void *extra,
                       cs_mmr_t *mmr, mn_txblock_t *coins);
void cs_node_free(const cs_env_t *env, cs_node_t *n);
void cs_node_add_relevant(cs_node_t *n, uint64_t entry);
bool cs_node_is_relevant(const cs_node_t *n, uint64_t entry);
/* Links child under parent (and its layer under the parent's layer). */
void cs_tree_add_child(cs_tree_t *t, cs_node_t *parent, cs_node_t *child);
/* Makes n the root (no parent); recalculates. */
void cs_tree_set_root(const cs_env_t *env, cs_tree_t *t, cs_node_t *n);
/* recalculateTree: weights, tip, length, fast links, main-chain flags. */
int cs_tree_recalc(const cs_env_t *env, cs_tree_t *t);
/* The node n blocks back (stops at the root). */
cs_node_t *cs_node_back(cs_node_t *n, int64_t back);
/* The ancestor with this block number, or NULL. */
cs_node_t *cs_node_at(cs_node_t *n, int64_t number);
/* setLength(keep): cuts the heaviest branch to keep blocks; the removed
 * main-branch nodes are returned oldest first in *out (caller frees the
 * array and the nodes); nodes of other branches hanging off them are
 * freed.  Their ids leave the map. */
int cs_tree_cut(const cs_env_t *env, cs_tree_t *t, int keep, cs_node_t ***out,
                size_t *n);
/* Number of nodes. */
size_t cs_tree_size(const cs_tree_t *t);

/* ---- difficulty (diff.c) ------------------------------------------------- */

/* getMedianTimeBlock(start, n). */
cs_node_t *cs_median_time_block(const cs_env_t *env, cs_node_t *start, int n);
/* getChainSpeed(start, back) in blocks/s. */
int cs_chain_speed(const cs_env_t *env, cs_node_t *start, int64_t back,
                   mn_num_t *speed);
/* getBlockDifficulty(parent): minimal bytes into out (<= 64). */
int cs_next_difficulty(const cs_env_t *env, cs_node_t *parent, uint8_t out[64],
                       size_t *len);
/* The txn difficulty a generator uses (§3.1). */
int cs_txn_difficulty(const cs_env_t *env, const mn_num_t *hashrate,
                      const mn_data_t *blockdiff, const mn_data_t *minwork,
                      uint8_t out[64], size_t *len);

/* ---- TxBlocks (txblock.c) ------------------------------------------------ */

/* new TxBlock(parentMMR, txpow, txns): the parent layer's peaks, the
 * spent coins with proofs to those peaks, and the new coins.  *out owns a
 * deep copy of everything.  MN_EMISSING when a listed txn is absent,
 * MN_EINVALID when a proof cannot update the MMR. */
int cs_txblock_build(const cs_env_t *env, cs_mmr_t *parent,
                     const mn_txpow_t *block, const mn_txpow_t *const *txns,
                     size_t ntxns, mn_txblock_t **out);
/* constructMMR: the layer of a TxBlock (no parent link) and the block's
 * coins (spent with spent = 1, new with mmrentry and created).  coins may
 * be NULL. */
int cs_txblock_layer(const cs_env_t *env, const mn_txblock_t *tb,
                     cs_mmr_t **mmr, mn_txblock_t **coins);
/* Serialises a TxBlock from its parts (the txpow may live elsewhere). */
int cs_txblock_encode(const cs_env_t *env, const mn_txblock_t *tb,
                      mn_buf_t *out);

/* ---- genesis (genesis.c) ------------------------------------------------- */

/* The genesis coin (its address is written into addrbuf). */
int cs_genesis_coin(const cs_env_t *env, uint8_t addrbuf[32], mn_coin_t *gc);
/* The pre-genesis MMR: block time 0, the genesis coin at entry 0. */
cs_mmr_t *cs_genesis_mmr(const cs_env_t *env);
/* The genesis TxPoW (block 1) paying payout (NULL: the RETURN TRUE
 * address) and its TxBlock on the pre-genesis MMR.  New roots. */
int cs_genesis(const cs_env_t *env, int64_t timemilli, const uint8_t *payout,
               size_t plen, mn_txpow_t **txpow, mn_txblock_t **txblock);

/* ---- checks (check.c) ---------------------------------------------------- */

/* Per-transaction script verdict cache (Transaction.mHaveCheckedMonotonic
 * and friends). */
typedef struct cs_script_state {
  bool checked;
  bool monotonic;
  bool valid;
} cs_script_state_t;

typedef struct cs_scripts {
  cs_script_state_t txn, burn;
} cs_scripts_t;

/* TxPoW.isMonotonic(). */
bool cs_scripts_monotonic(const mn_txpow_t *t, const cs_scripts_t *s);

/* A failed check: the reason and one sentence. */
typedef struct cs_fail {
  mn_chain_reason_t reason;
  char msg[200];
} cs_fail_t;

/* checkTxPoWBasic (§7.2); false with why filled. */
bool cs_check_basic(const cs_env_t *env, const mn_txpow_t *t, cs_fail_t *why);
/* checkSignatures (§7.3). */
bool cs_check_signatures(const cs_env_t *env, const mn_txpow_t *t,
                         cs_fail_t *why);
/* RelayPolicy.checkMaxStateStoreSize. */
bool cs_check_state_size(const cs_env_t *env, const mn_txpow_t *t, int64_t max);
/* RelayPolicy.checkAllPolicies. */
bool cs_check_relay(const cs_env_t *env, const mn_txpow_t *t);
/* checkTxPoWScripts against a block context; s caches verdicts. */
bool cs_check_scripts(const cs_env_t *env, const mn_txpow_t *t,
                      const mn_num_t *blocknumber, const mn_num_t *blocktime,
                      const mn_num_t *maxops, cs_scripts_t *s, cs_fail_t *why);
/* checkMMR (every coin proof time-valid against mmr). */
bool cs_check_mmr(const cs_env_t *env, const cs_mmr_t *mmr, const mn_txpow_t *t,
                  cs_fail_t *why);
/* checkTxPoWSimple(mmr, t, block). */
bool cs_check_simple(const cs_env_t *env, const cs_mmr_t *mmr,
                     const mn_txpow_t *t, const mn_txpow_t *block,
                     cs_scripts_t *s, cs_fail_t *why);
/* checkParents (§7.8), through the tree then the cascade. */
bool cs_check_parents(const cs_node_t *parent, const cs_cascade_t *casc,
                      const mn_txpow_t *block);
/* checkTxPoWBlock (§7.7).  scripts[i] caches txns[i]'s verdicts (may be
 * NULL entries); bs caches the block's own. */
bool cs_check_block(const cs_env_t *env, cs_node_t *parent,
                    const cs_cascade_t *casc, const mn_txpow_t *block,
                    cs_scripts_t *bs, const mn_txpow_t *const *txns,
                    cs_scripts_t *const *scripts, size_t ntxns, cs_fail_t *why);
/* Whether the coin proof ids of t (main and burn witnesses) are all
 * distinct from each other; used by basic and block checks. */
bool cs_coinids_unique(const mn_txpow_t *const *ts, size_t n);
/* The kissvm context of input i of txn (globals, state, coins...) and
 * a run of script.  Exposed for txn_check. */
int cs_run_script(const cs_env_t *env, const mn_transaction_t *txn,
                  const mn_witness_t *w, uint32_t input, const char *script,
                  size_t len, const mn_num_t *blocknumber,
                  const mn_num_t *blocktime, uint32_t maxops, bool *success,
                  bool *monotonic, char *msg, size_t msgcap);

#endif /* MN_CONSENSUS_CS_H */
