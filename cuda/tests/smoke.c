/* Pure-C smoke test of the public header: proves the ABI without Deno. Exit status 0 on success. */
#include <stdio.h>
#include <string.h>

#include "matcher.h"

static int failures = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "smoke: %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

int main(void) {
  CHECK(matcher_version() == MATCHER_VERSION);
  CHECK(matcher_version() / 10000 == MATCHER_VERSION_MAJOR);
  CHECK(strcmp(matcher_status_string(MATCHER_INVALID_ARGUMENT), "MATCHER_INVALID_ARGUMENT") == 0);
  CHECK(matcher_backend_available(MATCHER_BACKEND_CPU) == 1);

  matcher_index_t index = NULL;
  CHECK(matcher_index_create(99, 0, &index) == MATCHER_INVALID_ARGUMENT && index == NULL);
  CHECK(strstr(matcher_last_error(), "unknown backend") != NULL);
  CHECK(matcher_index_create(MATCHER_BACKEND_CPU, 0, &index) == MATCHER_OK && index != NULL);
  if (index == NULL) return 1;

  /* Patterns: 10 = [1 2 3], 11 = [1 2 4 5], 12 = [7 8], 13 = [3 2 1]. */
  const int32_t ids[] = {10, 11, 12, 13};
  const int32_t lengths[] = {3, 4, 2, 3};
  const int32_t symbols[] = {1, 2, 3, 1, 2, 4, 5, 7, 8, 3, 2, 1};
  CHECK(matcher_index_add(index, 4, ids, lengths, symbols) == MATCHER_OK);

  /* Errors leave the index as it was. */
  const int32_t dup_id[] = {11};
  const int32_t one_len[] = {1};
  const int32_t one_sym[] = {1};
  const int32_t zero_sym[] = {0};
  const int32_t fresh_id[] = {99};
  CHECK(matcher_index_add(index, 1, dup_id, one_len, one_sym) == MATCHER_INVALID_ARGUMENT);
  CHECK(strstr(matcher_last_error(), "already present") != NULL);
  CHECK(matcher_index_add(index, 1, fresh_id, one_len, zero_sym) == MATCHER_INVALID_ARGUMENT);
  CHECK(matcher_index_add(NULL, 1, fresh_id, one_len, one_sym) == MATCHER_INVALID_ARGUMENT);

  /* State [1 2 3 -1]: |S| = 4, the unknown symbol counts but matches nothing. */
  const int32_t state_lengths[] = {4};
  const int32_t state[] = {1, 2, 3, -1};
  int32_t out_ids[3], out_lcs[3];
  double out_sim[3];
  int64_t totals[1];
  CHECK(matcher_index_query(index, 1, state_lengths, state, 0.5, 3, out_ids, out_lcs, out_sim, totals) == MATCHER_OK);
  /* 10: lcs 3, 2*3/7; 11: lcs 2, 2*2/8 = 0.5; 13: lcs 1, 2/7 < 0.5; 12: 0. */
  CHECK(totals[0] == 2);
  CHECK(out_ids[0] == 10 && out_lcs[0] == 3 && out_sim[0] == ((2.0 * 3 / 7) * 100.0) / 100.0);
  CHECK(out_ids[1] == 11 && out_lcs[1] == 2 && out_sim[1] == 0.5);
  CHECK(out_ids[2] == -1 && out_lcs[2] == -1 && out_sim[2] == -1.0);

  /* Capacity 1 keeps the best; the total still counts all. Threshold 0 admits every pattern. */
  CHECK(matcher_index_query(index, 1, state_lengths, state, 0.0, 1, out_ids, out_lcs, out_sim, totals) == MATCHER_OK);
  CHECK(totals[0] == 4 && out_ids[0] == 10);
  CHECK(matcher_index_query(index, 1, state_lengths, state, 0.0 / 0.0, 1, out_ids, out_lcs, out_sim, totals) ==
        MATCHER_INVALID_ARGUMENT);

  matcher_stats_t stats;
  CHECK(matcher_index_stats(index, &stats) == MATCHER_OK);
  CHECK(stats.patterns == 4 && stats.symbols == 12 && stats.backend == MATCHER_BACKEND_CPU && stats.device == -1);

  CHECK(matcher_debug_inject_fault(index, MATCHER_FAULT_QUERY) == MATCHER_OK);
  CHECK(matcher_index_query(index, 1, state_lengths, state, 0.5, 3, out_ids, out_lcs, out_sim, totals) ==
        MATCHER_CUDA_ERROR);
  char message[256];
  CHECK(matcher_index_last_error(index, message, sizeof message) == MATCHER_OK && strstr(message, "injected") != NULL);
  CHECK(matcher_index_query(index, 1, state_lengths, state, 0.5, 3, out_ids, out_lcs, out_sim, totals) == MATCHER_OK);

  CHECK(matcher_index_clear(index) == MATCHER_OK);
  CHECK(matcher_index_query(index, 1, state_lengths, state, 0.0, 3, out_ids, out_lcs, out_sim, totals) == MATCHER_OK);
  CHECK(totals[0] == 0);
  CHECK(matcher_index_destroy(index) == MATCHER_OK);

  int32_t devices = matcher_device_count();
  printf("smoke: libmatcher %d, cuda backend %s, %d CUDA device(s)%s%s\n", matcher_version(),
         matcher_backend_available(MATCHER_BACKEND_CUDA) ? "built" : "not built", devices,
         devices == 0 ? ": " : "", devices == 0 ? matcher_last_error() : "");
  if (failures != 0) {
    fprintf(stderr, "smoke: %d check(s) failed\n", failures);
    return 1;
  }
  printf("smoke: ok\n");
  return 0;
}
