/* families.h — the families of primitives rp has, as the checker and the
 * interpreter take them (imports_new, load_checked). A program embedding
 * rp may pass a list of its own, or this one and more. */
#ifndef RP_FAMILIES_H
#define RP_FAMILIES_H

#include "lang/primitive.h"

extern const PrimFamily *const rp_families[]; /* NULL-terminated */

#endif
