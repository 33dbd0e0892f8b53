#!/usr/bin/env python3
"""git-http.py PORTFILE ROOT TOKEN — a smart-HTTP git server for the tests.

Serves the bare repositories under ROOT at http://127.0.0.1:PORT/NAME.git
(the chosen port is written to PORTFILE) through `git http-backend`, so a
push runs the repository's hooks as on a real forge. Every request needs
HTTP Basic credentials whose password is TOKEN (any user name); each
request's user (or "-"), method and path are appended to ROOT/access.log.
"""
import base64
import http.server
import os
import subprocess
import sys

portfile, root, token = sys.argv[1:4]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out as two writes: with Nagle's algorithm the
    # body waits for the client's delayed ACK of the headers (40 ms on
    # Linux) on a kept-alive connection, which no real server adds
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def credentials(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None, None
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return user, password

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def reply(self, status, headers, payload):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def serve(self):
        body = self.read_body()
        user, password = self.credentials()
        with open(os.path.join(root, "access.log"), "a") as log:
            log.write("%s %s %s\n" % (user or "-", self.command, self.path.partition("?")[0]))
        if password != token:
            self.reply(401, [("WWW-Authenticate", 'Basic realm="git"')], b"")
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER="tester",
                   REMOTE_ADDR="127.0.0.1", GATEWAY_INTERFACE="CGI/1.1")
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        sep = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
        head, _, payload = out.partition(sep)
        status, headers = 200, []
        for line in head.decode().splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name.lower() != "content-length":
                headers.append((name, value.strip()))
        self.reply(status, headers, payload)

    do_GET = serve
    do_POST = serve


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
