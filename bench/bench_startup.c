/*
 * Cold start of `minimad --profile dev` to "node ready", and its memory
 * once ready.  Each run uses a fresh data directory.  Run from the project
 * root (the dev profile is found in ./config) with the build's minimad
 * beside this program.
 */
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return 1;
  self[n] = '\0';
  char *exe = mn__xasprintf("%s/minimad", dirname(self));
  const char *profile = argc > 1 ? argv[1] : "dev";
  enum { RUNS = 10 };
  double ms[RUNS];
  long rss = 0, hwm = 0;
  for (int r = 0; r < RUNS; r++) {
    char tmpl[] = "/tmp/mn-bench-start-XXXXXX";
    char *dir = mkdtemp(tmpl);
    int p[2];
    if (!dir || pipe(p))
      return 1;
    uint64_t t0 = mn__mono_ns();
    pid_t pid = fork();
    if (pid == 0) {
      dup2(p[1], 2);
      close(p[0]);
      execl(exe, exe, "--profile", profile, "--data-dir", dir,
            "--port", "19001", (char *)NULL);
      _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[1024];
    bool ready = false;
    while (!ready && fgets(line, sizeof line, f))
      ready = strstr(line, "node ready") != NULL;
    ms[r] = (double)(mn__mono_ns() - t0) / 1e6;
    if (!ready) {
      printf("startup: minimad did not report ready\n");
      return 1;
    }
    rss = bench_status_kb(pid, "VmRSS:");
    hwm = bench_status_kb(pid, "VmHWM:");
    kill(pid, SIGTERM);
    while (fgets(line, sizeof line, f))
      ;
    fclose(f);
    waitpid(pid, NULL, 0);
    char *cmd = mn__xasprintf("rm -rf %s", dir);
    if (system(cmd) != 0)
      fprintf(stderr, "could not remove %s\n", dir);
    free(cmd);
  }
  qsort(ms, RUNS, sizeof *ms, bench_cmp_double);
  printf("startup: minimad --profile %s cold start to ready: median %.1f ms, "
         "min %.1f ms, max %.1f ms (%d runs)\n",
         profile, ms[RUNS / 2], ms[0], ms[RUNS - 1], RUNS);
  printf("startup: RSS once ready %ld KiB (peak %ld KiB)\n", rss, hwm);
  free(exe);
  return 0;
}
