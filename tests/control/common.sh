# SPDX-License-Identifier: Apache-2.0
# What the control tests share (sourced): counted checks.
passed=0 failed=0

# check NAME COMMAND...: counts whether COMMAND succeeds; a failure says
# NAME, and runs the test's on_check_failure if it defines one.
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    if declare -F on_check_failure >/dev/null; then on_check_failure; fi
  fi
}

# contains TEXT PATTERN: whether a line of TEXT matches PATTERN (grep).
contains() { grep -q -- "$2" <<<"$1"; }
