/*
 * bip39.c - seed phrases (see bip39.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>

#include "bip39.h"

int wal_bip39_new(const mn_crypto_api_t *c, char **out) {
  uint8_t rnd[2 * WAL_PHRASE_WORDS];
  if (c->random(rnd, sizeof rnd))
    return MN_EIO;
  /* 2048 = 2^11: eleven random bits pick a word without bias. */
  size_t cap = WAL_PHRASE_WORDS * 9 + 1;
  char *s = malloc(cap), *w = s;
  if (!s)
    return MN_ENOMEM;
  for (int i = 0; i < WAL_PHRASE_WORDS; i++) {
    unsigned k = ((unsigned)rnd[2 * i] << 8 | rnd[2 * i + 1]) & 2047u;
    const char *word = wal_bip39_words[k];
    if (i)
      *w++ = ' ';
    for (const char *p = word; *p; p++)
      *w++ = (char)toupper((unsigned char)*p);
  }
  *w = '\0';
  *out = s;
  return 0;
}

/* The first word of the list, in list order, that `tok` names: an exact
 * match for a three-letter token, the first word starting with it for a
 * longer one. */
static const char *lookup(const char *tok, size_t n) {
  for (size_t i = 0; i < WAL_BIP39_WORDS; i++) {
    const char *word = wal_bip39_words[i];
    if (n < 4) {
      if (strlen(word) == n && memcmp(word, tok, n) == 0)
        return word;
    } else if (strncmp(word, tok, n) == 0) {
      return word;
    }
  }
  return NULL;
}

int wal_bip39_clean(const char *phrase, char **out, char *why, size_t cap) {
  size_t len = strlen(phrase);
  char *res = malloc(len * 2 + 16), *w = res;
  char *tok = malloc(len + 1);
  int err = 0;
  if (!res || !tok) {
    err = MN_ENOMEM;
    goto out;
  }
  const char *p = phrase;
  size_t words = 0;
  for (;;) {
    while (*p == ' ')
      p++;
    if (!*p)
      break;
    size_t n = 0;
    while (p[n] && p[n] != ' ') {
      tok[n] = (char)tolower((unsigned char)p[n]);
      n++;
    }
    tok[n] = '\0';
    p += n;
    if (n < 3) {
      snprintf(why, cap, "Word too short : %s", tok);
      err = MN_EINVAL;
      goto out;
    }
    const char *word = lookup(tok, n);
    if (!word) {
      snprintf(why, cap, "Unknown BIP39 word found! %s", tok);
      err = MN_EINVAL;
      goto out;
    }
    if (words++)
      *w++ = ' ';
    for (const char *q = word; *q; q++)
      *w++ = (char)toupper((unsigned char)*q);
  }
  *w = '\0';
  if (words == 0) {
    snprintf(why, cap, "The seed phrase is empty");
    err = MN_EINVAL;
  }
out:
  free(tok);
  if (err)
    free(res);
  else
    *out = res;
  return err;
}

void wal_bip39_seed(const mn_crypto_api_t *c, const char *phrase,
                    uint8_t seed[32]) {
  c->sha3_256(phrase, strlen(phrase), seed);
}
