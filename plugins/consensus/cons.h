/*
 * cons.h - the consensus plugin's running state (chain.c and above).
 *
 * One cs_t per node: the tree, the cascade, the RAM TxPoW store with the
 * mempool flags, the LMDB databases, mining, pending asynchronous
 * operations and counters.  Everything here runs on the loop thread.
 */
#ifndef MN_CONSENSUS_CONS_H
#define MN_CONSENSUS_CONS_H

#include "cs.h"

#define CS_SCHEMA 1u

/* A TxPoW held in RAM (the reference's RamDB entry). */
typedef struct cs_entry {
  mn_txpow_t *txpow; /* root */
  int64_t number;
  bool is_txn;
  bool is_block;
  bool on_main;
  bool in_cascade;
  int rejects;
  cs_scripts_t scripts;
  uint64_t last_access; /* monotonic ms */
} cs_entry_t;

/* One pending store operation of the current round. */
typedef struct cs_op {
  int db; /* CS_DB_* */
  bool del;
  uint8_t *key;
  size_t klen;
  uint8_t *val;
  size_t vlen;
} cs_op_t;

enum {
  CS_DB_TXPOW,
  CS_DB_NODE,
  CS_DB_META,
  CS_DB_ARCHIVE,
  CS_DB_CHILDREN,
  CS_DB_COUNT
};

typedef struct cs_job cs_job_t;
typedef struct cs_mine cs_mine_t;

/* Counters (status, logs). */
typedef struct cs_stats {
  uint64_t received, accepted, known, blocks_added, reorgs;
  uint64_t rejected[MN_CHAIN_R_COUNT];
  uint64_t mined, mined_blocks, hashes;
  uint64_t mine_ms; /* mining wall time, for the hash rate */
} cs_stats_t;

typedef struct cs {
  cs_env_t env;
  const mn_host_t *host;
  mn_plugin_t *self;
  mn_chain_t iface; /* the service; container of this struct */

  cs_tree_t tree;
  cs_cascade_t casc;
  cs_idmap_t ram;     /* id -> cs_entry_t */
  cs_idmap_t invalid; /* ids of blocks found invalid (value: (void *)1) */
  uint64_t node_seq;  /* insertion order of tree nodes, persisted */

  mn_db_t *db[CS_DB_COUNT];
  cs_op_t *ops; /* the current round's writes */
  size_t nops, capops;
  bool store_failed;

  /* Mempool state (TxPoWGenerator). */
  bool mempool_full;
  mn_num_t min_burn;

  /* Configuration. */
  mn_num_t hashrate;
  int mining_threads;
  bool automine;
  uint64_t automine_ms;
  bool genesis;
  char genesis_address[80];

  /* Topics and the hook. */
  mn_topic_t *t_received, *t_accepted, *t_rejected, *t_connected,
      *t_disconnected, *t_tip, *t_need;
  mn_hook_t *h_relevant;
  mn_hook_t *h_genesis; /* MN_CHAIN_HOOK_GENESIS */

  /* Async operations. */
  cs_job_t *jobs; /* pending, linked */
  uint64_t next_ticket;
  bool stopping;
  bool started;
  cs_mine_t *mining; /* mines in flight, linked */
  void *posts;       /* txn_post operations in flight (service.c) */
  bool pulse_busy;
  mn_timer_t *pulse_timer;

  /* Sync state. */
  int64_t best_known;
  bool ibd_running;
  uint64_t start_mono;
  uint64_t first_ibd_mono;

  cs_stats_t stats;
  char last_log[MN_CHAIN_R_COUNT]; /* reasons logged once */
} cs_t;

static inline cs_t *cs_of(const mn_chain_t *c) {
  return (cs_t *)((char *)c - offsetof(cs_t, iface));
}

/* ---- chain.c ------------------------------------------------------------- */

/* Creates the state, opens the databases (call in init). */
int cs_create(mn_plugin_t *self, const mn_host_t *host, const mn_kissvm_t *vm,
              const cs_params_t *p, cs_t **out);
/* Loads the stored chain (or makes the genesis), starts automine. */
int cs_start(cs_t *c);
void cs_stop(cs_t *c);
void cs_destroy(cs_t *c);
void cs_housekeeping(cs_t *c);

/* RAM store. */
cs_entry_t *cs_ram_get(cs_t *c, const uint8_t id[32]);
/* Adds (taking txpow over) or touches an entry; returns it. */
cs_entry_t *cs_ram_add(cs_t *c, mn_txpow_t *txpow);
/* A TxPoW from RAM or the store: *out borrowed from RAM, or a new root in
 * *owned (caller frees).  NULL when absent. */
const mn_txpow_t *cs_txpow_find(cs_t *c, const uint8_t id[32],
                                mn_txpow_t **owned);
bool cs_txpow_exists(cs_t *c, const uint8_t id[32]);
/* Reads stored bytes (any db); MN_ENOENT. */
int cs_db_read(cs_t *c, int db, const void *key, size_t klen, mn_buf_t *out);

/* A TxPoW after the work-queue checks (the reference's MSG_TXPOW on the
 * loop side): fills v, stores, processes.  Takes txpow over. */
typedef struct cs_entry_result {
  bool decoded;
  bool basic_ok, sig_ok, state_ok, scripts_ok;
  bool script_error; /* the script check threw (treated as monotonic) */
  cs_fail_t fail;    /* the first group-A failure */
  cs_fail_t script_fail;
  cs_scripts_t scripts;
} cs_entry_result_t;

