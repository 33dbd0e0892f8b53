/* ast.h — the syntax tree of one pipeline file.
 *
 * Every node lives in the Program's arena and keeps its source position, so
 * any later pass (check, fmt, the interpreter) can point at the exact column.
 * Declarations and stage attributes are nodes too, kept in source order in
 * `Program.decls` / `Stage.attrs` (fmt needs the order, comments attach to
 * them); the typed fields beside them are shortcuts into the same nodes. */
#ifndef RP_AST_H
#define RP_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

/* A loaded file. `text` is NUL-terminated. */
typedef struct Source {
  char *path;
  char *text;
  uint32_t len;
} Source;

Source *source_load(const char *path);                 /* NULL, errno set */
Source *source_from_string(const char *path, const char *text);
void source_free(Source *s);

/* 1-based line and column (in bytes); `off` is the byte offset. */
typedef struct Pos {
  uint32_t off, line, col;
} Pos;

typedef struct Node Node;

typedef struct NodeList {
  Node **items;
  int n;
} NodeList;

/* A name written in the source: a stage in `needs`, a trigger target... */
typedef struct NameRef {
  const char *name;
  Pos pos;
  bool optional; /* `needs? lint`: needed only when lint is in the run */
} NameRef;

/* One piece of a string literal: literal text or an interpolated `${expr}`. */
typedef struct StrPart {
  const char *text; /* escapes already processed; NULL when expr is set */
  uint32_t len;
  Node *expr;
} StrPart;

/* A call argument; `name` is NULL for positional arguments. */
typedef struct Arg {
  const char *name;
  Pos pos;
  Node *value;
} Arg;

/* A parameter of fn, a lambda, or `on manual(...)`. */
typedef struct Param {
  const char *name;
  Pos pos;
  const char *type; /* manual inputs only: "string", "bool", ...; else NULL */
  Pos type_pos;
  Node *options;    /* `choice("a", "b")`: an N_LIST of the options, else NULL */
  Node *def;        /* default value or NULL */
} Param;

typedef enum NodeKind {
  /* expressions */
  N_NULL,
  N_BOOL,
  N_INT,
  N_FLOAT,
  N_DURATION,
  N_STRING,
  N_REGEX,
  N_LIST,
  N_MAP,
  N_IDENT,
  N_MEMBER,
  N_INDEX,
  N_CALL,
  N_UNARY,
  N_BINARY,
  N_TERNARY,
  N_LAMBDA,
  N_SH, /* sh "template": each ${} becomes one quoted shell word */
  /* statements */
  N_BLOCK,
  N_LET,
  N_ASSIGN,
  N_EXPR_STMT,
  N_IF,
  N_FOR,
  N_OUTPUT,
  N_FAIL,
  N_RETURN,
  /* settings inside environment, approval and trigger blocks: `key = expr` */
  N_SETTING,
  /* stage attributes */
  N_ATTR,
  /* declarations */
  N_PIPELINE,
  N_STATE,
  N_ARTIFACTS, /* `artifacts "oci://HOST/REPO"`: where artifacts are kept */
  N_IMPORT,
  N_FN,
  N_ENVIRONMENT,
  N_AFTER,    /* `after OTHER` inside an environment */
  N_APPROVAL, /* `approval { ... }` inside an environment */
  N_TRIGGER,
  N_STAGE,
  N_POST, /* `post { success {..} failure {..} always {..} }` */
  N_CONCURRENCY, /* `concurrency "GROUP" { cancel_in_progress = true }`: a declaration, or a stage attribute's value */
  N__COUNT
} NodeKind;

typedef enum Op {
  OP_NONE,
  OP_NOT, OP_NEG,                       /* unary */
  OP_OR, OP_AND, OP_COALESCE,           /* || && ?? */
  OP_EQ, OP_NE, OP_MATCH, OP_NOMATCH,   /* == != =~ !~ */
  OP_LT, OP_LE, OP_GT, OP_GE,
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
} Op;

const char *op_text(Op op);

