/*
 * test_objects_decode.c - decoding the chain objects from hostile bytes:
 * truncation at every byte, trailing bytes, counts and lengths beyond the
 * limits, unknown state types, non-canonical encodings (and what the ids
 * then are), Java's UTF-8 replacement, the memory bound, and random
 * mutations of a full TxPoW.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>
#include <minima/objects.h>
#include <minima/stream.h>

#include "crypto/crypto.h"
#include "test_support.h"
#include "types/num.h"
#include "types/objects.h"

static json_t *vectors;
static const mn_obj_api_t *O;

static int setup(void **state) {
  (void)state;
  O = mn__obj_api();
  vectors = mn_test_load_vectors("objects.json");
  return vectors ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  json_decref(vectors);
  return 0;
}

static mn_buf_t vec(const char *name, const char *field) {
  size_t i;
  json_t *e;
  json_array_foreach(vectors, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
      return mn_test_unhex(json_string_value(json_object_get(e, field)));
  }
  fail_msg("no vector %s", name);
  return (mn_buf_t){0};
}

static int dec(mn_obj_kind_t kind, const uint8_t *p, size_t n, void **out) {
  *out = NULL;
  return O->decode(kind, p, n, NULL, out);
}

/* Decodes hex, expecting rc; frees what it got. */
static void expect_hex(mn_obj_kind_t kind, const char *hex, int rc) {
  mn_buf_t b = mn_test_unhex(hex);
  void *obj;
  int got = dec(kind, b.data, b.len, &obj);
  if (got != rc)
    fail_msg("decode %s: got %s, want %s", hex, mn_err_name(got),
             mn_err_name(rc));
  if (rc == 0)
    assert_non_null(obj);
  else
    assert_null(obj);
  O->free(obj);
  mn_buf_free(&b);
}

/* Decodes hex (must succeed) and checks its re-encoding is want. */
static void expect_canon(mn_obj_kind_t kind, const char *hex,
                         const char *want) {
  mn_buf_t b = mn_test_unhex(hex), w = mn_test_unhex(want), out = {0};
  void *obj;
  int rc = dec(kind, b.data, b.len, &obj);
  if (rc)
    fail_msg("decode %s: %s", hex, mn_err_name(rc));
  assert_int_equal(O->encode(kind, obj, &out), 0);
  assert_bytes_equal(out.data, out.len, w.data, w.len);
  O->free(obj);
  mn_buf_free(&out);
  mn_buf_free(&w);
  mn_buf_free(&b);
}

/* --------------------------------------------------------------------------
 * Truncation and trailing bytes
 * ------------------------------------------------------------------------ */

static const struct {
  const char *name, *field;
  mn_obj_kind_t kind;
} samples[] = {
    {"magic_default", "serialized_hex", MN_OBJ_MAGIC},
    {"statevar_port2", "serialized_hex", MN_OBJ_STATEVAR},
    {"coin_with_state_and_entry", "serialized_hex", MN_OBJ_COIN},
    {"coin_token_create_output", "serialized_hex", MN_OBJ_COIN},
    {"token_final", "serialized_hex", MN_OBJ_TOKEN},
    {"transaction_1in_2out_state", "serialized_hex", MN_OBJ_TRANSACTION},
    {"mmr_root_7_leaves", "proof_entry0_serialized_hex", MN_OBJ_MMRPROOF},
    {"mmrentry_row0_entry3", "serialized_hex", MN_OBJ_MMRENTRY},
    {"address_signedby", "address_serialized_hex", MN_OBJ_ADDRESS},
    {"address_signedby", "scriptproof_serialized_hex", MN_OBJ_SCRIPTPROOF},
    {"coinproof_entry1_of_2", "serialized_hex", MN_OBJ_COINPROOF},
    {"witness_sig_coinproof_script", "signature_serialized_hex",
     MN_OBJ_SIGNATURE},
    {"witness_sig_coinproof_script", "serialized_hex", MN_OBJ_WITNESS},
    {"txheader_full", "serialized_hex", MN_OBJ_TXHEADER},
    {"txbody_full", "serialized_hex", MN_OBJ_TXBODY},
    {"txpow_full", "serialized_hex", MN_OBJ_TXPOW},
    {"txpow_header_only", "serialized_hex", MN_OBJ_TXPOW},
};

