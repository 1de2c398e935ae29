/*
 * crypto/ossl.c - the primitives Minima takes from a standard library,
 * here OpenSSL's libcrypto (3.0 or later): SHA-256, the CSPRNG, PBKDF2,
 * AES-CBC, ChaCha20-Poly1305, X25519 and RSA as Maxima uses it
 * (spec/crypto.md section 7).
 *
 * Every function leaves OpenSSL's error queue empty, so a failure here
 * never shows up later in an unrelated caller.
 */
#include <limits.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <minima/stream.h>

#include "crypto/crypto.h"

/* Drops whatever OpenSSL queued and passes rc through. */
static int ossl_done(int rc) {
  ERR_clear_error();
  return rc;
}

void mn__sha256(const void *data, size_t len, uint8_t out[MN_HASH_LEN]) {
  static const uint8_t empty = 0;
  SHA256(len ? (const unsigned char *)data : &empty, len, out);
}

int mn__random(void *buf, size_t len) {
  uint8_t *p = (uint8_t *)buf;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break; /* no getrandom (old kernel, seccomp): OpenSSL's DRBG */
    }
    p += n;
    len -= (size_t)n;
  }
  while (len > 0) {
    int chunk = len > INT_MAX ? INT_MAX : (int)len;
    if (RAND_bytes(p, chunk) != 1)
      return ossl_done(MN_EIO);
    p += chunk;
    len -= (size_t)chunk;
  }
  return 0;
}

int mn__pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt,
                      size_t saltlen, uint32_t iterations, uint8_t *out,
                      size_t outlen) {
  static const uint8_t empty = 0;
  if (iterations == 0 || iterations > INT_MAX || pwlen > INT_MAX ||
      saltlen > INT_MAX || outlen == 0 || outlen > INT_MAX)
    return MN_EINVAL;
  if (PKCS5_PBKDF2_HMAC(
          pwlen ? (const char *)pw : (const char *)&empty, (int)pwlen,
          saltlen ? (const unsigned char *)salt : &empty, (int)saltlen,
          (int)iterations, EVP_sha256(), (int)outlen, out) != 1)
    return ossl_done(MN_EIO);
  return 0;
}

/* --------------------------------------------------------------------------
 * AES-CBC with PKCS#5 padding
 * ------------------------------------------------------------------------ */

static const EVP_CIPHER *aes_cipher(size_t keylen) {
  switch (keylen) {
  case 16:
    return EVP_aes_128_cbc();
  case 24:
    return EVP_aes_192_cbc();
  case 32:
    return EVP_aes_256_cbc();
  default:
    return NULL;
  }
}

static int aes_cbc(int enc, const uint8_t *key, size_t keylen,
                   const uint8_t iv[16], const void *in, size_t len,
                   mn_buf_t *out) {
  const EVP_CIPHER *c = aes_cipher(keylen);
  if (!c || len > INT_MAX - 32)
    return MN_EINVAL;
  if (mn_buf_reserve(out, len + 16))
    return out->err;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx)
    return ossl_done(MN_ENOMEM);
  int rc = MN_EIO, n1 = 0, n2 = 0;
  uint8_t *dst = out->data + out->len;
  if (EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) != 1)
    goto out;
  if (len &&
      EVP_CipherUpdate(ctx, dst, &n1, (const unsigned char *)in, (int)len) != 1)
    goto out;
  if (EVP_CipherFinal_ex(ctx, dst + n1, &n2) != 1) {
    rc = enc ? MN_EIO : MN_EINVALID; /* bad padding */
    goto out;
  }
  out->len += (size_t)n1 + (size_t)n2;
  rc = 0;
out:
  EVP_CIPHER_CTX_free(ctx);
  return ossl_done(rc);
}

int mn__aes_cbc_encrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
                        const void *in, size_t len, mn_buf_t *out) {
  return aes_cbc(1, key, keylen, iv, in, len, out);
}

int mn__aes_cbc_decrypt(const uint8_t *key, size_t keylen, const uint8_t iv[16],
                        const void *in, size_t len, mn_buf_t *out) {
  if (len == 0 || len % 16 != 0)
    return MN_EINVALID;
  return aes_cbc(0, key, keylen, iv, in, len, out);
}

/* --------------------------------------------------------------------------
 * ChaCha20-Poly1305
 * ------------------------------------------------------------------------ */

