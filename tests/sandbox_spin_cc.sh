#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A "C compiler" that spins for ever (tests/sandbox.cmake: the compile CPU limit).
exec perl -e '1 while 1'
