/*
 * test_objects_build.c - the chain objects' builders and derived values
 * beyond the vectors: state variables from user text, the sorted state
 * list, inputs/outputs and output coins (ids, state, token creation),
 * checkValid, witnesses, Magic's calculateNewCurrent (every clamp),
 * DECIMAL32 weights (HALF_EVEN ties), superlevel boundaries, the mining
 * nonce helper, JSON shapes and the 512-bit integers.
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

static void *decode_vec(mn_obj_kind_t kind, const char *name,
                        const char *field) {
  mn_buf_t b = vec(name, field);
  void *obj;
  assert_int_equal(O->decode(kind, b.data, b.len, NULL, &obj), 0);
  mn_buf_free(&b);
  return obj;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex) {
  mn_buf_t want = mn_test_unhex(hex);
  assert_bytes_equal(p, n, want.data, want.len);
  mn_buf_free(&want);
}

static void assert_text(const mn_data_t *d, const char *s) {
  if (d->len != strlen(s) || memcmp(d->data, s, d->len) != 0)
    fail_msg("text %.*s, want %s", (int)d->len, (const char *)d->data, s);
}

static void assert_num(const mn_num_t *v, const char *text) {
  char buf[MN_NUM_STR_MAX];
  mn__num_to_str(v, buf, sizeof buf);
  assert_string_equal(buf, text);
}

static mn_num_t num(const char *text) {
  mn_num_t v;
  assert_int_equal(mn__num_parse_cstr(&v, text), 0);
  return v;
}

/* --------------------------------------------------------------------------
 * State variables and the state list
 * ------------------------------------------------------------------------ */

static void parse_ok(void *owner, int port, const char *in, int type,
                     const char *text) {
  mn_statevar_t sv;
  int rc = O->statevar_parse(owner, port, in, strlen(in), &sv);
  if (rc)
    fail_msg("statevar %s: %s", in, mn_err_name(rc));
  assert_int_equal(sv.port, port);
  assert_int_equal(sv.type, type);
  assert_text(&sv.text, text);
  /* It encodes, and decodes back to the same text. */
  mn_buf_t b = {0};
  assert_int_equal(O->encode(MN_OBJ_STATEVAR, &sv, &b), 0);
  mn_statevar_t *back;
  assert_int_equal(
      O->decode(MN_OBJ_STATEVAR, b.data, b.len, NULL, (void **)&back), 0);
  assert_text(&back->text, text);
  O->free(back);
  mn_buf_free(&b);
}

