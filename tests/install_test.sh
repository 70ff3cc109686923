#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install_test.sh BUILD SOURCE GUESTS CC WASM_CLANG WASI_SYSROOT VERSION:
# `cmake --install BUILD` into a scratch prefix, the tree then moved to
# another directory and used from there only, as a user would:
#   pkg-config finds minos and minos-guest under the new place; a host
#   program (tests/embed/embed_test.c) builds against the shared libminos
#   and runs, and against the static one (pkg-config --static); a native
#   guest (tests/guests/api_portable.c) builds against libminos-guest.a
#   and runs as a cell of the installed minos;
#   find_package(minos) (tests/install/consumer) configures, builds and
#   runs the same two programs, and refuses a version it is not;
#   the schema, the examples, README.md, LICENSE, the headers and the
#   minos command are there, and an example builds from its installed
#   sources with the installed header and runs (minos run, minos up);
#   the man page and bash completion, once the sources have them.
# The layout comes from the environment: INSTALL_BINDIR, INSTALL_LIBDIR,
# INSTALL_INCLUDEDIR, INSTALL_DATADIR, INSTALL_DOCDIR, INSTALL_MANDIR
# (GNUInstallDirs' relative paths). CC is the compiler minos was built
# with: a sanitized libminos asks its users for the sanitizers' flags
# (in minos.pc and minos::minos), and their runtime must be that compiler's.
set -u
build=$1 source=$2 guests=$3 cc=$4 wasm_clang=$5 wasi_sysroot=$6 version=$7
. "$source/tests/control/common.sh"