typedef enum AttrKind {
  ATTR_NEEDS,
  ATTR_WHEN,
  ATTR_ENVIRONMENT,
  ATTR_VERSION,
  ATTR_TIMEOUT,
  ATTR_RETRY,
  ATTR_MATRIX,
  ATTR_CONTAINER, /* the image its sh commands run in */
  ATTR_SERVICES,  /* containers started before it, reachable by name */
  ATTR_RUNS_ON, /* where a CI export runs the stage; a local run ignores it */
  ATTR_CACHE,   /* a key: a successful earlier run with the same key stands for this one */
  ATTR_CONCURRENCY, /* its value is an N_CONCURRENCY node */
  ATTR_ARTIFACT, /* path patterns: the files kept for the stages that need it */
  ATTR__COUNT
} AttrKind;

const char *attr_name(AttrKind k);

typedef enum EventKind {
  EV_PUSH,
  EV_PULL_REQUEST,
  EV_TAG,
  EV_MANUAL,
  EV_SCHEDULE,
  EV_LOCAL,
  EV__COUNT
} EventKind;

const char *event_kind_name(EventKind k);
int event_kind_lookup(const char *name); /* -1 when unknown */

typedef struct Stage {
  const char *name;
  Pos name_pos;
  NodeList attrs; /* N_ATTR nodes in source order */
  /* shortcuts into attrs (NULL when absent); `needs` holds the names of
   * both a `needs` and a `needs?` line, in source order; `matrix` is the
   * first axis */
  Node *needs, *when, *environment, *version, *timeout, *retry, *matrix;
  Node *container, *services, *runs_on, *cache, *concurrency, *artifact;
  Node *matrix_opts; /* matrix { include = .. exclude = .. fail_fast = .. max_parallel = .. } */
  Node *body; /* N_BLOCK of statements */
  Node *post; /* N_POST or NULL */
} Stage;

typedef struct Environment {
  const char *name;
  Pos name_pos;
  NodeList items;  /* N_SETTING, N_AFTER, N_APPROVAL in source order */
  Node *after;     /* N_AFTER or NULL */
  Node *approval;  /* N_APPROVAL or NULL */
} Environment;

typedef struct Trigger {
  EventKind event;
  Pos event_pos;
  Node *filter;      /* N_STRING, N_LIST or N_REGEX, or NULL */
  Param *inputs;     /* on manual(name: type = default, ...) */
  int ninputs;
  bool has_inputs;   /* `manual()` written with parentheses */
  NodeList settings; /* N_SETTING: types, labels, paths, ... */
  NameRef *targets;
  int ntargets;
  /* `on pull_request { types = [...] }`, no filter and no `->`: settings
   * every trigger on that event inherits unless it sets them itself */
  bool is_defaults;
  const struct Trigger *defaults; /* those of this trigger's event, or NULL */
} Trigger;

