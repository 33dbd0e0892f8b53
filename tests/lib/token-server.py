#!/usr/bin/env python3
"""token-server.py PORTFILE KEY.pem CERT.pem USER PASS ISSUER SERVICE LOG

A bearer token server for docker-registry's `auth: token:` mode, as in the
Docker token authentication spec: GET /token?service=S&scope=repository:R:A
with HTTP basic credentials answers {"token": JWT} where the JWT (RS256,
signed with KEY by the openssl command, certificate in the x5c header)
grants the requested actions. Wrong or missing credentials get a 401.
Each issued token appends its scopes to LOG, so tests can count fetches.
"""
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORTFILE, KEY, CERT, USER, PASSWORD, ISSUER, SERVICE, LOG = sys.argv[1:9]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der_b64():
    lines = open(CERT).read().splitlines()
    return "".join(l for l in lines if l and not l.startswith("-----"))


def sign(payload):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der_b64()]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input.encode(),
                         stdout=subprocess.PIPE, check=True).stdout
    return signing_input + "." + b64url(sig)


def access_for(scopes):
    out = []
    for s in scopes:
        parts = s.split(":")
        if len(parts) < 3:
            continue
        kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
        out.append({"type": kind, "name": name, "actions": actions})
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        want = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        if self.headers.get("Authorization") != "Basic " + want:
            return self.reply(401, {"details": "bad credentials"},
                              [("WWW-Authenticate", 'Basic realm="token"')])
        if q.get("service", [""])[0] != SERVICE:
            return self.reply(400, {"details": "unknown service"})
        scopes = q.get("scope", [])
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": USER, "aud": SERVICE, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access_for(scopes)}
        with open(LOG, "a") as f:
            f.write(" ".join(scopes) + "\n")
        self.reply(200, {"token": sign(claims), "expires_in": 300})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
