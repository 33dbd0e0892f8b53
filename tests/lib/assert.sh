# assert.sh — tiny assertions for shell tests; source it, call finish last.
_failures=0
_fail() { _failures=$((_failures + 1)); printf 'not ok: %s\n' "$1"; }
assert_eq() { [ "$1" = "$2" ] || _fail "$3: expected '$2', got '$1'"; }
assert_contains() {
  case "$1" in *"$2"*) ;; *) _fail "$3: output lacks '$2'"; printf '%s\n' "$1" | head -40 ;; esac
}
assert_not_contains() {
  case "$1" in *"$2"*) _fail "$3: output has '$2'" ;; *) ;; esac
}
finish() {
  [ "$_failures" -eq 0 ] && { echo "ok"; exit 0; }
  echo "$_failures assertion(s) failed"; exit 1
}