static void test_statevar_parse(void **state) {
  (void)state;
  mn_transaction_t *t;
  assert_int_equal(O->create(MN_OBJ_TRANSACTION, (void **)&t), 0);
  parse_ok(t, 0, "0xabc", MN_STATE_HEX, "0x0ABC");
  parse_ok(t, 1, "0XFF00", MN_STATE_HEX, "0xFF00");
  parse_ok(t, 2, "0x", MN_STATE_HEX, "");
  parse_ok(t, 3, "tRuE", MN_STATE_BOOL, "TRUE");
  parse_ok(t, 4, "FALSE", MN_STATE_BOOL, "FALSE");
  parse_ok(t, 5, "[]", MN_STATE_STRING, "[]");
  parse_ok(t, 6, "[a [b] c]", MN_STATE_STRING, "[a [b] c]");
  parse_ok(t, 7, "1.500", MN_STATE_NUMBER, "1.5");
  parse_ok(t, 8, "1E3", MN_STATE_NUMBER, "1000");
  parse_ok(t, 9, "-0.00", MN_STATE_NUMBER, "0");
  parse_ok(t, 255, "12345678901234567890.5", MN_STATE_NUMBER,
           "12345678901234567890.5");
  /* An Mx address becomes its 0x text. */
  uint8_t a[32];
  char mx[MN_MX_MAX];
  O->script_address("RETURN TRUE", 11, a);
  assert_true(mn__mx_encode(a, 32, mx, sizeof mx) > 0);
  parse_ok(t, 10, mx, MN_STATE_HEX,
           "0x582AA40EA996419A3D8A5D26039A4E9584B746C2C26F860DAC8372BEA"
           "4457AF6");
  for (char *p = mx; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  parse_ok(t, 11, mx, MN_STATE_HEX,
           "0x582AA40EA996419A3D8A5D26039A4E9584B746C2C26F860DAC8372BEA"
           "4457AF6");
  /* Refused: blank text, bad ports, text of no type, bad hex or Mx. */
  mn_statevar_t sv;
  const char *bad[] = {"",  "   ",   "\t\n", "abc",
                       "[", "1.2.3", "0xZZ", "Mx1234"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (O->statevar_parse(t, 0, bad[i], strlen(bad[i]), &sv) == 0)
      fail_msg("statevar \"%s\" accepted", bad[i]);
  assert_int_equal(O->statevar_parse(t, 256, "1", 1, &sv), MN_EINVAL);
  assert_int_equal(O->statevar_parse(t, -1, "1", 1, &sv), MN_EINVAL);
  /* A STRING with bytes that are not UTF-8 holds what Java would. */
  const char raw[] = {'[', (char)0xff, ']'};
  assert_int_equal(O->statevar_parse(t, 0, raw, 3, &sv), 0);
  assert_text(&sv.text, "[\xef\xbf\xbd]");
  /* Typed readers. */
  assert_int_equal(O->statevar_parse(t, 0, "2.50", 4, &sv), 0);
  mn_num_t v;
  assert_int_equal(O->statevar_number(&sv, &v), 0);
  assert_num(&v, "2.5");
  mn_buf_t hx = {0};
  assert_int_equal(O->statevar_hex(&sv, &hx), MN_ETYPE);
  assert_int_equal(O->statevar_parse(t, 0, "0x0102", 6, &sv), 0);
  assert_int_equal(O->statevar_hex(&sv, &hx), 0);
  assert_hex(hx.data, hx.len, "0102");
  mn_buf_free(&hx);
  /* Not a root: refused. */
  uint8_t *fake = calloc(1, 256);
  assert_int_equal(O->statevar_parse(fake + 128, 0, "1", 1, &sv), MN_EINVAL);
  free(fake);
  O->free(t);
}

static void set_state(mn_transaction_t *t, int port, const char *text) {
  mn_statevar_t sv;
  assert_int_equal(O->statevar_parse(t, port, text, strlen(text), &sv), 0);
  assert_int_equal(O->txn_set_state(t, t, &sv), 0);
}

static void assert_ports(const mn_transaction_t *t, const int *ports,
                         size_t n) {
  assert_int_equal(t->n_state, n);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(t->state[i].port, ports[i]);
}

static void test_state_list(void **state) {
  (void)state;
  mn_transaction_t *t;
  assert_int_equal(O->create(MN_OBJ_TRANSACTION, (void **)&t), 0);
  set_state(t, 7, "[seven]");
  set_state(t, 2, "0xFEED");
  set_state(t, 5, "5");
  assert_ports(t, (const int[]){2, 5, 7}, 3);
  set_state(t, 5, "55"); /* replaces */
  assert_ports(t, (const int[]){2, 5, 7}, 3);
  assert_text(&O->txn_get_state(t, 5)->text, "55");
  assert_null(O->txn_get_state(t, 6));
  for (int p = 0; p < 20; p++)
    set_state(t, 100 - p, "1");
  assert_int_equal(t->n_state, 23);
  for (uint32_t i = 1; i < t->n_state; i++)
    assert_true(t->state[i - 1].port < t->state[i].port);
  assert_true(O->txn_remove_state(t, 2));
  assert_false(O->txn_remove_state(t, 2));
  assert_int_equal(t->n_state, 22);
  assert_int_equal(t->state[0].port, 5);
  size_t sz = 0;
  assert_int_equal(O->txn_state_size(t, &sz), 0);
  mn_buf_t b = {0};
  assert_int_equal(O->encode(MN_OBJ_TRANSACTION, t, &b), 0);
  /* 3 + 3 for the empty coin lists, 5 for the 0x00 link hash. */
  assert_int_equal(b.len, 3 + 3 + sz + 5);
  mn_buf_free(&b);
  O->free(t);

  /* A list read out of order is sorted (stably) by the next change, as
   * the reference's addStateVariable sorts. */
  mn_transaction_t *u;
  mn_buf_t raw = mn_test_unhex("000100"
                               "000100"
                               "000103"
                               "070801"
                               "020800"
                               "07040000000141"
                               "0000000100");
  assert_int_equal(
      O->decode(MN_OBJ_TRANSACTION, raw.data, raw.len, NULL, (void **)&u), 0);
  assert_ports(u, (const int[]){7, 2, 7}, 3);
  set_state(u, 3, "TRUE");
  assert_ports(u, (const int[]){2, 3, 7, 7}, 4);
  assert_text(&u->state[2].text, "TRUE");
  assert_text(&u->state[3].text, "A");
  O->free(u);
  mn_buf_free(&raw);
}

/* --------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------ */

static mn_coin_t coin_of(const char *amount, const uint8_t *tok, size_t tlen,
                         const uint8_t *id, size_t idlen) {
  static const uint8_t addr[32] = {1, 2, 3};
  mn_coin_t c;
  memset(&c, 0, sizeof c);
  c.coinid.data = id;
  c.coinid.len = idlen;
  c.address.data = addr;
  c.address.len = 32;
  c.amount = num(amount);
  c.tokenid.data = tok;
  c.tokenid.len = tlen;
  c.storestate = true;
  return c;
}

static const uint8_t MINIMA[1] = {0x00}, CREATE[1] = {0xff};
static const uint8_t TOKA[32] = {0xaa}, ID1[1] = {1}, ID2[1] = {2};

static void test_check_valid(void **state) {
  (void)state;
  mn_transaction_t *t;
  assert_int_equal(O->create(MN_OBJ_TRANSACTION, (void **)&t), 0);
  assert_false(O->txn_check_valid(t)); /* no inputs */
  mn_coin_t in = coin_of("10", MINIMA, 1, ID1, 1);
  assert_int_equal(mn_add_txn_inputs(O, t, t, &in), 0);
  assert_true(O->txn_check_valid(t));
  mn_coin_t out = coin_of("9.5", MINIMA, 1, MINIMA, 1);
  assert_int_equal(mn_add_txn_outputs(O, t, t, &out), 0);
  assert_true(O->txn_check_valid(t));
  mn_num_t burn;
  assert_int_equal(O->txn_burn(t, &burn), 0);
  assert_num(&burn, "0.5");
  /* The copy is deep: changing the argument changes nothing. */
  in.amount = num("1");
  assert_num(&t->inputs[0].amount, "10");
  /* Outputs above inputs. */
  mn_coin_t big = coin_of("1", MINIMA, 1, MINIMA, 1);
  assert_int_equal(mn_add_txn_outputs(O, t, t, &big), 0);
  assert_false(O->txn_check_valid(t));
  t->n_outputs = 1;
  /* An invalid amount (0, above a billion). */
  mn_coin_t zero = coin_of("0", MINIMA, 1, MINIMA, 1);
  assert_int_equal(mn_add_txn_outputs(O, t, t, &zero), 0);
  assert_false(O->txn_check_valid(t));
  t->n_outputs = 1;
  /* A token output with no input of that token. */
  mn_coin_t tokout = coin_of("0.1", TOKA, 32, MINIMA, 1);
  assert_int_equal(mn_add_txn_outputs(O, t, t, &tokout), 0);
  assert_false(O->txn_check_valid(t));
  mn_coin_t tokin = coin_of("0.1", TOKA, 32, ID2, 1);
  assert_int_equal(mn_add_txn_inputs(O, t, t, &tokin), 0);
  assert_true(O->txn_check_valid(t));
  /* Two inputs with one coin id. */
  mn_coin_t dup = coin_of("1", MINIMA, 1, ID1, 1);
  assert_int_equal(mn_add_txn_inputs(O, t, t, &dup), 0);
  assert_false(O->txn_check_valid(t));
  O->free(t);

  /* As in the reference, an output creating a token (0xFF) puts Minima on
   * the list of tokens to check but is not in the Minima sum: 1 Minima
   * and 1 token A in, 0.5 Minima and 1.5 to a new token out passes,
   * though 2 Minima are spent (the overall sum still binds). */
  assert_int_equal(O->create(MN_OBJ_TRANSACTION, (void **)&t), 0);
  in = coin_of("1", MINIMA, 1, ID1, 1);
  tokin = coin_of("1", TOKA, 32, ID2, 1);
  out = coin_of("0.5", MINIMA, 1, MINIMA, 1);
  mn_coin_t create = coin_of("1.5", CREATE, 1, MINIMA, 1);
  assert_int_equal(mn_add_txn_inputs(O, t, t, &in), 0);
  assert_int_equal(mn_add_txn_inputs(O, t, t, &tokin), 0);
  assert_int_equal(mn_add_txn_outputs(O, t, t, &out), 0);
  assert_int_equal(mn_add_txn_outputs(O, t, t, &create), 0);
  assert_true(O->txn_check_valid(t));
  create.amount = num("0.6");
  assert_int_equal(mn_add_txn_outputs(O, t, t, &create), 0);
  assert_false(O->txn_check_valid(t)); /* 2.6 out > 2 in overall */
  O->free(t);
}

static void test_output_coins(void **state) {
  (void)state;
  mn_transaction_t *t = decode_vec(
      MN_OBJ_TRANSACTION, "transaction_1in_2out_state", "serialized_hex");
  uint8_t id[32], txid[32], want[32];
  /* Genesis: based on the transaction id. */
  assert_int_equal(O->hash(MN_OBJ_TRANSACTION, t, txid), 0);
  assert_int_equal(O->txn_output_coinid(t, NULL, true, 1, id), 0);
  O->coinid(txid, 32, 1, want);
  assert_memory_equal(id, want, 32);
  assert_int_equal(O->txn_output_coinid(t, NULL, false, 0, id), MN_EMISSING);
  /* Output 0 stores state (sorted txn state), output 1 does not. */
  mn_num_t blk = num("1234");
  mn_coin_t c0, c1;
  O->coinid(t->inputs[0].coinid.data, t->inputs[0].coinid.len, 0, id);
  assert_int_equal(O->txn_make_output(t, t, 0, id, &blk, &c0), 0);
  assert_memory_equal(c0.coinid.data, id, 32);
  assert_true(c0.storestate);
  assert_int_equal(c0.n_state, t->n_state);
  assert_int_equal(c0.state[0].port, 2);
  assert_int_equal(O->txn_make_output(t, t, 1, id, &blk, &c1), 0);
  assert_false(c1.storestate);
  assert_int_equal(c1.n_state, 0);
  assert_int_equal(O->txn_make_output(t, t, 2, id, &blk, &c1), MN_ERANGE);
  O->free(t);

  /* A token creation output becomes token_final: coin id, the request's
   * scale, name and script, the output's amount, created = block. */
  mn_coin_t *req =
      decode_vec(MN_OBJ_COIN, "coin_token_create_output", "serialized_hex");
  mn_buf_t fid = vec("token_final", "serialized_hex");
  mn_token_t *fin;
  assert_int_equal(
      O->decode(MN_OBJ_TOKEN, fid.data, fid.len, NULL, (void **)&fin), 0);
  assert_int_equal(O->create(MN_OBJ_TRANSACTION, (void **)&t), 0);
  assert_int_equal(mn_add_txn_outputs(O, t, t, req), 0);
  mn_coin_t made;
  assert_int_equal(O->txn_make_output(t, t, 0, fin->coinid.data, &blk, &made),
                   0);
  assert_non_null(made.token);
  mn_buf_t b = {0};
  assert_int_equal(O->encode(MN_OBJ_TOKEN, made.token, &b), 0);
  assert_bytes_equal(b.data, b.len, fid.data, fid.len);
  uint8_t tid[32];
  assert_int_equal(O->token_id(fin, tid), 0);
  assert_bytes_equal(made.tokenid.data, made.tokenid.len, tid, 32);
  assert_hex(
      tid, 32,
      "6b3e84ab145671688844b5d11513c93ffa90fc974b7ed99f0eb655ce99bd3980");
  /* Without its descriptor a creation output is invalid. */
  t->outputs[0].token = NULL;
  assert_int_equal(O->txn_make_output(t, t, 0, fin->coinid.data, &blk, &made),
                   MN_EINVALID);
  mn_buf_free(&b);
  mn_buf_free(&fid);
  O->free(fin);
  O->free(req);
  O->free(t);
}

static void test_tokens(void **state) {
  (void)state;
  mn_token_t *t = decode_vec(MN_OBJ_TOKEN, "token_final", "serialized_hex");
  mn_num_t v;
  /* 1E-33 colour x 10^36 = 1000 tokens; and back. */
  assert_int_equal(O->token_scale_up(t, &t->amount, &v), 0);
  assert_num(&v, "1000");
  mn_num_t back;
  assert_int_equal(O->token_scale_down(t, &v, &back), 0);
  assert_int_equal(mn__num_cmp(&back, &t->amount), 0);
  /* Beyond the MiniNumber range the reference throws. */
  mn_num_t big = num("1000000");
  assert_int_equal(O->token_scale_up(t, &big, &v), MN_EOVERFLOW);
  /* A huge scale ends quickly on zero. */
  t->scale = num("2000000000");
  mn_num_t z = num("0");
  assert_int_equal(O->token_scale_up(t, &z, &v), 0);
  assert_num(&v, "0");
  assert_int_equal(O->token_scale_down(t, &big, &v), 0);
  assert_num(&v, "0");
  O->free(t);
}

static void test_witness_builders(void **state) {
  (void)state;
  mn_witness_t *w;
  assert_int_equal(O->create(MN_OBJ_WITNESS, (void **)&w), 0);
  mn_scriptproof_t sp;
  assert_int_equal(O->scriptproof_make(w, "RETURN TRUE", 11, NULL, &sp), 0);
  assert_int_equal(mn_add_witness_scripts(O, w, w, &sp), 0);
  assert_int_equal(mn_add_witness_scripts(O, w, w, &sp), MN_EEXIST);
  assert_int_equal(w->n_scripts, 1);
  uint8_t a[32];
  O->script_address("RETURN TRUE", 11, a);
  assert_non_null(O->witness_find_script(w, a, 32));
  a[0] ^= 1;
  assert_null(O->witness_find_script(w, a, 32));
  /* A two-script MAST: the proof of script 0 is the leaf of script 1 on
   * its right; the address is the parent. */
  mn_mmrdata_t l0, l1, root;
  mn_buf_t s0 = {0}, s1 = {0};
  mn_buf_put_data(&s0, "RETURN TRUE", 11);
  mn_buf_put_data(&s1, "RETURN FALSE", 12);
  assert_int_equal(
      O->mmr_leaf(s0.data, s0.len, &(mn_num_t){{0}, 0, 0, {0}}, &l0), 0);
  assert_int_equal(
      O->mmr_leaf(s1.data, s1.len, &(mn_num_t){{0}, 0, 0, {0}}, &l1), 0);
  assert_int_equal(O->mmr_parent(&l0, &l1, &root), 0);
  mn_mmrproof_t proof;
  memset(&proof, 0, sizeof proof);
  mn_mmrchunk_t ch;
  memset(&ch, 0, sizeof ch);
  ch.left = 0;
  ch.data = l1;
  assert_int_equal(mn_add_proof_chunks(O, w, &proof, &ch), 0);
  mn_scriptproof_t mast;
  assert_int_equal(O->scriptproof_make(w, "RETURN TRUE", 11, &proof, &mast), 0);
  assert_memory_equal(mast.address, root.hash, 32);
  assert_int_equal(mn_add_witness_scripts(O, w, w, &mast), 0);
  assert_int_equal(w->n_scripts, 2);
  mn_mmrdata_t folded;
  assert_int_equal(O->mmr_fold(&proof, &l0, &folded), 0);
  assert_true(O->mmr_equal(&folded, &root));
  /* A malformed signature is refused. */
  const uint8_t junk[] = {0x00, 0x01, 0x05, 0x00};
  assert_int_equal(O->witness_add_signature(w, w, junk, sizeof junk),
                   MN_EFORMAT);
  const uint8_t empty[] = {0x00, 0x01, 0x00};
  assert_int_equal(O->witness_add_signature(w, w, empty, sizeof empty),
                   MN_EFORMAT);
  mn_buf_free(&s0);
  mn_buf_free(&s1);
  O->free(w);
}

/* --------------------------------------------------------------------------
 * Magic
 * ------------------------------------------------------------------------ */

static void test_magic(void **state) {
  (void)state;
  mn_magic_t def, next, m;
  uint8_t work[64];
  O->magic_default(&def);
  /* Defaults are a fixed point. */
  assert_int_equal(O->magic_next(&def, &next, work), 0);
  assert_true(O->magic_same(&def, &next));
  assert_num(&next.max_txpow_size, "65536");
  /* Desired above twice the current: clamped to twice. */
  m = def;
  m.desired_max_txpow_size = num("1000000000");
  assert_int_equal(O->magic_next(&m, &next, work), 0);
  assert_num(&next.max_txpow_size, "65540");
  /* The result's desired values are the defaults, not the parent's. */
  assert_num(&next.desired_max_txpow_size, "65536");
  /* Desired below half: clamped to half (then above the floor). */
  m = def;
  m.max_txpow_size = num("200000");
  m.desired_max_txpow_size = num("1");
  assert_int_equal(O->magic_next(&m, &next, work), 0);
  assert_num(&next.max_txpow_size, "199993.896484375");
  /* Below the hard floor: raised to it. */
  m = def;
  m.desired_max_kissvm_ops = num("1");
  m.desired_max_txns = num("10");
  assert_int_equal(O->magic_next(&m, &next, work), 0);
  assert_num(&next.max_kissvm_ops, "1024");
  assert_num(&next.max_txns, "256");
  /* Within the bounds: the weighted mean (a fraction). */
  m = def;
  m.desired_max_txns = num("300");
  assert_int_equal(O->magic_next(&m, &next, work), 0);
  assert_num(&next.max_txns, "256.002685546875");
  /* Work: easier than allowed is capped at the minimum work... */
  uint8_t easy[32];
  memset(easy, 0xff, sizeof easy);
  m = def;
  m.desired_min_txpow_work.data = easy;
  m.desired_min_txpow_work.len = 32;
  assert_int_equal(O->magic_next(&m, &next, work), 0);
  assert_true(O->magic_same(&next, &def));
  /* ... harder is clamped to half and averaged in (integer division). */
  uint8_t hard[1] = {1};
  m.desired_min_txpow_work.data = hard;
  m.desired_min_txpow_work.len = 1;
  assert_int_equal(O->magic_next(&m, &next, work), 0);
  assert_hex(next.min_txpow_work.data, next.min_txpow_work.len,
             "068dab9f559b3d07c84b5dcc63f141205bc01a36e2eb1c432ca57a786c2267");
  assert_false(O->magic_same(&next, &def));
  /* checkSame compares numbers by value. */
  m = def;
  m.max_txns = num("256.000");
  assert_true(O->magic_same(&m, &def));
  /* A work value wider than 512 bits is refused. */
  uint8_t wide[65];
  memset(wide, 0x01, sizeof wide);
  m = def;
  m.min_txpow_work.data = wide;
  m.min_txpow_work.len = sizeof wide;
  assert_int_equal(O->magic_next(&m, &next, work), MN_EOVERFLOW);
  /* A current value the reference's arithmetic cannot double. */
  m = def;
  m.max_txpow_size = num("18446744073709551615");
  assert_int_equal(O->magic_next(&m, &next, work), MN_EOVERFLOW);
}

/* --------------------------------------------------------------------------
 * Weights
 * ------------------------------------------------------------------------ */

static void weight_text(const mn_weight_t *w, const char *want) {
  char buf[MN_NUM_STR_MAX];
  O->weight_to_str(w, buf, sizeof buf);
  assert_string_equal(buf, want);
}

static void weight_of_hex(const char *hex, const char *want) {
  mn_buf_t d = mn_test_unhex(hex);
  mn_weight_t w;
  assert_int_equal(O->weight_of(d.data, d.len, &w), 0);
  weight_text(&w, want);
  mn_buf_free(&d);
}

static void weight_u64(uint64_t v, uint32_t level, const char *want) {
  mn_weight_t a, r;
  memset(&a, 0, sizeof a);
  a.mag[0] = v;
  assert_int_equal(O->weight_mul_pow2(&r, &a, level), 0);
  weight_text(&r, want);
}

static void test_weights(void **state) {
  (void)state;
  char ff[65];
  memset(ff, 'f', 64);
  ff[64] = 0;
  weight_of_hex(ff, "1");
  weight_of_hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                "ffffff",
                "2.000000");
  weight_of_hex("01", "1.157921E+77");
  weight_of_hex("03", "3.859736E+76");
  /* Exact quotients keep the scale nearest 0: 5 and 2.5. */
  weight_of_hex("333333333333333333333333333333333333333333333333333333333"
                "3333333",
                "5");
  weight_of_hex("666666666666666666666666666666666666666666666666666666666"
                "6666666",
                "2.5");
  /* Exact 8-digit quotients on a half: HALF_EVEN keeps an even digit and
   * rounds an odd one up (MAX = 33502085 x ... and 16711935 x ...). */
  weight_of_hex("80333332b300000080333332b300000080333332b300000080333332b3",
                "3.350208E+7");
  weight_of_hex("10100000101000001010000010100000101000001010000010100000101",
                "1.671194E+7");
  mn_weight_t w;
  assert_int_equal(O->weight_of((const uint8_t[]){0}, 1, &w), MN_EDIVZERO);
  uint8_t wide[65] = {1};
  assert_int_equal(O->weight_of(wide, sizeof wide, &w), MN_ERANGE);

  /* Rounding to 7 digits through mul_pow2 (level 0 only rounds). */
  weight_u64(12345665, 0, "1.234566E+7");
  weight_u64(12345675, 0, "1.234568E+7");
  weight_u64(12345674, 0, "1.234567E+7");
  weight_u64(12345676, 0, "1.234568E+7");
  weight_u64(99999995, 0, "1.000000E+8");
  weight_u64(1234567, 0, "1234567");
  /* Cascade levels: 2.000000 x 2^L. */
  weight_of_hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                "ffffff",
                "2.000000");
  mn_buf_t half = mn_test_unhex("7fffffffffffffffffffffffffffffffffffffffffff"
                                "ffffffffffffffffffff");
  assert_int_equal(O->weight_of(half.data, half.len, &w), 0);
  mn_weight_t r;
  assert_int_equal(O->weight_mul_pow2(&r, &w, 1), 0);
  weight_text(&r, "4.000000");
  assert_int_equal(O->weight_mul_pow2(&r, &w, 3), 0);
  weight_text(&r, "16.00000");
  assert_int_equal(O->weight_mul_pow2(&r, &w, 31), 0);
  weight_text(&r, "4.294967E+9");
  assert_int_equal(O->weight_mul_pow2(&r, &w, 2000), MN_EOVERFLOW);

  /* Exact sums, comparison and the integer part. */
  mn_weight_t big, sum;
  assert_int_equal(O->weight_of((const uint8_t[]){1}, 1, &big), 0);
  assert_int_equal(O->weight_add(&sum, &big, &w), 0);
  char want[128];
  snprintf(want, sizeof want, "1157921%070d2.000000", 0);
  weight_text(&sum, want);
  assert_true(O->weight_cmp(&sum, &big) > 0);
  assert_true(O->weight_cmp(&w, &big) < 0);
  assert_int_equal(O->weight_cmp(&sum, &sum), 0);
  mn_weight_t two;
  memset(&two, 0, sizeof two);
  two.mag[0] = 2;
  assert_int_equal(O->weight_cmp(&two, &w), 0); /* 2 == 2.000000 */
  mn_weight_t zero;
  memset(&zero, 0, sizeof zero);
  assert_true(O->weight_cmp(&zero, &w) < 0);
  assert_int_equal(O->weight_add(&r, &zero, &w), 0);
  weight_text(&r, "2.000000");
  assert_int_equal(O->weight_trunc(&r, &sum), 0);
  snprintf(want, sizeof want, "1157921%070d2", 0);
  weight_text(&r, want);
  assert_int_equal(O->weight_trunc(&r, &big), 0);
  snprintf(want, sizeof want, "1157921%071d", 0);
  weight_text(&r, want);
  /* Small values print plain down to 1E-6, then scientific. */
  mn_weight_t s;
  memset(&s, 0, sizeof s);
  s.mag[0] = 15;
  s.scale = 7;
  weight_text(&s, "0.0000015");
  s.scale = 8;
  weight_text(&s, "1.5E-7");
  mn_buf_free(&half);
}

