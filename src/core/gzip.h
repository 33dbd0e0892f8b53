/* gzip.h — gzip streams between descriptors (zlib), for the tar+gzip
 * layers of artifacts in an OCI registry (run/artifact.c). Both read
 * `in` from its start and stream: memory does not grow with the data.
 * The header carries no name and no time, so the same input compresses
 * to the same bytes. */
#ifndef RP_GZIP_H
#define RP_GZIP_H

#include <stdbool.h>

bool gzip_fd(int in, int out, char **err);
/* Refuses what is not one whole gzip stream (trailing data included). */
bool gunzip_fd(int in, int out, char **err);

#endif
