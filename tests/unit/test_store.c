/* LMDB store: namespacing, growth, schema versions, corruption, crashes. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "test_support.h"
#include "util/util.h"

typedef struct fixture {
  char *dir;
  mn__store_t *store;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  f->dir = mn_test_tmpdir("store");
  char *why = NULL;
  int err = mn__store_open(f->dir, NULL, &f->store, &why);
  if (err)
    fail_msg("open: %s", why);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  mn__store_close(f->store);
  mn_test_rmtree(f->dir);
  free(f->dir);
  free(f);
  return 0;
}

static void put_str(mn__store_t *s, const char *owner, mn_db_t *db,
                    const char *k, const char *v) {
  mn_txn_t *txn;
  assert_int_equal(mn__store_txn_begin(s, owner, 0, &txn), 0);
  assert_int_equal(mn__store_put(txn, db, k, strlen(k), v, strlen(v), 0), 0);
  assert_int_equal(mn__store_txn_commit(txn), 0);
}

static int get_str(mn__store_t *s, const char *owner, mn_db_t *db,
                   const char *k, char *out, size_t cap) {
  mn_txn_t *txn;
  assert_int_equal(mn__store_txn_begin(s, owner, MN_TXN_RDONLY, &txn), 0);
  mn_val_t v;
  int err = mn__store_get(txn, db, k, strlen(k), &v);
  if (!err)
    snprintf(out, cap, "%.*s", (int)v.size, (const char *)v.data);
  mn__store_txn_abort(txn);
  return err;
}

static void test_namespaces(void **state) {
  fixture_t *f = *state;
  mn_db_t *wa, *wb;
  assert_int_equal(mn__store_db_open(f->store, "wallet", "keys", 0, &wa), 0);
  assert_int_equal(mn__store_db_open(f->store, "chain", "keys", 0, &wb), 0);
  put_str(f->store, "wallet", wa, "k", "wallet-value");
  put_str(f->store, "chain", wb, "k", "chain-value");
  char buf[64];
  assert_int_equal(get_str(f->store, "wallet", wa, "k", buf, sizeof buf), 0);
  assert_string_equal(buf, "wallet-value");
  assert_int_equal(get_str(f->store, "chain", wb, "k", buf, sizeof buf), 0);
  assert_string_equal(buf, "chain-value");
  /* A transaction of one plugin cannot touch another plugin's database. */
  mn_txn_t *txn;
  assert_int_equal(mn__store_txn_begin(f->store, "chain", 0, &txn), 0);
  mn_val_t v;
  assert_int_equal(mn__store_get(txn, wa, "k", 1, &v), MN_EPERM);
  assert_int_equal(mn__store_put(txn, wa, "k", 1, "x", 1, 0), MN_EPERM);
  mn__store_txn_abort(txn);
  /* Names cannot escape the namespace. */
  mn_db_t *bad;
  assert_int_equal(mn__store_db_open(f->store, "chain", "../wallet", 0, &bad),
                   MN_EINVAL);
  assert_int_equal(get_str(f->store, "wallet", wa, "nope", buf, sizeof buf),
                   MN_ENOENT);
}

static void test_cursor_and_flags(void **state) {
  fixture_t *f = *state;
  mn_db_t *db;
  assert_int_equal(mn__store_db_open(f->store, "p", "d", 0, &db), 0);
  mn_txn_t *txn;
  assert_int_equal(mn__store_txn_begin(f->store, "p", 0, &txn), 0);
  for (int i = 9; i >= 0; i--) {
    char k[8];
    snprintf(k, sizeof k, "k%d", i);
    assert_int_equal(mn__store_put(txn, db, k, 2, k, 2, 0), 0);
  }
  assert_int_equal(mn__store_put(txn, db, "k3", 2, "zz", 2, MN_PUT_NOOVERWRITE),
                   MN_EEXIST);
  assert_int_equal(mn__store_del(txn, db, "k5", 2), 0);
  assert_int_equal(mn__store_del(txn, db, "k5", 2), MN_ENOENT);
  /* A second write transaction while one is open is refused, not a
   * deadlock. */
  mn_txn_t *second;
  assert_int_equal(mn__store_txn_begin(f->store, "p", 0, &second), MN_EBUSY);
  assert_int_equal(mn__store_txn_commit(txn), 0);

  assert_int_equal(mn__store_txn_begin(f->store, "p", MN_TXN_RDONLY, &txn), 0);
  assert_int_equal(mn__store_put(txn, db, "a", 1, "b", 1, 0), MN_EPERM);
  mn_cursor_t *cur;
  assert_int_equal(mn__store_cursor_open(txn, db, &cur), 0);
  mn_val_t k, v;
  int n = 0;
  char seen[32] = "";
  for (int rc = mn__store_cursor_get(cur, &k, &v, MN_CURSOR_FIRST); rc == 0;
       rc = mn__store_cursor_get(cur, &k, &v, MN_CURSOR_NEXT)) {
    strncat(seen, (const char *)k.data + 1, 1);
    n++;
  }
  assert_int_equal(n, 9);
  assert_string_equal(seen, "012346789");
  k = (mn_val_t){"k55", 3};
  assert_int_equal(mn__store_cursor_get(cur, &k, &v, MN_CURSOR_SET_RANGE), 0);
  assert_memory_equal(k.data, "k6", 2);
  mn__store_cursor_close(cur);
  mn__store_txn_abort(txn);
}

