/*
 * chainsim.h - an in-memory chain service for the wallet's tests and
 * benchmarks (never linked into the plugin).
 *
 * It offers the "chain" interface of minima/svc/chain.h on behalf of a
 * harness (the kernel pseudo-plugin of an embedded node): a real sum MMR
 * of coins (leaves, proofs to peaks, per-block peaks), blocks made on
 * demand, the block/tip events and the relevance and genesis hooks.
 * txn_post checks what consensus would check (basic rules, signatures,
 * MMR proofs, scripts with the kissvm service, double spends) and either
 * rejects with a reason or puts the transaction in its mempool; the next
 * wal_sim_mine() puts it in a block.  Reorgs drop blocks from the top.
 *
 * Not modelled: TxPoW difficulty, headers beyond number, time and parent,
 * the cascade (the tree root is block 0), IBDs and peers.
 */
#ifndef MN_WALLET_CHAINSIM_H
#define MN_WALLET_CHAINSIM_H

#include <stdbool.h>
#include <stdint.h>

#include <minima/minima.h>
#include <minima/svc/chain.h>

typedef struct wal_sim wal_sim_t;

/* Registers the service as `self`, declares the chain's topics and hooks.
 * Call before the wallet starts.  0 or an error. */
int wal_sim_new(const mn_host_t *host, mn_plugin_t *self, wal_sim_t **out);
void wal_sim_free(wal_sim_t *s);
const mn_chain_t *wal_sim_chain(wal_sim_t *s);

/* Block 1: one coin of 1 000 000 000 Minima to the address the genesis
 * hook gives (the RETURN TRUE address when nobody answers). */
int wal_sim_genesis(wal_sim_t *s);
/* A block that creates n coins out of nothing (test funding). */
int wal_sim_mint(wal_sim_t *s, const uint8_t (*addresses)[32],
                 const char *const *amounts, size_t n);
/* n blocks, each taking the mempool's transactions that still pass. */
int wal_sim_mine(wal_sim_t *s, int n);
/* Drops the top `back` blocks (publishing disconnects, newest first);
 * their transactions are forgotten (not back in the mempool). */
int wal_sim_reorg(wal_sim_t *s, int back);
int64_t wal_sim_tip(const wal_sim_t *s);
size_t wal_sim_mempool(const wal_sim_t *s);
/* The last rejection's text ("" when none). */
const char *wal_sim_last_error(const wal_sim_t *s);
/* How many proofs coin_proof made (benchmarks). */
uint64_t wal_sim_proofs_made(const wal_sim_t *s);

#endif
