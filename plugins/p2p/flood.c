/*
 * flood.c - TxPoW flood-fill and chain sync with the chain service
 * (spec/p2p.md §4-§6, consensus.md §7.1).
 *
 * Every node sees every TxPoW: an accepted, fully valid TxPoW is announced
 * (TXPOWID) to every peer but the one it came from; a peer that does not
 * have it asks (TXPOWREQ) and gets it (TXPOW).  The request table remembers
 * what we asked whom, so one announcement from each of several peers costs
 * one download; if the asked peer does not answer in 10 s the next
 * announcer is asked.  The chain decides everything about a TxPoW: its
 * verdict says whether to relay it and whether the sender broke a rule.
 */
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

/* ---- the request table ------------------------------------------------------
 */

static size_t slot_of(const uint8_t id[32]) {
  uint64_t h;
  memcpy(&h, id, sizeof h); /* ids are hashes: any 8 bytes spread well */
  return (size_t)(h & (P2P_REQS - 1));
}

static req_t *req_find(p2p_t *p, const uint8_t id[32]) {
  for (size_t i = slot_of(id), k = 0; k < P2P_REQS;
       i = (i + 1) & (P2P_REQS - 1), k++) {
    req_t *r = &p->reqs[i];
    if (!r->used)
      return NULL;
    if (memcmp(r->id, id, 32) == 0)
      return r;
  }
  return NULL;
}

static req_t *req_insert(p2p_t *p, const uint8_t id[32]) {
  if (p->nreqs >= P2P_REQS / 4 * 3)
    return NULL; /* full enough: newer announcements wait for a pulse */
  size_t i = slot_of(id);
  while (p->reqs[i].used)
    i = (i + 1) & (P2P_REQS - 1);
  req_t *r = &p->reqs[i];
  memset(r, 0, sizeof *r);
  memcpy(r->id, id, 32);
  r->used = true;
  r->created_ms = p2p_now(p);
  p->nreqs++;
  return r;
}

/* Backward-shift deletion keeps every probe run unbroken. */
static void req_delete(p2p_t *p, req_t *r) {
  size_t i = (size_t)(r - p->reqs);
  const size_t mask = P2P_REQS - 1;
  p->reqs[i].used = false;
  p->nreqs--;
  for (size_t j = (i + 1) & mask; p->reqs[j].used; j = (j + 1) & mask) {
    size_t k = slot_of(p->reqs[j].id);
    bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
    if (stays)
      continue;
    p->reqs[i] = p->reqs[j];
    p->reqs[j].used = false;
    i = j;
  }
}

static void req_unask(p2p_t *p, req_t *r) {
  if (r->asked_ms && r->asked < r->npeers) {
    peer_t *peer = p2p_peer_by_id(p, r->peers[r->asked]);
    if (peer && peer->inflight)
      peer->inflight--;
  }
  r->asked_ms = 0;
}

static void req_done(p2p_t *p, const uint8_t id[32]) {
  req_t *r = req_find(p, id);
  if (!r)
    return;
  req_unask(p, r);
  req_delete(p, r);
}

static bool askable(peer_t *peer) {
  return peer && !peer->dead && peer->greeted &&
         peer->inflight < P2P_PEER_INFLIGHT_MAX;
}

static void send_id_msg(peer_t *peer, uint8_t type, const uint8_t id[32]) {
  mn_buf_t b = {0};
  mn_buf_put_data(&b, id, 32);
  p2p_send_msg(peer, type, &b);
}

/* Asks the first usable announcer from index `from` on; else any greeted
 * peer.  Returns true when a request went out. */
