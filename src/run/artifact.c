/* artifact.c — a stage's files kept with its run, and unpacked for the
 * stages that need it (artifact.h). */
#include "run/artifact.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gzip.h"
#include "core/pattern.h"
#include "core/tar.h"
#include "prim/registry.h"
#include "run/state.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_EMPTY "application/vnd.oci.empty.v1+json"
#define ARTIFACT_TYPE "application/vnd.rp.artifact.v1"

const char *artifact_registry(const Program *p) {
  const char *env = getenv("RP_ARTIFACTS");
  if (env && *env) return env;
  return p->artifacts ? p->artifacts->as.decl.text : NULL;
}

static Value artifact_patterns(const Stage *st) {
  Value out = v_list();
  const Node *v = st->artifact ? st->artifact->as.attr.value : NULL;
  int n = !v ? 0 : v->kind == N_LIST ? v->as.list.n : 1;
  for (int i = 0; i < n; i++) {
    const char *s;
    uint32_t len;
    if (string_is_plain(v->kind == N_LIST ? v->as.list.items[i] : v, &s, &len)) list_push(out, v_str(s, len));
  }
  return out;
}

static char *patterns_text(Value pats) {
  Buf b = {0};
  for (size_t i = 0; i < list_len(pats); i++) {
    char *shown = tar_shown_name(str_chars(list_get(pats, i)));
    buf_printf(&b, "%s%s", i ? ", " : "", shown);
    free(shown);
  }
  return buf_take(&b);
}

/* ---- the files a stage keeps ---- */

typedef struct Walk {
  const char **pats;
  int npats;
  Value roots; /* the top-level directories the patterns can reach, or null: all */
  char **files;
  size_t n, cap;
  char *err;
} Walk;

/* "dist/..." reaches into dist/ only: the walk need not enter node_modules/. */
static Value roots_of(const char **pats, int n) {
  Value roots = v_map();
  for (int i = 0; i < n; i++) {
    if (pats[i][0] == '!') continue;
    size_t len = strcspn(pats[i], "/");
    if (strcspn(pats[i], "*?[\\+") < len) {
      value_release(roots);
      return V_NULL_VALUE;
    }
    char *root = xstrndup(pats[i], len);
    map_set(roots, root, v_bool(true));
    free(root);
  }
  return roots;
}

static bool walk_dir(Walk *w, int fd, const char *rel);

static bool walk_entry(Walk *w, int dir, const char *name, const char *rel) {
  char *path = rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
  struct stat st;
  bool ok = true, kept = false;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    w->err = xasprintf("%s: %s", path, strerror(errno));
    ok = false;
  } else if (S_ISDIR(st.st_mode)) {
    /* the state and git's own files are never an artifact */
    bool enter = strcmp(name, ".git") && strcmp(name, ".rp") && (rel || w->roots.kind != V_MAP || map_has(w->roots, name));
    int sub = enter ? openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    if (enter && sub < 0) w->err = xasprintf("%s: %s", path, strerror(errno));
    ok = !enter || (sub >= 0 && walk_dir(w, sub, path));
  } else if (pattern_list_match(w->pats, w->npats, path, NULL)) {
    char *shown = tar_shown_name(path);
    if (S_ISLNK(st.st_mode)) w->err = xasprintf("%s is a symbolic link: artifacts hold regular files and directories only", shown);
    else if (!S_ISREG(st.st_mode)) w->err = xasprintf("%s is not a regular file: artifacts hold regular files and directories only", shown);
    else {
      VEC_PUSH(w->files, w->n, w->cap, path);
      kept = true;
    }
    free(shown);
    ok = kept;
  }
  if (!kept) free(path);
  return ok;
}