static void test_schema_versions(void **state) {
  fixture_t *f = *state;
  uint32_t v = 99;
  assert_int_equal(mn__store_schema_get(f->store, "wallet", &v), 0);
  assert_int_equal(v, 0);
  mn_txn_t *txn;
  assert_int_equal(mn__store_txn_begin(f->store, "wallet", 0, &txn), 0);
  assert_int_equal(mn__store_schema_set(txn, 3), 0);
  assert_int_equal(mn__store_txn_commit(txn), 0);
  assert_int_equal(mn__store_schema_get(f->store, "wallet", &v), 0);
  assert_int_equal(v, 3);
  assert_int_equal(mn__store_schema_get(f->store, "chain", &v), 0);
  assert_int_equal(v, 0);
}

typedef struct bulk {
  mn_db_t *db;
  int from, count;
  size_t size;
} bulk_t;

static int bulk_write(mn_txn_t *txn, void *data) {
  bulk_t *b = data;
  char *val = calloc(1, b->size);
  int err = 0;
  for (int i = b->from; i < b->from + b->count && !err; i++) {
    uint32_t key = (uint32_t)i;
    memset(val, i & 0xff, b->size);
    err = mn__store_put(txn, b->db, &key, sizeof key, val, b->size, 0);
  }
  free(val);
  return err;
}

static void test_map_grows(void **state) {
  char *dir = mn_test_tmpdir("grow");
  mn__store_opts_t opts = {.map_size = 1u << 20, .map_max = 256u << 20};
  mn__store_t *s;
  char *why = NULL;
  assert_int_equal(mn__store_open(dir, &opts, &s, &why), 0);
  mn_db_t *db;
  assert_int_equal(mn__store_db_open(s, "p", "big", 0, &db), 0);
  /* 8 MiB in one transaction into a 1 MiB map. */
  bulk_t b = {db, 0, 2048, 4096};
  assert_int_equal(mn__store_write(s, "p", bulk_write, &b), 0);
  assert_true(mn__store_grow_count(s) > 0);
  assert_true(mn__store_map_size(s) >= (8u << 20));
  /* The explicit form: MN_EAGAIN, then the retry fits. */
  bulk_t more = {db, 2048, 4096, 4096};
  mn_txn_t *txn;
  int err = 0, tries = 0;
  do {
    assert_int_equal(mn__store_txn_begin(s, "p", 0, &txn), 0);
    err = bulk_write(txn, &more);
    if (err == 0)
      err = mn__store_txn_commit(txn);
    else
      mn__store_txn_abort(txn);
    tries++;
  } while (err == MN_EAGAIN && tries < 20);
  assert_int_equal(err, 0);
  assert_true(tries > 1);
  /* Everything is there. */
  assert_int_equal(mn__store_txn_begin(s, "p", MN_TXN_RDONLY, &txn), 0);
  for (uint32_t i = 0; i < 6144; i += 97) {
    mn_val_t v;
    assert_int_equal(mn__store_get(txn, db, &i, 4, &v), 0);
    assert_int_equal(v.size, 4096);
    assert_int_equal(((const uint8_t *)v.data)[100], i & 0xff);
  }
  mn__store_txn_abort(txn);
  mn__store_close(s);
  mn_test_rmtree(dir);
  free(dir);
}

static void test_corrupt_file_is_refused_and_kept(void **state) {
  char *dir = mn_test_tmpdir("corrupt");
  char *path = mn__xasprintf("%s/data.mdb", dir);
  FILE *fp = fopen(path, "wb");
  for (int i = 0; i < 8192; i++)
    fputc((i * 7919) & 0xff, fp);
  fclose(fp);
  char *before = NULL, *after = NULL;
  size_t nb, na;
  assert_int_equal(mn__read_file(path, 1 << 20, &before, &nb), 0);
  mn__store_t *s = NULL;
  char *why = NULL;
  assert_int_equal(mn__store_open(dir, NULL, &s, &why), MN_ECORRUPT);
  assert_null(s);
  char *expect = mn__xasprintf(
      "%s/data.mdb is not an LMDB store or its header is damaged; it was "
      "left untouched.  Restore it from a backup, or move the directory "
      "away to start fresh",
      dir);
  assert_string_equal(why, expect);
  assert_int_equal(mn__read_file(path, 1 << 20, &after, &na), 0);
  assert_int_equal(na, nb);
  assert_memory_equal(before, after, nb);
  free(expect);
  free(why);
  free(before);
  free(after);
  free(path);
  mn_test_rmtree(dir);
  free(dir);
}