for layout in "$INSTALL_BINDIR" "$INSTALL_LIBDIR" "$INSTALL_INCLUDEDIR" "$INSTALL_DATADIR" \
              "$INSTALL_DOCDIR" "$INSTALL_MANDIR"; do
  case $layout in
  /*) echo "skipped: $layout is absolute, outside any prefix: nothing there can move"; exit 77 ;;
  esac
done

scratch=$(mktemp -d)
# Native cells' sandboxes bind their program from here: readable by others.
chmod 755 "$scratch"
# cmake --install writes BUILD/install_manifest.txt: the one there before
# (from a user's own install) is put back, or none.
manifest=$build/install_manifest.txt
[ -e "$manifest" ] && cp -p "$manifest" "$scratch/manifest.saved"
cleanup() {
  if [ -e "$scratch/manifest.saved" ]; then
    cp -p "$scratch/manifest.saved" "$manifest"
  else
    rm -f "$manifest"
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! cmake --install "$build" --prefix "$scratch/a" >"$scratch/install.log" 2>&1; then
  cat "$scratch/install.log"
  echo "FAIL: cmake --install $build"
  exit 1
fi
mv "$scratch/a" "$scratch/b"
prefix=$(realpath "$scratch/b")
bindir=$prefix/$INSTALL_BINDIR
libdir=$prefix/$INSTALL_LIBDIR
includedir=$prefix/$INSTALL_INCLUDEDIR
minos=$bindir/minos
major=${version%%.*}

# runs NAME COMMAND...: COMMAND succeeds; its output is shown if not.
runs() {
  local name=$1
  shift
  if "$@" >"$scratch/out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    tail -n 30 "$scratch/out"
  fi
}
# says NAME PATTERN COMMAND...: a line of COMMAND's output (stdout and
# stderr) matches PATTERN (grep -E); the output is shown if not.
says() {
  local name=$1 pattern=$2
  shift 2
  "$@" >"$scratch/out" 2>&1
  if grep -Eq -- "$pattern" "$scratch/out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    tail -n 30 "$scratch/out"
  fi
}
# under_prefix FLAGS...: an -I and an -L name directories of the moved tree,
# and no flag names anything else of the scratch directory (the tree where
# it was installed, before the move). The flags of the libraries minos
# needs (Requires.private) are the system's.
under_prefix() {
  local flag dir seen_i=0 seen_l=0
  for flag in "$@"; do
    case $flag in
    -I* | -L*) dir=$(realpath -m "${flag#-?}") ;;
    *) continue ;;
    esac
    case $dir in
    "$prefix"/*) [ -d "$dir" ] || { echo "missing: $flag"; return 1; } ;;
    "$scratch"/*) echo "outside $prefix: $flag"; return 1 ;;
    *) continue ;;
    esac
    case $flag in -I*) seen_i=1 ;; -L*) seen_l=1 ;; esac
  done
  [ $seen_i = 1 ] && [ $seen_l = 1 ]
}

# ---- what is installed ------------------------------------------------
check "minos command" test -x "$minos"
says "minos version" "^minos $version( |$)" "$minos" version
check "headers" test -f "$includedir/minos.h" -a -f "$includedir/minos_host.h"
check "libminos.so.$major" test -f "$libdir/libminos.so.$major"
check "libminos.a" test -f "$libdir/libminos.a"
check "libminos-guest.a" test -f "$libdir/libminos-guest.a"
check "CMake package" test -f "$libdir/cmake/minos/minosConfig.cmake" \
                        -a -f "$libdir/cmake/minos/minosConfigVersion.cmake"
check "schema" cmp -s "$source/spec/minos-spec.schema.json" \
                      "$prefix/$INSTALL_DATADIR/minos/minos-spec.schema.json"
check "README.md" cmp -s "$source/README.md" "$prefix/$INSTALL_DOCDIR/README.md"
check "LICENSE" cmp -s "$source/LICENSE" "$prefix/$INSTALL_DOCDIR/LICENSE"
examples=$prefix/$INSTALL_DOCDIR/examples
same_examples() {
  local file
  (cd "$source/examples" && find . -type f ! -name CMakeLists.txt) >"$scratch/example_files"
  [ -s "$scratch/example_files" ] || return 1
  while read -r file; do
    cmp -s "$source/examples/$file" "$examples/$file" || { echo "differs: $file"; return 1; }
  done <"$scratch/example_files"
  # Sources and specs, nothing built, nothing of the build's own.
  [ -z "$(find "$examples" -name CMakeLists.txt -o -name '*.wasm')" ]
}
check "examples: sources and specs" same_examples

# The man page and the completion, when the sources have them.
if [ -f "$source/doc/minos.1" ]; then
  check "man page" test -f "$prefix/$INSTALL_MANDIR/man1/minos.1" \
                     -o -f "$prefix/$INSTALL_MANDIR/man1/minos.1.gz"
else
  echo "skipped: no doc/minos.1 in the sources, so no man page to look for"
fi
if [ -f "$source/completions/minos.bash" ]; then
  check "bash completion" test -f "$prefix/$INSTALL_DATADIR/bash-completion/completions/minos"
else
  echo "skipped: no completions/minos.bash in the sources, so no completion to look for"
fi

# ---- pkg-config, from the moved tree only -----------------------------
export PKG_CONFIG_PATH=$libdir/pkgconfig
check "pkg-config finds minos, minos-guest" pkg-config --exists minos minos-guest
check "minos.pc version" test "$(pkg-config --modversion minos)" = "$version"
check "minos.pc prefix" test "$(realpath "$(pkg-config --variable=prefix minos)")" = "$prefix"
read -ra flags <<<"$(pkg-config --cflags --libs minos)"
check "minos.pc paths under the moved prefix" under_prefix "${flags[@]}"
read -ra guest_flags <<<"$(pkg-config --cflags --libs minos-guest)"
check "minos-guest.pc paths under the moved prefix" under_prefix "${guest_flags[@]}"

# A host program against the shared libminos.
runs "embedder builds (pkg-config)" \
  "$cc" -std=c17 -Wall -Wextra -Werror -o "$scratch/embed_pc" \
  "$source/tests/embed/embed_test.c" "${flags[@]}"
says "embedder runs (pkg-config)" "^embed_test: all checks passed$" \
  env LD_LIBRARY_PATH="$libdir" "$scratch/embed_pc" "$guests"
says "embedder loads the moved libminos" "libminos\.so\.$major => $libdir/libminos\.so\.$major " \
  env LD_LIBRARY_PATH="$libdir" ldd "$scratch/embed_pc"

# The same against libminos.a: pkg-config --static lists what it needs.
static_flags=()
for flag in $(pkg-config --static --libs minos); do
  [ "$flag" = -lminos ] && flag=-l:libminos.a
  static_flags+=("$flag")
done
runs "embedder builds (pkg-config --static, libminos.a)" \
  "$cc" -std=c17 -Wall -Wextra -Werror -o "$scratch/embed_static" \
  "$source/tests/embed/embed_test.c" $(pkg-config --cflags minos) "${static_flags[@]}"
says "embedder runs (libminos.a)" "^embed_test: all checks passed$" \
  "$scratch/embed_static" "$guests"
check "embedder (libminos.a) needs no libminos.so" \
  eval '! ldd "$scratch/embed_static" | grep -q libminos'

# A native guest against libminos-guest.a, run by the installed minos
# (built plainly, as the programs native cells run are).
runs "native guest builds (pkg-config)" \
  "$cc" -std=c17 -O2 -Wall -Wextra -Werror -static -o "$scratch/portable_pc" \
  "$source/tests/guests/api_portable.c" "${guest_flags[@]}"
says "native guest runs (pkg-config)" "^api_portable native: all [0-9]+ checks passed$" \
  "$minos" run --max-cells 4 "$scratch/portable_pc" <"$guests/api_portable.wasm"

# ---- find_package(minos) ----------------------------------------------
consumer=$scratch/consumer
runs "find_package(minos) configures" \
  cmake -S "$source/tests/install/consumer" -B "$consumer" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="$cc" -DMINOS_WANTED="$version" \
        -DEMBED_TEST_SOURCE="$source/tests/embed/embed_test.c" \
        -DPORTABLE_SOURCE="$source/tests/guests/api_portable.c"
check "find_package(minos) found the moved tree" \
  grep -q "minos $version from $libdir/cmake/minos\$" "$scratch/out"
runs "find_package(minos) builds" cmake --build "$consumer"
# Without LD_LIBRARY_PATH: CMake gave the program the imported library's
# directory as its run path.
says "embedder runs (minos::minos)" "^embed_test: all checks passed$" \
  "$consumer/embed_test" "$guests"
says "embedder loads the moved libminos (minos::minos)" \
  "libminos\.so\.$major => $libdir/libminos\.so\.$major " ldd "$consumer/embed_test"
says "native guest runs (minos::guest)" "^api_portable native: all [0-9]+ checks passed$" \
  "$minos" run --max-cells 4 "$consumer/portable" <"$guests/api_portable.wasm"
check "find_package(minos $((major + 1)).0) refused" \
  eval '! cmake -S "$source/tests/install/consumer" -B "$scratch/consumer_next" \
          -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DMINOS_WANTED=$((major + 1)).0 \
          -DEMBED_TEST_SOURCE=x.c -DPORTABLE_SOURCE=y.c >"$scratch/out" 2>&1'
check "find_package(minos $((major + 1)).0) says why" grep -q "version: $version" "$scratch/out"

# ---- an installed example, built and run ------------------------------
# Specs name their modules next to them, so a user copies an example and
# builds it there (as the README's "Installing" says): the pipeline, its
# parent cell built with the installed minos.h.
pipeline=$scratch/pipeline
cp -r "$examples/pipeline" "$pipeline"
for module in cat grep wc pipeline; do
  runs "example pipeline: $module.wasm builds" \
    "$wasm_clang" --target=wasm32-wasi --sysroot="$wasi_sysroot" -O2 -Wall -Wextra -Werror \
    $(pkg-config --cflags minos-guest) -o "$pipeline/$module.wasm" "$pipeline/$module.c"
done
says "example pipeline: minos check" ": ok: 3 cells" "$minos" check "$pipeline/pipeline.json"
says "example pipeline: minos up" "^ *2 +15 +103$" \
  "$minos" up -q "$pipeline/pipeline.json" <"$pipeline/input.txt"
says "example pipeline: minos run" "^2 15 103$" \
  "$minos" run --max-cells 8 --ro-dir "$pipeline::/bin" "$pipeline/pipeline.wasm" \
  /bin/cat.wasm /bin/grep.wasm /bin/wc.wasm <"$pipeline/input.txt"

echo "install_test: $passed passed, $failed failed"
[ $failed = 0 ]