static bool req_ask(p2p_t *p, req_t *r, unsigned from) {
  for (unsigned k = from; k < r->npeers; k++) {
    peer_t *peer = p2p_peer_by_id(p, r->peers[k]);
    if (!askable(peer))
      continue;
    send_id_msg(peer, MN_P2P_MSG_TXPOWREQ, r->id);
    peer->inflight++;
    r->asked = (uint8_t)k;
    r->asked_ms = p2p_now(p);
    return true;
  }
  for (peer_t *peer = p->peers; peer; peer = peer->next) {
    if (!askable(peer))
      continue;
    bool tried = false;
    for (unsigned k = 0; k < r->npeers; k++)
      tried |= r->peers[k] == peer->id;
    if (tried || r->npeers >= REQ_ALTS)
      continue;
    r->peers[r->npeers] = peer->id;
    r->asked = r->npeers++;
    send_id_msg(peer, MN_P2P_MSG_TXPOWREQ, r->id);
    peer->inflight++;
    r->asked_ms = p2p_now(p);
    return true;
  }
  return false;
}

static bool have_txpow(p2p_t *p, const uint8_t id[32]) {
  mn_chain_where_t w = {.size = sizeof w};
  if (p->chain->lookup(p->chain, id, &w) != 0)
    return false;
  return (w.flags & (MN_CHAIN_HAVE_TXPOW | MN_CHAIN_INVALID)) != 0;
}

void p2p_request(p2p_t *p, const uint8_t id[32], uint64_t from) {
  if (!p->chain || have_txpow(p, id))
    return;
  req_t *r = req_find(p, id);
  if (r) {
    bool known = false;
    for (unsigned k = 0; k < r->npeers; k++)
      known |= r->peers[k] == from;
    if (!known && from && r->npeers < REQ_ALTS)
      r->peers[r->npeers++] = from;
    if (!r->asked_ms && !p->ibd_running)
      req_ask(p, r, 0);
    return;
  }
  r = req_insert(p, id);
  if (!r)
    return;
  if (from)
    r->peers[r->npeers++] = from;
  if (!p->ibd_running)
    req_ask(p, r, 0);
}

void p2p_reqs_tick(p2p_t *p) {
  uint64_t now = p2p_now(p);
  if (p->ibd_running) {
    /* announcements wait for the IBD (it may bring them); their clock
     * starts when it is over */
    for (size_t i = 0; i < P2P_REQS; i++)
      if (p->reqs[i].used && !p->reqs[i].asked_ms)
        p->reqs[i].created_ms = now;
    return;
  }
  for (size_t i = 0; i < P2P_REQS; i++) {
    req_t *r = &p->reqs[i];
    if (!r->used || (r->asked_ms && now - r->asked_ms < P2P_REQ_TIMEOUT_MS))
      continue;
    req_unask(p, r);
    if (now - r->created_ms > 6 * P2P_REQ_TIMEOUT_MS || have_txpow(p, r->id)) {
      req_delete(p, r);
      i--; /* the slot may hold a shifted entry now (wraps to 0 at 0) */
      continue;
    }
    /* the next announcer, or anyone; else it waits for its expiry */
    req_ask(p, r, r->npeers ? (unsigned)(r->asked + 1) % r->npeers : 0);
  }
}

void p2p_reqs_forget_peer(p2p_t *p, uint64_t peer) {
  if (!p->reqs)
    return;
  for (size_t i = 0; i < P2P_REQS; i++) {
    req_t *r = &p->reqs[i];
    if (!r->used)
      continue;
    for (unsigned k = 0; k < r->npeers; k++) {
      if (r->peers[k] != peer)
        continue;
      if (r->asked_ms && r->asked == k)
        r->asked_ms = 1; /* due at the next tick */
    }
  }
}

/* ---- pending chain operations -----------------------------------------------
 */

static op_t *op_new(p2p_t *p, uint64_t peer, bool ibd) {
  op_t *op = calloc(1, sizeof *op);
  if (!op)
    return NULL;
  op->p = p;
  op->peer = peer;
  op->ibd = ibd;
  op->next = p->ops;
  if (p->ops)
    p->ops->prev = op;
  p->ops = op;
  return op;
}

static void op_free(op_t *op) {
  p2p_t *p = op->p;
  if (op->prev)
    op->prev->next = op->next;
  else
    p->ops = op->next;
  if (op->next)
    op->next->prev = op->prev;
  free(op);
}

void p2p_ops_cancel_all(p2p_t *p) {
  while (p->ops) {
    op_t *op = p->ops;
    if (op->ibd && p->ibd_running)
      p->ibd_running--;
    if (p->chain)
      p->chain->cancel(p->chain, op->ticket);
    op_free(op);
  }
}