/* --------------------------------------------------------------------------
 * Superlevel
 * ------------------------------------------------------------------------ */

static int level(uint64_t diff, uint64_t id) {
  uint8_t d[8], i[8];
  for (int k = 0; k < 8; k++) {
    d[k] = (uint8_t)(diff >> (56 - 8 * k));
    i[k] = (uint8_t)(id >> (56 - 8 * k));
  }
  int lv = 99;
  assert_int_equal(O->superlevel(d, 8, i, 8, &lv), 0);
  return lv;
}

static void test_superlevel(void **state) {
  (void)state;
  assert_int_equal(level(1000, 1000), 0);
  assert_int_equal(level(1000, 1001), -1);
  assert_int_equal(level(1999, 1000), 0);
  assert_int_equal(level(2000, 1000), 1);
  assert_int_equal(level(4000, 1000), 2);
  assert_int_equal(level(3999, 1000), 1);
  assert_int_equal(level((uint64_t)1 << 31, 1), 31);
  assert_int_equal(level(((uint64_t)1 << 31) - 1, 1), 30);
  assert_int_equal(level((uint64_t)1 << 40, 1), 31); /* capped */
  assert_int_equal(level(UINT64_MAX, 1), 31);
  assert_int_equal(level(1, UINT64_MAX), -1);
  int lv;
  assert_int_equal(
      O->superlevel((const uint8_t[]){1}, 1, (const uint8_t[]){0, 0}, 2, &lv),
      MN_EDIVZERO);
  /* Leading zeros do not count; any length works. */
  uint8_t d[80];
  memset(d, 0, sizeof d);
  d[70] = 0x80;
  assert_int_equal(
      O->superlevel(d, sizeof d, (const uint8_t[]){0, 0, 1, 0}, 4, &lv), 0);
  assert_int_equal(lv, 31);
  assert_int_equal(O->superlevel(d, sizeof d, d, sizeof d, &lv), 0);
  assert_int_equal(lv, 0);
}

