/* containers.h — a stage's `container` and `services` (prim/container.h
 * runs them): opened before its body, closed after its post blocks. */
#ifndef RP_EVAL_CONTAINERS_H
#define RP_EVAL_CONTAINERS_H

#include "eval/interp.h"
#include "prim/container.h"

/* Starts the stage's services and container, if it has any (*opened
 * says), with its scope `scope` for the attributes' expressions. From
 * then on `sh` runs in the container. False after raising an error. */
bool containers_open(Interp *I, Scope *scope, const Stage *st, Box *box, bool *opened);
/* Stops and removes them; after a failure (ok false), services' logs go
 * to the stage's log first. */
void containers_close(Interp *I, Box *box, bool ok);

#endif