static bool walk_dir(Walk *w, int fd, const char *rel) {
  DIR *d = fdopendir(fd);
  if (!d) {
    w->err = xasprintf("%s: %s", rel ? rel : ".", strerror(errno));
    close(fd);
    return false;
  }
  bool ok = true;
  for (struct dirent *e; ok && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      ok = walk_entry(w, dirfd(d), e->d_name, rel);
  closedir(d);
  return ok;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The store's name of a unit's archive: the unit's when it can name a
 * file, else made so and told apart by a digest ("build[a b]"). */
static char *blob_name(const char *unit) {
  Buf b = {0};
  bool changed = false;
  for (const char *p = unit; *p; p++) {
    bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("._-", *p);
    buf_putc(&b, ok ? *p : '_');
    changed |= !ok;
  }
  if (changed) {
    char *d = sha256_digest(unit, strlen(unit));
    buf_printf(&b, "-%.8s", d + 7);
    free(d);
  }
  return buf_take(&b);
}

static bool pack(int ws, Walk *w, int fd, char **digest, uint64_t *size, char **err) {
  TarWriter t;
  tar_writer_init(&t, fd);
  Value dirs = v_map();
  bool ok = true;
  for (size_t i = 0; ok && i < w->n; i++) {
    for (char *slash = strchr(w->files[i], '/'); ok && slash; slash = strchr(slash + 1, '/')) {
      char *dir = xstrndup(w->files[i], (size_t)(slash - w->files[i]));
      if (!map_has(dirs, dir)) {
        map_set(dirs, dir, v_bool(true));
        ok = tar_add_dir(&t, dir, err);
      }
      free(dir);
    }
    ok = ok && tar_add_file(&t, ws, w->files[i], err);
  }
  value_release(dirs);
  if (ok) ok = tar_finish(&t, digest, err);
  else tar_writer_abort(&t);
  *size = t.size;
  return ok;
}

/* ---- an OCI repository as the store ----
 * Each archive is an OCI artifact: a manifest (artifactType ARTIFACT_TYPE)
 * with the empty config and one tar+gzip layer, tagged RUN-NAME and read
 * back by its digest, which the journal records. */

static char *repo_of(const char *spec, char **err) {
  if (strncmp(spec, "oci://", 6) || !strchr(spec + 6, '/')) {
    *err = xasprintf("artifacts \"%s\" names no registry repository: give oci://HOST[:PORT]/REPO", spec);
    return NULL;
  }
  return xstrdup(spec + 6);
}

static char *fd_digest(int fd, int64_t *size) {
  Sha256 *sha = sha256_new();
  char buf[1 << 16];
  ssize_t k;
  *size = 0;
  if (lseek(fd, 0, SEEK_SET) == 0)
    while ((k = read(fd, buf, sizeof buf)) > 0) sha256_update(sha, buf, (size_t)k), *size += k;
  return sha256_finish(sha);
}

static Value descriptor(const char *media_type, const char *digest, int64_t size) {
  Value d = v_map();
  map_set(d, "mediaType", v_cstr(media_type));
  map_set(d, "digest", v_cstr(digest));
  map_set(d, "size", v_int(size));
  return d;
}

static Value oci_manifest(const char *layer, int64_t size, const char *empty, const Unit *u, const char *run,
                          const char *tar_digest) {
  Value m = v_map(), layers = v_list(), notes = v_map(), l = descriptor(MT_LAYER, layer, size);
  Value title = v_map();
  map_set(title, "org.opencontainers.image.title", v_str_take(xasprintf("%s.tar.gz", u->stage->name)));
  map_set(l, "annotations", title);
  list_push(layers, l);
  map_set(m, "schemaVersion", v_int(2));
  map_set(m, "mediaType", v_cstr(MT_MANIFEST));
  map_set(m, "artifactType", v_cstr(ARTIFACT_TYPE));
  map_set(m, "config", descriptor(MT_EMPTY, empty, 2));
  map_set(m, "layers", layers);
  map_set(notes, "dev.rp.run", v_cstr(run));
  map_set(notes, "dev.rp.unit", v_cstr(u->name));
  map_set(notes, "dev.rp.tar.digest", v_cstr(tar_digest));
  map_set(m, "annotations", notes);
  return m;
}

/* Pushes the archive at `tar` as RUN-NAME of the repository; *manifest is its digest. */
static bool oci_put(const char *spec, const Unit *u, const char *run, const char *name, int tar, const char *tar_digest,
                    char **manifest, char **err) {
  char *repo = repo_of(spec, err), *layer = NULL, *empty = sha256_digest("{}", 2);
  RegOptions opt = {.retries = -1};
  RegClient *rc = repo ? reg_new(&opt, err) : NULL;
  int gz = rc ? store_tmpfile(err) : -1;
  FILE *gf = NULL, *ef = fmemopen((void *)"{}", 2, "r");
  int64_t size = 0;
  bool ok = gz >= 0 && gzip_fd(tar, gz, err);
  if (ok) layer = fd_digest(gz, &size);
  if (ok && !(gf = fdopen(dup(gz), "r"))) ok = (*err = xasprintf("a temporary file: %s", strerror(errno)), false);
  ok = ok && reg_blob_push(rc, repo, gf, size, layer, err) && reg_blob_push(rc, repo, ef, 2, empty, err);
  if (ok) {
    Value m = oci_manifest(layer, size, empty, u, run, tar_digest);
    Buf body = {0};
    json_encode(m, &body, false);
    char *ref = xasprintf("%s:%s-%s", repo, run, name);
    ok = reg_manifest_push(rc, ref, MT_MANIFEST, body.data, body.len, manifest, err);
    free(ref);
    buf_free(&body);
    value_release(m);
  }
  if (gf) fclose(gf);
  if (ef) fclose(ef);
  if (gz >= 0) close(gz);
  reg_free(rc);
  free(layer);
  free(empty);
  free(repo);
  return ok;
}

/* The archive of the artifact whose manifest is `manifest` in the
 * repository: a descriptor reading the tar, or -1. */
static int oci_get(const char *spec, const char *manifest, char **err) {
  char *repo = repo_of(spec, err), *body = NULL;
  RegOptions opt = {.retries = -1};
  RegClient *rc = repo ? reg_new(&opt, err) : NULL;
  size_t len = 0;
  if (rc) {
    char *ref = xasprintf("%s@%s", repo, manifest);
    body = reg_manifest_pull(rc, ref, &len, NULL, err); /* checked against the digest asked for */
    free(ref);
  }
  Value m = V_NULL_VALUE, layers = V_NULL_VALUE;
  char *perr = NULL;
  if (body && !json_parse(body, len, &m, &perr)) *err = xasprintf("manifest %s of %s: %s", manifest, spec, perr);
  if (body && !*err) layers = value_get(m, "layers");
  const char *layer = layers.kind == V_LIST && list_len(layers) == 1 ? value_get_str(list_get(layers, 0), "digest") : NULL;
  const char *type = layer ? value_get_str(list_get(layers, 0), "mediaType") : NULL;
  if (body && !*err && (!layer || !type || strcmp(type, MT_LAYER)))
    *err = xasprintf("manifest %s of %s is not an rp artifact (one %s layer)", manifest, spec, MT_LAYER);
  int gz = !*err && rc ? store_tmpfile(err) : -1, tar = -1;
  FILE *gf = gz >= 0 ? fdopen(dup(gz), "w+") : NULL;
  if (gz >= 0 && !gf) *err = xasprintf("a temporary file: %s", strerror(errno));
  bool ok = gf && reg_blob_pull(rc, repo, layer, gf, err) && fflush(gf) == 0 && (tar = store_tmpfile(err)) >= 0 &&
            gunzip_fd(gz, tar, err);
  if (!ok && tar >= 0) close(tar), tar = -1;
  if (gf) fclose(gf);
  if (gz >= 0) close(gz);
  value_release(m);
  free(perr);
  free(body);
  reg_free(rc);
  free(repo);
  return tar;
}

static int open_workspace(const char *workspace, char **err) {
  int fd = open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) *err = xasprintf("%s: %s", workspace, strerror(errno));
  return fd;
}

static Value artifact_record(const Unit *u, const char *run, const char *name, const char *digest, uint64_t size,
                             size_t files) {
  Value rec = v_map();
  map_set(rec, "kind", v_cstr("artifact"));
  map_set(rec, "at", v_str_take(state_format_time(state_now_ms())));
  map_set(rec, "stage", v_cstr(u->stage->name));
  map_set(rec, "unit", v_cstr(u->name));
  map_set(rec, "run", v_cstr(run));
  map_set(rec, "name", v_cstr(name));
  map_set(rec, "digest", v_cstr(digest));
  map_set(rec, "size", v_int((int64_t)size));
  map_set(rec, "files", v_int((int64_t)files));
  return rec;
}

bool artifact_keep(Store *s, const char *oci, Journal *j, const Unit *u, const char *workspace, char **note,
                   char **err) {
  Value pats = artifact_patterns(u->stage);
  Walk w = {.npats = (int)list_len(pats)};
  w.pats = xcalloc(list_len(pats) + 1, sizeof *w.pats);
  for (size_t i = 0; i < list_len(pats); i++) w.pats[i] = str_chars(list_get(pats, i));
  w.roots = roots_of(w.pats, w.npats);
  int ws = open_workspace(workspace, err), fd = -1;
  char *digest = NULL, *name = blob_name(u->name), *perr = NULL, *manifest = NULL;
  uint64_t size = 0;
  bool ok = ws >= 0 && walk_dir(&w, dup(ws), NULL);
  if (ws >= 0 && !ok) *err = w.err, w.err = NULL;
  if (ok && !w.n) {
    char *text = patterns_text(pats);
    *err = xasprintf("no file in %s matches %s", workspace, text);
    free(text);
    ok = false;
  }
  if (ok) qsort(w.files, w.n, sizeof *w.files, by_name);
  ok = ok && (fd = store_tmpfile(err)) >= 0 && pack(ws, &w, fd, &digest, &size, err) &&
       (oci ? oci_put(oci, u, j->run_id, name, fd, digest, &manifest, err) : store_put_blob(s, j->run_id, name, fd, err));
  if (ok) {
    Value rec = artifact_record(u, j->run_id, name, digest, size, w.n);
    if (oci) {
      map_set(rec, "store", v_cstr(oci));
      map_set(rec, "manifest", v_cstr(manifest));
    }
    ok = journal_append(j, rec, err);
    value_release(rec);
  }
  if (ok) *note = xasprintf("rp: artifact: kept %zu file%s (%llu bytes, %s)%s%s%s%s", w.n, w.n == 1 ? "" : "s",
                            (unsigned long long)size, digest, oci ? " in " : "", oci ? oci : "", oci ? "@" : "",
                            oci ? manifest : "");
  if (!ok && *err) {
    perr = xasprintf("artifact: %s", *err);
    free(*err);
    *err = perr;
  }
  for (size_t i = 0; i < w.n; i++) free(w.files[i]);
  free(w.files);
  free(w.err);
  free(w.pats);
  value_release(w.roots);
  value_release(pats);
  free(digest);
  free(manifest);
  free(name);
  if (fd >= 0) close(fd);
  if (ws >= 0) close(ws);
  return ok;
}

/* ---- the files a stage receives ---- */

static bool field_is(Value rec, const char *field, const char *text) {
  Value v = map_get(rec, field);
  return v.kind == V_STRING && !strcmp(str_chars(v), text);
}

/* Unpacks one archive a record names, after checking its digest. */
static bool unpack(Store *s, Value rec, int ws, size_t *files, char **err) {
  const char *run = value_get_str(rec, "run"), *name = value_get_str(rec, "name"), *want = value_get_str(rec, "digest");
  if (!run || !name || !want) {
    *err = xstrdup("its journal record is incomplete");
    return false;
  }
  const char *oci = value_get_str(rec, "store"), *manifest = value_get_str(rec, "manifest");
  int fd = !oci ? store_get_blob(s, run, name, err)
           : manifest ? oci_get(oci, manifest, err) : (*err = xstrdup("its journal record is incomplete"), -1);
  char *digest = NULL;
  bool ok = fd >= 0 && tar_check(fd, ws, &digest, files, err);
  if (ok && strcmp(digest, want)) {
    *err = xasprintf("its archive's digest is %s, not the %s its run recorded: refused", digest, want);
    ok = false;
  }
  ok = ok && tar_extract(fd, ws, files, err);
  free(digest);
  if (fd >= 0) close(fd);
  return ok;
}

bool artifact_receive(Store *s, Journal *j, const Program *p, const Stage *st, const char *workspace,
                      ArtifactRanHere ran_here, void *ctx, char **note, char **err) {
  *note = NULL;
  if (!st->needs) return true;
  StateRead rd;
  if (!store_read(s, SPACE_RUNS, j->run_id, &rd, err)) return false;
  int ws = -1;
  bool ok = true;
  Buf said = {0};
  for (int k = 0; ok && k < st->needs->as.attr.nnames; k++) {
    const char *need = st->needs->as.attr.names[k].name;
    Value last = v_map(); /* unit -> its newest record: a job run again kept a new one */
    for (size_t i = 0; i < list_len(rd.records); i++) {
      Value rec = list_get(rd.records, i);
      const char *unit = value_get_str(rec, "unit");
      if (field_is(rec, "kind", "artifact") && field_is(rec, "stage", need) && unit) map_set(last, unit, value_retain(rec));
    }
    Map *m = as_map(last);
    int at = program_stage_index(p, need);
    if (!m->n && at >= 0 && p->stages[at]->as.stage->artifact) {
      *err = xasprintf("artifact of %s: run %s kept none (%s has not succeeded in it)", need, j->run_id, need);
      ok = false;
    }
    for (size_t i = 0; ok && i < m->n; i++) {
      const char *unit = m->keys[i]->data;
      if (ran_here(ctx, unit)) continue;
      size_t files = 0;
      if (ws < 0 && (ws = open_workspace(workspace, err)) < 0) ok = false;
      else if (!(ok = unpack(s, m->vals[i], ws, &files, err))) {
        char *why = xasprintf("artifact of %s: %s", unit, *err);
        free(*err);
        *err = why;
      } else buf_printf(&said, "%s%zu file%s of %s", said.len ? ", " : "", files, files == 1 ? "" : "s", unit);
    }
    value_release(last);
  }
  if (ok && said.len) *note = xasprintf("rp: artifact: unpacked %s", said.data);
  buf_free(&said);
  if (ws >= 0) close(ws);
  value_release(rd.records);
  return ok;
}

bool artifact_adopt(Store *s, Journal *j, const char *unit, const char *from, bool *found_one, char **err) {
  StateRead rd;
  if (!store_read(s, SPACE_RUNS, from, &rd, err)) return false;
  Value found = V_NULL_VALUE;
  for (size_t i = 0; i < list_len(rd.records); i++) {
    Value rec = list_get(rd.records, i);
    if (field_is(rec, "kind", "artifact") && field_is(rec, "unit", unit)) found = rec;
  }
  bool ok = true;
  *found_one = found.kind == V_MAP;
  if (found.kind == V_MAP) {
    Value copy = map_copy(found);
    map_set(copy, "at", v_str_take(state_format_time(state_now_ms())));
    ok = journal_append(j, copy, err);
    value_release(copy);
  }
  value_release(rd.records);
  return ok;
}

char *artifact_plan_text(const Program *p, const Stage *st) {
  Buf b = {0};
  if (st->artifact) {
    Value pats = artifact_patterns(st);
    char *text = patterns_text(pats);
    const char *oci = artifact_registry(p);
    buf_printf(&b, "keeps artifact %s%s%s", text, oci ? " in " : "", oci ? oci : "");
    free(text);
    value_release(pats);
  }
  int from = 0;
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames; k++) {
    const char *need = st->needs->as.attr.names[k].name;
    int at = program_stage_index(p, need);
    if (at < 0 || !p->stages[at]->as.stage->artifact) continue;
    buf_printf(&b, "%s%s", from++ ? ", " : b.len ? "; receives the artifacts of " : "receives the artifacts of ", need);
  }
  return b.len ? buf_take(&b) : NULL;
}
