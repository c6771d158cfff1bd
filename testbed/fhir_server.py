#!/usr/bin/python3
"""A FHIR server endpoint over HTTPS for the testbed: the cognitive monitors' summaries.

POST /fhir/Observation with Content-Type application/fhir+json and a FHIR Observation (at most
64 KiB; resourceType Observation, a status and a code) is stored in memory and answered 201
Created with its Location (/fhir/Observation/N/_history/1) and the resource with its id and
meta. Anything else is answered as a FHIR server would: 415 for another content type, 400 with
an OperationOutcome for a body that is not an Observation, 404/405 for other paths and methods.
TLS with --cert/--key (a chain signed by the testbed's CA), TLS 1.2 at least; --max-tls 1.2
caps it (a gateway that has not moved to 1.3, and whose certificate is then visible on the
wire). One JSON line per request on stdout ({"method", "path", "client", "status", "id",
"device"}). Exits after --seconds, or on SIGTERM.

Usage: fhir_server.py --address IP --port N --cert PEM --key PEM [--seconds S] [--max-tls 1.2]
"""
import argparse
import http.server
import json
import signal
import ssl
import sys
import threading
import time

MAX_BODY = 64 * 1024


def outcome(text):
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": text}]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--max-tls", choices=["1.2", "1.3"], default="1.3")
    a = ap.parse_args()
    stored = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def version_string(self):
            return "WardSimFHIR/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def record(self, status, rid="", device=""):
            print(json.dumps({"method": self.command, "path": self.path, "client": self.client_address[0],
                              "status": status, "id": rid, "device": device}), flush=True)

        def reply(self, status, resource, location=""):
            body = json.dumps(resource).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_GET(self):
            if self.path.rstrip("/") == "/fhir/metadata":
                self.reply(200, {"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                                 "fhirVersion": "4.0.1", "format": ["json"]})
                self.record(200)
            else:
                self.reply(404, outcome("not found"))
                self.record(404)

        def do_POST(self):
            if self.path.split("?")[0].rstrip("/") != "/fhir/Observation":
                self.reply(404, outcome("not found"))
                return self.record(404)
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype not in ("application/fhir+json", "application/json"):
                self.reply(415, outcome("content type %s" % ctype))
                return self.record(415)
            try:
                n = int(self.headers.get("Content-Length", "-1"))
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self.reply(413 if n > MAX_BODY else 411, outcome("length %d" % n))
                return self.record(413 if n > MAX_BODY else 411)
            try:
                obs = json.loads(self.rfile.read(n))
                ok = (isinstance(obs, dict) and obs.get("resourceType") == "Observation"
                      and isinstance(obs.get("status"), str) and isinstance(obs.get("code"), dict))
            except (ValueError, UnicodeDecodeError):
                ok = False
            if not ok:
                self.reply(400, outcome("not a FHIR Observation"))
                return self.record(400)
            stored.append(obs)
            rid = str(len(stored))
            obs["id"] = rid
            obs["meta"] = {"versionId": "1",
                           "lastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            device = obs.get("device", {}).get("display", "") if isinstance(obs.get("device"), dict) else ""
            self.reply(201, obs, "/fhir/Observation/%s/_history/1" % rid)
            self.record(201, rid, device)

        def do_PUT(self):
            self.reply(405, outcome("method not allowed"))
            self.record(405)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if a.max_tls == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)

    class Server(http.server.HTTPServer):
        def get_request(self):
            sock, addr = self.socket.accept()
            sock.settimeout(10)  # a stalled client cannot hold the server
            try:
                return ctx.wrap_socket(sock, server_side=True), addr
            except OSError as e:  # the handshake failed: logged, the server goes on
                sock.close()
                print(json.dumps({"client": addr[0], "tls_error": str(e)}), flush=True)
                raise

        def handle_error(self, request, client_address):
            print(json.dumps({"client": client_address[0], "error": str(sys.exc_info()[1])}), flush=True)

    srv = Server((a.address, a.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    timer = threading.Timer(a.seconds, srv.shutdown)
    timer.daemon = True
    timer.start()
    print(json.dumps({"listening": "%s:%d" % (a.address, a.port), "tls_max": a.max_tls}), flush=True)
    srv.serve_forever()
    print(json.dumps({"done": len(stored)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
