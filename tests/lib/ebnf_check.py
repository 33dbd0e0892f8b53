#!/usr/bin/env python3
"""ebnf_check.py — recognise rp files with the grammar of record.

    ebnf_check.py GRAMMAR FILE...

Reads the W3C EBNF of grammar/rp.ebnf and, for each FILE, prints
    accept FILE
or  reject FILE:LINE:COL: why
and exits 0 (2 when the grammar itself cannot be read).

It uses the grammar as written, with no knowledge of rp: rules named in
CAPITALS are tokens, recognised on characters; IGNORED is skipped between
tokens; the longest token wins, the first defined on a tie. The first rule
is then recognised on the tokens. SAME_LINE is built in (the grammar says
what it means). Recognition keeps every way a rule can match (the set of
positions where it can end) and memoises it per position, so alternatives
backtrack freely, and `A - B` removes the ends B can also reach.

The one rp-specific step: each ${...} in a STRING_INTERP or TSTRING token,
delimited by the lexical rule Interpolation, has the text between its braces
tokenised and recognised as an Expression.
"""
import re
import sys
import threading

INTERP_TOKENS = ("STRING_INTERP", "TSTRING")
INTERP_RULE = "Expression"
INTERP_LEXICAL = "Interpolation"
SKIP = "IGNORED"
SAME_LINE = "SAME_LINE"


class GrammarError(Exception):
    pass


# ---- reading the EBNF -------------------------------------------------

EBNF_TOKEN = re.compile(r"""
    (?P<space>\s+|/\*.*?\*/)
  | (?P<define>::=)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<lit>'[^']*'|"[^"]*")
  | (?P<cls>\[\^?(?:[^\]\#]|\#x[0-9A-Fa-f]+|\#)*\])
  | (?P<char>\#x[0-9A-Fa-f]+)
  | (?P<op>[|?*+()\-])
""", re.S | re.X)


