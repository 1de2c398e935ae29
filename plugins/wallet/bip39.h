/*
 * bip39.h - seed phrases as the reference wallet makes and reads them
 * (spec/crypto.md §4): 24 words of the BIP-39 English list, upper case,
 * single spaces; a typed phrase is normalised word by word (a word of four
 * letters or more may be shortened to any prefix of at least four); the
 * base seed is SHA3-256 of the normalised phrase's UTF-8 bytes.
 *
 * The word table (bip39_words.c) is generated at build time from the
 * system's copy of the standard list; see CMakeLists.txt.
 */
#ifndef MN_WALLET_BIP39_H
#define MN_WALLET_BIP39_H

#include <stddef.h>
#include <stdint.h>

#include <minima/crypto.h>

#define WAL_BIP39_WORDS 2048
#define WAL_PHRASE_WORDS 24

/* The standard list, lower case, sorted. */
extern const char *const wal_bip39_words[WAL_BIP39_WORDS];

/* A new phrase of 24 words drawn uniformly with the CSPRNG.  0 and a
 * malloc()ed *out, MN_EIO (no randomness) or MN_ENOMEM. */
int wal_bip39_new(const mn_crypto_api_t *c, char **out);

/* The reference's cleanSeedPhrase: 0 and a malloc()ed upper-case *out, or
 * MN_EINVAL with a sentence in why ("Unknown BIP39 word found! xyz"),
 * MN_ENOMEM. */
int wal_bip39_clean(const char *phrase, char **out, char *why, size_t cap);

/* Base seed = SHA3-256(UTF-8 bytes of phrase). */
void wal_bip39_seed(const mn_crypto_api_t *c, const char *phrase,
                    uint8_t seed[32]);

#endif
