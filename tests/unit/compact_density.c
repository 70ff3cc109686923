/* SPDX-License-Identifier: Apache-2.0 */
/* Density of compact cells: starts N cells of a small module in the
 * compact variant, measures the process while all of them sit parked in
 * the scheduler (inside a host call, like a cell blocked on a channel),
 * and reports what each costs in VMAs (lines of /proc/self/maps), resident
 * memory and page tables. Then it lets them exit, and does it all again,
 * to show that slots are returned and reused.
 *
 *   compact_density module.wasm [cells] [--check | --fast]
 *
 * --fast runs the same cells in the fast variant, for comparison (each
 * costs some four VMAs there, so a few thousand cells are the limit).
 *
 * --check fails (exit 1) unless every cell exited 0, each cost under
 * 0.05 VMAs and 100 KiB resident, and the second round (reusing the
 * first's slots) took no more VMAs than the first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scheduler.h"
#include "wasm/wasm_arch.h"
#include "process_usage.h"

#define CELL_MEMORY_LIMIT ((uint64_t)1 << 20)

typedef struct usage {
  long vmas;
  long rss_kib, page_table_kib;
} usage;

static usage measure(void) {
  return (usage){.vmas = process_mapping_count(), .rss_kib = process_status_field("VmRSS"),
                 .page_table_kib = process_status_field("VmPTE")};
}

typedef struct round {
  usage before, parked;
  long exited_ok, ended;
} round;

/* The probe is a plain C cell started after the wasm cells: when it runs,
 * each of them has run up to its first yield. */
static void probe_run(cell *self) {
  round *current = self->arch_data;
  current->parked = measure();
}
static const cell_arch probe_arch = {.name = "probe", .run = probe_run};

/* Zombies are reaped after the scheduler is done with them. */
static void on_end(cell *ended, void *user) {
  round *current = user;
  if (ended->arch == &wasm_arch) {
    current->ended++;
    current->exited_ok += !ended->outcome.faulted && ended->outcome.exit_code == 0;
  }
}

static int run_round(loaded_module *module, long cells, round *current) {
  scheduler runner;
  if (scheduler_init(&runner) != MINOS_OK) return -1;
  runner.on_end = on_end;
  runner.user = current;
  const char *args[] = {"idle"};
  cell_config config = {
      .name = "idle",
      .args = args,
      .arg_count = 1, /* no stdio: the guest prints nothing */
      .memory_limit_bytes = CELL_MEMORY_LIMIT,
  };
  cell **created = calloc((size_t)cells + 1, sizeof *created);
  if (!created) return -1;
  current->before = measure();
  for (long i = 0; i < cells; i++) {
    char error[256] = "";
    if (wasm_cell_create(module, &config, &created[i], error, sizeof error) != MINOS_OK) {
      fprintf(stderr, "cell %ld: %s\n", i, error);
      return -1;
    }
    scheduler_start(&runner, created[i]);
  }
  cell_limits probe_limits = {.stack_bytes = 64 * 1024};
  if (cell_create("probe", &probe_arch, current, &probe_limits, &created[cells]) != MINOS_OK)
    return -1;
  scheduler_start(&runner, created[cells]);
  scheduler_run(&runner);
  for (long i = 0; i <= cells; i++) cell_reap(created[i]);
  free(created);
  return 0;
}

static void print_round(const char *name, long cells, const round *current, const usage *after) {
  const usage *b = &current->before, *p = &current->parked;
  printf("%s: %ld cells, %ld exited 0\n", name, cells, current->exited_ok);
  printf("  parked: +%ld VMAs (%.4f per cell), +%ld KiB resident (%.1f KiB per cell), "
         "+%ld KiB page tables (%.1f KiB per cell)\n",
         p->vmas - b->vmas, (double)(p->vmas - b->vmas) / (double)cells, p->rss_kib - b->rss_kib,
         (double)(p->rss_kib - b->rss_kib) / (double)cells, p->page_table_kib - b->page_table_kib,
         (double)(p->page_table_kib - b->page_table_kib) / (double)cells);
  printf("  after all ended: %+ld VMAs, %+ld KiB resident (against before the round)\n",
         after->vmas - b->vmas, after->rss_kib - b->rss_kib);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: compact_density module.wasm [cells] [--check]\n");
    return 2;
  }
  long cells = argc > 2 ? atol(argv[2]) : 10000;
  bool check = argc > 3 && strcmp(argv[3], "--check") == 0;
  bool fast = argc > 3 && strcmp(argv[3], "--fast") == 0;
  module_variant variant = fast ? MODULE_FAST : MODULE_COMPACT;
  load_report report;
  loaded_module *module;
  if (module_load_file_as(argv[1], variant, &module, &report) != MINOS_OK) {
    fprintf(stderr, "cannot load %s: %s\n", argv[1], report.error);
    return 2;
  }
  round rounds[2];
  memset(rounds, 0, sizeof rounds);
  usage after[2];
  for (int i = 0; i < 2; i++) {
    if (run_round(module, cells, &rounds[i]) != 0) return 1;
    after[i] = measure();
    printf("%s variant, ", module_variant_name(variant));
    print_round(i == 0 ? "first round" : "second round (slots reused)", cells, &rounds[i],
                &after[i]);
  }
  module_release(module);
  if (!check) return 0;
  int failed = 0;
  for (int i = 0; i < 2; i++) {
    const round *current = &rounds[i];
    long vmas = current->parked.vmas - current->before.vmas;
    long rss = current->parked.rss_kib - current->before.rss_kib;
    if (current->exited_ok != cells) failed = printf("FAIL: not every cell exited 0\n");
    if ((double)vmas > 0.05 * (double)cells)
      failed = printf("FAIL: %ld VMAs for %ld cells\n", vmas, cells);
    if (rss > 100 * cells) failed = printf("FAIL: %ld KiB resident for %ld cells\n", rss, cells);
  }
  long first_growth = rounds[0].parked.vmas - rounds[0].before.vmas;
  long second_growth = rounds[1].parked.vmas - rounds[1].before.vmas;
  if (second_growth > first_growth)
    failed = printf("FAIL: the second round took more VMAs than the first\n");
  return failed ? 1 : 0;
}
