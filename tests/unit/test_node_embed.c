/* Several nodes in one process on one loop (the simulation harness's way
 * of running a network): create, start, run commands, quit, destroy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "host/node.h"
#include "test_support.h"
#include "util/util.h"

typedef struct reply {
  json_t *j;
} reply_t;

static void got(json_t *r, void *data) {
  reply_t *rep = data;
  json_decref(rep->j);
  rep->j = r;
}

static void on_quit(void *data, int code) { (*(int *)data)++; }

static void stop_loop(uv_timer_t *t) { uv_stop(t->loop); }

static void test_two_nodes_one_loop(void **state) {
  char *dir = mn_test_tmpdir("embed");
  char *profile = mn__xasprintf("%s/p.toml", dir);
  FILE *f = fopen(profile, "w");
  fprintf(f, "[node]\nplugin_dir = \"%s/lib/minima/plugins\"\n"
             "[[plugin]]\nname = \"example\"\n[example]\ninterval_ms = 10\n",
          mn_test_build_dir());
  fclose(f);
  uv_loop_t loop;
  uv_loop_init(&loop);
  mn__node_t *nodes[2];
  int quits = 0;
  for (int i = 0; i < 2; i++) {
    char *data = mn__xasprintf("%s/n%d", dir, i);
    char label[8];
    snprintf(label, sizeof label, "n%d", i);
    mn__config_opts_t co = {.file = profile, .data_dir = data};
    char *why = NULL;
    if (mn__node_create(&co, &loop, label, &nodes[i], &why))
      fail_msg("create %s: %s", label, why);
    if (mn__node_start(nodes[i], &why))
      fail_msg("start %s: %s", label, why);
    mn__node_on_shutdown(nodes[i], on_quit, &quits);
    free(data);
  }
  /* Let both example plugins tick on the shared loop. */
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  uv_timer_start(&t, stop_loop, 100, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  for (int i = 0; i < 2; i++) {
    reply_t r = {0};
    assert_int_equal(mn__node_exec(nodes[i], "example name:sim", got, &r), 0);
    assert_non_null(r.j);
    json_t *resp = json_object_get(r.j, "response");
    assert_string_equal(json_string_value(json_object_get(resp, "message")),
                        "Hello, sim!");
    /* Each node has its own plugin state and its own store. */
    assert_true(json_integer_value(json_object_get(resp, "ticks")) > 0);
    assert_int_equal(json_integer_value(json_object_get(resp, "starts")), 1);
    json_decref(r.j);
  }
  /* quit reaches the embedder, not uv_stop. */
  reply_t r = {0};
  mn__node_exec(nodes[0], "quit", got, &r);
  assert_true(json_is_true(json_object_get(r.j, "status")));
  json_decref(r.j);
  uv_timer_start(&t, stop_loop, 300, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(quits, 1);
  for (int i = 0; i < 2; i++)
    mn__node_destroy(nodes[i]);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  mn_test_rmtree(dir);
  free(profile);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_nodes_one_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
