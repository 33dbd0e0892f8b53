#!/usr/bin/env python3
"""paging-proxy.py PORTFILE UPSTREAM [no-mount,no-digest] — tag-list pagination in front of a registry.

Debian's docker-registry (distribution 2.8) ignores `n` on
GET /v2/<name>/tags/list and always answers the whole list. Registries
that page (distribution 3, Harbor, GHCR, Docker Hub) answer `n` tags after
`last`, sorted, with `Link: </v2/<name>/tags/list?n=N&last=T>; rel="next"`
while more remain. This proxy adds exactly that to the real registry at
UPSTREAM (host:port) and passes every other request, and every header
(Authorization, WWW-Authenticate), through unchanged.

With `no-mount` it also behaves like a registry without cross-repository
mounts: it drops `mount` and `from` from POST .../blobs/uploads/, so the
registry opens an ordinary upload session (202) instead of linking (201).
With `no-digest` it drops the (optional) Docker-Content-Digest header.
GET /_proxy/connections answers how many TCP connections clients opened
(tests check that a client reuses one).
With `tamper` it appends a space to every manifest it relays (still valid
JSON, but no longer the content its digest names).
"""
import http.client
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

PORTFILE, UPSTREAM = sys.argv[1], sys.argv[2]
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
FLAGS = sys.argv[3].split(",") if len(sys.argv) > 3 else []
NO_MOUNT = "no-mount" in FLAGS
if "no-digest" in FLAGS:
    HOP.add("docker-content-digest")


connections = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        connections.add(self.client_address)

    def log_message(self, *args):
        pass

    def upstream(self, path, body):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def relay(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        if self.path == "/_proxy/connections":
            return self.relay(200, [("Content-Type", "text/plain")], str(len(connections)).encode())
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        url = urlparse(self.path)
        q = parse_qs(url.query)
        paged = self.command == "GET" and url.path.endswith("/tags/list") and "n" in q
        path = self.path
        if paged or (NO_MOUNT and self.command == "POST" and "mount" in q):
            path = url.path
        resp, data = self.upstream(path, body)
        headers = resp.getheaders()
        if paged and resp.status == 200:
            doc = json.loads(data)
            tags = sorted(doc.get("tags") or [])
            last = q.get("last", [None])[0]
            if last is not None:
                tags = [t for t in tags if t > last]
            size = int(q["n"][0])
            page, more = tags[:size], len(tags) > size
            data = json.dumps({"name": doc["name"], "tags": page}).encode()
            headers = [(k, v) for k, v in headers if k.lower() != "link"]
            if more:
                nxt = url.path + "?" + urlencode({"n": size, "last": page[-1]})
                headers.append(("Link", '<%s>; rel="next"' % nxt))
        if "tamper" in FLAGS and "/manifests/" in url.path and resp.status == 200:
            data += b" "
        self.relay(resp.status, headers, data)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