static int aead(int enc, const uint8_t key[MN_AEAD_KEY_LEN],
                const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
                uint8_t tag[MN_AEAD_TAG_LEN]) {
  if (len > INT_MAX || adlen > INT_MAX)
    return MN_EINVAL;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx)
    return ossl_done(MN_ENOMEM);
  int rc = MN_EIO, n = 0;
  if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL, enc) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, MN_AEAD_NONCE_LEN,
                          NULL) != 1 ||
      EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
    goto out;
  if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, MN_AEAD_TAG_LEN,
                                  tag) != 1)
    goto out;
  if (adlen && EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)ad,
                                (int)adlen) != 1)
    goto out;
  uint8_t none[1];
  uint8_t *end = none;
  if (len) {
    if (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
      goto out;
    end = out + n;
  }
  if (EVP_CipherFinal_ex(ctx, end, &n) != 1) {
    rc = enc ? MN_EIO : MN_EINVALID;
    goto out;
  }
  if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, MN_AEAD_TAG_LEN,
                                 tag) != 1)
    goto out;
  rc = 0;
out:
  EVP_CIPHER_CTX_free(ctx);
  return ossl_done(rc);
}

int mn__aead_seal(const uint8_t key[MN_AEAD_KEY_LEN],
                  const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                  size_t adlen, const void *in, size_t len, uint8_t *out) {
  return aead(1, key, nonce, ad, adlen, (const uint8_t *)in, len, out,
              out + len);
}

int mn__aead_open(const uint8_t key[MN_AEAD_KEY_LEN],
                  const uint8_t nonce[MN_AEAD_NONCE_LEN], const void *ad,
                  size_t adlen, const void *in, size_t len, uint8_t *out) {
  if (len < MN_AEAD_TAG_LEN)
    return MN_EINVALID;
  uint8_t tag[MN_AEAD_TAG_LEN];
  memcpy(tag, (const uint8_t *)in + len - MN_AEAD_TAG_LEN, MN_AEAD_TAG_LEN);
  int rc = aead(0, key, nonce, ad, adlen, (const uint8_t *)in,
                len - MN_AEAD_TAG_LEN, out, tag);
  if (rc == MN_EINVALID && len > MN_AEAD_TAG_LEN)
    OPENSSL_cleanse(out, len - MN_AEAD_TAG_LEN); /* no unauthenticated text */
  return rc;
}

/* --------------------------------------------------------------------------
 * X25519
 * ------------------------------------------------------------------------ */

int mn__kex_keypair(uint8_t pub[MN_KEX_KEY_LEN], uint8_t priv[MN_KEX_KEY_LEN]) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
  if (!k)
    return ossl_done(MN_EIO);
  size_t pl = MN_KEX_KEY_LEN, sl = MN_KEX_KEY_LEN;
  int ok = EVP_PKEY_get_raw_public_key(k, pub, &pl) == 1 &&
           EVP_PKEY_get_raw_private_key(k, priv, &sl) == 1 &&
           pl == MN_KEX_KEY_LEN && sl == MN_KEX_KEY_LEN;
  EVP_PKEY_free(k);
  return ossl_done(ok ? 0 : MN_EIO);
}

int mn__kex_shared(const uint8_t priv[MN_KEX_KEY_LEN],
                   const uint8_t peer_pub[MN_KEX_KEY_LEN],
                   uint8_t shared[MN_KEX_KEY_LEN]) {
  int rc = MN_EIO;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *me =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, MN_KEX_KEY_LEN);
  EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub,
                                               MN_KEX_KEY_LEN);
  if (!me || !peer)
    goto out;
  ctx = EVP_PKEY_CTX_new(me, NULL);
  size_t n = MN_KEX_KEY_LEN;
  if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
      EVP_PKEY_derive_set_peer(ctx, peer) != 1)
    goto out;
  /* OpenSSL refuses an all-zero secret (a low-order peer key). */
  if (EVP_PKEY_derive(ctx, shared, &n) != 1 || n != MN_KEX_KEY_LEN) {
    rc = MN_EINVALID;
    goto out;
  }
  rc = 0;
out:
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(me);
  EVP_PKEY_free(peer);
  return ossl_done(rc);
}

/* --------------------------------------------------------------------------
 * RSA: keys as DER (X.509 SubjectPublicKeyInfo, PKCS#8), PKCS#1 v1.5
 * ------------------------------------------------------------------------ */

static EVP_PKEY *rsa_pub(const uint8_t *der, size_t len) {
  if (len > LONG_MAX)
    return NULL;
  const unsigned char *p = der;
  EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
  if (k && (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA || p != der + len)) {
    EVP_PKEY_free(k);
    k = NULL;
  }
  return k;
}

static EVP_PKEY *rsa_priv(const uint8_t *der, size_t len) {
  if (len > LONG_MAX)
    return NULL;
  const unsigned char *p = der;
  PKCS8_PRIV_KEY_INFO *info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
  if (!info)
    return NULL;
  EVP_PKEY *k = p == der + len ? EVP_PKCS82PKEY(info) : NULL;
  PKCS8_PRIV_KEY_INFO_free(info);
  if (k && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    EVP_PKEY_free(k);
    k = NULL;
  }
  return k;
}

