#!/usr/bin/python3
"""The maintenance service of a simulated infusion pump: drug-library upload over HTTP.

PUT or POST /druglibrary with a JSON drug library (at most 64 KiB, with a "version" string)
replaces the pump's library file, which `ward-sim pump --library-file` reads before each PCD-01
report; GET /druglibrary returns it. Like the fielded pumps of the advisories it asks for no
credentials there. GET /service (the technician's settings page) requires HTTP Basic
credentials (--service-auth USER:PASSWORD): 401 with a Basic challenge without them or with
wrong ones. One JSON line per request on stdout ({"method", "path", "client", "status",
"version", "user"}). Exits after --seconds, or on SIGTERM.

Usage: pump_library_service.py --address IP --port N --file PATH [--seconds S]
                               [--service-auth USER:PASSWORD]
"""
import argparse
import base64
import binascii
import http.server
import json
import signal
import sys
import threading

MAX_BODY = 64 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--file", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--service-auth", default="biomed:ward-sim-service")
    a = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "AlarisPCU-Maint/9.19"
        sys_version = ""

        def log_message(self, *args):
            pass

        def record(self, status, version="", user=""):
            print(json.dumps({"method": self.command, "path": self.path, "client": self.client_address[0],
                              "status": status, "version": version, "user": user}), flush=True)

        def basic_user(self):
            """(user, ok) from the Authorization header: ok only for --service-auth."""
            h = self.headers.get("Authorization", "")
            if not h.startswith("Basic "):
                return "", False
            try:
                creds = base64.b64decode(h[6:].strip(), validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                return "", False
            return creds.split(":", 1)[0], creds == a.service_auth

        def reply(self, status, body=b"", ctype="application/json"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/service":
                user, ok = self.basic_user()
                if not ok:
                    self.record(401, user=user)
                    body = b"authentication required\n"
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="Alaris PCU maintenance"')
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    return self.wfile.write(body)
                self.record(200, user=user)
                return self.reply(200, json.dumps({"serial": "SN021", "firmware": "9.19"}).encode())
            if self.path != "/druglibrary":
                self.record(404)
                return self.reply(404)
            with open(a.file, "rb") as f:
                body = f.read(MAX_BODY)
            self.record(200)
            self.reply(200, body)

        def do_PUT(self):
            if self.path != "/druglibrary":
                self.record(404)
                return self.reply(404)
            try:
                n = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self.record(413)
                return self.reply(413)
            body = self.rfile.read(n)
            try:
                version = json.loads(body)["version"]
                if not isinstance(version, str):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                self.record(400)
                return self.reply(400)
            with open(a.file, "wb") as f:
                f.write(body)
            self.record(204, version)
            self.reply(204)

        do_POST = do_PUT

    server = http.server.HTTPServer((a.address, a.port), Handler)
    server.timeout = 0.5
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    timer = threading.Timer(a.seconds, stop.set)
    timer.daemon = True
    timer.start()
    while not stop.is_set():
        server.handle_request()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
