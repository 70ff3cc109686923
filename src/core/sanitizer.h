/* SPDX-License-Identifier: Apache-2.0 */
/* Whether this build runs under AddressSanitizer (gcc says so with a macro,
 * clang with __has_feature), for the few places that must tell it about
 * stacks and memory it cannot see being switched or recycled. */
#ifndef MINOS_CORE_SANITIZER_H
#define MINOS_CORE_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define MINOS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MINOS_ASAN 1
#endif
#endif

#ifdef MINOS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#endif
