#!/bin/sh
# tests/cache.sh with the state on a git remote, over smart HTTP with a token:
# the second machine reads the cache from there.
RP_TEST_STATE=git exec sh "$top_srcdir/tests/cache.sh"
