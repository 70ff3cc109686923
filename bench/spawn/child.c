/* SPDX-License-Identifier: Apache-2.0 */
/* The minimal cell of bench/spawn: a C program that returns 0 at once,
 * the same program as target.c, the native baseline's. */
int main(void) { return 0; }
