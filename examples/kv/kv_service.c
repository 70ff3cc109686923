/* SPDX-License-Identifier: Apache-2.0 */
/* A key-value service: a cell that owns a map and answers a line protocol
 * on stdin/stdout, one reply line per request line:
 *
 *   PUT key value   ->  OK
 *   GET key         ->  VALUE value | NOT_FOUND
 *   DEL key         ->  OK | NOT_FOUND
 *   COUNT           ->  COUNT n
 *   CRASH           ->  (crashes: an injected fault)
 *
 * With --crash-every N it also crashes on its own every Nth request, to
 * show what supervision does with a faulty service. The map lives only in
 * the cell's memory: a restarted instance starts empty. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYS 1024
#define TEXT 128

static char keys[KEYS][TEXT], values[KEYS][TEXT];
static int used[KEYS];

static int find(const char *key) {
  for (int i = 0; i < KEYS; i++)
    if (used[i] && strcmp(keys[i], key) == 0) return i;
  return -1;
}

static void put(const char *key, const char *value) {
  int slot = find(key);
  for (int i = 0; slot < 0 && i < KEYS; i++)
    if (!used[i]) slot = i;
  if (slot < 0) {
    puts("ERR full");
    return;
  }
  used[slot] = 1;
  snprintf(keys[slot], TEXT, "%s", key);
  snprintf(values[slot], TEXT, "%s", value);
  puts("OK");
}

/* A bug, on purpose: a write far outside the cell's memory. */
static void crash(void) {
  volatile char *far_away = (volatile char *)(uintptr_t)0xfffffff0u;
  *far_away = 1;
}

static void answer(char *line) {
  char *command = strtok(line, " ");
  char *key = strtok(NULL, " ");
  char *value = strtok(NULL, "");
  if (!command) {
    puts("ERR empty request");
  } else if (strcmp(command, "PUT") == 0 && key && value) {
    put(key, value);
  } else if (strcmp(command, "GET") == 0 && key) {
    int slot = find(key);
    if (slot < 0) puts("NOT_FOUND");
    else printf("VALUE %s\n", values[slot]);
  } else if (strcmp(command, "DEL") == 0 && key) {
    int slot = find(key);
    if (slot >= 0) used[slot] = 0;
    puts(slot < 0 ? "NOT_FOUND" : "OK");
  } else if (strcmp(command, "COUNT") == 0) {
    int count = 0;
    for (int i = 0; i < KEYS; i++) count += used[i];
    printf("COUNT %d\n", count);
  } else if (strcmp(command, "CRASH") == 0) {
    crash();
  } else {
    puts("ERR unknown request");
  }
}

int main(int argc, char **argv) {
  long crash_every = argc > 2 && strcmp(argv[1], "--crash-every") == 0 ? atol(argv[2]) : 0;
  char line[512];
  long served = 0;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    if (crash_every && ++served % crash_every == 0) {
      fprintf(stderr, "crashing on request %ld, as asked (--crash-every %ld)\n", served,
              crash_every);
      crash();
    }
    answer(line);
    fflush(stdout);
  }
  return 0;
}
