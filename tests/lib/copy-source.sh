# copy-source.sh — source it; copy_source DIR copies the source tree (its
# committed and changed files, as git lists them, without build trees) into
# DIR, as a fresh checkout would have it.
copy_source() {
  mkdir -p "$1"
  if git -C "$top_srcdir" rev-parse >/dev/null 2>&1; then
    (cd "$top_srcdir" && git ls-files -co --exclude-standard) | grep -v '^build/' |
      (cd "$top_srcdir" && xargs tar cf -) | (cd "$1" && tar xf -)
  else
    (cd "$top_srcdir" && tar cf - --exclude=./build .) | (cd "$1" && tar xf -)
  fi
}