void cs_receive(cs_t *c, mn_txpow_t *txpow, uint64_t origin,
                const cs_entry_result_t *er, mn_chain_verdict_t *v, char *msg,
                size_t msgcap);

/* Commits the round's writes in one transaction. */
int cs_commit(cs_t *c);
void cs_op_put(cs_t *c, int db, const void *k, size_t kl, const void *v,
               size_t vl);
void cs_op_del(cs_t *c, int db, const void *k, size_t kl);

/* Generation: a block template from the tip, with txn/witness (and burn)
 * taken from draft when given.  New root in *out.  MN_ESTATE without a
 * chain. */
int cs_generate(cs_t *c, const mn_txpow_t *draft, mn_txpow_t **out);

/* Coins. */
int cs_coins_search(cs_t *c, cs_node_t *start, const mn_chain_coin_query_t *q,
                    mn_chain_coin_cb cb, void *data);
int64_t cs_proof_block(cs_t *c, int64_t newest);
int cs_coin_proof(cs_t *c, const mn_coin_t *coin, int64_t block,
                  mn_coinproof_t **out);

/* Sync blocks (IBD): adds a TxBlock without validation.  MN_EINVALID
 * when it cannot attach. */
int cs_add_sync_block(cs_t *c, const mn_txblock_t *tb, bool *added);
/* After a batch of changes: recalculates the tree, cascades, events. */
int cs_recalc(cs_t *c);
/* Installs a cascade from an IBD (copy). */
int cs_install_cascade(cs_t *c, const cs_cascade_t *casc);

/* Logging of rejections: once per reason at INFO, then DEBUG. */
void cs_note_reject(cs_t *c, mn_chain_reason_t r, const uint8_t id[32],
                    const char *msg);
void cs_publish_txpow(cs_t *c, mn_topic_t *t, mn_chain_status_t st,
                      mn_chain_stage_t stage, mn_chain_reason_t r, bool relay,
                      uint64_t origin, const uint8_t id[32], int64_t number,
                      const mn_txpow_t *txpow, const char *msg);
/* Publishes chain.need for the ids appended to ids. */
void cs_publish_need(cs_t *c, uint64_t origin, const uint8_t block[32],
                     const mn_buf_t *ids);
/* Missing txns of a block and, walking back, of its unknown ancestors
 * (as the reference requests after a block arrives). */
void cs_collect_missing(cs_t *c, const mn_txpow_t *block, mn_buf_t *ids);

/* ---- mine.c -------------------------------------------------------------- */

typedef void (*cs_mined_fn)(cs_t *c, mn_txpow_t *txpow, int status, void *data);
/* Mines txpow (taken over) to its txndifficulty on the work queue;
 * done gets it back (status 0) or MN_ECANCELED. */
int cs_mine(cs_t *c, mn_txpow_t *txpow, cs_mined_fn done, void *data);
void cs_mine_stop_all(cs_t *c);
/* Hashes n TxPoW headers the way the miner does (hashtest). */
uint64_t cs_hashtest(const cs_env_t *env, uint64_t n, uint64_t *ms,
                     uint64_t (*mono)(void));
/* The automine pulse. */
void cs_pulse_start(cs_t *c);
void cs_pulse_stop(cs_t *c);
void cs_pulse_once(cs_t *c);

/* ---- service.c ----------------------------------------------------------- */

void cs_service_init(cs_t *c);
/* Entry checks on the work queue, then cs_receive; used by submit and for
 * local TxPoWs (origin 0). */
typedef void (*cs_entry_done_fn)(cs_t *c, const mn_chain_verdict_t *v,
                                 const mn_txpow_t *txpow, void *data);
int cs_entry_submit(cs_t *c, const uint8_t *bytes, size_t len,
                    mn_txpow_t *txpow, uint64_t origin, cs_entry_done_fn done,
                    void *data, uint64_t *ticket);
void cs_jobs_cancel_all(cs_t *c);

/* ---- ibd.c --------------------------------------------------------------- */

int cs_ibd_build(cs_t *c, int64_t top, const uint8_t (*ids)[32], size_t n,
                 mn_buf_t *out, bool *crossover);
/* TxBlocks added per loop turn while processing an IBD. */
#define CS_IBD_SLICE 256u
/* Checks a decoded IBD and installs its cascade (cascade.md §8.2).
 * Returns 1 when its TxBlocks are to be added with cs_ibd_step, else 0
 * with v and msg final. */
int cs_ibd_start(cs_t *c, const mn_ibd_t *ibd, mn_chain_verdict_t *v, char *msg,
                 size_t cap);
/* Adds the next slice of TxBlocks (from *next) and commits; true when the
 * IBD is finished (v and msg then final). */
bool cs_ibd_step(cs_t *c, const mn_ibd_t *ibd, uint64_t origin, uint32_t *next,
                 uint32_t *added, mn_chain_verdict_t *v, char *msg, size_t cap);
/* Ends IBDs still being processed (stop): their callbacks get CANCELED. */
void cs_ibd_stop_all(cs_t *c);

/* ---- cmd.c --------------------------------------------------------------- */

int cs_commands_register(cs_t *c);

#endif /* MN_CONSENSUS_CONS_H */