/* --------------------------------------------------------------------------
 * Mining
 * ------------------------------------------------------------------------ */

static void test_mining(void **state) {
  (void)state;
  mn_txpow_t *t = decode_vec(MN_OBJ_TXPOW, "txpow_full", "serialized_hex");
  mn_buf_t hdr = {0};
  assert_int_equal(O->mine_prepare(t, &hdr), 0);
  /* scale 41, 25 bytes, unscaled 0x0197... */
  assert_int_equal(hdr.data[0], 41);
  assert_int_equal(hdr.data[1], 25);
  assert_int_equal(hdr.data[2], 0x01);
  assert_int_equal(hdr.data[3], 0x97);
  char text[MN_NUM_STR_MAX];
  mn__num_to_plain(&t->header.nonce, text, sizeof text);
  assert_string_equal(text, MN_MINE_NONCE);
  const uint64_t counters[] = {0,
                               1,
                               127,
                               128,
                               255,
                               256,
                               65535,
                               65536,
                               (uint64_t)1 << 32,
                               INT64_MAX,
                               (uint64_t)1 << 63,
                               UINT64_MAX};
  const char *bytes[] = {"00",
                         "01",
                         "7f",
                         "0080",
                         "00ff",
                         "0100",
                         "00ffff",
                         "010000",
                         "0100000000",
                         "7fffffffffffffff",
                         "008000000000000000",
                         "00ffffffffffffffff"};
  for (size_t i = 0; i < sizeof counters / sizeof *counters; i++) {
    O->mine_counter(hdr.data, hdr.len, counters[i]);
    mn_buf_t want = mn_test_unhex(bytes[i]);
    assert_bytes_equal(hdr.data + MN_MINE_OFFSET, want.len, want.data,
                       want.len);
    mn_buf_free(&want);
    /* The bytes are a header whose nonce is positive and minimal, so it
     * re-serializes to the same bytes and its id is their hash. */
    mn_txheader_t *h;
    assert_int_equal(
        O->decode(MN_OBJ_TXHEADER, hdr.data, hdr.len, NULL, (void **)&h), 0);
    assert_int_equal(h->nonce.neg, 0);
    assert_int_equal(h->nonce.scale, 41);
    assert_true(mn__num_sign(&h->nonce) > 0);
    mn_buf_t again = {0};
    assert_int_equal(O->encode(MN_OBJ_TXHEADER, h, &again), 0);
    assert_bytes_equal(again.data, again.len, hdr.data, hdr.len);
    mn_buf_free(&again);
    O->free(h);
    assert_int_equal(O->mine_finish(t, hdr.data, hdr.len), 0);
    uint8_t id[32];
    mn__sha3_256(hdr.data, hdr.len, id);
    assert_memory_equal(t->txpowid, id, 32);
  }
  /* Mine for real against an easy target (1 in 16). */
  uint8_t id[32];
  uint64_t c = 0;
  for (;; c++) {
    O->mine_counter(hdr.data, hdr.len, c);
    mn__sha3_256(hdr.data, hdr.len, id);
    if (id[0] < 0x10)
      break;
    assert_true(c < 100000);
  }
  assert_int_equal(O->mine_finish(t, hdr.data, hdr.len), 0);
  assert_memory_equal(t->txpowid, id, 32);
  assert_true(t->txn_pow == (id[0] < 0x40)); /* txndiff is MAX >> 2 */
  /* A counter never writes past the buffer. */
  uint8_t small[6] = {0};
  O->mine_counter(small, sizeof small, UINT64_MAX);
  assert_int_equal(small[4], 0);
  mn_buf_free(&hdr);
  O->free(t);
}