static void test_truncated_everywhere(void **state) {
  (void)state;
  for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
    mn_buf_t b = vec(samples[s].name, samples[s].field);
    for (size_t cut = 0; cut < b.len; cut++) {
      void *obj;
      size_t used = 0;
      int rc = dec(samples[s].kind, b.data, cut, &obj);
      if (rc != MN_EFORMAT)
        fail_msg("%s cut at %zu: %s", samples[s].name, cut, mn_err_name(rc));
      assert_null(obj);
      rc = O->decode(samples[s].kind, b.data, cut, &used, &obj);
      assert_int_equal(rc, MN_EFORMAT);
      assert_null(obj);
    }
    /* A trailing byte: refused when the object must fill the input, and
     * left unconsumed otherwise. */
    uint8_t *more = malloc(b.len + 1);
    memcpy(more, b.data, b.len);
    more[b.len] = 0x00;
    void *obj;
    assert_int_equal(dec(samples[s].kind, more, b.len + 1, &obj), MN_EFORMAT);
    size_t used = 0;
    assert_int_equal(O->decode(samples[s].kind, more, b.len + 1, &used, &obj),
                     0);
    assert_int_equal(used, b.len);
    O->free(obj);
    free(more);
    mn_buf_free(&b);
  }
}

/* --------------------------------------------------------------------------
 * Counts, lengths and types
 * ------------------------------------------------------------------------ */

/* An empty transaction with the input count replaced. */
static void txn_with_count(const char *count, int rc) {
  char hex[128];
  snprintf(hex, sizeof hex,
           "%s"
           "000100"
           "000100"
           "0000000100",
           count);
  expect_hex(MN_OBJ_TRANSACTION, hex, rc);
}

static void test_counts(void **state) {
  (void)state;
  expect_hex(MN_OBJ_TRANSACTION, "0001000001000001000000000100", 0);
  txn_with_count("000100", 0);
  txn_with_count("0001ff", MN_EFORMAT);       /* -1 */
  txn_with_count("01010f", MN_EFORMAT);       /* 1.5 */
  txn_with_count("000101", MN_EFORMAT);       /* 1 coin: too few bytes */
  txn_with_count("00027fff", MN_EFORMAT);     /* 32767 coins in 11 bytes */
  txn_with_count("000580000000", MN_EFORMAT); /* 2^31 */
  txn_with_count("9c0101", MN_EFORMAT);       /* 1E100 */
  txn_with_count("000000", MN_EFORMAT);       /* MiniNumber of length 0 */
  txn_with_count("002100", MN_EFORMAT);       /* length 33 */
  /* Integral counts in other forms are read and written canonically. */
  expect_canon(MN_OBJ_TRANSACTION,
               "01010000010000010000000001"
               "00",
               "0001000001000001000000000100");
  expect_canon(MN_OBJ_TRANSACTION,
               "0002000000010000010000000001"
               "00",
               "0001000001000001000000000100");
  /* count_decode for callers walking a stream: at least a byte per
   * element must follow. */
  uint8_t c3[] = {0x00, 0x01, 0x03, 0xaa, 0xbb, 0xcc};
  size_t used;
  uint32_t n;
  assert_int_equal(O->count_decode(c3, sizeof c3, &used, &n), 0);
  assert_int_equal(n, 3);
  assert_int_equal(used, 3);
  assert_int_equal(O->count_decode(c3, 5, &used, &n), MN_EFORMAT);
  uint8_t neg[] = {0x00, 0x01, 0xfe};
  assert_int_equal(O->count_decode(neg, sizeof neg, &used, &n), MN_EFORMAT);
}

