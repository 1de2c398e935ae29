/*
 * kissvm_seeds.c - writes the scripts of a KISS vector file as a libFuzzer
 * seed corpus: kissvm_seeds VECTORS.json DIR (one file per case).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: kissvm_seeds VECTORS.json DIR\n");
    return 2;
  }
  json_error_t je;
  json_t *doc = json_load_file(argv[1], 0, &je);
  if (!doc) {
    fprintf(stderr, "kissvm_seeds: cannot read %s: %s\n", argv[1], je.text);
    return 1;
  }
  mkdir(argv[2], 0755);
  size_t i;
  json_t *c;
  int n = 0;
  json_array_foreach(json_object_get(doc, "cases"), i, c) {
    json_t *s = json_object_get(c, "script");
    if (!json_is_string(s))
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%03zu", argv[2], i);
    FILE *f = fopen(path, "wb");
    if (!f) {
      perror(path);
      json_decref(doc);
      return 1;
    }
    fwrite(json_string_value(s), 1, json_string_length(s), f);
    fclose(f);
    n++;
  }
  json_decref(doc);
  printf("kissvm_seeds: %d seeds in %s\n", n, argv[2]);
  return 0;
}
