#!/usr/bin/env python3
"""test-server.py PORTFILE — a misbehaving HTTP server for the network tests.

Listens on 127.0.0.1 (a free port, written to PORTFILE) and answers by the
first path component, so a registry client can be pointed at
127.0.0.1:PORT/<mode>:tag:

  /v2/                  200 {}
  /v2/html/...          200 text/html page
  /v2/trunc/...         200 truncated JSON
  /v2/err500/...        500 every time (counted)
  /v2/loop/...          302 to itself, forever
  /v2/hang/...          never answers (sleeps 30 s)
  /v2/echo/...          401 Basic challenge; with credentials a 500 whose
                        registry-style error message echoes them back
  /flaky/KEY?fail=N     503 for the first N requests of KEY, then 200
  /status/CODE          that status (counted)
  /json                 echoes a POST/PUT body with its Content-Type
  /ready-after/MS       503 until MS ms after the first request, then 200
  /hits/KEY             how many requests KEY got (text)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

hits = {}
first_seen = {}
lock = threading.Lock()


def count(key):
    with lock:
        hits[key] = hits.get(key, 0) + 1
        return hits[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        data = self.body()
        if path == "/v2/" or path == "/v2":
            return self.send(200, "{}")
        if parts[0] == "v2" and len(parts) > 1:
            mode = parts[1]
            count(mode)
            if mode == "html":
                return self.send(200, "<html><body>Welcome to nginx!</body></html>", "text/html")
            if mode == "trunc":
                return self.send(200, '{"name":"trunc","tags":["1.0",', "application/json")
            if mode == "err500":
                return self.send(500, "internal error", "text/plain")
            if mode == "loop":
                return self.send(302, "", "text/plain", [("Location", self.path)])
            if mode == "hang":
                time.sleep(30)
                return self.send(200, "{}")
            if mode == "echo":
                auth = self.headers.get("Authorization")
                if not auth:
                    return self.send(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', headers=[
                        ("WWW-Authenticate", 'Basic realm="echo"')])
                msg = {"errors": [{"code": "ECHO", "message": "you sent " + auth}]}
                return self.send(500, json.dumps(msg))
            return self.send(404, '{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}')
        if parts[0] == "flaky":
            n = count("flaky/" + parts[1])
            fail = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("fail", "1"))
            if n <= fail:
                return self.send(503, "try later", "text/plain")
            return self.send(200, '{"ok":true,"attempt":%d}' % n)
        if parts[0] == "status":
            count("status/" + parts[1])
            return self.send(int(parts[1]), "status " + parts[1], "text/plain")
        if parts[0] == "json":
            count("json")
            return self.send(200, json.dumps({
                "method": self.command,
                "content_type": self.headers.get("Content-Type"),
                "x_test": self.headers.get("X-Test"),
                "body": data.decode(errors="replace")}))
        if parts[0] == "ready-after":
            now = time.monotonic()
            with lock:
                start = first_seen.setdefault(path, now)
            count(path)
            if (now - start) * 1000 < int(parts[1]):
                return self.send(503, "starting", "text/plain")
            return self.send(200, "ready", "text/plain")
        if parts[0] == "hits":
            with lock:
                return self.send(200, str(hits.get("/".join(parts[1:]), 0)), "text/plain")
        return self.send(404, "no such path", "text/plain")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
