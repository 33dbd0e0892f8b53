#!/bin/sh
# tests/concurrency.sh with the state on a git remote, over smart HTTP with
# a token: the two machines meet in the group's ref only (cases 1 and 2).
RP_TEST_STATE=git exec sh "$top_srcdir/tests/concurrency.sh"