static void test_unwritable_dir(void **state) {
  if (geteuid() == 0) {
    /* root ignores directory modes; use a read-only mount point instead. */
    mn__store_t *s = NULL;
    char *why = NULL;
    int err = mn__store_open("/proc", NULL, &s, &why);
    assert_true(err < 0);
    assert_non_null(strstr(why, "cannot open the store in /proc"));
    free(why);
    return;
  }
  char *dir = mn_test_tmpdir("ro");
  chmod(dir, 0500);
  mn__store_t *s = NULL;
  char *why = NULL;
  assert_int_equal(mn__store_open(dir, NULL, &s, &why), MN_EACCES);
  char *expect = mn__xasprintf(
      "cannot open the store in %s: permission denied; check the "
      "directory's owner and mode, or choose another --data-dir",
      dir);
  assert_string_equal(why, expect);
  free(expect);
  free(why);
  chmod(dir, 0700);
  mn_test_rmtree(dir);
  free(dir);
}

/* The crash test: a child commits numbered records and reports each one
 * after its commit returned; it is SIGKILLed at a random moment; every
 * reported record must then be in the store. */
typedef struct one {
  mn_db_t *db;
  uint32_t n;
} one_t;

static int write_one(mn_txn_t *txn, void *data) {
  one_t *o = data;
  uint8_t val[64];
  memset(val, (int)(o->n & 0xff), sizeof val);
  return mn__store_put(txn, o->db, &o->n, sizeof o->n, val, sizeof val, 0);
}

static void child_writer(const char *dir, uint32_t start, int fd) {
  mn__store_t *s;
  mn__store_opts_t opts = {.map_size = 1u << 20};
  if (mn__store_open(dir, &opts, &s, NULL))
    _exit(3);
  one_t o;
  if (mn__store_db_open(s, "crash", "records", 0, &o.db))
    _exit(4);
  for (uint32_t n = start;; n++) {
    o.n = n;
    if (mn__store_write(s, "crash", write_one, &o))
      _exit(5);
    if (write(fd, &n, sizeof n) != sizeof n)
      _exit(6);
  }
}

static void test_crash_kill_50(void **state) {
  char *dir = mn_test_tmpdir("crash");
  unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
  srand(seed);
  print_message("crash test seed %u\n", seed);
  uint32_t next = 0, total_reported = 0;
  for (int round = 0; round < 50; round++) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      child_writer(dir, next, fds[1]);
    }
    close(fds[1]);
    struct timespec ts = {0, (long)(rand() % 40 + 1) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
    if (WIFEXITED(status))
      fail_msg("writer exited with %d", WEXITSTATUS(status));
    uint32_t n, last = next, reported = 0;
    while (read(fds[0], &n, sizeof n) == sizeof n) {
      last = n;
      reported++;
    }
    close(fds[0]);
    /* Reopen and check every record whose commit returned. */
    mn__store_t *s;
    char *why = NULL;
    int err = mn__store_open(dir, NULL, &s, &why);
    if (err)
      fail_msg("round %d: reopen failed: %s", round, why);
    mn_db_t *db;
    assert_int_equal(mn__store_db_open(s, "crash", "records", 0, &db), 0);
    mn_txn_t *txn;
    assert_int_equal(mn__store_txn_begin(s, "crash", MN_TXN_RDONLY, &txn), 0);
    uint32_t upto = reported ? last + 1 : next;
    for (uint32_t i = 0; i < upto; i++) {
      mn_val_t v;
      int rc = mn__store_get(txn, db, &i, sizeof i, &v);
      if (rc)
        fail_msg("round %d: record %u missing after kill (seed %u)", round, i,
                 seed);
      assert_int_equal(v.size, 64);
      assert_int_equal(((const uint8_t *)v.data)[63], i & 0xff);
    }
    /* The next child continues after whatever survived. */
    mn_val_t v;
    while (mn__store_get(txn, db, &upto, sizeof upto, &v) == 0)
      upto++;
    mn__store_txn_abort(txn);
    mn__store_close(s);
    total_reported += reported;
    next = upto;
  }
  print_message("crash test: 50 kills, %u commits reported, all present\n",
                total_reported);
  assert_true(total_reported > 0);
  mn_test_rmtree(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_and_flags, setup, teardown),
      cmocka_unit_test_setup_teardown(test_schema_versions, setup, teardown),
      cmocka_unit_test(test_map_grows),
      cmocka_unit_test(test_corrupt_file_is_refused_and_kept),
      cmocka_unit_test(test_unwritable_dir),
      cmocka_unit_test(test_crash_kill_50),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
