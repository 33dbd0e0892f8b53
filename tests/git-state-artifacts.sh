#!/bin/sh
# tests/artifacts.sh with the state on a git remote, over smart HTTP with a token:
# archives travel as refs/rp/artifacts/RUN/NAME, fetched only by the stage that needs them.
RP_TEST_STATE=git exec sh "$top_srcdir/tests/artifacts.sh"
