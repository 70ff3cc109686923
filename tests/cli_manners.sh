#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cli_manners.sh MINOS GUESTS SOURCE_DIR: the command line's manners, for
# every command: --help and -h (stdout, exit 0, the same as minos help
# COMMAND), unknown options and missing values and operands (exit 2, named),
# "--" ending the options (a file named like a flag is a file), a program's
# own flags passed to it untouched, --version with the build's commit, the
# man page rendering cleanly and naming every option of every help, and
# the bash completion (commands, options, files, systems and their cells).
set -u
export LC_ALL=C
minos=$1 guests=$2 source=$3
work=$(mktemp -d)
up_pid=""
trap '[[ -n $up_pid ]] && kill $up_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/control/common.sh"
export MINOS_CONTROL_DIR=$work/run

commands="run check up compile demo ps top logs kill restart upgrade stop oci version help"

# call ARGS...: runs minos; its output in $out and $err, its status in $status.
call() {
  "$minos" "$@" >"$work/out" 2>"$work/err" </dev/null
  status=$?
  out=$(cat "$work/out") err=$(cat "$work/err")
}
# said STATUS PATTERN: the last call exited with STATUS, its stderr saying
# PATTERN; printed STATUS PATTERN: the same, with PATTERN on stdout.
said() { [[ $status == "$1" ]] && contains "$err" "$2"; }
printed() { [[ $status == "$1" ]] && contains "$out" "$2"; }
# usage_error PATTERN ARGS...: minos ARGS exits 2, says PATTERN and the
# command's usage on stderr, and prints nothing on stdout.
usage_error() {
  local pattern=$1
  shift
  call "$@"
  [[ $status == 2 && -z $out ]] && contains "$err" "$pattern" && contains "$err" "usage: minos"
}

# ---- help ------------------------------------------------------------------
for command in $commands; do
  call "$command" --help
  check "$command --help: exit 0" [ "$status" = 0 ]
  check "$command --help: usage on stdout" contains "$out" "^usage: minos $command"
  check "$command --help: nothing on stderr" [ -z "$err" ]
  help=$out
  call "$command" -h
  check "$command -h: the same" [ "$status:$out" = "0:$help" ]
  call help "$command"
  check "help $command: the same" [ "$status:$out" = "0:$help" ]
done
call --help
check "minos --help: every command" \
  bash -c 'for c in $2; do grep -q "^  $c\b" <<<"$1" || exit 1; done' _ "$out" "$commands"
call
check "minos alone: usage on stderr, exit 2" said 2 "^usage: minos"
call help nope
check "help nope: exit 2" said 2 "no help for 'nope'"

# ---- unknown options, missing values ---------------------------------------
for command in $commands; do
  check "$command --frobnicate: exit 2, named" \
    usage_error "$command: unknown option '--frobnicate'" "$command" --frobnicate x
  check "$command -Z: exit 2, named" usage_error "$command: unknown option '-Z'" "$command" -Z x
done
check "--help=x: takes no value" usage_error "option '--help' takes no value" ps --help=x
check "ambiguous --log-m" \
  usage_error "option '--log-m' is ambiguous: --log-max-bytes, --log-max-line" up --log-m 4K x.json
call run --max-mem 1M "$guests/hello.wasm"
check "abbreviated --max-mem: runs" [ "$status" = 7 ]
check "-Z inside a cluster" usage_error "logs: unknown option '-Z'" logs -fZ sys
check "minos -Z" usage_error "^minos: unknown option '-Z'" -Z
for missing in "run --dir" "run --max-memory" "up --log" "up --log-rate" "up --control" \
               "top -d" "top -n" "logs -n" "logs --lines"; do
  set -- $missing
  check "$missing: needs a value" usage_error "$1: option '$2' needs a value" $missing
done
call top -d nan
check "top -d nan: exit 2, named" said 2 "top: -d nan"

# ---- operands ----------------------------------------------------------------
check "run: needs CODE" usage_error "run needs a module or a program" run
check "run: options only" usage_error "run needs a module" run -v --max-cpu 1s
check "check: needs a spec" usage_error "check needs a spec file" check
check "up: needs a spec" usage_error "up needs a spec" up -q
check "up: one spec" usage_error "up: unexpected operand 'b.json'" up a.json b.json
check "compile: needs a module" usage_error "compile needs at least one module" compile -v
check "demo: no operand" usage_error "demo: unexpected operand 'x'" demo x
check "ps: one system" usage_error "ps: unexpected operand 'b'" ps a b
check "top: one system" usage_error "top: unexpected operand 'b'" top a b
check "logs: needs a system" usage_error "logs needs SYSTEM" logs -f
check "logs: at most a cell" usage_error "logs: unexpected operand 'c'" logs a b c
for command in kill restart; do
  check "$command: needs a cell" usage_error "$command needs SYSTEM and CELL" "$command" a
  check "$command: two operands" usage_error "$command: unexpected operand 'c'" "$command" a b c
