# SPDX-License-Identifier: Apache-2.0
# bash completion for minos: its commands, each command's options, the
# files a command takes (.wasm modules, native programs, .json specs), and
# the names of running systems (their control sockets) and of their cells.
# Installed as share/bash-completion/completions/minos; to try it from a
# checkout: source completions/minos.bash

# The control sockets' directory, as minos chooses it
# (src/control/control_socket.c).
_minos_control_dir() {
  if [[ ${MINOS_CONTROL_DIR-} == /* ]]; then
    printf '%s\n' "$MINOS_CONTROL_DIR"
  elif [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    printf '%s\n' /run/minos
  elif [[ ${XDG_RUNTIME_DIR-} == /* ]]; then
    printf '%s\n' "$XDG_RUNTIME_DIR/minos"
  else
    printf '%s\n' "/tmp/minos-${EUID:-$(id -u)}"
  fi
}

# The running systems: their sockets' names without .sock.
_minos_systems() {
  local socket dir
  dir=$(_minos_control_dir)
  for socket in "$dir"/*.sock; do
    [[ -S $socket ]] || continue
    socket=${socket##*/}
    printf '%s\n' "${socket%.sock}"
  done
}

# The cells of a running system, from minos ps --json (one request to its
# control socket); nothing if it does not answer within a second.
_minos_cells() {
  local minos=$1 system=$2 reply
  reply=$(timeout 1 "$minos" ps --json -- "$system" 2>/dev/null) || return
  # The channels come first, then "cells": each object starts with its
  # name ({"name":"kv",...}).
  [[ $reply == *'"cells":'* ]] || return
  reply=${reply#*\"cells\":}
  grep -o '{"name":"[^"]*"' <<<"$reply" | sed 's/^{"name":"//; s/"$//' | sort -u
}

# The containers of minos oci, in its default state root.
_minos_oci_containers() {
  local root=/tmp/minos-oci-$EUID
  if [[ $EUID -eq 0 ]]; then
    root=/run/minos-oci
  elif [[ $XDG_RUNTIME_DIR == /* ]]; then
    root=$XDG_RUNTIME_DIR/minos-oci
  fi
  [[ -d $root ]] && find "$root" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null
}

# Options of each command, the ones that take a value marked with "=".
_minos_options() {
  case $1 in
    run) echo "--dir= --ro-dir= --env= --connect= --listen= --max-cells= --max-memory=
               --max-stack= --max-cpu= --timeout= --max-descriptors= --max-total-cells=
               --argv0= -v --verbose -h --help" ;;
    up) echo "-v --verbose -q --quiet --log= --log-format= --control= --metrics= --max-total-cells=
              --log-rate= --log-burst= --log-max-bytes= --log-max-line= -h --help" ;;
    compile) echo "-v --verbose -h --help" ;;
    ps) echo "--json -h --help" ;;
    top) echo "-d= --delay= --plain -n= --count= -h --help" ;;
    logs) echo "-f --follow -n= --lines= -h --help" ;;
    oci) echo "--root= --log= --log-format= --systemd-cgroup --cgroup-manager= --version
               --bundle= -b= --pid-file= --console-socket= --preserve-fds= --no-pivot
               --no-new-keyring -a --all -f --force -h --help" ;;
    *) echo "-h --help" ;;
  esac
}

# Paths for the current word $1 into COMPREPLY: directories, and the files
# matching the pattern $2 ("" none, "code": .wasm modules and executables),
# completed as paths are (a '/' after a directory, names quoted).
_minos_files() {
  local current=$1 pattern=$2 file
  mapfile -t COMPREPLY < <(compgen -d -- "$current")
  while IFS= read -r file; do
    [[ -d $file ]] && continue
    if [[ $pattern == code ]]; then
      [[ $file == *.wasm || -x $file ]] || continue
    elif [[ -z $pattern || $file != $pattern ]]; then
      continue
    fi
    COMPREPLY+=("$file")
  done < <(compgen -f -- "$current")
  compopt -o filenames 2>/dev/null
}

# Whether option $2 of command $1 takes a value (so the next word is it).
_minos_takes_value() {
  local option
  for option in $(_minos_options "$1"); do
    [[ $option == "$2=" ]] && return 0
  done
  return 1
}

_minos() {
  local current=${COMP_WORDS[COMP_CWORD]} previous=${COMP_WORDS[COMP_CWORD - 1]}
  # bash splits --option=value at the '=' (COMP_WORDBREAKS): the value's
  # option is then the word before the '='.
  if [[ $current == = ]]; then
    current=""
  elif [[ $previous == = && COMP_CWORD -ge 2 ]]; then
    previous=${COMP_WORDS[COMP_CWORD - 2]}
  fi
  local commands="run check up compile demo ps top logs kill restart upgrade stop oci version help"
  local minos=${COMP_WORDS[0]} command="" word i
  COMPREPLY=()

  # The command: the first word after minos's own options.
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} != -* ]]; then
      command=${COMP_WORDS[i]}
      break
    fi
  done
  if [[ -z $command ]]; then
    if [[ $current == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "-h --help --version" -- "$current")
    else
      mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$current")
    fi
    return
  fi

  # The operands before the current word (options and their values
  # skipped), and whether "--" ended the options.
  local operands=() ended=""
  for ((i = i + 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -n $ended || $word != -* || $word == - ]]; then
      operands+=("$word")
      # run: everything after CODE is the program's; complete files.
      [[ $command == run ]] && ended=yes
    elif [[ $word == -- ]]; then
      ended=yes
    elif _minos_takes_value "$command" "$word"; then
      ((i++)) # its value, or the '=' bash split off before it
      [[ ${COMP_WORDS[i]} == = ]] && ((i++))
    fi
  done
  if [[ $command == run && ${#operands[@]} -gt 0 ]]; then
    _minos_files "$current" '*'
    return
  fi

  # A value of an option.
  if [[ -z $ended ]] && _minos_takes_value "$command" "$previous"; then
    case $previous in
      --dir | --ro-dir | --bundle | -b | --root) _minos_files "$current" "" ;;
      --pid-file) _minos_files "$current" '*' ;;
      --log | --control) _minos_files "$current" '*' ;;
      --env) # KEY=VALUE: the variable's name, then its value, no space between
        mapfile -t COMPREPLY < <(compgen -e -S = -- "$current")
        compopt -o nospace 2>/dev/null
        ;;
      --log-format) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$current") ;;
    esac
    return
  fi

  if [[ -z $ended && $current == -* ]]; then
    local option options=()
    for option in $(_minos_options "$command"); do options+=("${option%=}"); done
    mapfile -t COMPREPLY < <(compgen -W "${options[*]}" -- "$current")
    return
  fi

  local count=${#operands[@]}
  case $command in
    run) _minos_files "$current" code ;;
    compile) _minos_files "$current" '*.wasm' ;;
    check | up) _minos_files "$current" '*.json' ;;
    help) [[ $count -eq 0 ]] && mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$current") ;;
    oci)
      if [[ $count -eq 0 ]]; then
        mapfile -t COMPREPLY < <(compgen -W "create start state kill delete features" -- "$current")
      elif [[ $count -eq 1 && ${operands[0]} =~ ^(start|state|kill|delete)$ ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_minos_oci_containers)" -- "$current")
      fi
      ;;
    ps | top | stop)
      [[ $count -eq 0 ]] && mapfile -t COMPREPLY < <(compgen -W "$(_minos_systems)" -- "$current")
      ;;
    logs | kill | restart | upgrade)
      if [[ $count -eq 0 ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_minos_systems)" -- "$current")
      elif [[ $count -eq 1 ]]; then
        local cells
        cells=$(_minos_cells "$minos" "${operands[0]}")
        mapfile -t COMPREPLY < <(compgen -W "$cells" -- "$current")
      elif [[ $command == upgrade && $count -eq 2 ]]; then
        _minos_files "$current" code
      fi
      ;;
  esac
}

complete -F _minos minos
