#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the build into a scratch prefix, then builds a host program the
# way a user would: cc $(pkg-config --cflags --libs minos), and runs it.
#   pkg_config_test.sh BUILD_DIR PROGRAM.c GUESTS_DIR
set -eu
build=$1
program=$2
guests=$3
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > /dev/null
libdir=$(find "$prefix" -name minos.pc -exec dirname {} \; | head -n 1)
export PKG_CONFIG_PATH="$libdir"
# minos.pc finds its prefix from where it is (tests/install_test.sh also
# moves the installed tree).
cc -std=c17 -Wall -Wextra -Werror -o "$prefix/embed_test" "$program" \
   $(pkg-config --cflags --libs minos)
LD_LIBRARY_PATH="$(dirname "$libdir")" "$prefix/embed_test" "$guests"
