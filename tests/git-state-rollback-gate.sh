#!/bin/sh
# tests/rollback-gate.sh with the state on a git remote, over smart HTTP with a token.
RP_TEST_STATE=git exec sh "$top_srcdir/tests/rollback-gate.sh"