static void test_lengths(void **state) {
  (void)state;
  /* A hash field of 64 bytes is fine, 65 is not (the linkhash). */
  char hex[512];
  char h64[129], h65[131];
  memset(h64, 'a', 128);
  h64[128] = 0;
  memset(h65, 'a', 130);
  h65[130] = 0;
  snprintf(hex, sizeof hex, "00010000010000010000000040%s", h64);
  expect_hex(MN_OBJ_TRANSACTION, hex, 0);
  snprintf(hex, sizeof hex, "00010000010000010000000041%s", h65);
  expect_hex(MN_OBJ_TRANSACTION, hex, MN_EFORMAT);
  /* Negative, over-limit and longer-than-input lengths. */
  expect_hex(MN_OBJ_TRANSACTION, "00010000010000010080000000", MN_EFORMAT);
  expect_hex(MN_OBJ_TRANSACTION, "000100000100000100ffffffff", MN_EFORMAT);
  expect_hex(MN_OBJ_TRANSACTION, "000100000100000100000000030000", MN_EFORMAT);
  /* A plain MiniData over 512 MiB (the HEX state variable). */
  expect_hex(MN_OBJ_STATEVAR, "00012000000100", MN_EFORMAT);
  expect_hex(MN_OBJ_STATEVAR, "00017fffffff00", MN_EFORMAT);
  /* A 65-byte super parent. */
  mn_buf_t h = vec("txheader_default_time0", "serialized_hex");
  /* 20 00000000 -> 20 00000041 + 65 bytes */
  mn_buf_t b = {0};
  const uint8_t rle[] = {0x20, 0x00, 0x00, 0x00, 0x00};
  size_t at = 0;
  for (; at + 5 <= h.len; at++)
    if (memcmp(h.data + at, rle, 5) == 0)
      break;
  assert_true(at + 5 <= h.len);
  mn_buf_put(&b, h.data, at);
  mn_buf_put_u8(&b, 0x20);
  uint8_t big[65];
  memset(big, 0x11, sizeof big);
  mn_buf_put_data(&b, big, 65);
  mn_buf_put(&b, h.data + at + 5, h.len - at - 5);
  void *obj;
  assert_int_equal(dec(MN_OBJ_TXHEADER, b.data, b.len, &obj), MN_EFORMAT);
  mn_buf_free(&b);
  mn_buf_free(&h);
}

