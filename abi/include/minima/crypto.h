/*
 * minima/crypto.h - hashing, randomness and signatures (host->crypto).
 *
 * Minima hashes everything with SHA3-256 (FIPS 202, not legacy Keccak) and
 * signs with Winternitz one-time keys (w = 8 over SHA3-256) arranged in tree
 * keys: levels of WOTS keys committed by MMRs, 64 keys per level and 3
 * levels by default, 262 144 signatures per tree key.  spec/crypto.md has
 * every byte; vectors/crypto.json proves them.
 *
 * SHA2-256, the CSPRNG and the symmetric/AEAD/key-exchange wrappers come
 * from OpenSSL's libcrypto.  Everything here is thread-safe and may be
 * called from the host work queue.
 */
#ifndef MINIMA_CRYPTO_H
#define MINIMA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MN_HASH_LEN 32          /* SHA3-256 / SHA2-256 output */
#define MN_WOTS_SIG_LEN 1088    /* 34 chains x 32 bytes */
#define MN_TREEKEY_MAX_LEVELS 8 /* verifiers accept 1..8 levels */
#define MN_AEAD_KEY_LEN 32      /* ChaCha20-Poly1305 */
#define MN_AEAD_NONCE_LEN 12
#define MN_AEAD_TAG_LEN 16
#define MN_KEX_KEY_LEN 32 /* X25519 */

/* Incremental SHA3-256 state; plain memory, copy it to fork a hash. */
typedef struct mn_sha3 {
  uint64_t st[25];
  uint32_t pos; /* bytes absorbed into the current block */
  uint32_t reserved;
} mn_sha3_t;

/* A tree key with its cached node path; create with treekey_new, release
 * with treekey_free.  Not thread-safe: one signer at a time. */
typedef struct mn_treekey mn_treekey_t;

