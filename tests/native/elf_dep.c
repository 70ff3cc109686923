/* SPDX-License-Identifier: Apache-2.0 */
/* A shared library that tests/native/elf_user.c needs, found through
 * $ORIGIN (tests/unit/elf_test.c). */
/* Exported despite the build's hidden default visibility. */
__attribute__((visibility("default"))) int elf_dep_answer(void) { return 42; }