static void resume_if_calm(peer_t *peer) {
  if (peer->paused && peer->tokens > 0 &&
      peer->submits < P2P_PEER_SUBMITS_MAX / 2 && peer->conn) {
    peer->paused = false;
    peer->tp->set_reading(peer->conn, true);
  }
}

/* ---- TxPoWs
 * ------------------------------------------------------------------- */

static int read_id(peer_t *peer, const uint8_t *payload, size_t len,
                   const uint8_t **id) {
  size_t n;
  if (p2p_minidata_decode(payload, len, MN_HASH_MAX, id, &n)) {
    p2p_penalize(peer, peer->p->ban_score, "it sent a malformed id");
    return MN_EFORMAT;
  }
  return n == P2P_ID_LEN ? 0 : MN_EINVAL; /* other lengths name nothing */
}

void p2p_on_txpowid(peer_t *peer, const uint8_t *payload, size_t len) {
  const uint8_t *id;
  if (read_id(peer, payload, len, &id) == 0)
    p2p_request(peer->p, id, peer->id);
}

void p2p_on_txpowreq(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  const uint8_t *id;
  if (read_id(peer, payload, len, &id) || !p->chain)
    return;
  mn_buf_t b = {0};
  if (p->chain->txpow_bytes(p->chain, id, &b) == 0)
    p2p_send_msg(peer, MN_P2P_MSG_TXPOW, &b);
  else
    mn_buf_free(&b);
}

void p2p_on_txblockreq(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  const uint8_t *id;
  if (read_id(peer, payload, len, &id) || !p->chain)
    return;
  mn_buf_t b = {0};
  if (p->chain->txblock_bytes(p->chain, id, &b) == 0)
    p2p_send_msg(peer, MN_P2P_MSG_TXBLOCK, &b);
  else
    mn_buf_free(&b);
}

static void on_verdict(const mn_chain_verdict_t *v, void *data) {
  op_t *op = data;
  p2p_t *p = op->p;
  uint64_t from = op->peer;
  op_free(op);
  peer_t *peer = p2p_peer_by_id(p, from);
  if (peer && peer->submits)
    peer->submits--;
  req_done(p, v->txpowid);
  switch (v->status) {
  case MN_CHAIN_KNOWN:
    break;
  case MN_CHAIN_ACCEPTED:
    if (v->relay)
      p2p_announce(p, v->txpowid, from);
    /* a valid block it sent shows how far its chain reaches */
    if (peer && v->is_block && v->blocknumber > peer->top &&
        v->blocknumber <= P2P_TOP_MAX)
      peer->top = v->blocknumber;
    break;
  case MN_CHAIN_REJECTED:
    if (v->disconnect && peer && !peer->dead) {
      char why[96];
      snprintf(why, sizeof why, "it sent an invalid TxPoW (%s)",
               mn_chain_reason_name(v->reason));
      if (!p2p_penalize(peer, p->ban_score / 2, why))
        p2p_close(peer, MN_EINVALID, false, false, why);
      return;
    }
    break;
  }
  if (peer && !peer->dead)
    resume_if_calm(peer);
}

void p2p_on_txpow(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  if (!p->chain)
    return;
  op_t *op = op_new(p, peer->id, false);
  if (!op)
    return;
  int err = p->chain->submit(p->chain, payload, len, peer->id, on_verdict, op,
                             &op->ticket);
  if (err) {
    op_free(op);
    return;
  }
  peer->submits++;
  if (peer->submits >= P2P_PEER_SUBMITS_MAX && !peer->paused) {
    /* the chain is behind with this peer's TxPoWs: stop reading it */
    peer->paused = true;
    peer->tp->set_reading(peer->conn, false);
  }
}

void p2p_announce(p2p_t *p, const uint8_t id[32], uint64_t except) {
  mn_buf_t b = {0};
  mn_buf_put_data(&b, id, 32);
  mn_frame_t *f = p2p_frame(MN_P2P_MSG_TXPOWID, &b);
  if (!f)
    return;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (peer->greeted && peer->id != except)
      p2p_send(peer, f);
  mn_frame_unref(f);
}