done
check "upgrade: needs code" usage_error "upgrade needs SYSTEM, CELL and CODE" upgrade a b
check "upgrade: three operands" usage_error "upgrade: unexpected operand 'd'" upgrade a b c d
check "stop: needs a system" usage_error "stop needs SYSTEM" stop
check "stop: one system" usage_error "stop: unexpected operand 'b'" stop a b
check "version: no operand" usage_error "version: unexpected operand 'x'" version x
check "help: one command" usage_error "help: unexpected operand 'up'" help run up

# ---- "--" ends the options; a program's own flags are its own ---------------
cd "$work" || exit 1
cp "$guests/hello.wasm" ./-x.wasm
cp "$guests/hello.wasm" ./--help.wasm
printf '{"name": 3}\n' >./--help.json
call run -- -x.wasm
check "run -- -x.wasm: runs it" [ "$status:$out" = "7:hello from a sealed cell" ]
call run -v -- --help.wasm
check "run -v -- --help.wasm: runs it" [ "$status:$out" = "7:hello from a sealed cell" ]
check "run -x.wasm: an unknown option" usage_error "unknown option '-x'" run -x.wasm
call compile -- -x.wasm --help.wasm
check "compile -- -x.wasm --help.wasm: compiled" [ "$status" = 0 ]
call check -- --help.json
check "check -- --help.json: checked" said 1 "^--help.json:1:"
call up -- --help.json
check "up -- --help.json: read" said 2 "--help.json has problems"
for command in ps top stop "logs" "kill" "restart"; do
  extra=""
  [[ $command == kill || $command == restart ]] && extra=cell
  call "$command" -- -nosystem $extra
  check "$command -- -nosystem: a system's name" said 125 "^minos: -nosystem: "
done
call upgrade -- -nosystem cell -x.wasm
check "upgrade -- -nosystem cell -x.wasm: operands" said 125 "^minos: -nosystem: "
call help -- run
check "help -- run" printed 0 "^usage: minos run"

# The program's arguments: everything after CODE, flags and "--" included.
call run "$guests/wasi_args_env.wasm" 0 --help -v -- --dir x
check "run CODE --help: the program's" [ "$status" = 0 ]
check "run CODE --help: arguments untouched" \
  contains "$(tr '\n' ' ' <<<"$out")" \
  "arg\[1\]=<0> arg\[2\]=<--help> arg\[3\]=<-v> arg\[4\]=<--> arg\[5\]=<--dir> arg\[6\]=<x>"
call run --env A=1 "$guests/wasi_args_env.wasm" 1 --env B=2
check "run: options before CODE only" printed 0 "^env=<A=1>$"
check "run: --env after CODE is the program's" printed 0 "^arg\[3\]=<B=2>$"

# ---- --version ---------------------------------------------------------------
call --version
version=$out
check "--version: exit 0" [ "$status" = 0 ]
check "--version: version and commit" \
  contains "$version" '^minos [0-9]\+\.[0-9]\+\.[0-9]\+ (commit [0-9a-zA-Z.-]\+)$'
call version
check "version: the same" [ "$out" = "$version" ]
top=$(git -C "$source" rev-parse --show-toplevel 2>/dev/null)
if [[ -n $top && $(realpath "$top") == $(realpath "$source") ]]; then
  # The commit the build saw (HEAD may have moved on since): one of this
  # checkout's, by the name git describe gives it.
  commit=$(sed -n 's/.*(commit \(.*\))$/\1/p' <<<"$version")
  check "--version: a commit of the checkout" \
    git -C "$source" rev-parse -q --verify "${commit%-dirty}^{commit}"
else
  check "--version: unknown outside a checkout" contains "$version" "(commit unknown)$"
fi

