/* SPDX-License-Identifier: Apache-2.0 */
/* A program that needs a library of its own, found through a DT_RUNPATH
 * of "$ORIGIN/deps" (tests/unit/elf_test.c). */
int elf_dep_answer(void);

int main(void) { return elf_dep_answer() == 42 ? 0 : 1; }