/* ---- chain events
 * -------------------------------------------------------------- */

void p2p_on_chain_accepted(const mn_event_t *ev, void *data) {
  p2p_t *p = data;
  const mn_chain_txpow_event_t *e = ev->payload;
  if (ev->size < sizeof(uint32_t) || e->size < sizeof *e)
    return;
  /* ours (mined or posted here): a peer's is announced from its verdict */
  if (e->origin == 0 && e->relay)
    p2p_announce(p, e->txpowid, 0);
}

void p2p_on_chain_need(const mn_event_t *ev, void *data) {
  p2p_t *p = data;
  const mn_chain_need_event_t *e = ev->payload;
  if (ev->size < sizeof(uint32_t) || e->size < sizeof *e)
    return;
  uint32_t n = e->n_ids < 4096 ? e->n_ids : 4096;
  for (uint32_t i = 0; i < n; i++)
    p2p_request(p, e->ids[i], e->origin);
}

/* ---- pulse and ping
 * -------------------------------------------------------------- */

void p2p_send_pulse(p2p_t *p) {
  if (!p->chain)
    return;
  mn_buf_t ids = {0};
  if (p->chain->pulse_ids(p->chain, &ids) != 0 || ids.len == 0) {
    mn_buf_free(&ids);
    return;
  }
  mn_buf_t b = {0};
  p2p_pulse_encode(p->h->num, ids.data, ids.len / 32, &b);
  mn_buf_free(&ids);
  mn_frame_t *f = p2p_frame(MN_P2P_MSG_PULSE, &b);
  if (!f)
    return;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (peer->greeted)
      p2p_send(peer, f);
  mn_frame_unref(f);
}

void p2p_send_pings(p2p_t *p) {
  uint8_t id[32] = {0};
  size_t n = 1;
  mn_chain_tip_t tip = {.size = sizeof tip};
  if (p->chain && p->chain->tip(p->chain, &tip) == 0 && tip.number >= 0) {
    memcpy(id, tip.txpowid, 32);
    n = 32;
  }
  mn_buf_t b = {0};
  mn_buf_put_data(&b, id, n);
  mn_frame_t *f = p2p_frame(MN_P2P_MSG_PING, &b);
  if (!f)
    return;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (peer->greeted)
      p2p_send(peer, f);
  mn_frame_unref(f);
}

void p2p_on_pulse(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  const uint8_t *ids;
  size_t n;
  bool ignored;
  if (p2p_pulse_decode(p->h->num, payload, len, &ids, &n, &ignored)) {
    p2p_penalize(peer, p->ban_score, "it sent a malformed pulse");
    return;
  }
  mn_chain_tip_t tip = {.size = sizeof tip};
  if (ignored || !p->chain || p->chain->tip(p->chain, &tip) != 0 ||
      tip.number < 0 || n == 0)
    return;
  /* walk from their tip back to a block of our main chain */
  const uint8_t **want = malloc(n * sizeof *want);
  if (!want)
    return;
  size_t nwant = 0;
  bool crossover = false;
  for (size_t i = 0; i < n && !crossover; i++) {
    const uint8_t *id = p2p_pulse_id(ids, i);
    mn_chain_where_t w = {.size = sizeof w};
    p->chain->lookup(p->chain, id, &w);
    if (w.flags & MN_CHAIN_ON_MAIN) {
      crossover = true;
    } else if (!(w.flags & (MN_CHAIN_HAVE_TXPOW | MN_CHAIN_INVALID))) {
      want[nwant++] = id;
    } else {
      mn_buf_t miss = {0};
      if (p->chain->missing(p->chain, id, &miss) == 0)
        for (size_t k = 0; k + 32 <= miss.len; k += 32)
          p2p_request(p, miss.data + k, peer->id);
      mn_buf_free(&miss);
    }
  }
  if (crossover) {
    /* oldest first, so parents arrive before their children */
    while (nwant > 0)
      p2p_request(p, want[--nwant], peer->id);
  } else {
    /* nothing in common with our main chain in 512 blocks: a reconnect
     * brings the IBD from the crossover (no ban: it may be us who lag) */
    p2p_close(peer, MN_ESTATE, false, false,
              "its pulse shares no block with our chain");
  }
  free(want);
}

