/* families.c — the one list of rp's families of primitives (as Lua's
 * linit.c lists its libraries): one line per family, whose table is
 * `prim_family_NAME` in its bindings file (eval/prim_*.c). The order is
 * that of the reference in doc/primitives.md. */
#include "eval/families.h"

#define FAMILIES(X) \
  X(global)         \
  X(git)            \
  X(semver)         \
  X(re)             \
  X(yaml)           \
  X(json)           \
  X(http)           \
  X(registry)       \
  X(github)         \
  X(gitlab)         \
  X(oidc)           \
  X(docker)         \
  X(helm)           \
  X(kubectl)        \
  X(fs)             \
  X(time)

#define DECLARE(name) extern const PrimFamily prim_family_##name;
FAMILIES(DECLARE)

#define ADDRESS(name) &prim_family_##name,
const PrimFamily *const rp_families[] = {FAMILIES(ADDRESS) NULL};