/* --------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

static void assert_keys(json_t *o, const char *const *keys) {
  const char *k;
  json_t *v;
  size_t i = 0;
  assert_true(json_is_object(o));
  json_object_foreach(o, k, v) {
    assert_non_null(keys[i]);
    assert_string_equal(k, keys[i]);
    i++;
  }
  assert_null(keys[i]);
}

static void test_json(void **state) {
  (void)state;
  mn_txpow_t *t = decode_vec(MN_OBJ_TXPOW, "txpow_full", "serialized_hex");
  json_t *j = O->json(MN_OBJ_TXPOW, t, 0);
  assert_keys(j, (const char *[]){"txpowid", "isblock", "istransaction",
                                  "superblock", "size", "burn", "header",
                                  "hasbody", "body", NULL});
  assert_string_equal(json_string_value(json_object_get(j, "txpowid")),
                      "0xEE37424B1612A90E38FC57ED64D87C3546E09DBE2842E1DBAB3"
                      "C7F10DEF1C86D");
  assert_true(json_is_false(json_object_get(j, "isblock")));
  assert_true(json_is_false(json_object_get(j, "istransaction")));
  assert_int_equal(json_integer_value(json_object_get(j, "superblock")), -1);
  assert_int_equal(json_integer_value(json_object_get(j, "size")), 3375);
  assert_true(json_is_real(json_object_get(j, "burn")));
  assert_true(json_real_value(json_object_get(j, "burn")) == 0.1);
  json_t *h = json_object_get(j, "header");
  assert_keys(h, (const char *[]){"chainid", "block", "blkdiff",
                                  "cascadelevels", "superparents", "magic",
                                  "mmr", "total", "customhash", "txbodyhash",
                                  "nonce", "timemilli", "date", NULL});
  assert_string_equal(json_string_value(json_object_get(h, "block")), "1000");
  assert_string_equal(json_string_value(json_object_get(h, "nonce")), "12345");
  assert_int_equal(json_integer_value(json_object_get(h, "cascadelevels")), 32);
  json_t *sp = json_object_get(h, "superparents");
  assert_int_equal(json_array_size(sp), 3);
  json_t *last = json_array_get(sp, 2);
  assert_keys(last, (const char *[]){"difficulty", "count", "parent", NULL});
  assert_int_equal(json_integer_value(json_object_get(last, "difficulty")), 31);
  assert_int_equal(json_integer_value(json_object_get(last, "count")), 28);
  assert_string_equal(json_string_value(json_object_get(last, "parent")),
                      "0x00");
  assert_int_equal(
      json_integer_value(json_object_get(json_array_get(sp, 1), "difficulty")),
      3);
  assert_keys(json_object_get(h, "magic"),
              (const char *[]){"currentmaxtxpowsize", "currentmaxkissvmops",
                               "currentmaxtxn", "currentmintxpowwork",
                               "desiredmaxtxpowsize", "desiredmaxkissvmops",
                               "desiredmaxtxn", "desiredmintxpowwork", NULL});
  const char *date = json_string_value(json_object_get(h, "date"));
  assert_true(strlen(date) >= 24 && strstr(date, "2023") != NULL);
  json_t *b = json_object_get(j, "body");
  assert_keys(b, (const char *[]){"prng", "txndiff", "txn", "witness",
                                  "burntxn", "burnwitness", "txnlist", NULL});
  json_t *txn = json_object_get(b, "txn");
  assert_keys(txn, (const char *[]){"inputs", "outputs", "state", "linkhash",
                                    "transactionid", NULL});
  assert_string_equal(json_string_value(json_object_get(txn, "transactionid")),
                      "0x4F83F243BB14E2C2F53526A73DD8FDB0A3200D90AA56EFF2E3B"
                      "95364F5D85FCA");
  json_t *coin = json_array_get(json_object_get(txn, "inputs"), 0);
  assert_keys(coin,
              (const char *[]){"coinid", "amount", "address", "miniaddress",
                               "tokenid", "token", "storestate", "state",
                               "spent", "mmrentry", "created", NULL});
  assert_true(json_is_null(json_object_get(coin, "token")));
  assert_string_equal(json_string_value(json_object_get(coin, "amount")),
                      "25.5");
  json_t *sv = json_array_get(json_object_get(coin, "state"), 1);
  assert_keys(sv, (const char *[]){"port", "type", "data", NULL});
  assert_int_equal(json_integer_value(json_object_get(sv, "port")), 1);
  assert_int_equal(json_integer_value(json_object_get(sv, "type")), 2);
  assert_string_equal(json_string_value(json_object_get(sv, "data")), "42");
  json_t *wit = json_object_get(b, "witness");
  assert_keys(wit,
              (const char *[]){"signatures", "mmrproofs", "scripts", NULL});
  json_t *sig = json_array_get(json_object_get(wit, "signatures"), 0);
  json_t *sp0 = json_array_get(json_object_get(sig, "signatures"), 0);
  assert_keys(sp0, (const char *[]){"publickey", "rootkey", "proof",
                                    "signature", NULL});
  assert_string_equal(json_string_value(json_object_get(sp0, "rootkey")),
                      "0x162275DCD4EE75AC7D14A97001068C255D96C7A463C2143AD3E"
                      "4B00B4E5C8C21");
  json_t *proof = json_object_get(sp0, "proof");
  assert_keys(proof,
              (const char *[]){"blocktime", "proof", "prooflength", NULL});
  json_t *chunk = json_array_get(json_object_get(proof, "proof"), 0);
  assert_keys(chunk, (const char *[]){"left", "data", NULL});
  assert_keys(json_object_get(chunk, "data"),
              (const char *[]){"data", "value", NULL});
  json_t *scr = json_array_get(json_object_get(wit, "scripts"), 0);
  assert_keys(scr, (const char *[]){"script", "address", "proof", NULL});
  json_t *cp = json_array_get(json_object_get(wit, "mmrproofs"), 0);
  assert_keys(cp, (const char *[]){"coin", "proof", NULL});
  assert_int_equal(json_array_size(json_object_get(b, "txnlist")), 2);
  json_decref(j);

  /* Simple state: {"port": "text"}. */
  j = O->json(MN_OBJ_COIN, &t->body->txn.inputs[0], MN_JSON_SIMPLESTATE);
  json_t *st = json_object_get(j, "state");
  assert_string_equal(json_string_value(json_object_get(st, "0")), "0x1234");
  assert_string_equal(json_string_value(json_object_get(st, "1")), "42");
  json_decref(j);
  /* Header only: "body" is the text "null". */
  t->body = NULL;
  assert_int_equal(O->txpow_compute(t), 0);
  j = O->json(MN_OBJ_TXPOW, t, 0);
  assert_true(json_is_false(json_object_get(j, "hasbody")));
  assert_string_equal(json_string_value(json_object_get(j, "body")), "null");
  assert_int_equal(json_integer_value(json_object_get(j, "burn")), 0);
  json_decref(j);
  O->free(t);

  /* A token's JSON name is embedded as JSON; decimals is a number. */
  mn_coin_t *c =
      decode_vec(MN_OBJ_COIN, "coin_token_create_output", "serialized_hex");
  j = O->json(MN_OBJ_COIN, c, 0);
  json_t *tok = json_object_get(j, "token");
  assert_keys(tok, (const char *[]){"name", "coinid", "total", "decimals",
                                    "script", "totalamount", "scale", "created",
                                    "tokenid", NULL});
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(tok, "name"), "name")),
      "TEST");
  assert_int_equal(json_integer_value(json_object_get(tok, "decimals")), 8);
  assert_string_equal(json_string_value(json_object_get(tok, "total")), "1000");
  assert_string_equal(json_string_value(json_object_get(j, "tokenamount")),
                      "1000");
  json_decref(j);
  /* A plain name stays a string. */
  c->token->name.data = (const uint8_t *)"plain";
  c->token->name.len = 5;
  j = O->json(MN_OBJ_TOKEN, c->token, 0);
  assert_string_equal(json_string_value(json_object_get(j, "name")), "plain");
  json_decref(j);
  O->free(c);
  /* Kinds the reference has no JSON for. */
  mn_cascade_t *cas;
  assert_int_equal(O->create(MN_OBJ_CASCADE, (void **)&cas), 0);
  assert_null(O->json(MN_OBJ_CASCADE, cas, 0));
  O->free(cas);
}

