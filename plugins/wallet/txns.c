/*
 * txns.c - custom transactions under construction (the reference's
 * TxnDB): each row is an id, a Transaction and a Witness, stored as the
 * reference exports them, MiniString(id) || Transaction || Witness.
 */
#include <stdlib.h>
#include <string.h>

#include "wal.h"

void wal_txnrow_free(wal_t *w, wal_txnrow_t *row) {
  free(row->id);
  w->obj->free(row->txn);
  w->obj->free(row->wit);
  memset(row, 0, sizeof *row);
}

int wal_txnrow_encode(wal_t *w, const wal_txnrow_t *row, mn_buf_t *out) {
  mn_buf_put_data(out, row->id, strlen(row->id));
  int err = out->err;
  if (!err)
    err = mn_transaction_encode(w->obj, row->txn, out);
  if (!err)
    err = mn_witness_encode(w->obj, row->wit, out);
  return err;
}

int wal_txnrow_decode(wal_t *w, const uint8_t *p, size_t len,
                      wal_txnrow_t *row) {
  memset(row, 0, sizeof *row);
  mn_reader_t r;
  mn_reader_init(&r, p, len);
  size_t n;
  const uint8_t *id = mn_reader_data(&r, 65536, &n);
  if (r.err)
    return MN_EFORMAT;
  row->id = malloc(n + 1);
  if (!row->id)
    return MN_ENOMEM;
  memcpy(row->id, id, n);
  row->id[n] = '\0';
  size_t used;
  int err =
      mn_transaction_decode(w->obj, p + r.pos, len - r.pos, &used, &row->txn);
  if (!err)
    err = mn_witness_decode(w->obj, p + r.pos + used, len - r.pos - used, NULL,
                            &row->wit);
  if (err) {
    wal_txnrow_free(w, row);
    return MN_EFORMAT;
  }
  return 0;
}

int wal_txn_get(wal_t *w, const char *id, wal_txnrow_t *row) {
  const mn_host_t *h = w->host;
  mn_txn_t *t;
  int err = h->txn_begin(w->self, MN_TXN_RDONLY, &t);
  if (err)
    return err;
  mn_val_t v;
  err = h->db_get(t, w->db_txns, id, strlen(id), &v);
  if (!err)
    err = wal_txnrow_decode(w, v.data, v.size, row);
  h->txn_abort(t);
  if (!err) {
    /* The stored id is the key. */
    free(row->id);
    row->id = strdup(id);
    if (!row->id) {
      wal_txnrow_free(w, row);
      err = MN_ENOMEM;
    }
  }
  return err;
}

int wal_txn_put(wal_t *w, const wal_txnrow_t *row) {
  mn_buf_t rec = {0};
  int err = wal_txnrow_encode(w, row, &rec);
  if (err) {
    mn_buf_free(&rec);
    return err;
  }
  wal_batch_t b = {0};
  wal_put(&b, w->db_txns, row->id, strlen(row->id), rec.data, rec.len);
  mn_buf_free(&rec);
  return wal_commit(w, &b);
}

int wal_txn_del(wal_t *w, const char *id, bool *found) {
  wal_txnrow_t row;
  *found = wal_txn_get(w, id, &row) == 0;
  if (!*found)
    return 0;
  wal_txnrow_free(w, &row);
  wal_batch_t b = {0};
  wal_del(&b, w->db_txns, id, strlen(id));
  return wal_commit(w, &b);
}

json_t *wal_txnrow_json(wal_t *w, wal_txnrow_t *row, bool witness) {
  wal_precompute_coinids(w, row->txn, row->txn);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(row->id));
  json_t *t = w->obj->json(MN_OBJ_TRANSACTION, row->txn, 0);
  json_object_set_new(o, "transaction", t ? t : json_null());
  if (witness) {
    json_t *wj = w->obj->json(MN_OBJ_WITNESS, row->wit, 0);
    json_object_set_new(o, "witness", wj ? wj : json_null());
    json_t *arr = json_array();
    for (uint32_t i = 0; i < row->txn->n_outputs; i++) {
      mn_buf_t b = {0};
      if (mn_coin_encode(w->obj, &row->txn->outputs[i], &b) == 0) {
        char *hex = wal_hex(b.data, b.len);
        json_array_append_new(arr, json_string(hex ? hex : ""));
        free(hex);
      }
      mn_buf_free(&b);
    }
    json_object_set_new(o, "outputcoindata", arr);
  }
  return o;
}
