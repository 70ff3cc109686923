/* SPDX-License-Identifier: Apache-2.0 */
/* The native program bench/spawn's baseline starts, linked statically (no
 * dynamic loader): a C program that returns 0 at once. */
int main(void) { return 0; }