def ebnf_tokens(text):
    out, pos, line = [], 0, 1
    while pos < len(text):
        m = EBNF_TOKEN.match(text, pos)
        if not m:
            raise GrammarError("line %d: cannot read %r" % (line, text[pos:pos + 20]))
        kind = m.lastgroup
        if kind != "space":
            out.append((kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return out


def parse_class(text):
    """[a-z_#x41] or [^...]: ranges as (lo, hi); #xN is a character, and a
    '-' written as #x2D never forms a range."""
    neg = text.startswith("[^")
    body = text[2:-1] if neg else text[1:-1]
    chars, i = [], 0  # (character, is a literal '-')
    while i < len(body):
        m = re.match(r"#x([0-9A-Fa-f]+)", body[i:])
        if m:
            chars.append((chr(int(m.group(1), 16)), False))
            i += m.end()
        else:
            chars.append((body[i], body[i] == "-"))
            i += 1
    items, k = [], 0
    while k < len(chars):
        if k + 2 < len(chars) and chars[k + 1][1]:
            items.append((chars[k][0], chars[k + 2][0]))
            k += 3
        else:
            items.append((chars[k][0], chars[k][0]))
            k += 1
    return ("cls", neg, tuple(items))


class EbnfParser:
    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None, 0)

    def rules(self):
        rules, order = {}, []
        while self.i < len(self.toks):
            kind, name, line = self.peek()
            if kind != "name" or self.peek(1)[0] != "define":
                raise GrammarError("line %d: expected 'Name ::='" % line)
            self.i += 2
            if name in rules:
                raise GrammarError("line %d: %s defined twice" % (line, name))
            rules[name] = self.alt()
            order.append(name)
        return rules, order

    def at_rule_start(self):
        return self.peek()[0] == "name" and self.peek(1)[0] == "define"

    def alt(self):
        items = [self.seq()]
        while self.peek()[1] == "|" and self.peek()[0] == "op":
            self.i += 1
            items.append(self.seq())
        return items[0] if len(items) == 1 else ("alt", tuple(items))

    def seq(self):
        items = []
        while True:
            kind, text, line = self.peek()
            if kind is None or self.at_rule_start() or (kind == "op" and text in "|)"):
                break
            items.append(self.diff())
        if not items:
            raise GrammarError("line %d: empty sequence" % self.peek()[2])
        return items[0] if len(items) == 1 else ("seq", tuple(items))

    def diff(self):
        a = self.postfix()
        if self.peek()[0] == "op" and self.peek()[1] == "-":
            self.i += 1
            return ("diff", a, self.postfix())
        return a

    def postfix(self):
        e = self.primary()
        while self.peek()[0] == "op" and self.peek()[1] in "?*+":
            op = self.peek()[1]
            self.i += 1
            e = ({"?": "opt", "*": "star", "+": "plus"}[op], e)
        return e

    def primary(self):
        kind, text, line = self.peek()
        self.i += 1
        if kind == "name":
            return ("ref", text)
        if kind == "lit":
            return ("lit", text[1:-1])
        if kind == "cls":
            return parse_class(text)
        if kind == "char":
            return ("lit", chr(int(text[2:], 16)))
        if kind == "op" and text == "(":
            e = self.alt()
            if self.peek()[1] != ")":
                raise GrammarError("line %d: expected ')'" % self.peek()[2])
            self.i += 1
            return e
        raise GrammarError("line %d: unexpected %r" % (line, text))


class Grammar:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.rules, self.order = EbnfParser(ebnf_tokens(f.read())).rules()
        self.start = self.order[0]
        self.tokens = [n for n in self.order if n.isupper() and n != SKIP]
        for needed in (SKIP, INTERP_RULE, INTERP_LEXICAL) + INTERP_TOKENS:
            if needed not in self.rules:
                raise GrammarError("no %s rule" % needed)
        for name in self.order:
            self.check_refs(self.rules[name], name)

        self.firsts = {False: {}, True: {}}

    def first(self, e, on_tokens):
        """What can start a match of e, to skip alternatives that cannot
        match (only a speed-up): (items, nullable), items being ('lit', c)
        (a first character, or a token's text), ('cls', neg, ranges) or
        ('tok', NAME). Nullable (may match nothing) means: try it anyway."""
        memo = self.firsts[on_tokens]
        hit = memo.get(id(e))
        if hit is None:
            memo[id(e)] = ((), True)  # a cycle: assume anything can start it
            hit = memo[id(e)] = self.compute_first(e, on_tokens)
        return hit

    def compute_first(self, e, on_tokens):
        kind = e[0]
        if kind == "lit":
            if not e[1]:
                return (), True
            return (("lit", e[1] if on_tokens else e[1][0]),), False
        if kind == "cls":
            return (e,), False
        if kind == "ref":
            if on_tokens and e[1] == SAME_LINE:
                return (), True
            if on_tokens and e[1] in self.tokens:
                return (("tok", e[1]),), False
            return self.first(self.rules[e[1]], on_tokens)
        if kind == "seq":
            items = ()
            for x in e[1]:
                got, nullable = self.first(x, on_tokens)
                items += got
                if not nullable:
                    return items, False
            return items, True
        if kind == "alt":
            items, nullable = (), False
            for x in e[1]:
                got, n = self.first(x, on_tokens)
                items += got
                nullable = nullable or n
            return items, nullable
        if kind in ("opt", "star"):
            return self.first(e[1], on_tokens)[0], True
        if kind == "plus":
            return self.first(e[1], on_tokens)
        if kind == "diff":
            return self.first(e[1], on_tokens)
        raise AssertionError(kind)

    def may_start(self, e, on_tokens, at):
        """False when e certainly cannot match at `at` (a character or a
        Token; None at the end)."""
        items, nullable = self.first(e, on_tokens)
        if nullable:
            return True
        if at is None:
            return False
        for it in items:
            if it[0] == "lit":
                if (at.text if on_tokens else at) == it[1]:
                    return True
            elif it[0] == "tok":
                if at.kind == it[1]:
                    return True
            elif not on_tokens and any(lo <= at <= hi for lo, hi in it[2]) != it[1]:
                return True
        return False

    def check_refs(self, e, where):
        if e[0] == "ref":
            if e[1] not in self.rules and e[1] != SAME_LINE:
                raise GrammarError("%s refers to undefined %s" % (where, e[1]))
        elif e[0] in ("seq", "alt"):
            for x in e[1]:
                self.check_refs(x, where)
        elif e[0] in ("opt", "star", "plus"):
            self.check_refs(e[1], where)
        elif e[0] == "diff":
            self.check_refs(e[1], where)
            self.check_refs(e[2], where)


# ---- recognition --------------------------------------------------------

class Matcher:
    """Sets of end positions of grammar expressions over a sequence: the
    characters of a text, or a list of tokens."""

    def __init__(self, grammar, seq, on_tokens):
        self.g, self.seq, self.on_tokens = grammar, seq, on_tokens
        self.memo = {}
        self.furthest = 0  # the furthest position a terminal reached

    def ends(self, e, p):
        key = (id(e), p)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        self.memo[key] = frozenset()  # a left-recursive loop fails rather than hangs
        if e[0] in ("ref", "seq", "plus", "diff") and not self.g.may_start(
                e, self.on_tokens, self.seq[p] if p < len(self.seq) else None):
            return frozenset()
        r = self.compute(e, p)
        self.memo[key] = r
        return r

    def terminal(self, p, ok, length=1):
        if ok:
            self.furthest = max(self.furthest, p + length)
            return frozenset((p + length,))
        return frozenset()

    def compute(self, e, p):
        kind, seq, n = e[0], self.seq, len(self.seq)
        if kind == "lit":
            if self.on_tokens:
                return self.terminal(p, p < n and seq[p].text == e[1])
            return self.terminal(p, seq.startswith(e[1], p), len(e[1]))
        if kind == "cls":
            if self.on_tokens or p >= n:
                return frozenset()
            c = seq[p]
            inside = any(lo <= c <= hi for lo, hi in e[2])
            return self.terminal(p, inside != e[1])
        if kind == "ref":
            name = e[1]
            if self.on_tokens:
                if name == SAME_LINE:
                    return frozenset((p,)) if p >= n or not seq[p].nl else frozenset()
                if name in self.g.tokens:
                    return self.terminal(p, p < n and seq[p].kind == name)
            return self.ends(self.g.rules[name], p)
        if kind == "seq":
            cur = frozenset((p,))
            for item in e[1]:
                nxt = set()
                for q in cur:
                    nxt |= self.ends(item, q)
                if not nxt:
                    return frozenset()
                cur = frozenset(nxt)
            return cur
        if kind == "alt":
            out = set()
            at = seq[p] if p < n else None
            for item in e[1]:
                if self.g.may_start(item, self.on_tokens, at):
                    out |= self.ends(item, p)
            return frozenset(out)
        if kind == "opt":
            return self.ends(e[1], p) | {p}
        if kind in ("star", "plus"):
            out = set() if kind == "plus" else {p}
            todo, seen = [p], {p}
            while todo:
                q = todo.pop()
                for r in self.ends(e[1], q):
                    out.add(r)
                    if r not in seen:
                        seen.add(r)
                        todo.append(r)
            return frozenset(out)
        if kind == "diff":
            return self.ends(e[1], p) - self.ends(e[2], p)
        raise AssertionError(kind)


class Token:
    __slots__ = ("kind", "text", "nl", "start", "end")

    def __init__(self, kind, text, nl, start, end):
        self.kind, self.text, self.nl, self.start, self.end = kind, text, nl, start, end


class Reject(Exception):
    def __init__(self, offset, why):
        super().__init__(why)
        self.offset, self.why = offset, why


class Recogniser:
    def __init__(self, grammar, text):
        self.g, self.text = grammar, text
        self.chars = Matcher(grammar, text, on_tokens=False)

    def next_token(self, p, limit):
        """Skip IGNORED from p; return (token or None at the limit, position)."""
        skipped = self.chars.ends(self.g.rules[SKIP], p)
        q = max(skipped) if skipped else p
        nl = "\n" in self.text[p:q]
        if q >= limit:
            return None, q
        best = None
        for name in self.g.tokens:
            if not self.g.may_start(self.g.rules[name], False, self.text[q]):
                continue
            ends = self.chars.ends(self.g.rules[name], q)
            if ends:
                e = max(ends)
                if e > q and (best is None or e > best[1]):
                    best = (name, e)
        if best is None or best[1] > limit:
            raise Reject(q, "no token can start here")
        return Token(best[0], self.text[q:best[1]], nl, q, best[1]), best[1]

    def tokenize(self, p, limit):
        """The tokens from p up to limit (a comment stops at the limit)."""
        toks = []
        while True:
            t, p = self.next_token(p, limit)
            if t is None:
                return toks
            toks.append(t)

    def interpolations(self, tok):
        """Each ${...} of a string token, recognised as an Expression."""
        quote = 3 if tok.text.startswith('"""') else 1
        i, end = tok.start + quote, tok.end - quote
        while i < end:
            c = self.text[i]
            if c == "\\":
                i += 2
            elif self.text.startswith("${", i):
                i = self.interpolation(i, end)
            else:
                i += 1

    def interpolation(self, at, limit):
        """The lexical rule Interpolation says where ${ ends; the text
        between the braces is then read as tokens forming an Expression."""
        ends = [e for e in self.chars.ends(self.g.rules[INTERP_LEXICAL], at) if e <= limit]
        if not ends:
            raise Reject(at, "${ is not closed")
        close = min(ends) - 1  # the '}'
        self.recognise(self.tokenize(at + 2, close), INTERP_RULE, at)
        return close + 1

    def recognise(self, toks, rule, at):
        for t in toks:
            if t.kind in INTERP_TOKENS:
                self.interpolations(t)
        m = Matcher(self.g, toks, on_tokens=True)
        if len(toks) not in m.ends(self.g.rules[rule], 0):
            k = min(m.furthest, len(toks) - 1)
            off = toks[k].start if toks else at
            raise Reject(off, "%s does not match here (at %s)" %
                         (rule, repr(toks[k].text) if toks else "the end"))

    def run(self):
        self.recognise(self.tokenize(0, len(self.text)), self.g.start, 0)


def line_col(text, off):
    line = text.count("\n", 0, off) + 1
    return line, off - (text.rfind("\n", 0, off) + 1) + 1


def check_file(grammar, path):
    with open(path, "rb") as f:
        text = f.read().decode("latin-1")  # bytes as characters, like the C lexer
    try:
        Recogniser(grammar, text).run()
        return "accept %s" % path
    except Reject as r:
        line, col = line_col(text, r.offset)
        return "reject %s:%d:%d: %s" % (path, line, col, r.why)


def main(argv):
    if len(argv) < 2:
        print("usage: ebnf_check.py GRAMMAR FILE...", file=sys.stderr)
        return 2
    try:
        grammar = Grammar(argv[1])
    except (GrammarError, OSError) as e:
        print("ebnf_check: %s: %s" % (argv[1], e), file=sys.stderr)
        return 2
    for path in argv[2:]:
        print(check_file(grammar, path), flush=True)
    return 0


if __name__ == "__main__":
    # recognition recurses once per nesting level of the grammar: give it room
    sys.setrecursionlimit(200000)
    threading.stack_size(512 * 1024 * 1024)
    result = []
    t = threading.Thread(target=lambda: result.append(main(sys.argv)))
    t.start()
    t.join()
    sys.exit(result[0] if result else 2)