static void test_statevar_types(void **state) {
  (void)state;
  expect_hex(MN_OBJ_STATEVAR, "000801", 0);
  const char *bad[] = {"000001", "000301", "001001", "00ff01", "000701"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    expect_hex(MN_OBJ_STATEVAR, bad[i], MN_EFORMAT);
  /* BOOL: any non-zero byte reads as TRUE and is written 01. */
  expect_canon(MN_OBJ_STATEVAR, "070805", "070801");
  /* NUMBER beyond the MiniNumber range cannot be written back by the
   * reference: refused.  Scale 50 is read, printed, and written back
   * truncated to 44 places as the reference's text re-parse does. */
  expect_hex(MN_OBJ_STATEVAR,
             "0002000901"
             "0000000000000000",
             MN_EFORMAT);
  mn_buf_t b = mn_test_unhex("00023201"
                             "07");
  mn_statevar_t *sv;
  assert_int_equal(dec(MN_OBJ_STATEVAR, b.data, b.len, (void **)&sv), 0);
  assert_int_equal(sv->text.len, 52); /* "0." + 49 zeros + "7" */
  mn_buf_t out = {0};
  assert_int_equal(O->encode(MN_OBJ_STATEVAR, sv, &out), 0);
  assert_int_equal(out.data[2], 44); /* scale */
  mn_buf_free(&out);
  O->free(sv);
  mn_buf_free(&b);
  /* ... so 1E-50 is written 0E-44, which reads as "0" and is then written
   * 0: the reference's bytes settle in the second round. */
  expect_canon(MN_OBJ_STATEVAR, "0002320101", "00022c0100");
  expect_canon(MN_OBJ_STATEVAR, "00022c0100", "0002000100");
  /* NUMBER "1.50" (150, scale 2) is stored as 1.5 and written (15, 1). */
  expect_canon(MN_OBJ_STATEVAR, "010202020096", "010201010f");
}

static void test_bytes_kept_raw(void **state) {
  (void)state;
  /* Coin: storestate 02 is written 01, spent 05 stays 05 (a MiniByte the
   * reference keeps as read). */
  mn_buf_t c = vec("coin_output_simple", "serialized_hex");
  /* layout: coinid(5) address(36) amount(3) tokenid(5) storestate ... */
  size_t ss = 5 + 36 + 3 + 5;
  assert_int_equal(c.data[ss], 1);
  c.data[ss] = 2;
  size_t sp = ss + 1 + 8;
  assert_int_equal(c.data[sp], 0);
  c.data[sp] = 5;
  mn_coin_t *coin;
  assert_int_equal(dec(MN_OBJ_COIN, c.data, c.len, (void **)&coin), 0);
  assert_true(coin->storestate);
  assert_int_equal(coin->spent, 5);
  mn_buf_t out = {0};
  assert_int_equal(O->encode(MN_OBJ_COIN, coin, &out), 0);
  assert_int_equal(out.data[ss], 1);
  assert_int_equal(out.data[sp], 5);
  mn_buf_free(&out);
  O->free(coin);
  mn_buf_free(&c);
  /* Proof chunk flags are kept as read too. */
  expect_canon(MN_OBJ_MMRPROOF, "0001000001010700000000000100",
               "0001000001010700000000000100");
  /* MMREntry rows are 0..255. */
  expect_hex(MN_OBJ_MMRENTRY,
             "0002"
             "00ff"
             "000100000000010000000000000100",
             0);
  expect_hex(MN_OBJ_MMRENTRY,
             "0002"
             "0100"
             "000100000000010000000000000100",
             MN_EFORMAT);
  expect_hex(MN_OBJ_MMRENTRY,
             "0001ff"
             "000100000000010000000000000100",
             MN_EFORMAT);
}

/* --------------------------------------------------------------------------
 * Non-canonical headers
 * ------------------------------------------------------------------------ */

static void test_noncanonical_header(void **state) {
  (void)state;
  mn_buf_t h = vec("txheader_full", "serialized_hex");
  mn_buf_t id = vec("txheader_full", "txpowid_hex");
  /* The nonce 12345 is 00 02 30 39; pad it to 00 03 00 30 39. */
  assert_int_equal(h.data[0], 0x00);
  assert_int_equal(h.data[1], 0x02);
  mn_buf_t pad = {0};
  const uint8_t padded[] = {0x00, 0x03, 0x00, 0x30, 0x39};
  mn_buf_put(&pad, padded, sizeof padded);
  mn_buf_put(&pad, h.data + 4, h.len - 4);
  mn_txheader_t *hdr;
  assert_int_equal(dec(MN_OBJ_TXHEADER, pad.data, pad.len, (void **)&hdr), 0);
  /* The id is the hash of the canonical header, as the reference computes
   * it after reading, not the hash of the bytes received. */
  uint8_t got[32], wire[32];
  assert_int_equal(O->hash(MN_OBJ_TXHEADER, hdr, got), 0);
  assert_memory_equal(got, id.data, 32);
  mn__sha3_256(pad.data, pad.len, wire);
  assert_memory_not_equal(wire, got, 32);
  mn_buf_t out = {0};
  assert_int_equal(O->encode(MN_OBJ_TXHEADER, hdr, &out), 0);
  assert_bytes_equal(out.data, out.len, h.data, h.len);
  mn_buf_free(&out);
  O->free(hdr);

  /* The same for a whole TxPoW: the derived txpowid is canonical. */
  mn_buf_t t = vec("txpow_full", "serialized_hex");
  mn_buf_t tp = {0};
  mn_buf_put(&tp, padded, sizeof padded);
  mn_buf_put(&tp, t.data + 4, t.len - 4);
  mn_txpow_t *txp;
  assert_int_equal(dec(MN_OBJ_TXPOW, tp.data, tp.len, (void **)&txp), 0);
  assert_memory_equal(txp->txpowid, id.data, 32);
  assert_int_equal(txp->size, t.len); /* size is canonical too */
  O->free(txp);
  mn_buf_free(&tp);
  mn_buf_free(&t);

  /* Super-parent runs split in two are read, and written as one run:
   * 01 A 03 B -> 01 A 01 B 02 B, and zero-count pairs are skipped. */
  /* nonce 4, chainid 5, time 8, block 4, difficulty 36, then 01 A. */
  size_t at = 4 + 5 + 8 + 4 + 36 + 37;
  assert_int_equal(h.data[at - 37], 0x01);
  assert_int_equal(h.data[at], 0x03);
  mn_buf_t split = {0};
  mn_buf_put(&split, h.data, at);
  mn_buf_put_u8(&split, 0x00); /* a zero-count pair first */
  mn_buf_put(&split, h.data + at + 1, 36);
  mn_buf_put_u8(&split, 0x01);
  mn_buf_put(&split, h.data + at + 1, 36);
  mn_buf_put_u8(&split, 0x02);
  mn_buf_put(&split, h.data + at + 1, h.len - at - 1);
  assert_int_equal(dec(MN_OBJ_TXHEADER, split.data, split.len, (void **)&hdr),
                   0);
  assert_int_equal(O->hash(MN_OBJ_TXHEADER, hdr, got), 0);
  assert_memory_equal(got, id.data, 32);
  O->free(hdr);
  /* A run longer than the slots left is refused. */
  assert_int_equal(split.data[at + 2 + 2 * 36], 0x02);
  split.data[at + 2 + 2 * 36] = 0x03; /* 1 + 1 + 3 + 28 = 33 slots */
  assert_int_equal(dec(MN_OBJ_TXHEADER, split.data, split.len, (void **)&hdr),
                   MN_EFORMAT);
  mn_buf_free(&split);
  mn_buf_free(&pad);
  mn_buf_free(&id);
  mn_buf_free(&h);
}

/* --------------------------------------------------------------------------
 * MiniStrings through Java's UTF-8 decoder
 * ------------------------------------------------------------------------ */

static void utf8_case(const char *in, const char *want) {
  char hex[256], whex[256];
  mn_buf_t b = mn_test_unhex(in);
  snprintf(hex, sizeof hex, "0004%08zx%s", b.len, in);
  mn_buf_t w = mn_test_unhex(want);
  snprintf(whex, sizeof whex, "0004%08zx%s", w.len, want);
  expect_canon(MN_OBJ_STATEVAR, hex, whex);
  mn_buf_free(&w);
  mn_buf_free(&b);
}

static void test_utf8(void **state) {
  (void)state;
  const char *R = "efbfbd";
  char want[128];
  utf8_case("5b68c3a96c6c6f20e282ac5d", "5b68c3a96c6c6f20e282ac5d");
  utf8_case("5bf09f98805d", "5bf09f98805d"); /* 4-byte, kept */
  snprintf(want, sizeof want, "5b%s5d", R);
  utf8_case("5b805d", want);     /* lone continuation */
  utf8_case("5beda0805d", want); /* a surrogate: one replacement */
  utf8_case("5bf48f5d", want);   /* 2 of 4 bytes before ASCII: one */
  snprintf(want, sizeof want, "5b%s%s5d", R, R);
  utf8_case("5bc0805d", want); /* overlong 2-byte: two */
  utf8_case("5bf4905d", want); /* beyond U+10FFFF: F4, then 90 */
  snprintf(want, sizeof want, "5b%s41", R);
  utf8_case("5bf0908041", want); /* 3 of 4 bytes: one, then 'A' */
  snprintf(want, sizeof want, "5b%s", R);
  utf8_case("5be282", want); /* truncated at the end: one */
  snprintf(want, sizeof want, "5b%s%s2f", R, R);
  utf8_case("5be0802f", want); /* E0 80: overlong: E0, then 80 */
}

/* --------------------------------------------------------------------------
 * Memory bound and mutations
 * ------------------------------------------------------------------------ */

static void check_bound(mn_obj_kind_t kind, const mn_buf_t *b) {
  void *obj;
  int rc = dec(kind, b->data, b->len, &obj);
  if (rc)
    fail_msg("hostile input of %zu bytes: %s", b->len, mn_err_name(rc));
  size_t mem = O->mem(obj);
  if (mem > (size_t)MN_OBJ_MEM_FACTOR * b->len + MN_OBJ_MEM_SLACK)
    fail_msg("%zu bytes of input took %zu bytes of memory", b->len, mem);
  printf("kind %2d: %8zu bytes in, %9zu held (%.1fx)\n", kind, b->len, mem,
         (double)mem / (double)b->len);
  O->free(obj);
}

static void put_count(mn_buf_t *b, uint32_t n);

/* One small object read out of a large buffer holds little. */
static void test_small_in_large(void **state) {
  (void)state;
  mn_buf_t c = vec("coin_output_simple", "serialized_hex");
  size_t big = 4u << 20;
  uint8_t *buf = calloc(1, big);
  memcpy(buf, c.data, c.len);
  void *obj;
  size_t used;
  assert_int_equal(O->decode(MN_OBJ_COIN, buf, big, &used, &obj), 0);
  assert_int_equal(used, c.len);
  assert_true(O->mem(obj) <=
              (size_t)MN_OBJ_MEM_FACTOR * c.len + MN_OBJ_MEM_SLACK);
  O->free(obj);
  free(buf);
  mn_buf_free(&c);
}

static void put_count(mn_buf_t *b, uint32_t n) {
  uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                   (uint8_t)n};
  int k = 0;
  while (k < 3 && be[k] == 0 && !(be[k + 1] & 0x80))
    k++;
  mn_buf_put_u8(b, 0);
  mn_buf_put_u8(b, (uint8_t)(4 - k + (be[k] & 0x80 ? 1 : 0)));
  if (be[k] & 0x80)
    mn_buf_put_u8(b, 0);
  mn_buf_put(b, be + k, (size_t)(4 - k));
}

