/*
 * minima/objects.h - Minima's serialized chain objects (host->obj).
 *
 * Every object the network, the chain and the wallet exchange: TxPoW
 * (header and optional body), Transaction, Coin, Token, StateVariable,
 * Witness (signatures, coin proofs, script proofs), the MMR records
 * (MMRData, MMRProof, MMREntry), Magic, Address, TxBlock, the cascade and
 * the IBD container, with the reference node's exact bytes
 * (spec/serialization.md, spec/objects.md), hashes and derived values,
 * plus the 512-bit integers and the DECIMAL32 chain weights consensus
 * computes with.  vectors/objects.json proves the bytes.
 *
 * Objects are plain C structs with public fields.  Byte strings are
 * (pointer, length) pairs (mn_data_t); MiniNumbers are mn_num_t values;
 * lists are (pointer, count, capacity) triples.
 *
 * Memory: roots and arenas.  decode(), create() and copy() return a *root*
 * object that owns one arena; every pointer inside the object points into
 * that arena (or at static constants), and free(root) releases it all at
 * once.  Only a root may be passed to free() or as an owner (a magic
 * number in front of a root catches most mistakes with MN_EINVAL, but
 * reads the memory before the pointer).  Functions that grow an
 * object (the builders) take the root that owns it as `owner` and
 * allocate there; they deep-copy whatever they are given, so their
 * arguments may live anywhere (the stack, another root).  A list's `cap`
 * is its capacity inside the owner's arena; a list you filled yourself
 * must have cap 0, and builders then copy it before growing it.  Growing a
 * list may move it: pointers to its elements are valid until the next
 * builder call on that list.  Fields may be assigned directly, as long as
 * what they point at outlives the root; dup() copies bytes into a root.
 *
 * Decoding never trusts the input.  Every count is a MiniNumber that must
 * be a non-negative integer no larger than the remaining bytes allow for
 * that element's smallest encoding (the reference would read a fraction
 * or a negative as an int; these are refused here), hash fields are at
 * most 64 bytes, MiniData at most 512 MiB, StateVariable types 1/2/4/8.
 * Memory held by a decoded root is at most MN_OBJ_MEM_FACTOR times the
 * bytes consumed plus MN_OBJ_MEM_SLACK.  Decoding normalises exactly as
 * the reference re-serializes what it read: MiniNumbers become minimal,
 * booleans 00/01, MiniStrings pass through Java's UTF-8 decoder (invalid
 * sequences become U+FFFD), NUMBER state variables their printed form, and
 * the super-parent run-length list its canonical runs.  Hashes and ids
 * are computed over the normalised form, as the reference computes them,
 * so encode(decode(x)) may differ from a non-canonical x.
 *
 * Use:
 *
 *   const mn_obj_api_t *o = host->obj;
 *   mn_txpow_t *t;
 *   if (mn_txpow_decode(o, bytes, len, NULL, &t) == 0) {
 *     // t->txpowid, t->is_block, t->superlevel, t->weight are filled
 *     o->free(t);
 *   }
 *
 *   mn_transaction_t *txn;                  // a wallet building one
 *   mn_transaction_new(o, &txn);
 *   mn_add_txn_inputs(o, txn, txn, &coin);  // deep copies coin
 *   o->statevar_parse(txn, 1, "0xFEED", 6, &sv);
 *   o->txn_set_state(txn, txn, &sv);        // sorted by port
 *   o->hash(MN_OBJ_TRANSACTION, txn, txid); // what signatures sign
 *   o->free(txn);
 *
 * Threads: decoding, encoding, hashing and every derived value are pure
 * and may run on any thread (the host work queue).  An object may be read
 * by several threads at once; a root being changed by a builder must not
 * be read meanwhile.  Nothing here keeps global state.
 *
 * Errors: 0 or a negative MN_E* code: MN_EFORMAT for malformed bytes,
 * MN_ENOMEM, MN_EINVAL for arguments no caller should pass (a non-root
 * owner, an unknown kind), MN_ETOOBIG for a hash field over 64 bytes on
 * encode, MN_EOVERFLOW where the reference's arithmetic would throw.
 */
#ifndef MINIMA_OBJECTS_H
#define MINIMA_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "stream.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --------------------------------------------------------------------------
 * Constants (spec/objects.md §1, consensus.md §3)
 * ------------------------------------------------------------------------ */

#define MN_CASCADE_LEVELS 32     /* super-parent slots in a header */
#define MN_SUPERLEVEL_MAX 31     /* superlevels are capped here */
#define MN_STATE_PORTS 256       /* state variable ports 0..255 */
#define MN_TOKEN_DECIMALS 44     /* decimals = 44 - token scale */
#define MN_GENESIS_COINID "SPARTACUSLOVESMINIMA" /* 20 bytes */
/* The miner's nonce template: scale 41, 25-byte unscaled value 0x0197...
 * Counters are written over the header from MN_MINE_OFFSET. */
#define MN_MINE_NONCE                                                         \
  "100000000000000000.00000000000000000000000000000000000000001"
#define MN_MINE_OFFSET 4

/* Memory bound of decoded roots (see above). */
#define MN_OBJ_MEM_FACTOR 32
#define MN_OBJ_MEM_SLACK 16384

/* --------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

/* A byte string.  data may be NULL when len is 0. */
typedef struct mn_data {
  const uint8_t *data;
  size_t len;
} mn_data_t;