struct Node {
  NodeKind kind;
  Pos pos;      /* first byte of the node */
  uint32_t end; /* offset just past the node's last byte */
  union {
    bool b;
    int64_t i;
    double f;
    int64_t ms; /* N_DURATION, in milliseconds */
    struct {
      StrPart *parts;
      int n;
      bool triple; /* written as """...""" */
    } str;
    struct {
      const char *pattern;
      uint32_t len;
    } regex;
    NodeList list; /* N_LIST, N_BLOCK */
    struct {
      Node **keys; /* N_STRING (a bare key is a plain string) */
      Node **values;
      int n;
    } map;
    struct {
      const char *name;
    } ident;
    struct {
      Node *object;
      const char *name;
      Pos name_pos;
    } member;
    struct {
      Node *object, *index;
    } index;
    struct {
      Node *callee;
      Arg *args;
      int nargs;
    } call;
    struct {
      Op op;
      Node *a, *b; /* b unused for unary */
    } op;
    struct {
      Node *cond, *then, *els;
    } ternary; /* also N_IF: els is NULL, an N_BLOCK or an N_IF */
    struct {
      const char *name; /* N_FN only */
      Pos name_pos;
      Param *params;
      int nparams;
      Node *body; /* N_BLOCK, or an expression for `fn(x) => expr` */
    } fn;         /* N_FN, N_LAMBDA */
    struct {
      Node *cmd; /* N_STRING */
    } sh;
    struct {
      const char *name; /* N_LET, N_OUTPUT, N_SETTING, N_FOR (loop var) */
      Pos name_pos;
      Node *value; /* N_FOR: the iterated expression */
      Node *body;  /* N_FOR: the loop body */
    } bind;
    struct {
      Node *target, *value;
    } assign;
    struct {
      Node *value; /* N_EXPR_STMT, N_FAIL, N_RETURN (may be NULL) */
    } stmt;
    struct {
      AttrKind kind;
      NameRef *names; /* needs */
      int nnames;
      Node *value;      /* when, version, timeout, retry; matrix: the list */
      NameRef ref;      /* environment NAME; matrix: the variable */
      bool sequential;  /* matrix ... sequential */
      NodeList settings; /* matrix { ... }: N_SETTING items (ref.name is NULL) */
      bool optional;    /* `needs?` */
    } attr;
    struct {
      const char *text; /* N_PIPELINE name, N_STATE and N_ARTIFACTS spec, N_IMPORT path */
      const char *alias; /* N_IMPORT: `as NAME`, else derived from the path */
      Pos alias_pos;
      bool explicit_alias;
    } decl;
    NameRef after;      /* N_AFTER */
    NodeList settings;  /* N_APPROVAL: N_SETTING items */
    struct {
      Node *group;       /* the group's name, a string expression */
      NodeList settings; /* N_SETTING: cancel_in_progress */
    } conc;             /* N_CONCURRENCY */
    struct {
      Node *success, *failure, *always; /* N_BLOCK or NULL */
    } post;
    Environment *env;   /* N_ENVIRONMENT */
    Trigger *trigger;   /* N_TRIGGER */
    Stage *stage;       /* N_STAGE */
  } as;
};

typedef struct Comment {
  Pos pos;
  uint32_t end;
  const char *text; /* including the leading '#', without the newline */
} Comment;

/* One parsed file. */
typedef struct Program {
  Arena arena;
  Source *src;
  NodeList decls; /* every top-level declaration, in source order */
  const char *name; /* from `pipeline "name"`, or NULL */
  const Node *state; /* `state "SPEC"`: where its state lives (run/store.h), or NULL */
  const Node *concurrency; /* the pipeline's N_CONCURRENCY (run/group.h), or NULL */
  const Node *artifacts; /* `artifacts "oci://HOST/REPO"` (run/artifact.h), or NULL */
  /* by kind, in source order: pointers to nodes in decls */
  Node **imports; int nimports;
  Node **lets; int nlets;
  Node **fns; int nfns;
  Node **envs; int nenvs;
  Node **triggers; int ntriggers; /* the ones with `->` */
  Node **trigger_defaults; int ntrigger_defaults; /* `on EVENT { settings }` */
  Node **stages; int nstages;
  Comment *comments; int ncomments;
} Program;

void program_free(Program *p); /* frees the arena, not the Source */

/* Helpers shared by every pass. */
Node *node_new(Program *p, NodeKind k, Pos pos);
const char *node_kind_name(NodeKind k);
/* The value of `key = ...` in a settings list, or NULL. */
Node *settings_get(const NodeList *settings, const char *key);
/* A trigger's setting: its own, else its event's defaults', else NULL. */
Node *trigger_setting(const Trigger *t, const char *key);
/* The index in p->stages of the stage called `name`, or -1. */
int program_stage_index(const Program *p, const char *name);
/* The environment called `name`, or NULL. */
const Environment *program_environment(const Program *p, const char *name);
/* True when the string literal has no interpolation; *out gets its text. */
bool string_is_plain(const Node *n, const char **out, uint32_t *len);
/* The axis `name` of stage `st` (its `matrix name in ..` line), or NULL. */
const Node *stage_matrix_axis(const Stage *st, const char *name);
/* Calls visit(ctx, node) for n and every node below it, parents first. */
typedef void (*AstVisit)(void *ctx, const Node *n);
void ast_walk(const Node *n, AstVisit visit, void *ctx);
/* An S-expression of every declaration, one per line (tests, debugging). */
void ast_dump(const Program *p, Buf *out);

#endif