static void test_memory_bound(void **state) {
  (void)state;
  const uint32_t N = 20000;
  /* Minimal coins with two minimal BOOL state variables each. */
  mn_buf_t head = mn_test_unhex("00000000"
                                "00000000"
                                "000100"
                                "00000000"
                                "01"
                                "0001000000000100"
                                "00"
                                "000100");
  mn_buf_t b = {0};
  put_count(&b, N);
  for (uint32_t i = 0; i < N; i++) {
    mn_buf_put(&b, head.data, head.len);
    put_count(&b, 2);
    mn_buf_put(&b, (const uint8_t[]){0x01, 0x08, 0x00, 0x02, 0x08, 0x01}, 6);
    mn_buf_put_u8(&b, 0);
  }
  mn_buf_free(&head);
  mn_buf_put(&b, (const uint8_t[]){0, 1, 0, 0, 1, 0, 0, 0, 0, 0}, 10);
  check_bound(MN_OBJ_TRANSACTION, &b);
  mn_buf_free(&b);

  /* A proof of many chunks with empty hashes. */
  put_count(&b, 0);
  put_count(&b, N);
  for (uint32_t i = 0; i < N; i++)
    mn_buf_put(&b, (const uint8_t[]){0, 0, 0, 0, 0, 0, 1, 0}, 8);
  check_bound(MN_OBJ_MMRPROOF, &b);
  mn_buf_free(&b);

  /* A witness of empty signatures (three bytes each). */
  put_count(&b, N);
  for (uint32_t i = 0; i < N; i++)
    mn_buf_put(&b, (const uint8_t[]){0, 1, 0}, 3);
  put_count(&b, 0);
  put_count(&b, 0);
  check_bound(MN_OBJ_WITNESS, &b);
  mn_buf_free(&b);

  /* A cascade of header-only TxPoWs: the vector's, and the smallest
   * (every field empty or zero). */
  mn_buf_t h = vec("txpow_header_only", "serialized_hex");
  put_count(&b, 2000);
  for (int i = 0; i < 2000; i++) {
    mn_buf_put(&b, h.data, h.len);
    mn_buf_put(&b, (const uint8_t[]){0, 1, 0}, 3);
  }
  check_bound(MN_OBJ_CASCADE, &b);
  mn_buf_free(&b);
  mn_buf_free(&h);
  h = mn_test_unhex("000100"
                    "00000000"
                    "000100"
                    "000100"
                    "00000000"
                    "2000000000"
                    "00000000"
                    "000100"
                    "000100000100000100"
                    "00000000"
                    "000100000100000100"
                    "00000000"
                    "00000000"
                    "00000000"
                    "00"
                    "000100");
  put_count(&b, N);
  for (uint32_t i = 0; i < N; i++)
    mn_buf_put(&b, h.data, h.len);
  check_bound(MN_OBJ_CASCADE, &b);
  mn_buf_free(&b);
  mn_buf_free(&h);

  /* A body listing many empty ids. */
  mn_buf_t body = vec("txbody_full", "serialized_hex");
  /* the txpowlist count (00 01 02) and two 32-byte ids end the body */
  size_t keep = body.len - 3 - 2 * 36;
  mn_buf_put(&b, body.data, keep);
  put_count(&b, N);
  for (uint32_t i = 0; i < N; i++)
    mn_buf_put(&b, (const uint8_t[]){0, 0, 0, 0}, 4);
  check_bound(MN_OBJ_TXBODY, &b);
  mn_buf_free(&b);
  mn_buf_free(&body);
}