/* An unsigned integer below 2^512 (little-endian 64-bit limbs).  Hashes
 * and difficulties are 256-bit values; the extra room keeps sums of many
 * difficulties and products with ratios exact. */
typedef struct mn_uint {
  uint64_t w[8];
} mn_uint_t;

/* An exact non-negative decimal, value = mag x 10^-scale, Java BigDecimal
 * style (the scale is part of the value's identity for printing).  Chain
 * weights are these: each block's weight is rounded to 7 significant
 * digits (DECIMAL32, HALF_EVEN) and sums are exact. */
typedef struct mn_weight {
  uint64_t mag[8];
  int32_t scale;
  uint32_t reserved; /* zero */
} mn_weight_t;

/* --------------------------------------------------------------------------
 * Objects (field order is wire order; spec/objects.md section numbers)
 * ------------------------------------------------------------------------ */

/* State variable types (§3). */
#define MN_STATE_HEX 1
#define MN_STATE_NUMBER 2
#define MN_STATE_STRING 4
#define MN_STATE_BOOL 8

/* StateVariable (§3).  Like the reference, a state variable is its text:
 * HEX "0x" + upper-case digits ("" for no bytes), NUMBER the number's
 * printed form (trailing zeros stripped, re-parsed when written), STRING
 * the UTF-8 text, BOOL "TRUE" or "FALSE".  The payload written is derived
 * from the text. */
typedef struct mn_statevar {
  uint8_t port;
  uint8_t type; /* MN_STATE_* */
  uint8_t reserved[6];
  mn_data_t text;
} mn_statevar_t;

/* Token descriptor (§4).  tokenid = token_id(), not a field. */
typedef struct mn_token {
  mn_data_t coinid; /* 0x00 in a create request */
  mn_data_t script; /* UTF-8 */
  mn_num_t scale;
  mn_num_t amount;  /* Minima used to colour the token */
  mn_data_t name;   /* UTF-8, plain text or JSON text */
  mn_num_t created; /* block number, 0 in a create request */
} mn_token_t;

/* Coin (§2). */
typedef struct mn_coin {
  mn_data_t coinid;  /* 0x00 on a new output, 0x01 floating input */
  mn_data_t address;
  mn_num_t amount;
  mn_data_t tokenid; /* 0x00 Minima, 0xFF create a token */
  uint64_t mmrentry;
  mn_num_t created;
  bool storestate;
  uint8_t spent; /* the raw MiniByte: non-zero means spent */
  uint8_t reserved[2];
  uint32_t n_state; /* state list (not sorted by the reader) */
  mn_statevar_t *state;
  mn_token_t *token; /* NULL: no token descriptor */
} mn_coin_t;

/* Transaction (§5).  Builders keep state sorted by port, ports unique. */
typedef struct mn_transaction {
  mn_coin_t *inputs;
  uint32_t n_inputs, cap_inputs;
  mn_coin_t *outputs;
  uint32_t n_outputs, cap_outputs;
  mn_statevar_t *state;
  uint32_t n_state, cap_state;
  mn_data_t linkhash; /* 0x00, or the linked txn id of a burn txn */
} mn_transaction_t;

/* MMRData (§7): a node of the sum tree.  The hash is held inline so that
 * nodes copy by value. */
typedef struct mn_mmrdata {
  uint8_t hash[MN_HASH_MAX];
  uint32_t len;
  uint32_t reserved;
  mn_num_t value;
} mn_mmrdata_t;

/* One proof step: the sibling and its side. */
typedef struct mn_mmrchunk {
  uint8_t left; /* raw MiniByte: non-zero means the sibling is the left */
  uint8_t reserved[7];
  mn_mmrdata_t data;
} mn_mmrchunk_t;

/* MMRProof (§7). */
typedef struct mn_mmrproof {
  mn_num_t blocktime;
  mn_mmrchunk_t *chunks;
  uint32_t n_chunks, cap_chunks;
} mn_mmrproof_t;

/* MMREntry (§7): a node at (row, entry) in an MMR. */
typedef struct mn_mmrentry {
  int32_t row; /* 0..255 */
  uint32_t reserved;
  uint64_t entry;
  mn_mmrdata_t data;
} mn_mmrentry_t;

/* CoinProof (§6): the coin as it sits in the MMR and its proof. */
typedef struct mn_coinproof {
  mn_coin_t coin;
  mn_mmrproof_t proof;
} mn_coinproof_t;

/* ScriptProof (§6).  address is derived (the proof applied to the
 * script's leaf); decode and the builders fill it. */
typedef struct mn_scriptproof {
  mn_data_t script; /* UTF-8 */
  mn_mmrproof_t proof;
  uint8_t address[32];
} mn_scriptproof_t;

/* A Signature (count + SignatureProofs), kept as its canonical serialized
 * bytes for host->crypto->treekey_verify, with the root public key it
 * claims (derived; has_rootkey is false for a signature with no proofs or
 * whose proof sums overflow, which can never verify). */
typedef struct mn_signature {
  mn_data_t bytes;
  uint8_t rootkey[32];
  bool has_rootkey;
  uint8_t reserved[7];
} mn_signature_t;