/* --------------------------------------------------------------------------
 * Defaults, copies, lists
 * ------------------------------------------------------------------------ */

static void test_create_and_copy(void **state) {
  (void)state;
  /* A new header is the reference's default (time set to 0). */
  mn_txheader_t *h;
  assert_int_equal(O->create(MN_OBJ_TXHEADER, (void **)&h), 0);
  mn_buf_t b = {0}, want = vec("txheader_default_time0", "serialized_hex");
  assert_int_equal(O->encode(MN_OBJ_TXHEADER, h, &b), 0);
  assert_bytes_equal(b.data, b.len, want.data, want.len);
  mn_buf_free(&b);
  mn_buf_free(&want);
  O->free(h);
  /* Every kind can be created, encoded, decoded and copied. */
  for (int k = MN_OBJ_NONE + 1; k < MN_OBJ_KIND_COUNT; k++) {
    void *obj, *back, *copy;
    assert_int_equal(O->create((mn_obj_kind_t)k, &obj), 0);
    mn_buf_t e = {0}, e2 = {0};
    assert_int_equal(O->encode((mn_obj_kind_t)k, obj, &e), 0);
    assert_int_equal(O->decode((mn_obj_kind_t)k, e.data, e.len, NULL, &back),
                     0);
    assert_int_equal(O->copy((mn_obj_kind_t)k, back, &copy), 0);
    assert_int_equal(O->encode((mn_obj_kind_t)k, copy, &e2), 0);
    assert_bytes_equal(e2.data, e2.len, e.data, e.len);
    assert_true(O->mem(obj) > 0);
    O->free(obj);
    O->free(back);
    O->free(copy);
    mn_buf_free(&e);
    mn_buf_free(&e2);
  }
  O->free(NULL);
  void *x;
  assert_int_equal(O->create(MN_OBJ_NONE, &x), MN_EINVAL);
  assert_null(x);
  assert_int_equal(
      O->decode(MN_OBJ_KIND_COUNT, (const uint8_t *)"", 0, NULL, &x),
      MN_EINVAL);

  /* A new TxPoW: body hash, derived values, deep copy independence. */
  mn_txpow_t *t, *c;
  assert_int_equal(O->create(MN_OBJ_TXPOW, (void **)&t), 0);
  assert_int_equal(t->body->prng.len, 32);
  assert_int_equal(O->txpow_set_bodyhash(t, t), 0);
  uint8_t bh[32];
  assert_int_equal(O->hash(MN_OBJ_TXBODY, t->body, bh), 0);
  assert_bytes_equal(t->header.bodyhash.data, t->header.bodyhash.len, bh, 32);
  assert_int_equal(O->txpow_compute(t), 0);
  assert_true(t->is_block); /* difficulty MAX_HASH */
  assert_false(mn_txpow_is_txn(t));
  mn_data_t id = {(const uint8_t *)"abc", 3};
  assert_int_equal(mn_add_body_txpowlist(O, t, t->body, &id), 0);
  assert_int_equal(O->txpow_compute(t), 0);
  assert_int_equal(mn_txpow_size_no_txns(t), t->size - 32);
  assert_int_equal(O->copy(MN_OBJ_TXPOW, t, (void **)&c), 0);
  assert_memory_equal(c->txpowid, t->txpowid, 32);
  assert_ptr_not_equal(c->body->txpowlist[0].data, t->body->txpowlist[0].data);
  O->free(t);
  mn_buf_t enc = {0};
  assert_int_equal(O->encode(MN_OBJ_TXPOW, c, &enc), 0);
  assert_int_equal(enc.len, c->size);
  mn_buf_free(&enc);
  O->free(c);

  /* Parts of roots and objects on the stack copy into new roots. */
  mn_coin_t onstack = coin_of("3.5", MINIMA, 1, ID1, 1);
  mn_coin_t *cc;
  assert_int_equal(O->copy(MN_OBJ_COIN, &onstack, (void **)&cc), 0);
  mn_buf_t s1 = {0}, s2 = {0};
  assert_int_equal(O->encode(MN_OBJ_COIN, &onstack, &s1), 0);
  assert_int_equal(O->encode(MN_OBJ_COIN, cc, &s2), 0);
  assert_bytes_equal(s2.data, s2.len, s1.data, s1.len);
  assert_ptr_not_equal(cc->address.data, onstack.address.data);
  mn_buf_free(&s1);
  mn_buf_free(&s2);
  O->free(cc);

  /* Lists built on the caller's memory (cap 0) are copied, not grown in
   * place. */
  mn_txblock_t *tb;
  assert_int_equal(O->create(MN_OBJ_TXBLOCK, (void **)&tb), 0);
  mn_mmrentry_t mine[1];
  memset(mine, 0, sizeof mine);
  mine[0].row = 3;
  tb->peaks = mine;
  tb->n_peaks = 1;
  mn_mmrentry_t e2;
  memset(&e2, 0, sizeof e2);
  e2.row = 1;
  assert_int_equal(mn_add_txblock_peaks(O, tb, tb, &e2), 0);
  assert_ptr_not_equal(tb->peaks, mine);
  assert_int_equal(tb->peaks[0].row, 3);
  assert_int_equal(tb->peaks[1].row, 1);
  assert_int_equal(mine[0].row, 3);
  for (int i = 0; i < 100; i++)
    assert_int_equal(mn_add_txblock_peaks(O, tb, tb, &e2), 0);
  assert_int_equal(tb->n_peaks, 102);
  mn_ibd_t *ibd;
  assert_int_equal(O->create(MN_OBJ_IBD, (void **)&ibd), 0);
  assert_int_equal(mn_add_ibd_blocks(O, ibd, ibd, tb), 0);
  assert_int_equal(mn_add_ibd_blocks(O, ibd, ibd, tb), 0);
  ibd->has_cascade = true;
  mn_cascnode_t cn;
  memset(&cn, 0, sizeof cn);
  cn.txpow = tb->txpow;
  cn.txpow.body = NULL;
  cn.level = 4;
  assert_int_equal(mn_add_cascade_nodes(O, ibd, &ibd->cascade, &cn), 0);
  mn_txpow_t *part;
  assert_int_equal(O->copy(MN_OBJ_TXPOW, &tb->txpow, (void **)&part), 0);
  assert_memory_equal(part->txpowid, tb->txpow.txpowid, 32);
  O->free(part);
  O->free(tb);
  mn_buf_t ib = {0};
  assert_int_equal(O->encode(MN_OBJ_IBD, ibd, &ib), 0);
  mn_ibd_t *back;
  assert_int_equal(O->decode(MN_OBJ_IBD, ib.data, ib.len, NULL, (void **)&back),
                   0);
  assert_int_equal(back->n_blocks, 2);
  assert_int_equal(back->blocks[1].n_peaks, 102);
  assert_int_equal(back->cascade.n_nodes, 1);
  assert_int_equal(back->cascade.nodes[0].level, 4);
  assert_null(back->cascade.nodes[0].txpow.body);
  assert_memory_equal(back->blocks[0].txpow.txpowid,
                      ibd->blocks[0].txpow.txpowid, 32);
  /* Walking the same bytes one TxBlock at a time. */
  size_t used, pos = 1;
  mn_cascade_t *cas;
  assert_int_equal(O->decode(MN_OBJ_CASCADE, ib.data + pos, ib.len - pos, &used,
                             (void **)&cas),
                   0);
  pos += used;
  uint32_t n;
  assert_int_equal(O->count_decode(ib.data + pos, ib.len - pos, &used, &n), 0);
  pos += used;
  assert_int_equal(n, 2);
  for (uint32_t i = 0; i < n; i++) {
    mn_txblock_t *blk;
    assert_int_equal(O->decode(MN_OBJ_TXBLOCK, ib.data + pos, ib.len - pos,
                               &used, (void **)&blk),
                     0);
    pos += used;
    O->free(blk);
  }
  assert_int_equal(pos, ib.len);
  O->free(cas);
  O->free(back);
  O->free(ibd);
  mn_buf_free(&ib);
}

