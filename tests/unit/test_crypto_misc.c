/*
 * test_crypto_misc.c - the OpenSSL wrappers (PBKDF2, AES-CBC,
 * ChaCha20-Poly1305, X25519, RSA), GZIP and the Mx / base-32 text, with
 * published test vectors (RFC 7914, 8439, 7748) where there are some and
 * round trips and malformed input everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/stream.h>

#include "crypto/crypto.h"
#include "test_support.h"

static const mn_crypto_api_t *api(void) {
  return mn__crypto_api();
}

static void fill(uint8_t *p, size_t n, unsigned tag) {
  uint8_t h[32];
  for (size_t i = 0; i < n; i += 32) {
    uint8_t t[12];
    memcpy(t, &tag, 4);
    memcpy(t + 4, &i, 8);
    mn__sha3_256(t, sizeof t, h);
    memcpy(p + i, h, n - i < 32 ? n - i : 32);
  }
}

/* --------------------------------------------------------------------------
 * PBKDF2, AES
 * ------------------------------------------------------------------------ */

static void test_pbkdf2(void **state) {
  (void)state;
  /* RFC 7914 section 11 (PBKDF2-HMAC-SHA256). */
  uint8_t out[64];
  mn_buf_t want = mn_test_unhex(
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  assert_int_equal(api()->pbkdf2_sha256("passwd", 6, "salt", 4, 1, out, 64), 0);
  assert_bytes_equal(out, 64, want.data, want.len);
  mn_buf_free(&want);
  assert_int_equal(api()->pbkdf2_sha256("p", 1, "s", 1, 0, out, 16), MN_EINVAL);
  assert_int_equal(api()->pbkdf2_sha256("p", 1, "s", 1, 1, out, 0), MN_EINVAL);
  /* Empty password and salt are allowed. */
  assert_int_equal(api()->pbkdf2_sha256(NULL, 0, NULL, 0, 2, out, 16), 0);
}

static void test_aes(void **state) {
  (void)state;
  static const size_t keylens[] = {16, 24, 32};
  uint8_t key[32], iv[16], pt[100];
  fill(key, sizeof key, 1);
  fill(iv, sizeof iv, 2);
  fill(pt, sizeof pt, 3);
  for (size_t k = 0; k < 3; k++) {
    for (size_t n = 0; n <= 40; n++) {
      mn_buf_t ct = {0}, back = {0};
      mn_buf_put(&back, "pre", 3); /* output is appended */
      assert_int_equal(api()->aes_cbc_encrypt(key, keylens[k], iv, pt, n, &ct),
                       0);
      assert_int_equal(ct.len, (n / 16 + 1) * 16);
      assert_int_equal(
          api()->aes_cbc_decrypt(key, keylens[k], iv, ct.data, ct.len, &back),
          0);
      assert_int_equal(back.len, 3 + n);
      assert_memory_equal(back.data, "pre", 3);
      assert_bytes_equal(back.data + 3, n, pt, n);
      mn_buf_free(&ct);
      mn_buf_free(&back);
    }
  }
  mn_buf_t out = {0};
  assert_int_equal(api()->aes_cbc_encrypt(key, 15, iv, pt, 5, &out), MN_EINVAL);
  assert_int_equal(api()->aes_cbc_decrypt(key, 16, iv, pt, 15, &out),
                   MN_EINVALID);
  assert_int_equal(api()->aes_cbc_decrypt(key, 16, iv, pt, 0, &out),
                   MN_EINVALID);
  /* A last block that decrypts to ...00 has no valid padding: encrypt
   * 16 bytes ending in 00, keep only the first ciphertext block. */
  uint8_t blk[16];
  memset(blk, 0x41, sizeof blk);
  blk[15] = 0;
  assert_int_equal(api()->aes_cbc_encrypt(key, 16, iv, blk, 16, &out), 0);
  mn_buf_t back = {0};
  assert_int_equal(api()->aes_cbc_decrypt(key, 16, iv, out.data, 16, &back),
                   MN_EINVALID);
  assert_int_equal(back.len, 0);
  mn_buf_free(&out);
  mn_buf_free(&back);
}

/* --------------------------------------------------------------------------
 * ChaCha20-Poly1305, X25519
 * ------------------------------------------------------------------------ */

static void test_aead(void **state) {
  (void)state;
  /* RFC 8439 section 2.8.2. */
  uint8_t key[32], nonce[12];
  for (int i = 0; i < 32; i++)
    key[i] = (uint8_t)(0x80 + i);
  mn_buf_t n = mn_test_unhex("070000004041424344454647");
  memcpy(nonce, n.data, 12);
  mn_buf_free(&n);
  mn_buf_t ad = mn_test_unhex("50515253c0c1c2c3c4c5c6c7");
  const char *pt = "Ladies and Gentlemen of the class of '99: If I could "
                   "offer you only one tip for the future, sunscreen would "
                   "be it.";
  size_t len = strlen(pt);
  mn_buf_t want = mn_test_unhex(
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691");
  uint8_t *ct = malloc(len + 16), *back = malloc(len);
  assert_int_equal(api()->aead_seal(key, nonce, ad.data, ad.len, pt, len, ct),
                   0);
  assert_bytes_equal(ct, len + 16, want.data, want.len);
  assert_int_equal(
      api()->aead_open(key, nonce, ad.data, ad.len, ct, len + 16, back), 0);
  assert_memory_equal(back, pt, len);
  /* Any changed byte of ciphertext, tag or AD fails authentication. */
  ct[3] ^= 1;
  assert_int_equal(
      api()->aead_open(key, nonce, ad.data, ad.len, ct, len + 16, back),
      MN_EINVALID);
  ct[3] ^= 1;
  ct[len + 5] ^= 1;
  assert_int_equal(
      api()->aead_open(key, nonce, ad.data, ad.len, ct, len + 16, back),
      MN_EINVALID);
  ct[len + 5] ^= 1;
  assert_int_equal(
      api()->aead_open(key, nonce, ad.data, ad.len - 1, ct, len + 16, back),
      MN_EINVALID);
  assert_int_equal(api()->aead_open(key, nonce, NULL, 0, ct, 15, back),
                   MN_EINVALID);
  /* Empty plaintext and no AD: just a tag. */
  uint8_t tag[16];
  assert_int_equal(api()->aead_seal(key, nonce, NULL, 0, NULL, 0, tag), 0);
  assert_int_equal(api()->aead_open(key, nonce, NULL, 0, tag, 16, NULL), 0);
  free(ct);
  free(back);
  mn_buf_free(&ad);
  mn_buf_free(&want);
}

static void test_kex(void **state) {
  (void)state;
  /* RFC 7748 section 6.1. */
  mn_buf_t ap = mn_test_unhex(
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  mn_buf_t apub = mn_test_unhex(
      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  mn_buf_t bp = mn_test_unhex(
      "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  mn_buf_t bpub = mn_test_unhex(
      "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  mn_buf_t k = mn_test_unhex(
      "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  uint8_t s[32];
  assert_int_equal(api()->kex_shared(ap.data, bpub.data, s), 0);
  assert_bytes_equal(s, 32, k.data, k.len);
  assert_int_equal(api()->kex_shared(bp.data, apub.data, s), 0);
  assert_bytes_equal(s, 32, k.data, k.len);
  /* Fresh pairs agree with each other. */
  uint8_t p1[32], s1[32], p2[32], s2[32], x[32], y[32];
  assert_int_equal(api()->kex_keypair(p1, s1), 0);
  assert_int_equal(api()->kex_keypair(p2, s2), 0);
  assert_true(memcmp(p1, p2, 32) != 0);
  assert_int_equal(api()->kex_shared(s1, p2, x), 0);
  assert_int_equal(api()->kex_shared(s2, p1, y), 0);
  assert_bytes_equal(x, 32, y, 32);
  /* A low-order peer key gives the all-zero secret: refused. */
  uint8_t zero[32] = {0};
  assert_int_equal(api()->kex_shared(s1, zero, x), MN_EINVALID);
  mn_buf_free(&ap);
  mn_buf_free(&apub);
  mn_buf_free(&bp);
  mn_buf_free(&bpub);
  mn_buf_free(&k);
}

/* --------------------------------------------------------------------------
 * RSA
 * ------------------------------------------------------------------------ */

static void test_rsa(void **state) {
  (void)state;
  mn_buf_t pub = {0}, priv = {0}, sig = {0}, ct = {0}, back = {0};
  assert_int_equal(api()->rsa_keygen(1024, &pub, &priv), 0);
  assert_int_equal(pub.len, 162); /* as Java's 1024-bit X.509 encoding */
  assert_int_equal(pub.data[0], 0x30);
  assert_int_equal(priv.data[0], 0x30);
  const char *msg = "maxima message";
  assert_int_equal(
      api()->rsa_sign_sha256(priv.data, priv.len, msg, strlen(msg), &sig), 0);
  assert_int_equal(sig.len, 128);
  assert_int_equal(api()->rsa_verify_sha256(pub.data, pub.len, msg, strlen(msg),
                                            sig.data, sig.len),
                   0);
  sig.data[10] ^= 1;
  assert_int_equal(api()->rsa_verify_sha256(pub.data, pub.len, msg, strlen(msg),
                                            sig.data, sig.len),
                   MN_EINVALID);
  assert_int_equal(api()->rsa_verify_sha256(pub.data, pub.len, msg, strlen(msg),
                                            sig.data, 5),
                   MN_EINVALID);
  /* CryptoPackage's use: a 16-byte AES key. */
  uint8_t aes[16];
  fill(aes, 16, 9);
  assert_int_equal(api()->rsa_encrypt(pub.data, pub.len, aes, 16, &ct), 0);
  assert_int_equal(ct.len, 128);
  assert_int_equal(
      api()->rsa_decrypt(priv.data, priv.len, ct.data, ct.len, &back), 0);
  assert_bytes_equal(back.data, back.len, aes, 16);
  mn_buf_free(&back);
  ct.data[60] ^= 0x40;
  assert_int_equal(
      api()->rsa_decrypt(priv.data, priv.len, ct.data, ct.len, &back),
      MN_EINVALID);
  assert_int_equal(back.len, 0);
  /* Too long for PKCS#1 v1.5 with a 1024-bit key (117 bytes at most). */
  uint8_t big[118] = {0};
  mn_buf_free(&ct);
  assert_int_equal(api()->rsa_encrypt(pub.data, pub.len, big, 118, &ct),
                   MN_EINVAL);
  assert_int_equal(api()->rsa_encrypt(pub.data, pub.len, big, 117, &ct), 0);
  /* Unreadable keys: truncated, trailing bytes, the wrong kind. */
  assert_int_equal(
      api()->rsa_sign_sha256(priv.data, priv.len - 1, msg, 3, &sig),
      MN_EFORMAT);
  assert_int_equal(api()->rsa_sign_sha256(pub.data, pub.len, msg, 3, &sig),
                   MN_EFORMAT);
  assert_int_equal(
      api()->rsa_verify_sha256(priv.data, priv.len, msg, 3, sig.data, sig.len),
      MN_EFORMAT);
  mn_buf_t longer = {0};
  mn_buf_put(&longer, pub.data, pub.len);
  mn_buf_put_u8(&longer, 0);
  assert_int_equal(api()->rsa_encrypt(longer.data, longer.len, aes, 16, &ct),
                   MN_EFORMAT);
  assert_int_equal(api()->rsa_keygen(100, &pub, &priv), MN_EINVAL);
  /* An X25519 key in X.509 form is not an RSA key. */
  mn_buf_t xk = mn_test_unhex(
      "302a300506032b656e0321008520f0098930a754748b7ddcb43ef75a0dbf3a0d26381a"
      "f4eba4a98eaa9b4e6a");
  assert_int_equal(api()->rsa_encrypt(xk.data, xk.len, aes, 16, &ct),
                   MN_EFORMAT);
  mn_buf_free(&xk);
  mn_buf_free(&longer);
  mn_buf_free(&pub);
  mn_buf_free(&priv);
  mn_buf_free(&sig);
  mn_buf_free(&ct);
  mn_buf_free(&back);
}

/* --------------------------------------------------------------------------
 * GZIP
 * ------------------------------------------------------------------------ */

static void test_gzip_round_trip(void **state) {
  (void)state;
  static const size_t sizes[] = {0, 1, 100, 5000, 70000, 300000};
  uint8_t *data = malloc(300000);
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (int random = 0; random < 2; random++) {
      size_t n = sizes[s];
      if (random)
        fill(data, n, (unsigned)n);
      else
        for (size_t i = 0; i < n; i++)
          data[i] = (uint8_t) "minima "[i % 7];
      mn_buf_t gz = {0}, back = {0};
      assert_int_equal(api()->gzip(data, n, &gz), 0);
      static const uint8_t head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
      assert_memory_equal(gz.data, head, 10);
      /* Trailer: ISIZE, little-endian. */
      assert_int_equal(gz.data[gz.len - 4] | gz.data[gz.len - 3] << 8 |
                           gz.data[gz.len - 2] << 16,
                       n & 0xffffff);
      assert_int_equal(api()->gunzip(gz.data, gz.len, n, &back), 0);
      assert_bytes_equal(back.data, back.len, data, n);
      mn_buf_free(&back);
      if (n > 0) {
        mn_buf_put(&back, "keep", 4);
        assert_int_equal(api()->gunzip(gz.data, gz.len, n - 1, &back),
                         MN_ETOOBIG);
        assert_int_equal(back.len, 4); /* nothing appended on failure */
        mn_buf_free(&back);
      }
      mn_buf_free(&gz);
    }
  }
  free(data);
}

static void test_gunzip_formats(void **state) {
  (void)state;
  const char *text = "the quick brown fox jumps over the lazy dog";
  size_t tl = strlen(text);
  mn_buf_t gz = {0}, out = {0};
  assert_int_equal(api()->gzip(text, tl, &gz), 0);
  /* Old JDKs write OS 00; readers ignore the OS byte and mtime. */
  gz.data[9] = 0;
  gz.data[4] = 0x12;
  assert_int_equal(api()->gunzip(gz.data, gz.len, 100, &out), 0);
  assert_bytes_equal(out.data, out.len, (const uint8_t *)text, tl);
  mn_buf_free(&out);

  /* Optional header fields: FEXTRA, FNAME, FCOMMENT, FHCRC. */
  mn_buf_t h = {0};
  uint8_t base[10];
  memcpy(base, gz.data, 10);
  base[3] = 0x04 | 0x08 | 0x10 | 0x02;
  mn_buf_put(&h, base, 10);
  mn_buf_put(&h, (const uint8_t[]){3, 0, 'a', 'b', 'c'}, 5);
  mn_buf_put(&h, "name.txt", 9);
  mn_buf_put(&h, "a comment", 10);
  /* The header CRC is the low 16 bits of the CRC-32 of the header. */
  unsigned long crc = 0xffffffffUL;
  for (size_t i = 0; i < h.len; i++) {
    crc ^= h.data[i];
    for (int b = 0; b < 8; b++)
      crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
  }
  crc ^= 0xffffffffUL;
  mn_buf_put(&h, (const uint8_t[]){(uint8_t)crc, (uint8_t)(crc >> 8)}, 2);
  mn_buf_put(&h, gz.data + 10, gz.len - 10);
  assert_int_equal(api()->gunzip(h.data, h.len, 100, &out), 0);
  assert_bytes_equal(out.data, out.len, (const uint8_t *)text, tl);
  mn_buf_free(&out);
  h.data[10 + 5 + 9 + 10] ^= 1; /* wrong header CRC */
  assert_int_equal(api()->gunzip(h.data, h.len, 100, &out), MN_EFORMAT);
  mn_buf_free(&h);

  /* Two members read as one stream; bytes after a member that are not a
   * header are ignored, as Java's reader does. */
  mn_buf_t two = {0};
  mn_buf_put(&two, gz.data, gz.len);
  mn_buf_put(&two, gz.data, gz.len);
  assert_int_equal(api()->gunzip(two.data, two.len, 2 * tl, &out), 0);
  assert_int_equal(out.len, 2 * tl);
  mn_buf_free(&out);
  assert_int_equal(api()->gunzip(two.data, two.len, 2 * tl - 1, &out),
                   MN_ETOOBIG);
  mn_buf_put(&two, "junk", 4);
  assert_int_equal(api()->gunzip(two.data, two.len, 1000, &out), 0);
  assert_int_equal(out.len, 2 * tl);
  mn_buf_free(&out);
  mn_buf_free(&two);

  /* Corruption: trailer CRC, size, truncation, header, not gzip. */
  mn_buf_t bad = {0};
  mn_buf_put(&bad, gz.data, gz.len);
  bad.data[bad.len - 8] ^= 1;
  assert_int_equal(api()->gunzip(bad.data, bad.len, 100, &out), MN_EFORMAT);
  bad.data[bad.len - 8] ^= 1;
  bad.data[bad.len - 4] ^= 1;
  assert_int_equal(api()->gunzip(bad.data, bad.len, 100, &out), MN_EFORMAT);
  bad.data[bad.len - 4] ^= 1;
  for (size_t n = 0; n < bad.len; n++)
    assert_int_equal(api()->gunzip(bad.data, n, 100, &out), MN_EFORMAT);
  bad.data[2] = 7; /* not deflate */
  assert_int_equal(api()->gunzip(bad.data, bad.len, 100, &out), MN_EFORMAT);
  bad.data[2] = 8;
  bad.data[12] ^= 0xff; /* deflate data */
  int rc = api()->gunzip(bad.data, bad.len, 100, &out);
  assert_true(rc == MN_EFORMAT);
  assert_int_equal(out.len, 0);
  assert_int_equal(api()->gunzip("hello", 5, 100, &out), MN_EFORMAT);
  assert_int_equal(api()->gunzip(NULL, 0, 100, &out), MN_EFORMAT);
  mn_buf_free(&out);
  mn_buf_free(&bad);
  mn_buf_free(&gz);
}

/* --------------------------------------------------------------------------
 * Mx and base 32
 * ------------------------------------------------------------------------ */

static void test_mx_round_trip(void **state) {
  (void)state;
  uint8_t data[200];
  char text[400];
  for (size_t n = 0; n <= 200; n++) {
    fill(data, n, 40 + (unsigned)n);
    if (n > 3)
      data[0] = data[1] = 0; /* leading zeros survive */
    int len = api()->mx_encode(data, n, text, sizeof text);
    assert_true(len > 2 && (size_t)len < sizeof text);
    assert_int_equal(strlen(text), (size_t)len);
    assert_memory_equal(text, "Mx", 2);
    assert_null(strpbrk(text + 2, "ILOilo"));
    mn_buf_t back = {0};
    assert_int_equal(api()->mx_decode(text, (size_t)len, &back), 0);
    assert_bytes_equal(back.data, back.len, data, n);
    mn_buf_free(&back);
    if (n == 32)
      assert_int_equal(len, 63);
  }
  /* snprintf-like: the full length whatever cap is, always a NUL. */
  memset(data, 7, 32);
  assert_int_equal(api()->mx_encode(data, 32, text, 10), 63);
  assert_int_equal(strlen(text), 9);
  assert_int_equal(api()->mx_encode(data, 32, NULL, 0), 63);
  uint8_t *huge = calloc(1, 32768);
  assert_int_equal(api()->mx_encode(huge, 32768, text, sizeof text), MN_EINVAL);
  /* The largest address still works. */
  char *big = malloc(60000);
  int bl = api()->mx_encode(huge, 32767, big, 60000);
  assert_true(bl > 0 && bl < 60000);
  mn_buf_t back = {0};
  assert_int_equal(api()->mx_decode(big, (size_t)bl, &back), 0);
  assert_int_equal(back.len, 32767);
  mn_buf_free(&back);
  free(big);
  free(huge);
}

static void test_mx_decode_rules(void **state) {
  (void)state;
  uint8_t data[32];
  fill(data, 32, 5);
  char text[MN_MX_MAX];
  int len = api()->mx_encode(data, 32, text, sizeof text);
  mn_buf_t out = {0};
  /* Lower case, no prefix, I/L/O for W/Y/Z, a leading '+': all read as
   * the reference's BigInteger reading does. */
  char alt[MN_MX_MAX];
  for (int i = 0; i <= len; i++) {
    char c = text[i];
    alt[i] = c == 'W' ? 'i' : c == 'Y' ? 'L' : c == 'Z' ? 'o' : c;
    if (c >= 'A' && c <= 'V' && i % 2)
      alt[i] = (char)(c - 'A' + 'a');
  }
  assert_int_equal(api()->mx_decode(alt, (size_t)len, &out), 0);
  assert_bytes_equal(out.data, out.len, data, 32);
  mn_buf_free(&out);
  assert_int_equal(api()->mx_decode(text + 2, (size_t)len - 2, &out), 0);
  assert_bytes_equal(out.data, out.len, data, 32);
  mn_buf_free(&out);
  char plus[MN_MX_MAX + 1];
  snprintf(plus, sizeof plus, "Mx+%s", text + 2);
  assert_int_equal(api()->mx_decode(plus, strlen(plus), &out), 0);
  mn_buf_free(&out);
  /* Bad characters, empty, bad header. */
  static const char *bad[] = {"",       "Mx",     "Mx+", "MxG08X",
                              "Mx-G08", "MxG0 8", "Mx!"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(api()->mx_decode(bad[i], strlen(bad[i]), &out),
                     MN_EFORMAT);
  /* A wrong checksum; a number whose first byte is not 01; a length
   * beyond the data; a negative length. */
  char wrong[MN_MX_MAX];
  memcpy(wrong, text, (size_t)len + 1);
  wrong[30] = wrong[30] == '0' ? '1' : '0';
  assert_int_equal(api()->mx_decode(wrong, (size_t)len, &out), MN_EINVALID);
  uint8_t raw[8] = {2, 0, 1, 0, 0, 0, 0, 0};
  char t2[40];
  mn__base32_encode(raw, 8, t2, sizeof t2);
  assert_int_equal(api()->mx_decode(t2, strlen(t2), &out), MN_EFORMAT);
  uint8_t raw2[8] = {1, 0, 9, 0, 1, 2, 3, 4};
  mn__base32_encode(raw2, 8, t2, sizeof t2);
  assert_int_equal(api()->mx_decode(t2, strlen(t2), &out), MN_EFORMAT);
  uint8_t raw3[8] = {1, 0x80, 0, 0, 1, 2, 3, 4};
  mn__base32_encode(raw3, 8, t2, sizeof t2);
  assert_int_equal(api()->mx_decode(t2, strlen(t2), &out), MN_EFORMAT);
  assert_int_equal(out.len, 0);
  /* The reference ignores bytes after the checksum: 8 more zero digits
   * (40 bits) still decode to the same data. */
  char longer[MN_MX_MAX + 8];
  snprintf(longer, sizeof longer, "%s00000000", text);
  assert_int_equal(api()->mx_decode(longer, strlen(longer), &out), 0);
  assert_bytes_equal(out.data, out.len, data, 32);
  mn_buf_free(&out);
}

static void test_base32(void **state) {
  (void)state;
  char t[64];
  mn_buf_t out = {0};
  assert_int_equal(mn__base32_encode(NULL, 0, t, sizeof t), 3);
  assert_string_equal(t, "Mx0");
  assert_int_equal(mn__base32_encode((const uint8_t[]){0, 0}, 2, t, sizeof t),
                   3);
  assert_string_equal(t, "Mx0");
  assert_int_equal(mn__base32_decode("Mx0", 3, &out), 0);
  assert_int_equal(out.len, 1);
  assert_int_equal(out.data[0], 0);
  mn_buf_free(&out);
  /* 31 -> V, 32 -> 10, 0xffff -> 1VVV. */
  assert_int_equal(mn__base32_encode((const uint8_t[]){31}, 1, t, sizeof t), 3);
  assert_string_equal(t, "MxV");
  assert_int_equal(mn__base32_encode((const uint8_t[]){32}, 1, t, sizeof t), 4);
  assert_string_equal(t, "Mx10");
  assert_int_equal(
      mn__base32_encode((const uint8_t[]){0xff, 0xff}, 2, t, sizeof t), 6);
  assert_string_equal(t, "Mx1VVV");
  /* Decoding gives minimal bytes: leading zero digits vanish. */
  assert_int_equal(mn__base32_decode("mx0001vvv", 9, &out), 0);
  assert_int_equal(out.len, 2);
  assert_int_equal(out.data[0], 0xff);
  assert_int_equal(out.data[1], 0xff);
  mn_buf_free(&out);
  assert_int_equal(mn__base32_decode("MxW", 3, &out), 0); /* W is i = 18 */
  assert_int_equal(out.data[0], 18);
  mn_buf_free(&out);
  assert_int_equal(mn__base32_decode("Mxx", 3, &out), MN_EFORMAT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pbkdf2),
      cmocka_unit_test(test_aes),
      cmocka_unit_test(test_aead),
      cmocka_unit_test(test_kex),
      cmocka_unit_test(test_rsa),
      cmocka_unit_test(test_gzip_round_trip),
      cmocka_unit_test(test_gunzip_formats),
      cmocka_unit_test(test_mx_round_trip),
      cmocka_unit_test(test_mx_decode_rules),
      cmocka_unit_test(test_base32),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