/* xorshift, fixed seed: the same mutations on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void test_mutations(void **state) {
  (void)state;
  mn_buf_t t = vec("txpow_full", "serialized_hex");
  int ok = 0, bad = 0;
  for (int iter = 0; iter < 3000; iter++) {
    uint8_t *m = malloc(t.len);
    memcpy(m, t.data, t.len);
    int flips = 1 + (int)(next_rand() % 4);
    for (int f = 0; f < flips; f++)
      m[next_rand() % t.len] = (uint8_t)next_rand();
    mn_txpow_t *txp;
    int rc = dec(MN_OBJ_TXPOW, m, t.len, (void **)&txp);
    if (rc == 0) {
      /* Whatever decodes re-encodes, and the re-encoding decodes to the
       * same txpowid (a header holds no state variables).  The bytes are
       * stable from the second round: a NUMBER state variable with more
       * than 44 decimals is kept as its printed text and written back
       * truncated (0E-44 for 1E-50), which then prints as "0", exactly as
       * the reference re-serializes it. */
      mn_buf_t e1 = {0}, e2 = {0}, e3 = {0};
      assert_int_equal(O->encode(MN_OBJ_TXPOW, txp, &e1), 0);
      assert_int_equal(e1.len, txp->size);
      mn_txpow_t *again, *third;
      assert_int_equal(dec(MN_OBJ_TXPOW, e1.data, e1.len, (void **)&again), 0);
      assert_memory_equal(again->txpowid, txp->txpowid, 32);
      assert_int_equal(O->encode(MN_OBJ_TXPOW, again, &e2), 0);
      assert_int_equal(dec(MN_OBJ_TXPOW, e2.data, e2.len, (void **)&third), 0);
      assert_int_equal(O->encode(MN_OBJ_TXPOW, third, &e3), 0);
      assert_bytes_equal(e3.data, e3.len, e2.data, e2.len);
      O->free(third);
      mn_buf_free(&e3);
      json_t *j = O->json(MN_OBJ_TXPOW, txp, 0);
      json_decref(j);
      O->free(again);
      mn_buf_free(&e1);
      mn_buf_free(&e2);
      O->free(txp);
      ok++;
    } else {
      assert_int_equal(rc, MN_EFORMAT);
      bad++;
    }
    free(m);
  }
  printf("mutations: %d decoded, %d refused\n", ok, bad);
  assert_true(ok > 0 && bad > 0);
  mn_buf_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_truncated_everywhere),
      cmocka_unit_test(test_counts),
      cmocka_unit_test(test_lengths),
      cmocka_unit_test(test_statevar_types),
      cmocka_unit_test(test_bytes_kept_raw),
      cmocka_unit_test(test_noncanonical_header),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_memory_bound),
      cmocka_unit_test(test_small_in_large),
      cmocka_unit_test(test_mutations),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