/* Witness (§6). */
typedef struct mn_witness {
  mn_signature_t *sigs;
  uint32_t n_sigs, cap_sigs;
  mn_coinproof_t *coinproofs;
  uint32_t n_coinproofs, cap_coinproofs;
  mn_scriptproof_t *scripts;
  uint32_t n_scripts, cap_scripts;
} mn_witness_t;

/* Magic (§9; consensus.md §6): current and desired capacity values. */
typedef struct mn_magic {
  mn_num_t max_txpow_size;
  mn_num_t max_kissvm_ops;
  mn_num_t max_txns;
  mn_data_t min_txpow_work; /* plain MiniData, a 256-bit target */
  mn_num_t desired_max_txpow_size;
  mn_num_t desired_max_kissvm_ops;
  mn_num_t desired_max_txns;
  mn_data_t desired_min_txpow_work;
} mn_magic_t;

/* TxHeader (§10).  superparents is written run-length encoded; equal
 * consecutive slots may share one pointer. */
typedef struct mn_txheader {
  mn_num_t nonce;
  mn_data_t chainid; /* 0x00 main net */
  mn_num_t timemilli;
  mn_num_t blocknumber;
  mn_data_t blockdifficulty;
  mn_data_t superparents[MN_CASCADE_LEVELS]; /* [0] is the parent */
  mn_data_t mmrroot;
  mn_num_t mmrtotal;
  mn_magic_t magic;
  mn_data_t customhash;
  mn_data_t bodyhash;
} mn_txheader_t;

/* TxBody (§11). */
typedef struct mn_txbody {
  mn_data_t prng;
  mn_data_t txndifficulty;
  mn_transaction_t txn;
  mn_witness_t witness;
  mn_transaction_t burntxn;
  mn_witness_t burnwitness;
  mn_data_t *txpowlist; /* ids of the TxPoWs a block includes */
  uint32_t n_txpowlist, cap_txpowlist;
} mn_txbody_t;

/* TxPoW (§12).  The derived block is filled by decode, copy and
 * txpow_compute(); after changing the header or body, call
 * txpow_compute() again before reading it. */
typedef struct mn_txpow {
  mn_txheader_t header;
  mn_txbody_t *body; /* NULL: header only (cascade form) */

  /* -- derived ------------------------------------------------------------ */
  uint8_t txpowid[32];   /* SHA3 of the canonical header */
  uint8_t txnid[32];     /* body's transaction id (zero without body) */
  uint8_t burntxnid[32]; /* body's burn transaction id */
  int32_t superlevel;    /* -1..31 (cascade.md §2) */
  bool is_block;         /* txpowid < blockdifficulty */
  /* txpowid < txndifficulty and the main transaction is not empty: the
   * reference's JSON "istransaction".  The structural test consensus uses
   * is mn_txpow_is_txn() below. */
  bool txn_pow;
  uint8_t reserved[2];
  uint64_t size; /* bytes of the canonical serialization */
  /* The block weight; zero when not a block, and for a difficulty of
   * 2^512 or more, which no valid block can have. */
  mn_weight_t weight;
} mn_txpow_t;

/* TxBlock (§13, mmr.md §4.3): a block with its MMR changes. */
typedef struct mn_txblock {
  mn_txpow_t txpow;
  mn_mmrentry_t *peaks; /* the parent MMR's peaks */
  uint32_t n_peaks, cap_peaks;
  mn_coinproof_t *spent; /* spent inputs, proofs to those peaks */
  uint32_t n_spent, cap_spent;
  mn_coin_t *newcoins; /* new outputs with their final coin ids */
  uint32_t n_newcoins, cap_newcoins;
} mn_txblock_t;

/* Address (§8): the binary form (address hash, script). */
typedef struct mn_address {
  mn_data_t address;
  mn_data_t script;
} mn_address_t;

/* Cascade node (cascade.md §4): a header-only TxPoW and its level. */
typedef struct mn_cascnode {
  mn_txpow_t txpow;
  int32_t level; /* 0 .. INT32_MAX as read; 0..31 in a sound cascade */
  uint32_t reserved;
} mn_cascnode_t;

/* Cascade (cascade.md §5): nodes from the tip to the oldest. */
typedef struct mn_cascade {
  mn_cascnode_t *nodes;
  uint32_t n_nodes, cap_nodes;
} mn_cascade_t;

/* IBD (cascade.md §8.1): an optional cascade, then TxBlocks oldest
 * first. */
typedef struct mn_ibd {
  bool has_cascade;
  uint8_t reserved[7];
  mn_cascade_t cascade;
  mn_txblock_t *blocks;
  uint32_t n_blocks, cap_blocks;
} mn_ibd_t;