/* Appends the DER from i2d-style encoder output. */
static int put_der(mn_buf_t *out, unsigned char *der, int n) {
  if (n <= 0 || !der)
    return MN_EIO;
  mn_buf_put(out, der, (size_t)n);
  return out->err;
}

int mn__rsa_keygen(unsigned bits, mn_buf_t *pub_der, mn_buf_t *priv_der) {
  if (bits < 512 || bits > 16384)
    return MN_EINVAL;
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
  if (!k)
    return ossl_done(MN_EIO);
  int rc = MN_EIO;
  unsigned char *pub = NULL, *priv = NULL;
  PKCS8_PRIV_KEY_INFO *info = EVP_PKEY2PKCS8(k);
  int pn = i2d_PUBKEY(k, &pub);
  int sn = info ? i2d_PKCS8_PRIV_KEY_INFO(info, &priv) : -1;
  if (pn > 0 && sn > 0) {
    rc = put_der(pub_der, pub, pn);
    if (rc == 0)
      rc = put_der(priv_der, priv, sn);
  }
  OPENSSL_free(pub);
  if (priv)
    OPENSSL_clear_free(priv, (size_t)sn);
  PKCS8_PRIV_KEY_INFO_free(info);
  EVP_PKEY_free(k);
  return ossl_done(rc);
}

int mn__rsa_sign_sha256(const uint8_t *priv_der, size_t privlen,
                        const void *msg, size_t len, mn_buf_t *sig) {
  EVP_PKEY *k = rsa_priv(priv_der, privlen);
  if (!k)
    return ossl_done(MN_EFORMAT);
  int rc = MN_EIO;
  size_t n = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
      EVP_DigestSign(ctx, NULL, &n, msg, len) != 1)
    goto out;
  if (mn_buf_reserve(sig, n)) {
    rc = sig->err;
    goto out;
  }
  if (EVP_DigestSign(ctx, sig->data + sig->len, &n, msg, len) != 1)
    goto out;
  sig->len += n;
  rc = 0;
out:
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(k);
  return ossl_done(rc);
}

int mn__rsa_verify_sha256(const uint8_t *pub_der, size_t publen,
                          const void *msg, size_t len, const uint8_t *sig,
                          size_t siglen) {
  EVP_PKEY *k = rsa_pub(pub_der, publen);
  if (!k)
    return ossl_done(MN_EFORMAT);
  int rc = MN_EIO;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1)
    goto out;
  rc = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1 ? 0 : MN_EINVALID;
out:
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(k);
  return ossl_done(rc);
}

/* RSA/ECB/PKCS1Padding in either direction. */
static int rsa_crypt(int enc, EVP_PKEY *k, const void *in, size_t len,
                     mn_buf_t *out) {
  int rc = MN_EIO;
  size_t n = 0;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
  if (!ctx)
    goto out;
  if ((enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)
    goto out;
  if (!enc) {
    /* Libraries from 3.2 answer a bad padding with random bytes unless
     * told otherwise; we want the error.  Older ones lack the knob. */
    unsigned int implicit = 0;
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_uint("implicit-rejection", &implicit),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX_set_params(ctx, p);
  }
  if ((enc ? EVP_PKEY_encrypt(ctx, NULL, &n, in, len)
           : EVP_PKEY_decrypt(ctx, NULL, &n, in, len)) != 1) {
    rc = enc ? MN_EINVAL : MN_EINVALID;
    goto out;
  }
  if (mn_buf_reserve(out, n)) {
    rc = out->err;
    goto out;
  }
  if ((enc ? EVP_PKEY_encrypt(ctx, out->data + out->len, &n, in, len)
           : EVP_PKEY_decrypt(ctx, out->data + out->len, &n, in, len)) != 1) {
    rc = enc ? MN_EINVAL : MN_EINVALID;
    goto out;
  }
  out->len += n;
  rc = 0;
out:
  EVP_PKEY_CTX_free(ctx);
  return rc;
}

int mn__rsa_encrypt(const uint8_t *pub_der, size_t publen, const void *in,
                    size_t len, mn_buf_t *out) {
  EVP_PKEY *k = rsa_pub(pub_der, publen);
  if (!k)
    return ossl_done(MN_EFORMAT);
  int rc = rsa_crypt(1, k, in, len, out);
  EVP_PKEY_free(k);
  return ossl_done(rc);
}

int mn__rsa_decrypt(const uint8_t *priv_der, size_t privlen, const void *in,
                    size_t len, mn_buf_t *out) {
  EVP_PKEY *k = rsa_priv(priv_der, privlen);
  if (!k)
    return ossl_done(MN_EFORMAT);
  int rc = rsa_crypt(0, k, in, len, out);
  EVP_PKEY_free(k);
  return ossl_done(rc);
}
