# SPDX-License-Identifier: Apache-2.0
# Sourced by the cache tests, after they set $scratch.
# counting_cc NAME: writes $scratch/NAME, a C compiler that runs cc and adds
# a line to $scratch/NAME.log each time it is started.
# compiler_starts NAME: how many times it was started.
# The compile sandbox lets the compiler write only to its build directory
# and to MINOS_COMPILE_WRITABLE: here, where the log is.
counting_cc() {
  export MINOS_COMPILE_WRITABLE="$scratch"
  cat > "$scratch/$1" <<WRAP
#!/bin/sh
echo started >> "$scratch/$1.log"
exec cc "\$@"
WRAP
  chmod +x "$scratch/$1"
}

compiler_starts() {
  if [ -f "$scratch/$1.log" ]; then wc -l < "$scratch/$1.log"; else echo 0; fi
}
