/* prim_fs.c — fs.*: files and directories. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval/prim.h"

static bool n_read(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, V_STRING, true, &path);
  size_t len;
  char *text = read_file(str_chars(path), &len);
  if (!text) return FAIL("fs.read: cannot read %s: %s", str_chars(path), strerror(errno));
  *out = v_str(text, len);
  free(text);
  return true;
}

static bool n_write(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path, text;
  ARG(0, V_STRING, true, &path);
  ARG(1, V_STRING, true, &text);
  if (prim_dry_run(I, out, V_NULL_VALUE, "fs.write %s", str_chars(path))) return true;
  if (!write_file_atomic(str_chars(path), str_chars(text), as_str(text)->len))
    return FAIL("fs.write: cannot write %s: %s", str_chars(path), strerror(errno));
  *out = V_NULL_VALUE;
  return true;
}

static bool n_exists(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, V_STRING, true, &path);
  struct stat st;
  *out = v_bool(stat(str_chars(path), &st) == 0);
  return true;
}

static bool n_mkdir(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, V_STRING, true, &path);
  if (prim_dry_run(I, out, V_NULL_VALUE, "fs.mkdir %s", str_chars(path))) return true;
  /* like mkdir -p */
  char *p = xstrdup(str_chars(path));
  for (char *s = p + 1;; s++) {
    if (*s == '/' || !*s) {
      char c = *s;
      *s = 0;
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        FAIL("fs.mkdir: cannot create %s: %s", p, strerror(errno));
        free(p);
        return false;
      }
      if (!(*s = c)) break;
    }
  }
  free(p);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_remove(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, V_STRING, true, &path);
  if (prim_dry_run(I, out, V_NULL_VALUE, "fs.remove %s", str_chars(path))) return true;
  if (remove(str_chars(path)) != 0 && errno != ENOENT)
    return FAIL("fs.remove: cannot remove %s: %s", str_chars(path), strerror(errno));
  *out = V_NULL_VALUE;
  return true;
}

static bool n_tempdir(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  (void)args, (void)nargs;
  char *err = NULL;
  const char *dir = interp_tempdir(I, &err);
  if (!dir) return prim_fail(I, cs, err);
  *out = v_cstr(dir);
  return true;
}

static const Primitive prims[] = {
    {"read", "path", n_read, "the file's text"},
    {"write", "path text", n_write, "null; writes the file atomically (a new file renamed over the old one)"},
    {"exists", "path", n_exists, "whether the path exists"},
    {"mkdir", "path", n_mkdir, "null; creates the directory and its parents, like `mkdir -p`"},
    {"remove", "path", n_remove, "null; removes a file or an empty directory (a missing one is fine)"},
    {"tempdir", "", n_tempdir,
     "a new directory under `$TMPDIR` or `/tmp`, removed with everything in it when the stage ends, like a CI "
     "runner's job temp directory"},
};

const PrimFamily prim_family_fs = PRIM_FAMILY("fs", "Files and directories.", NULL, prims);
