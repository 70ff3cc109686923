#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A supervised cell's children are held to its grants: a spawner granted
# only "spawn" gets MINOS_EMODULE for a child importing the clock, and starts
# one that needs nothing.
#   sup_cnew_grants.sh MINOS SPEC CLOCK_GUEST PLAIN_GUEST
set -u
minos=$1 spec=$2
shift 2
for module in "$@"; do wc -c <"$module"; cat "$module"; done | "$minos" up -q "$spec"