/* The layouts are ABI (LP64 shown; other data models get their own). */
#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(mn_data_t) == 16, "mn_data_t layout is ABI");
_Static_assert(sizeof(mn_uint_t) == 64, "mn_uint_t layout is ABI");
_Static_assert(sizeof(mn_weight_t) == 72, "mn_weight_t layout is ABI");
_Static_assert(sizeof(mn_statevar_t) == 24, "mn_statevar_t layout is ABI");
_Static_assert(sizeof(mn_token_t) == 168, "mn_token_t layout is ABI");
_Static_assert(sizeof(mn_coin_t) == 160, "mn_coin_t layout is ABI");
_Static_assert(sizeof(mn_transaction_t) == 64, "mn_transaction_t is ABI");
_Static_assert(sizeof(mn_mmrdata_t) == 112, "mn_mmrdata_t layout is ABI");
_Static_assert(sizeof(mn_mmrchunk_t) == 120, "mn_mmrchunk_t layout is ABI");
_Static_assert(sizeof(mn_mmrproof_t) == 56, "mn_mmrproof_t layout is ABI");
_Static_assert(sizeof(mn_mmrentry_t) == 128, "mn_mmrentry_t layout is ABI");
_Static_assert(sizeof(mn_signature_t) == 56, "mn_signature_t is ABI");
_Static_assert(sizeof(mn_witness_t) == 48, "mn_witness_t layout is ABI");
_Static_assert(sizeof(mn_magic_t) == 272, "mn_magic_t layout is ABI");
_Static_assert(sizeof(mn_txheader_t) == 1024, "mn_txheader_t is ABI");
_Static_assert(sizeof(mn_txbody_t) == 272, "mn_txbody_t layout is ABI");
_Static_assert(sizeof(mn_txpow_t) == 1216, "mn_txpow_t layout is ABI");
_Static_assert(sizeof(mn_txblock_t) == 1264, "mn_txblock_t layout is ABI");
_Static_assert(sizeof(mn_cascnode_t) == 1224, "mn_cascnode_t is ABI");
_Static_assert(sizeof(mn_ibd_t) == 40, "mn_ibd_t layout is ABI");
#endif

/* --------------------------------------------------------------------------
 * Kinds and lists
 * ------------------------------------------------------------------------ */

/* X(KIND, name, type): every object kind the generic functions take. */
#define MN_OBJ_KIND_MAP(X)                                                    \
  X(STATEVAR, statevar, mn_statevar_t)                                        \
  X(TOKEN, token, mn_token_t)                                                 \
  X(COIN, coin, mn_coin_t)                                                    \
  X(TRANSACTION, transaction, mn_transaction_t)                               \
  X(MMRDATA, mmrdata, mn_mmrdata_t)                                           \
  X(MMRPROOF, mmrproof, mn_mmrproof_t)                                        \
  X(MMRENTRY, mmrentry, mn_mmrentry_t)                                        \
  X(COINPROOF, coinproof, mn_coinproof_t)                                     \
  X(SCRIPTPROOF, scriptproof, mn_scriptproof_t)                               \
  X(SIGNATURE, signature, mn_signature_t)                                     \
  X(WITNESS, witness, mn_witness_t)                                           \
  X(MAGIC, magic, mn_magic_t)                                                 \
  X(TXHEADER, txheader, mn_txheader_t)                                        \
  X(TXBODY, txbody, mn_txbody_t)                                              \
  X(TXPOW, txpow, mn_txpow_t)                                                 \
  X(TXBLOCK, txblock, mn_txblock_t)                                           \
  X(ADDRESS, address, mn_address_t)                                           \
  X(CASCNODE, cascnode, mn_cascnode_t)                                        \
  X(CASCADE, cascade, mn_cascade_t)                                           \
  X(IBD, ibd, mn_ibd_t)

typedef enum mn_obj_kind {
  MN_OBJ_NONE = 0,
#define MN__OBJ_ENUM(K, n, t) MN_OBJ_##K,
  MN_OBJ_KIND_MAP(MN__OBJ_ENUM)
#undef MN__OBJ_ENUM
  MN_OBJ_KIND_COUNT
} mn_obj_kind_t;

/* The lists add() appends to: X(LIST, name, container type, item type). */
#define MN_OBJ_LIST_MAP(X)                                                    \
  X(TXN_INPUTS, txn_inputs, mn_transaction_t, mn_coin_t)                      \
  X(TXN_OUTPUTS, txn_outputs, mn_transaction_t, mn_coin_t)                    \
  X(PROOF_CHUNKS, proof_chunks, mn_mmrproof_t, mn_mmrchunk_t)                 \
  X(WITNESS_COINPROOFS, witness_coinproofs, mn_witness_t, mn_coinproof_t)     \
  X(WITNESS_SCRIPTS, witness_scripts, mn_witness_t, mn_scriptproof_t)         \
  X(BODY_TXPOWLIST, body_txpowlist, mn_txbody_t, mn_data_t)                   \
  X(TXBLOCK_PEAKS, txblock_peaks, mn_txblock_t, mn_mmrentry_t)                \
  X(TXBLOCK_SPENT, txblock_spent, mn_txblock_t, mn_coinproof_t)               \
  X(TXBLOCK_NEWCOINS, txblock_newcoins, mn_txblock_t, mn_coin_t)              \
  X(CASCADE_NODES, cascade_nodes, mn_cascade_t, mn_cascnode_t)                \
  X(IBD_BLOCKS, ibd_blocks, mn_ibd_t, mn_txblock_t)

typedef enum mn_obj_list {
  MN_LIST_NONE = 0,
#define MN__OBJ_LIST_ENUM(L, n, c, i) MN_LIST_##L,
  MN_OBJ_LIST_MAP(MN__OBJ_LIST_ENUM)
#undef MN__OBJ_LIST_ENUM
  MN_LIST_COUNT
} mn_obj_list_t;

/* json() flags. */
#define MN_JSON_SIMPLESTATE 0x1u /* coins: state as {"port":"text"} */

