/* SPDX-License-Identifier: Apache-2.0 */
/* minos's one error enum. Every fallible function in the runtime returns a
 * minos_status; guests see the same numbers through the guest API, which
 * is where the enum is defined. */
#ifndef MINOS_CORE_ERROR_H
#define MINOS_CORE_ERROR_H

#include <minos.h> /* the enum itself: guests and runtime share it */

const char *minos_status_name(minos_status status);

#endif