# ---- the man page --------------------------------------------------------------
page=$source/doc/minos.1
if command -v groff >/dev/null; then
  check "man page: groff renders it without warnings" \
    bash -c '[ -z "$(groff -man -Tutf8 -ww -z "$1" 2>&1)" ]' _ "$page"
  text=$(groff -man -Tascii -P-cbou "$page" 2>/dev/null)
  # Every option of every command's help is in the man page.
  for command in $commands; do
    for option in $("$minos" help "$command" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      check "man page: $command $option" grep -q -- "$option" <<<"$text"
    done
    check "man page: minos $command" grep -q -- "minos $command" <<<"$text"
  done
else
  echo "groff is missing: the man page's rendering is not checked"
fi
if command -v mandoc >/dev/null; then
  check "man page: mandoc -Tlint" bash -c '[ -z "$(mandoc -Tlint "$1" 2>&1)" ]' _ "$page"
fi

# ---- bash completion -----------------------------------------------------------
# A running system, whose name and cells are completed.
cp "$guests/wasi_cat.wasm" "$work/cat.wasm"
cat >"$work/manners.json" <<'JSON'
{
  "name": "manners",
  "grace": "200ms",
  "cells": {
    "writer": {"code": "/bin/sleep", "args": ["sleep", "600"]},
    "reader": {"code": "cat.wasm", "stdio": {"stdout": "log"}}
  },
  "channels": [{"from": "writer.stdout", "to": "reader.stdin"}]
}
JSON
"$minos" up -q "$work/manners.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do [[ -S $MINOS_CONTROL_DIR/manners.sock ]] && break; sleep 0.1; done
call logs -n 0 -- manners
check "logs -- SYSTEM: a running system" [ "$status" = 0 ]

completion=$source/completions/minos.bash
# complete WORDS...: the completions of the last word (may be ""), sorted,
# one line each, as bash would offer them for `minos WORDS`.
complete_words() {
  bash -c '
    source "$1" || exit 1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    _minos
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$completion" "$minos" "$@"
}
# offers "A B" WORDS...: exactly A and B are offered; offers_too A WORDS...:
# A is among the offers.
offers() {
  local expected=$1
  shift
  [[ $(complete_words "$@" | tr '\n' ' ') == "$expected " ]]
}
offers_too() {
  local wanted=$1
  shift
  complete_words "$@" | grep -qx -- "$wanted"
}
check "completion: loads, complete -F _minos minos" \
  bash -c 'source "$1" && [ "$(complete -p minos)" = "complete -F _minos minos" ]' _ "$completion"
check "completion: every command" offers "$(tr ' ' '\n' <<<"$commands" | sort | xargs)" ""
check "completion: minos r" offers "restart run" r
check "completion: minos --v" offers "--version" --v
check "completion: up --l" \
  offers "--log --log-burst --log-format --log-max-bytes --log-max-line --log-rate" up --l
check "completion: up --log-format" offers "json text" up --log-format ""
check "completion: run --max-m" offers "--max-memory" run --max-m
export MANNERS_VARIABLE=1
check "completion: run --env NAME=" offers "MANNERS_VARIABLE=" run --env MANNERS_VAR
check "completion: logs -" offers_too "--follow" logs -
check "completion: help u" offers "up upgrade" help u
check "completion: oci s" offers "start state" oci s
check "completion: oci --log-format" offers "json text" oci --log-format ""
mkdir -p "$work/files/sub"
touch "$work/files/a.json" "$work/files/b.wasm" "$work/files/c.txt"
cd "$work/files" || exit 1
check "completion: check -> .json files and directories" offers "a.json sub" check ""
check "completion: compile -> .wasm files" offers "b.wasm sub" compile ""
check "completion: up --log FILE" offers_too "c.txt" up --log ""
check "completion: run --dir DIR" offers "sub" run --dir ""
check "completion: run CODE ARGS -> any file" offers_too "c.txt" run b.wasm ""
check "completion: run CODE --h: the program's" [ -z "$(complete_words run b.wasm --h)" ]
check "completion: ps SYSTEM" offers "manners" ps ""
check "completion: stop m" offers "manners" stop m
check "completion: logs -n 5 SYSTEM" offers "manners" logs -n 5 ""
check "completion: kill SYSTEM CELL" offers "reader writer" kill manners ""
check "completion: upgrade SYSTEM w" offers "writer" upgrade manners w
check "completion: ps SYSTEM, nothing more" [ -z "$(complete_words ps manners "")" ]
"$minos" stop manners >/dev/null 2>&1
wait $up_pid
up_pid=""

echo "cli_manners: $passed passed, $failed failed"
[ "$failed" = 0 ]