/* ---- IBD
 * -------------------------------------------------------------------------- */

void p2p_send_ibd(peer_t *peer, const p2p_greeting_t *g) {
  p2p_t *p = peer->p;
  mn_chain_tip_t tip = {.size = sizeof tip};
  if (!p->chain || p->chain->tip(p->chain, &tip) != 0 || tip.number < 0)
    return;
  mn_buf_t b = {0};
  bool crossover = true;
  int64_t top = g->top > P2P_TOP_MAX ? -1 : g->top;
  int err = p->chain->ibd_build(p->chain, top, (const uint8_t(*)[32])g->ids,
                                top < 0 ? 0 : g->n, &b, &crossover);
  if (err) {
    p->h->log(p->self, MN_LOG_WARN, "cannot build an IBD for %s: %s", peer->uid,
              mn_strerror(err));
    mn_buf_free(&b);
    return;
  }
  if (!crossover)
    p->h->log(p->self, MN_LOG_INFO,
              "peer %s shares no block with our chain; sending it ours",
              peer->uid);
  size_t len = b.len;
  int rc = p2p_send_msg(peer, MN_P2P_MSG_IBD, &b);
  if (rc == 0)
    peer->sent_ibd = true;
  p->h->log(p->self, MN_LOG_DEBUG,
            "IBD of %zu bytes to %s for its tip %lld: %s", len, peer->uid,
            (long long)top, mn_strerror(rc));
}

void p2p_on_chain_tip(const mn_event_t *ev, void *data) {
  p2p_t *p = data;
  const mn_chain_tip_event_t *e = ev->payload;
  if (ev->size >= sizeof(uint32_t) && e->size >= sizeof *e && e->number >= 0)
    /* blocks that came by IBD are never announced by a verdict: peers
     * hear of the new tip here and fetch what they miss back to it */
    p2p_announce(p, e->txpowid, 0);
  p2p_greeting_t none = {.top = -1};
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (peer->greeted && !peer->sent_ibd && peer->top < 0)
      p2p_send_ibd(peer, &none);
}

static void on_ibd_verdict(const mn_chain_verdict_t *v, void *data) {
  op_t *op = data;
  p2p_t *p = op->p;
  uint64_t from = op->peer;
  op_free(op);
  if (p->ibd_running)
    p->ibd_running--;
  peer_t *peer = p2p_peer_by_id(p, from);
  if (!peer || peer->dead)
    return;
  if (peer->submits)
    peer->submits--;
  p->h->log(p->self, MN_LOG_DEBUG, "IBD from %s: %s%s: %s", peer->uid,
            v->status == MN_CHAIN_ACCEPTED ? "accepted"
            : v->status == MN_CHAIN_KNOWN  ? "known"
                                           : "refused, ",
            v->status == MN_CHAIN_REJECTED ? mn_chain_reason_name(v->reason)
                                           : "",
            v->message && *v->message ? v->message : "-");
  if (v->status == MN_CHAIN_REJECTED && v->disconnect) {
    char why[96];
    snprintf(why, sizeof why, "its IBD was refused (%s)",
             mn_chain_reason_name(v->reason));
    /* a heavier different chain is not a fault; a broken IBD is */
    p2p_close(peer, MN_EINVALID, false, v->reason != MN_CHAIN_R_HEAVIER, why);
    return;
  }
  resume_if_calm(peer);
}

void p2p_on_ibd(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  if (!p->chain)
    return;
  if (peer->got_ibd) {
    p2p_penalize(peer, 10, "it sent a second IBD");
    return;
  }
  peer->got_ibd = true;
  op_t *op = op_new(p, peer->id, true);
  if (!op)
    return;
  int err = p->chain->ibd_process(p->chain, payload, len, peer->id,
                                  on_ibd_verdict, op, &op->ticket);
  if (err) {
    op_free(op);
    return;
  }
  p->ibd_running++;
  peer->submits++;
}
