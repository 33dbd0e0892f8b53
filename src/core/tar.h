/* tar.h — the archives artifacts travel in (doc/language.md, "Artifacts").
 *
 * Writing is deterministic: entries in the order given (the caller sorts
 * them), mtime 0, uid and gid 0, no user or group names, mode 0755 for
 * directories and executable files, 0644 for other files; a name longer
 * than ustar's 100 bytes goes in a pax `path` record. Only directories and
 * regular files are written; the same bytes come out for the same files.
 *
 * Reading refuses what could reach outside the directory it extracts into
 * or change anything but the files it names: absolute names, `..`,
 * symbolic and hard links, devices, FIFOs; a name whose directory on disk
 * is a symbolic link; a truncated archive. tar_check reads a whole
 * archive first (its digest, every header, every name against the
 * directory), so that tar_extract of a refused archive writes nothing;
 * tar_extract checks again as it goes (never following a link) and
 * replaces each file by a rename, never writing through what was there. Both stream: memory does
 * not grow with the archive. A file may hold up to 8 GiB - 1 bytes. */
#ifndef RP_TAR_H
#define RP_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"

typedef struct TarWriter {
  int fd;          /* where the archive goes (borrowed) */
  Sha256 *sha;     /* of everything written */
  uint64_t size;   /* bytes written */
  size_t files;    /* regular files written */
} TarWriter;

void tar_writer_init(TarWriter *w, int fd);
/* A directory entry `name` (relative, no trailing '/'). */
bool tar_add_dir(TarWriter *w, const char *name, char **err);
/* Regular file `name`, read from `dirfd`/name without following a
 * symbolic link (refused, as is anything but a regular file). */
bool tar_add_file(TarWriter *w, int dirfd, const char *name, char **err);
/* The end-of-archive blocks; *digest is the archive's ("sha256:..."). */
bool tar_finish(TarWriter *w, char **digest, char **err);
void tar_writer_abort(TarWriter *w); /* frees what an unfinished writer holds */

/* Reads the archive at fd (from its start) and checks every header, and
 * with dirfd >= 0 that each name could be extracted there now (no
 * symbolic link or file on its way): *digest (malloc'd) is the whole
 * archive's, *files the regular files in it. */
bool tar_check(int fd, int dirfd, char **digest, size_t *files, char **err);
/* Extracts the archive at fd (from its start) under dirfd. */
bool tar_extract(int fd, int dirfd, size_t *files, char **err);

/* `name` as messages show it: quoted, control characters escaped (a
 * hostile name cannot end a line or drive a terminal). Malloc'd. */
char *tar_shown_name(const char *name);

#endif
