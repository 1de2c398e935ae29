/*
 * crypto/crypto.h - the kernel's cryptography (library mncore).
 *
 * mn__crypto_api() is the table plugins receive as host->crypto; its
 * functions are documented in minima/crypto.h.  Kernel code may call the
 * mn__ functions below directly; they are the same code without the table.
 *
 * Layout of the module:
 *   keccak.c, keccak_scalar.h, keccak_round.h   SHA3-256, one message
 *   keccak_bmi.c, keccak_avx2.c, keccak_avx512.c the same for other ISAs
 *   sha3_many.c     many messages / hash chains on the SIMD kernels
 *   wots.c          Winternitz one-time signatures (w = 8)
 *   treekey.c       tree keys: nodes, signing, Signature parsing, verify
 *   mx.c            base 32 and Mx address text
 *   ossl.c          SHA-256, CSPRNG, PBKDF2, AES, AEAD, X25519, RSA
 *   gzip.c          GZIP members as Java writes them
 *   api.c           the function table
 * spec/crypto.md describes every byte; tests/unit/test_crypto*.c prove it.
 */
#ifndef MN_CRYPTO_CRYPTO_H
#define MN_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/crypto.h>
#include <minima/errors.h>
#include <minima/types.h>

/* The host->crypto table.  Static; never NULL. */
const mn_crypto_api_t *mn__crypto_api(void);

/* --------------------------------------------------------------------------
 * SHA3-256
 * ------------------------------------------------------------------------ */

void mn__sha3_256(const void *data, size_t len, uint8_t out[MN_HASH_LEN]);
void mn__sha3_init(mn_sha3_t *ctx);
void mn__sha3_update(mn_sha3_t *ctx, const void *data, size_t len);
/* Writes the digest and wipes ctx. */
void mn__sha3_final(mn_sha3_t *ctx, uint8_t out[MN_HASH_LEN]);
/* count messages of len bytes each: in[i] -> out[i]. */
void mn__sha3_256_many(const uint8_t *const *in, size_t len, size_t count,
                       uint8_t (*out)[MN_HASH_LEN]);
/* Replaces each v[i] by SHA3 applied steps[i] times (uniform times when
 * steps is NULL).  The chains are independent and run on the SIMD lanes. */
void mn__sha3_chain32(uint8_t (*v)[32], size_t n, const uint8_t *steps,
                      unsigned uniform);
/* One chain on the scalar code; v holds the value as 4 little-endian lanes. */
void mn__sha3_chain32_one(uint64_t v[4], unsigned steps);
/* The bare permutation, for tests. */
void mn__keccakf(uint64_t st[25]);

/* Instruction-set tiers of the SHA3 code, lowest first.  BMI is the scalar
 * code built for BMI1/2; AVX2 and AVX512 add 4- and 8-way kernels. */
enum {
  MN__SHA3_ISA_BASE = 0,
  MN__SHA3_ISA_BMI = 1,
  MN__SHA3_ISA_AVX2 = 2,
  MN__SHA3_ISA_AVX512 = 3
};
/* The tier in use: the best the CPU offers unless capped. */
int mn__sha3_isa(void);
/* Caps the tier at max (negative: no cap) for tests and benchmarks, which
 * compare the code paths on one machine.  Returns the tier now in effect.
 * Affects every thread; not for use while other threads hash. */
int mn__sha3_set_isa(int max);

/* --------------------------------------------------------------------------
 * SHA-256 and randomness (OpenSSL, the OS)
 * ------------------------------------------------------------------------ */

void mn__sha256(const void *data, size_t len, uint8_t out[MN_HASH_LEN]);
/* 0 or MN_EIO. */
int mn__random(void *buf, size_t len);

/* --------------------------------------------------------------------------
 * Winternitz one-time signatures, w = 8 (spec/crypto.md section 2)
 * ------------------------------------------------------------------------ */

#define MN__WOTS_CHAINS 34

/* The 34 private key elements expanded from seed (GMSS PRNG). */
void mn__wots_privkey(const uint8_t seed[32], uint8_t sk[MN__WOTS_CHAINS][32]);
/* The 34 digits for a message digest: its 32 bytes, then the checksum
 * 8192 - sum, low byte first. */
void mn__wots_digits(const uint8_t digest[32], uint8_t d[MN__WOTS_CHAINS]);
void mn__wots_pubkey(const uint8_t seed[32], uint8_t pk[32]);
/* Public keys of n WOTS keys at once (their chains share SIMD lanes).
 * 0 or MN_ENOMEM. */
int mn__wots_pubkeys(const uint8_t (*seeds)[32], size_t n, uint8_t (*pk)[32]);
void mn__wots_sign(const uint8_t seed[32], const void *msg, size_t len,
                   uint8_t sig[MN_WOTS_SIG_LEN]);
bool mn__wots_verify(const uint8_t pk[32], const void *msg, size_t len,
                     const uint8_t *sig, size_t siglen);
/* Public keys that n signatures (each 1088 bytes) imply for the message
 * digests: the verifier's work for n signatures in one batch.
 * 0 or MN_ENOMEM. */