/* --------------------------------------------------------------------------
 * The function table (host->obj)
 * ------------------------------------------------------------------------ */

typedef struct mn_obj_api {
  uint32_t size; /* sizeof(mn_obj_api_t) as the kernel was built */

  /* -- ABI 1.0: any object ------------------------------------------------ */

  /* Reads one object of `kind` from p.  With used == NULL the object must
   * fill all len bytes; otherwise *used receives the bytes it took.  On
   * success *out is a new root (free it with free()); on failure *out is
   * NULL.  MN_EFORMAT, MN_ENOMEM, MN_EINVAL (unknown kind). */
  int (*decode)(mn_obj_kind_t kind, const uint8_t *p, size_t len,
                size_t *used, void **out);
  /* Appends the serialization to out.  MN_ENOMEM (out->err is set too),
   * MN_ETOOBIG (a hash field over 64 bytes), MN_EINVAL (a value no
   * reader could have produced, e.g. a state variable text that does not
   * parse as its type). */
  int (*encode)(mn_obj_kind_t kind, const void *obj, mn_buf_t *out);
  /* Length of the serialization, without building it. */
  int (*measure)(mn_obj_kind_t kind, const void *obj, size_t *len);
  /* SHA3-256 of the serialization (the reference's hashObject): the
   * txpowid of a TXHEADER, the transactionid of a TRANSACTION, the body
   * hash of a TXBODY.  (A token's id is token_id(), not this.) */
  int (*hash)(mn_obj_kind_t kind, const void *obj, uint8_t out[32]);
  /* A new root holding the reference's default object: empty lists,
   * 0x00 ids, default Magic, MAX_HASH difficulties, a random 32-byte
   * PRNG for TXBODY/TXPOW, time 0.  MN_ENOMEM, MN_EIO (no randomness). */
  int (*create)(mn_obj_kind_t kind, void **out);
  /* A deep copy of any object (a root or a part of one, or one built on
   * the stack) as a new root.  Derived TxPoW values are copied. */
  int (*copy)(mn_obj_kind_t kind, const void *obj, void **out);
  /* Frees a root from decode/create/copy (NULL is a no-op). */
  void (*free)(void *root);
  /* Bytes of memory the root holds. */
  size_t (*mem)(const void *root);
  /* The reference's toJSON() of the object (spec/rpc.md §6): field names
   * and order, MiniNumbers as strings, hex as 0x + upper case.  Where the
   * reference writes a bare number (TxPoW burn, superblock, size; Token
   * decimals; StateVariable port and type) the value is a JSON integer,
   * or a real when it has a fraction (dump with JSON_REAL_PRECISION(15)
   * or so to print it as the reference does).  A token name that is JSON
   * text is embedded as JSON.  New reference; NULL on MN_ENOMEM or for a
   * kind the reference has no JSON for (TXBLOCK, CASCNODE, CASCADE,
   * IBD).  flags: MN_JSON_*. */
  json_t *(*json)(mn_obj_kind_t kind, const void *obj, uint32_t flags);

  /* Copies len bytes into owner's arena.  MN_ENOMEM, MN_EINVAL. */
  int (*dup)(void *owner, const void *p, size_t len, mn_data_t *out);
  /* The same for text that becomes a MiniString: invalid UTF-8 is
   * replaced by U+FFFD as the reference's decoder would. */
  int (*dup_string)(void *owner, const char *s, size_t len, mn_data_t *out);
  /* Deep-copies item onto the end of a list of container (see
   * MN_OBJ_LIST_MAP for the types).  WITNESS_SCRIPTS ignores a script
   * proof whose address is already present (returns MN_EEXIST) and
   * recomputes the added proof's address. */
  int (*add)(void *owner, mn_obj_list_t list, void *container,
             const void *item);
  /* Reads a list count (a MiniNumber, as decode() checks it) for callers
   * that walk a stream themselves (an IBD's TxBlocks one by one). */
  int (*count_decode)(const uint8_t *p, size_t len, size_t *used,
                      uint32_t *n);

  /* -- ABI 1.0: transactions, state, witnesses ----------------------------- */

  /* StateVariable from user text (§3): Mx... (an address) and 0x... are
   * HEX, true/false any case BOOL, [...] STRING, anything else must parse
   * as a MiniNumber (stored printed).  port 0..255.  The text is stored in
   * owner's arena.  MN_EINVAL: blank text, bad port, text of no type;
   * MN_EFORMAT: bad hex or Mx text; MN_EINVALID: a wrong Mx checksum. */
  int (*statevar_parse)(void *owner, int port, const char *text, size_t len,
                        mn_statevar_t *out);
  /* The NUMBER value (parsed from the text, limit-checked). */
  int (*statevar_number)(const mn_statevar_t *sv, mn_num_t *out);
  /* The HEX bytes, appended to out. */
  int (*statevar_hex)(const mn_statevar_t *sv, mn_buf_t *out);
  /* Adds sv to the state list, replacing the same port, keeping the list
   * sorted by port. */
  int (*txn_set_state)(void *owner, mn_transaction_t *t,
                       const mn_statevar_t *sv);
  /* Removes a port; false when absent. */
  bool (*txn_remove_state)(mn_transaction_t *t, int port);
  /* The variable at port, or NULL. */
  const mn_statevar_t *(*txn_get_state)(const mn_transaction_t *t, int port);
  /* Length of count + state variables (the reference's state size). */
  int (*txn_state_size)(const mn_transaction_t *t, size_t *len);
  /* Σinputs − Σoutputs of all amounts (MiniNumber).  MN_EOVERFLOW. */
  int (*txn_burn)(const mn_transaction_t *t, mn_num_t *out);
  /* The reference's checkValid (§5): at least one input, Σout ≤ Σin,
   * valid Minima amounts, per output token id Σin ≥ Σout, distinct input
   * ids.  As in the reference, an output creating a token (0xFF) puts
   * Minima on the list of ids to check but is not in its sum. */
  bool (*txn_check_valid)(const mn_transaction_t *t);
  /* coinid(k) = SHA3(MiniData(base) ‖ MiniNumber(k)). */
  void (*coinid)(const uint8_t *base, size_t baselen, uint32_t k,
                 uint8_t out[32]);
  /* The id of output k of t: base = the first coin proof's coin id in w,
   * or t's transactionid when genesis (the MMR at block time 1).
   * MN_EMISSING when w has no coin proof and genesis is false. */
  int (*txn_output_coinid)(const mn_transaction_t *t, const mn_witness_t *w,
                           bool genesis, uint32_t k, uint8_t out[32]);
  /* Output k of t as a block stores it (mmr.md §4.3b) into *out, allocated
   * in owner: coin id set, the transaction's state if storestate (else
   * the output's own, normally none, as the reference keeps it), and for
   * tokenid 0xFF the final Token (coin id, the
   * request's scale/name/script, the output's amount, created =
   * blocknumber) with tokenid set to its id.  MN_EINVALID for 0xFF
   * without a token descriptor; MN_ERANGE for a bad k. */
  int (*txn_make_output)(void *owner, const mn_transaction_t *t, uint32_t k,
                         const uint8_t coinid[32],
                         const mn_num_t *blocknumber, mn_coin_t *out);
  /* Appends a serialized Signature (as host->crypto->treekey_sign writes
   * it), stored canonically with its root key.  A signature whose root
   * key is already present is ignored (MN_EEXIST), as the reference's
   * builder does.  MN_EFORMAT for bytes that are not one Signature. */
  int (*witness_add_signature)(void *owner, mn_witness_t *w,
                               const uint8_t *sig, size_t len);
  /* The script proof for an address, or NULL. */
  const mn_scriptproof_t *(*witness_find_script)(const mn_witness_t *w,
                                                 const uint8_t *addr,
                                                 size_t len);
  /* A script proof for script (a single-script proof when proof is NULL),
   * with its address; allocated in owner. */
  int (*scriptproof_make)(void *owner, const char *script, size_t len,
                          const mn_mmrproof_t *proof, mn_scriptproof_t *out);
  /* Replaces a coin's state list (copies n variables) or its token (copy;
   * NULL removes it). */
  int (*coin_set_state)(void *owner, mn_coin_t *c, const mn_statevar_t *sv,
                        uint32_t n);
  int (*coin_set_token)(void *owner, mn_coin_t *c, const mn_token_t *tok);
  /* tokenid = SHA3(MiniData(token bytes)). */
  int (*token_id)(const mn_token_t *tok, uint8_t out[32]);
  /* minima × 10^scale and tokens ÷ 10^scale, step by step with MiniNumber
   * arithmetic as the reference does (getScaledTokenAmount /
   * getScaledMinimaAmount).  MN_EOVERFLOW. */
  int (*token_scale_up)(const mn_token_t *tok, const mn_num_t *minima,
                        mn_num_t *out);
  int (*token_scale_down)(const mn_token_t *tok, const mn_num_t *tokens,
                          mn_num_t *out);

  /* -- ABI 1.0: MMR ------------------------------------------------------- */

  /* leaf(X, v): SHA3(MiniNumber 0 ‖ X ‖ v), value v; X is serialized
   * object bytes.  MN_EINVAL for a value that cannot be written. */
  int (*mmr_leaf)(const void *x, size_t len, const mn_num_t *value,
                  mn_mmrdata_t *out);
  /* The leaf of a coin: leaf(coin, amount), or with spent the leaf the
   * MMR stores for it once spent: leaf(coin with spent = 1, 0). */
  int (*coin_leaf)(const mn_coin_t *c, bool spent, mn_mmrdata_t *out);
  /* parent(L, R): value L+R (MiniNumber), SHA3(1 ‖ MiniData(L.hash) ‖
   * MiniData(R.hash) ‖ value).  MN_EOVERFLOW where the sum would throw.
   * out may alias l or r. */
  int (*mmr_parent)(const mn_mmrdata_t *l, const mn_mmrdata_t *r,
                    mn_mmrdata_t *out);
  /* Applies a proof's chunks to leaf.  MN_EOVERFLOW. */
  int (*mmr_fold)(const mn_mmrproof_t *p, const mn_mmrdata_t *leaf,
                  mn_mmrdata_t *root);
  /* The root of a list of peaks (highest row first), bagged as mmr.md §3
   * says.  MN_EINVAL for n == 0. */
  int (*mmr_bag)(const mn_mmrdata_t *peaks, size_t n, mn_mmrdata_t *root);
  /* Hash byte-equal and value numerically equal (the reference's
   * MMRData.isEqual). */
  bool (*mmr_equal)(const mn_mmrdata_t *a, const mn_mmrdata_t *b);
  /* A script's address: leaf(MiniString script, 0).hash. */
  void (*script_address)(const char *script, size_t len, uint8_t out[32]);

  /* -- ABI 1.0: TxPoW ----------------------------------------------------- */

  /* Recomputes the derived values of t (txpowid over the canonical header,
   * transaction ids, is_block, txn_pow, superlevel, size, weight). */
  int (*txpow_compute)(mn_txpow_t *t);
  /* header.bodyhash = SHA3(body), stored in owner's arena.  MN_ESTATE
   * without a body. */
  int (*txpow_set_bodyhash)(void *owner, mn_txpow_t *t);
  /* burn of the main plus the burn transaction (0 without a body). */
  int (*txpow_burn)(const mn_txpow_t *t, mn_num_t *out);
  /* superlevel = bitLength(diff / id) − 1, capped at 31, −1 when
   * id > diff.  Both are unsigned big-endian.  MN_EDIVZERO for id 0. */
  int (*superlevel)(const uint8_t *diff, size_t dlen, const uint8_t *id,
                    size_t idlen, int *level);
  /* Mining (consensus.md §3): sets t's nonce to MN_MINE_NONCE and
   * appends the serialized header to hdr. */
  int (*mine_prepare)(mn_txpow_t *t, mn_buf_t *hdr);
  /* Writes counter's minimal two's-complement big-endian bytes over hdr
   * from MN_MINE_OFFSET (at most 9 bytes; len must allow it).  Pure and
   * allocation-free: the inner loop is this plus sha3_256(hdr). */
  void (*mine_counter)(uint8_t *hdr, size_t len, uint64_t counter);
  /* Takes the nonce from the winning header bytes into t and recomputes
   * the derived values.  MN_EFORMAT when hdr does not start with a
   * MiniNumber. */
  int (*mine_finish)(mn_txpow_t *t, const uint8_t *hdr, size_t len);

  /* -- ABI 1.0: Magic ----------------------------------------------------- */

  /* Defaults: 65536, 1024, 256, MIN_TXPOW_WORK, desired the same.  The
   * work fields point at static bytes. */
  void (*magic_default)(mn_magic_t *m);
  /* The reference's calculateNewCurrent (consensus.md §6): current values
   * from parent's current and desired ones; desired fields are the
   * defaults.  out->min_txpow_work points into work (64 bytes, caller's).
   * MN_EOVERFLOW where the reference's arithmetic throws, or for a work
   * value of more than 64 significant bytes. */
  int (*magic_next)(const mn_magic_t *parent, mn_magic_t *out,
                    uint8_t work[64]);
  /* The reference's checkSame: the three numbers numerically equal, the
   * work byte-equal. */
  bool (*magic_same)(const mn_magic_t *a, const mn_magic_t *b);

  /* -- ABI 1.0: chain weights --------------------------------------------- */

  /* (2^256 − 1) / difficulty rounded to 7 digits, HALF_EVEN (a block's
   * weight).  MN_EDIVZERO, MN_ERANGE for a difficulty of 2^512 or more. */
  int (*weight_of)(const uint8_t *diff, size_t len, mn_weight_t *out);
  /* Exact sum.  MN_EOVERFLOW when the sum needs more than 512 bits of
   * unscaled value.  r may alias. */
  int (*weight_add)(mn_weight_t *r, const mn_weight_t *a,
                    const mn_weight_t *b);
  int (*weight_cmp)(const mn_weight_t *a, const mn_weight_t *b);
  /* a × 2^level rounded to 7 digits HALF_EVEN (a cascade node's weight).
   * MN_EOVERFLOW for absurd levels. */
  int (*weight_mul_pow2)(mn_weight_t *r, const mn_weight_t *a,
                         uint32_t level);
  /* The integer part (Java toBigInteger), scale 0. */
  int (*weight_trunc)(mn_weight_t *r, const mn_weight_t *a);
  /* Java BigDecimal.toString ("2.000000", "1.157921E+77"); snprintf-like.
   * MN_NUM_STR_MAX always suffices. */
  size_t (*weight_to_str)(const mn_weight_t *a, char *buf, size_t cap);

  /* -- ABI 1.0: unsigned integers (difficulty arithmetic) ----------------- */

  /* Big-endian bytes of any length (leading zeros allowed).
   * MN_EOVERFLOW at 2^512 or more. */
  int (*uint_from_bytes)(mn_uint_t *r, const uint8_t *p, size_t len);
  /* Minimal big-endian bytes (MiniData from a BigInteger: zero is one 00
   * byte).  Returns the length (1..64). */
  size_t (*uint_to_bytes)(const mn_uint_t *a, uint8_t out[64]);
  void (*uint_from_u64)(mn_uint_t *r, uint64_t v);
  int (*uint_cmp)(const mn_uint_t *a, const mn_uint_t *b);
  unsigned (*uint_bitlen)(const mn_uint_t *a);
  /* MN_EOVERFLOW (add, mul), MN_ERANGE (sub below zero), MN_EDIVZERO.
   * Results may alias operands; q or rem may be NULL. */
  int (*uint_add)(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b);
  int (*uint_sub)(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b);
  int (*uint_mul)(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b);
  int (*uint_divmod)(mn_uint_t *q, mn_uint_t *rem, const mn_uint_t *a,
                     const mn_uint_t *b);
  /* The integer part of a non-negative MiniNumber (toBigInteger).
   * MN_ERANGE for a negative number. */
  int (*uint_from_num)(mn_uint_t *r, const mn_num_t *n);
  /* floor(a × ratio), the exact BigDecimal product truncated (the
   * difficulty retarget).  MN_ERANGE for a negative ratio. */
  int (*uint_mul_num)(mn_uint_t *r, const mn_uint_t *a,
                      const mn_num_t *ratio);
  /* toBigInteger(a ÷ d) with the quotient first rounded HALF_EVEN to
   * `digits` significant digits (16 for Java DECIMAL64, 0 for none).
   * MN_EDIVZERO, MN_ERANGE (d < 0), MN_EOVERFLOW (intermediates beyond
   * 512 bits). */
  int (*uint_div_num)(mn_uint_t *r, const mn_uint_t *a, const mn_num_t *d,
                      unsigned digits);
  /* Decimal text, snprintf-like (at most 155 digits). */
  size_t (*uint_to_dec)(const mn_uint_t *a, char *buf, size_t cap);
  int (*uint_from_dec)(mn_uint_t *r, const char *s, size_t len);
  /* Compares byte strings as unsigned big-endian integers (the
   * reference's isLess/isMore): -1, 0, 1. */
  int (*data_cmp_value)(const uint8_t *a, size_t alen, const uint8_t *b,
                        size_t blen);

  /* -- ABI 1.0: MiniData text --------------------------------------------- */

  /* The reference's to0xString: "0x" + upper-case hex, "" for no bytes.
   * snprintf-like: returns the full length (2 + 2 n, or 0). */
  size_t (*data_to_0x)(const uint8_t *p, size_t n, char *buf, size_t cap);
  /* The reference's MiniData(text): optional 0x/0X, either case, an odd
   * digit count gets a leading 0 nibble, "0x" is empty.  Appends to out;
   * MN_EFORMAT on any other character (out unchanged). */
  int (*data_from_hex)(const char *text, size_t len, mn_buf_t *out);
} mn_obj_api_t;

