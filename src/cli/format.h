/* SPDX-License-Identifier: Apache-2.0 */
/* How the control commands (ps, top) show durations and sizes. */
#ifndef MINOS_CLI_FORMAT_H
#define MINOS_CLI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "42s", "3m07s", "2h05m", "4d03h". */
void format_duration(uint64_t ns, char *text, size_t size);
/* "512B", "4.0K", "1.5M". */
void format_bytes(double bytes, char *text, size_t size);

#endif