int mn__wots_recover(const uint8_t *const *sigs, const uint8_t (*digests)[32],
                     size_t n, uint8_t (*pk)[32]);

/* --------------------------------------------------------------------------
 * Tree keys (spec/crypto.md section 3)
 * ------------------------------------------------------------------------ */

int mn__treekey_new(const uint8_t seed[32], unsigned keys_per_level,
                    unsigned levels, mn_treekey_t **out);
void mn__treekey_free(mn_treekey_t *key);
void mn__treekey_pubkey(const mn_treekey_t *key, uint8_t pk[32]);
uint64_t mn__treekey_max_uses(const mn_treekey_t *key);
int mn__treekey_sign(mn_treekey_t *key, uint64_t use, const void *msg,
                     size_t len, mn_buf_t *out);
int mn__treekey_verify(const uint8_t *pk, size_t pklen, const void *msg,
                       size_t len, const uint8_t *sig, size_t siglen);
int mn__treekey_sig_root(const uint8_t *sig, size_t siglen, uint8_t root[32]);
/* Length of the serialized Signature at the start of p (a witness holds
 * several back to back).  0 with *used set, or MN_EFORMAT. */
int mn__treekey_sig_measure(const uint8_t *p, size_t len, size_t *used);
/* Applies a serialized MMRProof (block time, count, chunks) to the MMR
 * node (leaf, value) as the reference's calculateProof() does, value sums
 * included; value must have scale 0..44 (MN_EINVAL).  *used (may be NULL)
 * receives the proof's length.  0, MN_EFORMAT, or MN_EOVERFLOW where the
 * reference would throw on a sum out of range. */
int mn__mmr_proof_root(const uint8_t *proof, size_t len, size_t *used,
                       const uint8_t leaf[32], const mn_num_t *value,
                       uint8_t root[32], mn_num_t *rootval);
/* The public key (MMR root) of the tree-key node with this node seed and
 * keys_per_level WOTS keys (2..256).  0, MN_EINVAL or MN_ENOMEM. */
int mn__treekey_node_pubkey(const uint8_t seed[32], unsigned keys_per_level,
                            uint8_t pk[32]);

/* --------------------------------------------------------------------------
 * Base 32 and Mx addresses (spec/crypto.md section 6)
 * ------------------------------------------------------------------------ */

/* "Mx" + data as an unsigned number in base 32 (0x000001 -> "Mx1", no data
 * or zeros -> "Mx0").  Returns the full length like snprintf. */
int mn__base32_encode(const uint8_t *data, size_t len, char *out, size_t cap);
/* The inverse, with the reference's leniency: optional "Mx", any case,
 * W/Y/Z read as I/L/O.  Appends the number's minimal big-endian bytes
 * (zero -> one 00 byte).  MN_EFORMAT on anything else. */
int mn__base32_decode(const char *text, size_t len, mn_buf_t *out);
int mn__mx_encode(const uint8_t *data, size_t len, char *out, size_t cap);
int mn__mx_decode(const char *text, size_t len, mn_buf_t *out);

/* --------------------------------------------------------------------------
 * OpenSSL wrappers and GZIP (minima/crypto.h has the contracts)
 * ------------------------------------------------------------------------ */

int mn__pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt,
                      size_t saltlen, uint32_t iterations, uint8_t *out,
                      size_t outlen);
int mn__aes_cbc_encrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
                        const void *in, size_t len, mn_buf_t *out);
int mn__aes_cbc_decrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
                        const void *in, size_t len, mn_buf_t *out);
int mn__aead_seal(const uint8_t key[MN_AEAD_KEY_LEN],
                  const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                  size_t adlen, const void *in, size_t len, uint8_t *out);
int mn__aead_open(const uint8_t key[MN_AEAD_KEY_LEN],
                  const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                  size_t adlen, const void *in, size_t len, uint8_t *out);
int mn__kex_keypair(uint8_t pub[MN_KEX_KEY_LEN], uint8_t priv[MN_KEX_KEY_LEN]);
int mn__kex_shared(const uint8_t priv[MN_KEX_KEY_LEN],
                   const uint8_t peer_pub[MN_KEX_KEY_LEN],
                   uint8_t shared[MN_KEX_KEY_LEN]);
int mn__rsa_keygen(unsigned bits, mn_buf_t *pub_der, mn_buf_t *priv_der);
int mn__rsa_sign_sha256(const uint8_t *priv_der, size_t privlen,
                        const void *msg, size_t len, mn_buf_t *sig);
int mn__rsa_verify_sha256(const uint8_t *pub_der, size_t publen,
                          const void *msg, size_t len, const uint8_t *sig,
                          size_t siglen);
int mn__rsa_encrypt(const uint8_t *pub_der, size_t publen, const void *in,
                    size_t len, mn_buf_t *out);
int mn__rsa_decrypt(const uint8_t *priv_der, size_t privlen, const void *in,
                    size_t len, mn_buf_t *out);
int mn__gzip(const void *in, size_t len, mn_buf_t *out);
int mn__gunzip(const void *in, size_t len, size_t max, mn_buf_t *out);

#endif
