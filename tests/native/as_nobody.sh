#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# as_nobody.sh COMMAND [ARGS...]: runs the command as the unprivileged
# user nobody (tests that minos needs no root); skipped (77) unless run
# as root, where the plain test already ran unprivileged.
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: not root: the test itself ran unprivileged"
  exit 77
fi
exec su nobody -s /bin/sh -c 'exec "$@"' as_nobody "$@"
