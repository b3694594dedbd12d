#!/usr/bin/env python3
"""A fault-injecting HTTPS proxy between one client (the controller) and kube-apiserver.

Test support only. It terminates TLS with its own throwaway CA (written to WORK/ca.crt),
logs every request it receives, and forwards it to the real API server with the upstream
kubeconfig's client certificate, verifying the server against the upstream CA. What it
injects is read from WORK/faults.json before each request, so a test changes the faults
while the client runs:

    {"throttle_percent": 50,   # answer this share of requests 429 + Retry-After
     "retry_after": 1,         # seconds, in that header
     "delay_ms": 300,          # hold every forwarded request this long first
     "refuse": false}          # close every new connection at once (API server "down")

Each request is one line of WORK/requests.log: {"t": unix, "method", "path", "status"}
(status 429 when injected, else the upstream's). One request per client connection:
the proxy asks the upstream to close after the response, and so does the client.

    kubectl config view --raw --minify --flatten -o json > up.json
    fault_proxy.py --work DIR --upstream-kubeconfig up.json
    # prints {"port": N} once listening on 127.0.0.1:N, and writes DIR/kubeconfig: the
    # upstream's with the proxy as server and the proxy's CA
"""
import argparse
import base64
import copy
import json
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()


def make_ca_and_cert(work):
    """A CA and a server certificate for 127.0.0.1, made with the openssl CLI."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ca_key, ca_crt = os.path.join(work, "ca.key"), os.path.join(work, "ca.crt")
    key, csr, crt = (os.path.join(work, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(work, "san.ext")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        "/CN=skewgate-fault-proxy-ca", "-keyout", ca_key, "-out", ca_crt)
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key,
        "-out", csr)
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
        "-days", "2", "-extfile", ext, "-out", crt)
    return crt, key


def read_faults(work):
    try:
        with open(os.path.join(work, "faults.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def log_request(work, method, path, status):
    line = json.dumps({"t": time.time(), "method": method, "path": path, "status": status})
    with LOCK:
        with open(os.path.join(work, "requests.log"), "a") as f:
            f.write(line + "\n")


def read_head(sock):
    """The request line and headers (bytes up to and including the blank line), or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
        if len(data) > 1 << 20:
            return None, b""
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def read_body(sock, headers, rest):
    length = int(headers.get("content-length", "0") or "0")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        # Dechunk into a Content-Length body (kube clients rarely chunk requests).
        body, buf = b"", rest
        while True:
            while b"\r\n" not in buf:
                buf += sock.recv(65536)
            size_line, buf = buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                buf += sock.recv(65536)
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                return body, True
    body = rest
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return body, False


def handle(client, args, upstream_ctx):
    try:
        head, rest = read_head(client)
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        kept = []
        for h in lines[1:]:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
            if k.strip().lower() not in ("connection", "host", "keep-alive", "authorization"):
                kept.append(h)
        body, dechunked = read_body(client, headers, rest)
        if dechunked:
            kept = [h for h in kept if not h.lower().startswith(("transfer-encoding", "content-length"))]
            kept.append("Content-Length: %d" % len(body))
        faults = read_faults(args.work)
        if random.uniform(0, 100) < float(faults.get("throttle_percent", 0)):
            log_request(args.work, method, path, 429)
            msg = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                              "reason": "TooManyRequests", "code": 429,
                              "message": "injected by the fault proxy"}).encode()
            client.sendall(b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                           b"Retry-After: %d\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                           % (int(faults.get("retry_after", 1)), len(msg)) + msg)
            return
        delay = float(faults.get("delay_ms", 0)) / 1000.0
        if delay > 0:
            time.sleep(delay)
        up = urllib.parse.urlsplit(args.upstream)
        raw = socket.create_connection((up.hostname, up.port), timeout=30)
        upstream = upstream_ctx.wrap_socket(raw, server_hostname=up.hostname)
        upstream.settimeout(None)
        req = "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n\r\n" % (
            method, path, up.netloc, "\r\n".join(kept))
        upstream.sendall(req.encode("latin-1") + body)
        first = True
        while True:
            chunk = upstream.recv(65536)
            if not chunk:
                break
            if first:
                status = chunk.split(b" ", 2)[1].decode() if chunk.startswith(b"HTTP/") else "?"
                log_request(args.work, method, path, int(status) if status.isdigit() else 0)
                first = False
            client.sendall(chunk)
        upstream.close()
    except (OSError, ValueError, ssl.SSLError):
        pass
    finally:
        try:
            client.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--upstream-kubeconfig", required=True,
                   help="a flattened JSON kubeconfig with a client certificate")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    with open(args.upstream_kubeconfig) as f:
        kc = json.load(f)
    cluster = kc["clusters"][0]["cluster"]
    user = kc["users"][0]["user"]
    args.upstream = cluster["server"]
    files = {}
    for name, data in (("upstream-ca.crt", cluster["certificate-authority-data"]),
                       ("client.crt", user["client-certificate-data"]),
                       ("client.key", user["client-key-data"])):
        files[name] = os.path.join(args.work, name)
        with open(files[name], "wb") as f:
            f.write(base64.b64decode(data))
    crt, key = make_ca_and_cert(args.work)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(crt, key)
    upstream_ctx = ssl.create_default_context(cafile=files["upstream-ca.crt"])
    upstream_ctx.load_cert_chain(files["client.crt"], files["client.key"])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    port = listener.getsockname()[1]
    mine = copy.deepcopy(kc)
    mine["clusters"][0]["cluster"] = {
        "server": "https://127.0.0.1:%d" % port,
        "certificate-authority-data": base64.b64encode(
            open(os.path.join(args.work, "ca.crt"), "rb").read()).decode()}
    with open(os.path.join(args.work, "kubeconfig"), "w") as f:
        json.dump(mine, f)
    print(json.dumps({"port": port}), flush=True)
    while True:
        conn, _ = listener.accept()
        if read_faults(args.work).get("refuse"):
            conn.close()
            continue

        def serve(c=conn):
            try:
                tls = server_ctx.wrap_socket(c, server_side=True)
            except (OSError, ssl.SSLError):
                c.close()
                return
            handle(tls, args, upstream_ctx)

        threading.Thread(target=serve, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
