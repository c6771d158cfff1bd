#!/usr/bin/python3
"""A tiny RTSP server for Ward's RTSP/RTP end-to-end test (tests/e2e/rtsp_gst_test.sh).

Debian's GStreamer RTSP server (gir1.2-gst-rtsp-server-1.0) serves /test: a generated test
pattern (videotestsrc, a bounded number of frames) as JPEG over RTP (payload type 26). With
--auth USER:PASSWORD (repeatable: one account each) it requires HTTP Basic authentication
(GstRtspServer.RTSPAuth), or Digest authentication (RFC 2617, the password never crosses the
network) with --digest.
It binds --address (127.0.0.1) on --port (0: a free port), prints "PORT <n>" on stdout, and logs one JSON line per
request it handles ({"method", "uri", "session"}) so the test can compare what Ward saw with
what the server did. It exits after --seconds (bounded), or on SIGTERM.
"""
import argparse
import json
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def log(record):
    print(json.dumps(record), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--auth", action="append", default=[],
                    help="USER:PASSWORD of an account (repeat for more); Basic unless --digest")
    ap.add_argument("--digest", action="store_true", help="Digest instead of Basic")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(a.address)
    server.set_service(str(a.port))  # 0: any free port; read back after attach
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true num-buffers={a.frames} "
        "! video/x-raw,format=I420,width=160,height=120,framerate=10/1 "
        "! jpegenc ! rtpjpegpay name=pay0 pt=26 )")
    factory.set_shared(False)
    if a.auth:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        if a.digest:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        for account in a.auth:
            user, password = account.split(":", 1)
            if a.digest:
                auth.add_digest(user, password, token)
            else:
                auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        factory.add_role_from_structure(Gst.Structure.new_from_string(
            "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))
    server.get_mount_points().add_factory("/test", factory)

    def on_request(method):
        def handler(_client, ctx):
            session = ctx.session.get_sessionid() if ctx.session is not None else ""
            uri = ctx.uri.get_request_uri() if ctx.uri is not None else ""
            log({"method": method, "uri": uri or "", "session": session or ""})
        return handler

    def on_client(_server, client):
        for sig, method in (("options-request", "OPTIONS"), ("describe-request", "DESCRIBE"),
                            ("setup-request", "SETUP"), ("play-request", "PLAY"),
                            ("pause-request", "PAUSE"), ("teardown-request", "TEARDOWN"),
                            ("get-parameter-request", "GET_PARAMETER"),
                            ("set-parameter-request", "SET_PARAMETER")):
            client.connect(sig, on_request(method))

    server.connect("client-connected", on_client)
    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print("could not attach the RTSP server", file=sys.stderr)
        return 1
    print(f"PORT {server.get_bound_port()}", flush=True)
    GLib.timeout_add_seconds(a.seconds, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
