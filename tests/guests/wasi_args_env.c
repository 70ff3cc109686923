/* SPDX-License-Identifier: Apache-2.0 */
/* Arguments arrive as given; the environment holds exactly what was
 * granted with --env and nothing of the host's. Usage:
 *   wasi_args_env.wasm EXPECTED_ENV_COUNT [args...]
 * Prints every argument and variable so the test can match them too. */
#include <stdlib.h>
#include <unistd.h>

#include "wasi_check.h"

extern char **environ;

int main(int argc, char **argv) {
  CHECK(argc >= 2);
  if (argc < 2) check_exit("wasi_args_env");
  for (int i = 0; i < argc; i++) printf("arg[%d]=<%s>\n", i, argv[i]);
  CHECK(argv[argc] == NULL);
  int count = 0;
  for (char **variable = environ; *variable; variable++, count++) printf("env=<%s>\n", *variable);
  CHECK(count == atoi(argv[1]));
  CHECK(getenv("PATH") == NULL);
  CHECK(getenv("HOME") == NULL);
  CHECK(getenv("MINOS_CACHE_DIR") == NULL);

  /* The raw calls agree with what libc made of them. */
  __wasi_size_t argc_raw, argv_size, envc_raw, env_size;
  CHECK_WASI(__wasi_args_sizes_get(&argc_raw, &argv_size), 0);
  CHECK_WASI(__wasi_environ_sizes_get(&envc_raw, &env_size), 0);
  CHECK((int)argc_raw == argc);
  CHECK((int)envc_raw == count);
  size_t expected_size = 0;
  for (int i = 0; i < argc; i++) expected_size += strlen(argv[i]) + 1;
  CHECK(argv_size == expected_size);
  check_exit("wasi_args_env");
}
