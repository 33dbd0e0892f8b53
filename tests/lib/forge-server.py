#!/usr/bin/env python3
"""forge-server.py PORTFILE LOG TOKEN — the parts of GitHub's REST API and
GitLab's v4 API that rp's github.*, gitlab.* and oidc.* call, for tests.

It keeps comments in memory as the real services do (ids, pagination by
`per_page`/`page`), answers with their status codes (201 on create, 200
on update), refuses a request without the token in the header each
platform expects (401), and appends every request to LOG as one JSON line:
{method, path, headers: {the API-relevant ones}, body: parsed JSON or null}.

  GitHub   GET/POST /repos/O/R/issues/N/comments
           PATCH    /repos/O/R/issues/comments/ID
           POST     /repos/O/R/statuses/SHA
  GitLab   GET/POST /api/v4/projects/P/merge_requests/N/notes  (P url-encoded)
           PUT      /api/v4/projects/P/merge_requests/N/notes/ID
           POST     /api/v4/projects/P/statuses/SHA
  OIDC     GET      /oidc/token?...&audience=A  (Authorization: bearer TOKEN):
                    {"value": a JWT whose payload's aud is A}
  Tests    POST     /_seed/github/O/R/N?count=K  K comments by someone else
"""
import base64
import os
import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, logpath, token = sys.argv[1:4]
lock = threading.Lock()
comments = {}  # (platform, project, number) -> list of {"id", "body"}
next_id = [1000]
KEPT = ["Authorization", "PRIVATE-TOKEN", "Accept", "Content-Type", "User-Agent", "X-GitHub-Api-Version"]


def jwt(aud):
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return part({"alg": "none"}) + "." + part({"aud": aud, "sub": "repo:o/r"}) + ".sig"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, value):
        data = json.dumps(value).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body):
        entry = {"method": self.command, "path": self.path,
                 "headers": {k: self.headers[k] for k in KEPT if self.headers.get(k) is not None},
                 "body": body}
        with lock, open(logpath, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        body = json.loads(raw) if raw else None
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        m = re.fullmatch(r"/_seed/(\w+)/([^/]+/[^/]+)/(\d+)", path)
        if m:
            key = (m[1], m[2], int(m[3]))
            with lock:
                for i in range(int(query["count"][0])):
                    next_id[0] += 1
                    comments.setdefault(key, []).append({"id": next_id[0], "body": f"comment {i} by someone else"})
            return self.answer(200, {})
        self.record(body)
        if path.startswith("/oidc/"):
            if (self.headers.get("Authorization") or "").lower() != "bearer " + token.lower():
                return self.answer(401, {"message": "Bad credentials"})
            return self.answer(200, {"value": jwt(query["audience"][0])})
        gitlab = path.startswith("/api/v4/")
        if gitlab and self.headers.get("PRIVATE-TOKEN") != token:
            return self.answer(401, {"message": "401 Unauthorized"})
        if not gitlab and self.headers.get("Authorization") != "Bearer " + token:
            return self.answer(401, {"message": "Bad credentials"})
        routes = [
            (r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", "github", "list"),
            (r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", "github", "edit"),
            (r"/repos/([^/]+/[^/]+)/statuses/([0-9a-f]+)", "github", "status"),
            (r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes", "gitlab", "list"),
            (r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)", "gitlab", "edit"),
            (r"/api/v4/projects/([^/]+)/statuses/([0-9a-f]+)", "gitlab", "status"),
        ]
        for pattern, platform, what in routes:
            m = re.fullmatch(pattern, path)
            if m:
                return self.route(platform, what, m, query, body)
        self.answer(404, {"message": "Not Found"})

    def route(self, platform, what, m, query, body):
        project = urllib.parse.unquote(m[1])
        with lock:
            if what == "status":
                return self.answer(201, dict(body, id=1))
            if what == "list":
                key = (platform, project, int(m[2]))
                items = comments.setdefault(key, [])
                if self.command == "GET":
                    per, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
                    return self.answer(200, items[(page - 1) * per:page * per])
                next_id[0] += 1
                items.append({"id": next_id[0], "body": body["body"]})
                return self.answer(201, items[-1])
            wanted = int(m[3] if platform == "gitlab" else m[2])
            for (p, proj, _), items in comments.items():
                for c in items:
                    if p == platform and proj == project and c["id"] == wanted:
                        c["body"] = body["body"]
                        return self.answer(200, c)
        self.answer(404, {"message": "Not Found"})

    do_GET = do_POST = do_PUT = do_PATCH = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