/* --------------------------------------------------------------------------
 * 512-bit integers
 * ------------------------------------------------------------------------ */

static mn_uint_t u_hex(const char *hex) {
  mn_buf_t b = mn_test_unhex(hex);
  mn_uint_t u;
  assert_int_equal(O->uint_from_bytes(&u, b.data, b.len), 0);
  mn_buf_free(&b);
  return u;
}

static void assert_u_hex(const mn_uint_t *u, const char *hex) {
  uint8_t out[64];
  size_t n = O->uint_to_bytes(u, out);
  assert_hex(out, n, hex);
}

static void test_uint(void **state) {
  (void)state;
  const char *W =
      "068db8bac710cb295e9e1b089a027525460aa64c2f837b4a2339c0ebedfa43";
  mn_uint_t w = u_hex(W), r, q, rem, max;
  char ff[129];
  memset(ff, 'f', 64);
  ff[64] = 0;
  max = u_hex(ff);
  /* MIN_TXPOW_WORK = MAX / 10000. */
  mn_uint_t tenk;
  O->uint_from_u64(&tenk, 10000);
  assert_int_equal(O->uint_divmod(&q, &rem, &max, &tenk), 0);
  assert_int_equal(O->uint_cmp(&q, &w), 0);
  assert_int_equal(O->uint_divmod(&q, &rem, &max, &w), 0);
  assert_u_hex(&q, "2710");
  assert_u_hex(&rem, "26cf");
  assert_int_equal(O->uint_add(&r, &w, &w), 0);
  assert_u_hex(
      &r, "0d1b71758e219652bd3c36113404ea4a8c154c985f06f694467381d7dbf486");
  assert_int_equal(O->uint_sub(&r, &r, &w), 0);
  assert_int_equal(O->uint_cmp(&r, &w), 0);
  mn_uint_t zero;
  O->uint_from_u64(&zero, 0);
  assert_int_equal(O->uint_sub(&r, &zero, &w), MN_ERANGE);
  assert_int_equal(O->uint_divmod(&q, NULL, &w, &zero), MN_EDIVZERO);
  assert_u_hex(&zero, "00");
  assert_int_equal(O->uint_bitlen(&w), 243);
  /* 2^511 * 2 overflows; 2^256 squared too. */
  uint8_t top[64] = {0x80};
  mn_uint_t t512;
  assert_int_equal(O->uint_from_bytes(&t512, top, 64), 0);
  assert_int_equal(O->uint_add(&r, &t512, &t512), MN_EOVERFLOW);
  assert_int_equal(O->uint_mul(&r, &max, &max), 0);
  assert_int_equal(O->uint_mul(&r, &r, &max), MN_EOVERFLOW);
  uint8_t wide[65] = {1};
  assert_int_equal(O->uint_from_bytes(&r, wide, 65), MN_EOVERFLOW);
  /* The retarget product: exact, then truncated. */
  mn_num_t ratio = num("1.37");
  assert_int_equal(O->uint_mul_num(&r, &w, &ratio), 0);
  assert_u_hex(
      &r, "08fa7a85015c209246bf01322f2734f82f5126634117f84449dbec2480e8c7");
  ratio = num("0.5");
  assert_int_equal(O->uint_mul_num(&r, &w, &ratio), 0);
  assert_u_hex(
      &r, "0346dc5d63886594af4f0d844d013a92a305532617c1bda5119ce075f6fd21");
  ratio = num("1E1");
  assert_int_equal(O->uint_mul_num(&r, &tenk, &ratio), 0);
  assert_u_hex(&r, "0186a0");
  ratio = num("-1");
  assert_int_equal(O->uint_mul_num(&r, &w, &ratio), MN_ERANGE);
  /* minTxPoWWork / 1.1 in DECIMAL64, then toBigInteger. */
  mn_num_t d = num("1.1");
  assert_int_equal(O->uint_div_num(&r, &w, &d, 16), 0);
  assert_u_hex(
      &r, "05f53392866c5c645155af3f16d07737b43b48c44f76aa0c00000000000000");
  /* Exact division (no rounding), and rounding up into the integer. */
  assert_int_equal(O->uint_div_num(&r, &tenk, &d, 0), 0);
  assert_u_hex(&r, "2382"); /* 9090 */
  mn_uint_t nine;
  O->uint_from_u64(&nine, 999);
  d = num("1000.0000001");
  assert_int_equal(O->uint_div_num(&r, &nine, &d, 2), 0);
  assert_u_hex(&r, "01"); /* 0.998999... rounds to 1.0 */
  assert_int_equal(O->uint_div_num(&r, &nine, &d, 4), 0);
  assert_u_hex(&r, "00"); /* 0.9990 */
  mn_num_t nz = num("0.00");
  assert_int_equal(O->uint_div_num(&r, &nine, &nz, 4), MN_EDIVZERO);
  /* MiniNumbers to integers, decimal text. */
  mn_num_t hashes = num("1000.99");
  assert_int_equal(O->uint_from_num(&r, &hashes), 0);
  assert_u_hex(&r, "03e8");
  hashes = num("-5");
  assert_int_equal(O->uint_from_num(&r, &hashes), MN_ERANGE);
  char dec[200];
  O->uint_to_dec(&max, dec, sizeof dec);
  assert_string_equal(dec, "1157920892373161954235709850086879078532699846656"
                           "40564039457584007913129639935");
  assert_int_equal(O->uint_from_dec(&r, dec, strlen(dec)), 0);
  assert_int_equal(O->uint_cmp(&r, &max), 0);
  assert_int_equal(O->uint_from_dec(&r, "12a", 3), MN_EFORMAT);
  /* MiniData text through the table. */
  char t0x[16];
  assert_int_equal(
      O->data_to_0x((const uint8_t[]){0x0a, 0xbc}, 2, t0x, sizeof t0x), 6);
  assert_string_equal(t0x, "0x0ABC");
  assert_int_equal(O->data_to_0x(NULL, 0, t0x, sizeof t0x), 0);
  assert_string_equal(t0x, "");
  mn_buf_t hx = {0};
  assert_int_equal(O->data_from_hex("0Xabc", 5, &hx), 0);
  assert_bytes_equal(hx.data, hx.len, ((const uint8_t[]){0x0a, 0xbc}), 2);
  assert_int_equal(O->data_from_hex("0xag", 4, &hx), MN_EFORMAT);
  assert_int_equal(hx.len, 2);
  mn_buf_free(&hx);
  assert_true(O->data_cmp_value((const uint8_t[]){0, 0, 5}, 3,
                                (const uint8_t[]){5}, 1) == 0);
  assert_true(O->data_cmp_value((const uint8_t[]){1, 0}, 2,
                                (const uint8_t[]){0xff}, 1) > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_statevar_parse),
      cmocka_unit_test(test_state_list),
      cmocka_unit_test(test_check_valid),
      cmocka_unit_test(test_output_coins),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_witness_builders),
      cmocka_unit_test(test_magic),
      cmocka_unit_test(test_weights),
      cmocka_unit_test(test_superlevel),
      cmocka_unit_test(test_mining),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_create_and_copy),
      cmocka_unit_test(test_uint),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