/* --------------------------------------------------------------------------
 * Typed conveniences
 * ------------------------------------------------------------------------ */

/* mn_<name>_decode / _encode / _new / _copy / _hash / _json for every
 * kind, e.g. mn_txpow_decode(host->obj, p, len, NULL, &txpow). */
#define MN__OBJ_TYPED(K, name, type)                                          \
  static inline int mn_##name##_decode(const mn_obj_api_t *o,                 \
                                       const uint8_t *p, size_t len,          \
                                       size_t *used, type **out) {            \
    return o->decode(MN_OBJ_##K, p, len, used, (void **)out);                 \
  }                                                                           \
  static inline int mn_##name##_encode(const mn_obj_api_t *o, const type *x,  \
                                       mn_buf_t *out) {                       \
    return o->encode(MN_OBJ_##K, x, out);                                     \
  }                                                                           \
  static inline int mn_##name##_new(const mn_obj_api_t *o, type **out) {      \
    return o->create(MN_OBJ_##K, (void **)out);                               \
  }                                                                           \
  static inline int mn_##name##_copy(const mn_obj_api_t *o, const type *x,    \
                                     type **out) {                            \
    return o->copy(MN_OBJ_##K, x, (void **)out);                              \
  }                                                                           \
  static inline int mn_##name##_hash(const mn_obj_api_t *o, const type *x,    \
                                     uint8_t out[32]) {                       \
    return o->hash(MN_OBJ_##K, x, out);                                       \
  }                                                                           \
  static inline json_t *mn_##name##_json(const mn_obj_api_t *o,              \
                                         const type *x) {                     \
    return o->json(MN_OBJ_##K, x, 0);                                         \
  }
MN_OBJ_KIND_MAP(MN__OBJ_TYPED)
#undef MN__OBJ_TYPED

/* mn_add_<name>(o, owner, container, item) for every list, e.g.
 * mn_add_txn_inputs(host->obj, txn, txn, &coin). */
#define MN__OBJ_ADD(L, name, ctype, itype)                                    \
  static inline int mn_add_##name(const mn_obj_api_t *o, void *owner,         \
                                  ctype *c, const itype *item) {              \
    return o->add(owner, MN_LIST_##L, c, item);                               \
  }
MN_OBJ_LIST_MAP(MN__OBJ_ADD)
#undef MN__OBJ_ADD

/* The structural "is a transaction" consensus uses: a body with a
 * non-empty main or burn transaction. */
static inline bool mn_transaction_is_empty(const mn_transaction_t *t) {
  return t->n_inputs == 0 && t->n_outputs == 0;
}
static inline bool mn_txpow_is_txn(const mn_txpow_t *t) {
  return t->body && (!mn_transaction_is_empty(&t->body->txn) ||
                     !mn_transaction_is_empty(&t->body->burntxn));
}
/* size − 32 × (txpowlist length), as the reference counts it. */
static inline uint64_t mn_txpow_size_no_txns(const mn_txpow_t *t) {
  uint64_t n = t->body ? t->body->n_txpowlist : 0;
  return t->size - 32 * n;
}
static inline const mn_data_t *mn_txpow_parent(const mn_txpow_t *t) {
  return &t->header.superparents[0];
}

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_OBJECTS_H */
