/*
 * crypto/api.c - the host->crypto function table (minima/crypto.h).
 */
#include "crypto/crypto.h"

static const mn_crypto_api_t g_api = {
    .size = sizeof(mn_crypto_api_t),
    .sha3_256 = mn__sha3_256,
    .sha3_init = mn__sha3_init,
    .sha3_update = mn__sha3_update,
    .sha3_final = mn__sha3_final,
    .sha256 = mn__sha256,
    .sha3_256_many = mn__sha3_256_many,
    .random = mn__random,
    .wots_pubkey = mn__wots_pubkey,
    .wots_sign = mn__wots_sign,
    .wots_verify = mn__wots_verify,
    .treekey_new = mn__treekey_new,
    .treekey_free = mn__treekey_free,
    .treekey_pubkey = mn__treekey_pubkey,
    .treekey_max_uses = mn__treekey_max_uses,
    .treekey_sign = mn__treekey_sign,
    .treekey_verify = mn__treekey_verify,
    .treekey_sig_root = mn__treekey_sig_root,
    .pbkdf2_sha256 = mn__pbkdf2_sha256,
    .aes_cbc_encrypt = mn__aes_cbc_encrypt,
    .aes_cbc_decrypt = mn__aes_cbc_decrypt,
    .aead_seal = mn__aead_seal,
    .aead_open = mn__aead_open,
    .kex_keypair = mn__kex_keypair,
    .kex_shared = mn__kex_shared,
    .rsa_keygen = mn__rsa_keygen,
    .rsa_sign_sha256 = mn__rsa_sign_sha256,
    .rsa_verify_sha256 = mn__rsa_verify_sha256,
    .rsa_encrypt = mn__rsa_encrypt,
    .rsa_decrypt = mn__rsa_decrypt,
    .gzip = mn__gzip,
    .gunzip = mn__gunzip,
    .mx_encode = mn__mx_encode,
    .mx_decode = mn__mx_decode,
};

const mn_crypto_api_t *mn__crypto_api(void) {
  return &g_api;
}
