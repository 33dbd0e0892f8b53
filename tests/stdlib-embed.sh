#!/bin/sh
# stdlib-embed.sh — scripts/embed-stdlib.sh turns a directory of .rp files
# into C whose stdlib_source(NAME) returns each file byte for byte (quotes,
# backslashes, `??` trigraph look-alikes, tabs, `${}`), stdlib_names() lists
# them sorted, and an unknown name gives NULL. Also with no files at all.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || { echo "FAIL: no C compiler"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
fail=0
mkdir "$dir/std" "$dir/empty"
printf 'fn promote(repo, file, values) {\n\tlet q = "say \\"hi\\" \\\\ ${repo}"\n  return values ?? (file ??/ 2)\n}\n' > "$dir/std/gitops.rp"
printf '# helm helpers\nfn release(name) { return name }\n' > "$dir/std/helm.rp"
cat > "$dir/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "lang/stdlib_embed.h"
int main(int argc, char **argv) {
  int n;
  const char *const *names = stdlib_names(&n);
  if (argc > 1) { /* print one module */
    const char *s = stdlib_source(argv[1]);
    if (!s) return 3;
    fputs(s, stdout);
    return 0;
  }
  for (int i = 0; i < n; i++) printf("%s\n", names[i]);
  return stdlib_source("nope") != NULL;
}
C
build() { # build DIR -> $dir/prog
  sh "$top_srcdir/scripts/embed-stdlib.sh" "$1" "$dir/gen.c" &&
    "$cc" -std=c11 -Wall -Wextra -Werror -I"$top_srcdir/src" -o "$dir/prog" "$dir/gen.c" "$dir/main.c"
}
build "$dir/std" || { echo "FAIL: generated C does not compile"; exit 1; }
[ "$("$dir/prog")" = "$(printf 'gitops\nhelm')" ] || { echo "FAIL: names: $("$dir/prog")"; fail=1; }
for m in gitops helm; do
  "$dir/prog" $m > "$dir/out.rp" && cmp -s "$dir/out.rp" "$dir/std/$m.rp" ||
    { echo "FAIL: std/$m differs"; diff "$dir/std/$m.rp" "$dir/out.rp"; fail=1; }
done
build "$dir/empty" || { echo "FAIL: empty stdlib does not compile"; exit 1; }
[ -z "$("$dir/prog")" ] || { echo "FAIL: empty stdlib lists modules"; fail=1; }
"$dir/prog" gitops && { echo "FAIL: empty stdlib has gitops"; fail=1; }
exit $fail