typedef struct mn_crypto_api {
  uint32_t size; /* sizeof(mn_crypto_api_t) as the kernel was built */

  /* -- ABI 1.0: hashing ---------------------------------------------------- */
  void (*sha3_256)(const void *data, size_t len, uint8_t out[MN_HASH_LEN]);
  void (*sha3_init)(mn_sha3_t *ctx);
  void (*sha3_update)(mn_sha3_t *ctx, const void *data, size_t len);
  /* Writes the digest; ctx must be re-initialised before reuse. */
  void (*sha3_final)(mn_sha3_t *ctx, uint8_t out[MN_HASH_LEN]);
  void (*sha256)(const void *data, size_t len, uint8_t out[MN_HASH_LEN]);

  /* Hashes count messages of equal length len, in[i] -> out[i], using the
   * widest SIMD the CPU offers (the miner's inner loop). */
  void (*sha3_256_many)(const uint8_t *const *in, size_t len, size_t count,
                        uint8_t (*out)[MN_HASH_LEN]);

  /* Fills buf from the OS CSPRNG.  0 or MN_EIO. */
  int (*random)(void *buf, size_t len);

  /* -- ABI 1.0: Winternitz one-time signatures (w = 8) --------------------- */
  /* Public key of the WOTS key expanded from the 32-byte seed. */
  void (*wots_pubkey)(const uint8_t seed[32], uint8_t pk[32]);
  /* Signs SHA3(msg) with the key expanded from seed. */
  void (*wots_sign)(const uint8_t seed[32], const void *msg, size_t len,
                    uint8_t sig[MN_WOTS_SIG_LEN]);
  /* True iff sig (any length; only 1088 can be valid) signs msg for pk. */
  bool (*wots_verify)(const uint8_t pk[32], const void *msg, size_t len,
                      const uint8_t *sig, size_t siglen);

  /* -- ABI 1.0: tree keys -------------------------------------------------- */
  /* keys_per_level 2..256, levels 1..8.  MN_EINVAL otherwise, MN_ENOMEM. */
  int (*treekey_new)(const uint8_t seed[32], unsigned keys_per_level,
                     unsigned levels, mn_treekey_t **out);
  void (*treekey_free)(mn_treekey_t *key);
  /* The 32-byte root public key. */
  void (*treekey_pubkey)(const mn_treekey_t *key, uint8_t pk[32]);
  /* keys_per_level ^ levels, saturating at UINT64_MAX (256^8 = 2^64). */
  uint64_t (*treekey_max_uses)(const mn_treekey_t *key);
  /* Appends the serialized Signature (one SignatureProof per level) of msg
   * with one-time path `use` to out.  MN_EEXHAUSTED when use >= max uses
   * (the reference wraps to 0 and reuses keys; we refuse). */
  int (*treekey_sign)(mn_treekey_t *key, uint64_t use, const void *msg,
                      size_t len, mn_buf_t *out);
  /* Verifies a serialized Signature against root key pk: 0 when valid,
   * MN_EINVALID when it does not verify, MN_EFORMAT when sig is not a
   * well-formed Signature or has bytes after it. */
  int (*treekey_verify)(const uint8_t *pk, size_t pklen, const void *msg,
                        size_t len, const uint8_t *sig, size_t siglen);
  /* Root public key a serialized Signature claims (from its first proof),
   * without verifying it.  0, or MN_EFORMAT. */
  int (*treekey_sig_root)(const uint8_t *sig, size_t siglen,
                          uint8_t root[32]);

  /* -- ABI 1.0: password-based and symmetric encryption -------------------- */
  /* PBKDF2-HMAC-SHA256.  0, MN_EINVAL or MN_EIO.  The reference's JCE
   * PBKDF2 uses the password's UTF-8 bytes; pass those. */
  int (*pbkdf2_sha256)(const void *pw, size_t pwlen, const void *salt,
                       size_t saltlen, uint32_t iterations, uint8_t *out,
                       size_t outlen);
  /* AES-CBC with PKCS#5 padding; key 16, 24 or 32 bytes, iv 16 bytes.
   * Output is appended to out.  Decrypt gives MN_EINVALID on bad padding. */
  int (*aes_cbc_encrypt)(const uint8_t *key, size_t keylen,
                         const uint8_t iv[16], const void *in, size_t len,
                         mn_buf_t *out);
  int (*aes_cbc_decrypt)(const uint8_t *key, size_t keylen,
                         const uint8_t iv[16], const void *in, size_t len,
                         mn_buf_t *out);

  /* -- ABI 1.0: AEAD and key exchange (for Maxima and channels) ------------ */
  /* ChaCha20-Poly1305: out receives len + 16 bytes (ciphertext ‖ tag). */
  int (*aead_seal)(const uint8_t key[MN_AEAD_KEY_LEN],
                   const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                   size_t adlen, const void *in, size_t len, uint8_t *out);
  /* in is ciphertext ‖ tag (len >= 16); out receives len - 16 bytes.
   * MN_EINVALID when authentication fails. */
  int (*aead_open)(const uint8_t key[MN_AEAD_KEY_LEN],
                   const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                   size_t adlen, const void *in, size_t len, uint8_t *out);
  /* X25519. */
  int (*kex_keypair)(uint8_t pub[MN_KEX_KEY_LEN], uint8_t priv[MN_KEX_KEY_LEN]);
  int (*kex_shared)(const uint8_t priv[MN_KEX_KEY_LEN],
                    const uint8_t peer_pub[MN_KEX_KEY_LEN],
                    uint8_t shared[MN_KEX_KEY_LEN]);

  /* -- ABI 1.0: RSA (PKCS#1 v1.5) for Maxima identities ------------------- */
  /* Keys travel as DER: public X.509 SubjectPublicKeyInfo, private PKCS#8,
   * as the reference stores them.  Outputs are appended to the buffers.
   * MN_EFORMAT for an unreadable key, MN_EIO for a library failure. */
  int (*rsa_keygen)(unsigned bits, mn_buf_t *pub_der, mn_buf_t *priv_der);
  int (*rsa_sign_sha256)(const uint8_t *priv_der, size_t privlen,
                         const void *msg, size_t len, mn_buf_t *sig);
  /* 0 when valid, MN_EINVALID when not. */
  int (*rsa_verify_sha256)(const uint8_t *pub_der, size_t publen,
                           const void *msg, size_t len, const uint8_t *sig,
                           size_t siglen);
  int (*rsa_encrypt)(const uint8_t *pub_der, size_t publen, const void *in,
                     size_t len, mn_buf_t *out);
  /* MN_EINVALID when the ciphertext does not decrypt. */
  int (*rsa_decrypt)(const uint8_t *priv_der, size_t privlen, const void *in,
                     size_t len, mn_buf_t *out);

  /* -- ABI 1.0: GZIP members, as Java's GZIP streams write them ------------ */
  int (*gzip)(const void *in, size_t len, mn_buf_t *out);
  /* Appends at most max bytes of output; MN_ETOOBIG beyond, MN_EFORMAT on
   * a corrupt stream. */
  int (*gunzip)(const void *in, size_t len, size_t max, mn_buf_t *out);

  /* -- ABI 1.0: Mx address text (base 32 with a SHA3 checksum) ------------- */
  /* Writes "Mx..." for data (len < 32768) into out with a NUL; returns the
   * full length like snprintf, or MN_EINVAL.  A 32-byte address gives 63
   * characters; MN_MX_MAX always suffices for 64 bytes. */
  int (*mx_encode)(const uint8_t *data, size_t len, char *out, size_t cap);
  /* Case-insensitive decode; appends the data bytes to out.  MN_EFORMAT on
   * bad characters, header or length, MN_EINVALID on a wrong checksum. */
  int (*mx_decode)(const char *text, size_t len, mn_buf_t *out);
} mn_crypto_api_t;

#define MN_MX_MAX 160

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_CRYPTO_H */
