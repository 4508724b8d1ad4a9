"""A tiny orchestrator-like HTTP API for the bundled runbooks (stdlib only).

    python3 api_server.py PORT

Routes: GET /health; POST /sessions (201, a JSON session); GET /sessions (all
of them); GET /sessions/ID; DELETE /sessions/ID (marks it stopped); GET
/events, a server-sent event stream of five `session` events that replays
from the cursor in `Last-Event-ID` (or `?after=N`; `?after=now` skips what
happened before), then sends each new event as it happens (a session created
or stopped) for ten seconds. Another method on a known route answers 405
METHOD_NOT_ALLOWED, an unknown route 404 ROUTE_NOT_FOUND, both as a JSON
error envelope. Serves 127.0.0.1 only and exits by itself after ten minutes.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

EVENTS = [{"seq": n, "kind": "session.progress"} for n in range(1, 6)]
ROUTES = {"/health": {"GET"}, "/sessions": {"GET", "POST"}, "/events": {"GET"}}
SESSIONS = {}
CHANGED = threading.Condition()


def publish(kind, session):
    with CHANGED:
        EVENTS.append({"seq": len(EVENTS) + 1, "kind": kind, "id": session["id"]})
        CHANGED.notify_all()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("api: " + (fmt % args) + "\n")

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.send_json(status, {"error": {"code": code, "message": message}})

    def route(self, method):
        path = urlparse(self.path).path
        if path.startswith("/sessions/"):
            allowed = {"GET", "DELETE"}
        else:
            allowed = ROUTES.get(path)
        if allowed is None:
            return self.error(404, "ROUTE_NOT_FOUND", f"no route {path}")
        if method not in allowed:
            return self.error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
        if path == "/health":
            return self.send_json(200, {"ok": True})
        if path == "/sessions" and method == "GET":
            return self.send_json(200, {"sessions": list(SESSIONS.values())})
        if path == "/sessions":
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            session = {"id": f"s-{len(SESSIONS) + 1}", "state": "running",
                       "project": request.get("project"), "pid": 4000 + len(SESSIONS)}
            SESSIONS[session["id"]] = session
            publish("session.created", session)
            return self.send_json(201, session)
        if path.startswith("/sessions/"):
            session = SESSIONS.get(path.rsplit("/", 1)[1])
            if session is None:
                return self.error(404, "SESSION_NOT_FOUND", f"no session at {path}")
            if method == "DELETE":
                session["state"] = "stopped"
                publish("session.stopped", session)
            return self.send_json(200, session)
        return self.stream()

    def stream(self):
        query = parse_qs(urlparse(self.path).query)
        cursor = self.headers.get("Last-Event-ID") or query.get("after", ["0"])[0]
        with CHANGED:
            sent = len(EVENTS) if cursor == "now" else int(cursor)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            self.wfile.write(b": replaying after " + cursor.encode() + b"\n\n")
            self.wfile.flush()
            until = time.monotonic() + 10
            while time.monotonic() < until:
                with CHANGED:
                    CHANGED.wait_for(lambda: len(EVENTS) > sent, timeout=0.5)
                    new = EVENTS[sent:]
                for event in new:
                    body = f"id: {event['seq']}\nevent: session\ndata: {json.dumps(event)}\n\n"
                    self.wfile.write(body.encode())
                sent += len(new)
                if not new:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    timer = threading.Timer(600, server.shutdown)
    timer.daemon = True
    timer.start()
    print(f"api listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
