"""Tests of runtime/plugins/gen_http_core.py against a scripted local HTTP server."""
import base64
import json
import os
import re
import socket
import sys
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Sequence
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS_DIR = os.path.join(ROOT, "runtime", "plugins")
if PLUGINS_DIR not in sys.path:
    sys.path.insert(0, PLUGINS_DIR)

import gen_http_core  # noqa: E402

SECRET = "s3cr3t-Value!"
TRICKY = json.dumps({"s": 'héllo ✓ 😀 "quoted" back\\slash {{ jinja }} $$ dollars $$ tab\tnl\nend', "n": [1, 2.5, None]},
                    ensure_ascii=False)


class ScriptedServer:
    """127.0.0.1 HTTP server with scripted routes; records every request it receives."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.hit_times: Dict[str, List[float]] = {}
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: Any, headers: Optional[Dict[str, str]] = None,
                      content_type: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else (
                    body.encode("utf-8") if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode("utf-8"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if data:
                    self.wfile.write(data)

            def _handle(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                params = dict(urllib.parse.parse_qsl(parts.query))
                with server.lock:
                    server.requests.append({"method": self.command, "path": parts.path, "query": parts.query,
                                            "headers": self.headers, "body": raw})  # case-insensitive
                    times = server.hit_times.setdefault(parts.path, [])
                    times.append(time.monotonic())
                    hits = len(times)
                path = parts.path
                auth = self.headers.get("Authorization", "")
                if path.startswith("/echo"):
                    self._send(200, {"method": self.command, "path": path, "query": parts.query,
                                     "headers": dict(self.headers.items()), "body_text": raw.decode("utf-8")})
                elif path.startswith("/flaky/"):  # first `fail` hits answer `status`, then 200
                    if hits <= int(params.get("fail", "2")):
                        status = int(params.get("status", "503"))
                        self._send(status, b"", content_type="text/plain")
                    else:
                        self._send(200, {"ok": True, "hits": hits})
                elif path.startswith("/ratelimit/"):
                    if hits <= int(params.get("fail", "1")):
                        self._send(429, {"error": "slow down"}, {"Retry-After": params.get("retry_after", "0.2")})
                    else:
                        self._send(200, {"ok": True, "hits": hits})
                elif path.startswith("/slow"):
                    time.sleep(float(params.get("delay", "1")))
                    try:
                        self._send(200, {"slow": True})
                    except OSError:
                        pass
                elif path.startswith("/inflight"):  # holds the request a moment, counting those held at once
                    with server.lock:
                        server.in_flight += 1
                        server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    time.sleep(float(params.get("hold", "0.2")))
                    with server.lock:
                        server.in_flight -= 1
                    self._send(200, {"path": path})
                elif path.startswith("/invalid"):
                    self._send(200, "<html>this is not json</html>", content_type="text/html")
                elif path.startswith("/status/"):
                    code = int(path.rsplit("/", 1)[1])
                    self._send(code, "nope: status %d" % code, content_type="text/plain")
                elif path.startswith("/redirect"):
                    self._send(302, b"", {"Location": params["to"]}, content_type="text/plain")
                elif path.startswith("/empty"):
                    self.send_response(204)
                    self.end_headers()
                elif path.startswith("/leak-json"):
                    self._send(200, {"auth": auth, "nested": [{"again": "x" + auth + "y"}], auth: "as key"})
                elif path.startswith("/leak-text"):
                    self._send(200, "plain text with " + auth, content_type="text/plain")
                elif path.startswith("/leak-404"):
                    self._send(404, "not found for " + auth, content_type="text/plain")
                else:
                    self._send(500, {"error": "no route " + path})

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, client_address: None  # clients that time out are expected
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def hits(self, path: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fast_retry(max_attempts: int = 3, backoff_s: float = 0.01, max_backoff_s: float = 0.05, **extra: Any) -> str:
    options: Dict[str, Any] = {"timeout_s": 5, "retry": {"max_attempts": max_attempts, "backoff_s": backoff_s,
                                                          "max_backoff_s": max_backoff_s}}
    options.update(extra)
    return json.dumps(options)


def resolver(name: str) -> Optional[str]:
    return {"TOKEN": SECRET}.get(name)


def secret(name: str) -> Dict[str, str]:
    """A secret part, as the runtime sends one for a ${secret.NAME} of the spec."""
    return {"secret": name}


def bearer(name: str) -> List[Dict[str, str]]:
    return [{"text": "Bearer "}, secret(name)]


def declaring(options: Optional[str], names: Sequence[str]) -> str:
    """options_json with `secrets` (the names the spec uses) set, unless the test set it itself."""
    parsed = json.loads(options) if options else {}
    parsed.setdefault("secrets", list(names))
    return json.dumps(parsed)


def call(method: str, url: str, headers: Optional[Dict[str, Any]] = None, body: Optional[str] = None,
         options: Optional[str] = None, secrets: Any = resolver,
         declared: Sequence[str] = ("TOKEN", "API_TOKEN_2")) -> Dict[str, Any]:
    text = gen_http_core.http_request(method, url, json.dumps(headers or {}), body, declaring(options, declared),
                                      secrets)
    return json.loads(text)


class HttpCoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ScriptedServer()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def key(self) -> str:
        return self.id().rsplit(".", 1)[1]

    # --- success and body round trip ---
    def test_echo_round_trips_body_exactly(self) -> None:
        raw = gen_http_core.http_request("post", self.server.url("/echo/rt"), "{}", TRICKY, None, resolver)
        self.assertIn("😀", raw)  # ensure_ascii=False
        r = json.loads(raw)
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["status_code"], 200)
        self.assertIsNone(r["error"])
        self.assertIsNone(r["text"])
        self.assertEqual(r["body"]["method"], "POST")
        self.assertEqual(r["body"]["body_text"], TRICKY)
        received = self.server.hits("/echo/rt")[-1]
        self.assertEqual(received["body"], TRICKY.encode("utf-8"))
        self.assertEqual(received["headers"]["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(received["headers"]["Accept"], "application/json")
        self.assertEqual(received["headers"]["User-Agent"], "gen-http-core/1")
        self.assertEqual([a["outcome"] for a in r["attempts"]], ["success"])
        a = r["attempts"][0]
        self.assertEqual((a["attempt"], a["status_code"], a["error"], a["sleep_s"]), (1, 200, None, None))
        self.assertIsInstance(a["latency_ms"], int)
        self.assertIsInstance(r["elapsed_ms"], int)
        self.assertNotIn("headers", {k for k in r if k != "body"})

    def test_given_content_type_and_accept_are_kept_and_get_sends_no_body(self) -> None:
        r = call("POST", self.server.url("/echo/ct"), {"content-type": "application/vnd.x+json", "ACCEPT": "*/*"}, "{}")
        self.assertTrue(r["ok"])
        h = self.server.hits("/echo/ct")[-1]["headers"]
        self.assertEqual(h["content-type"], "application/vnd.x+json")
        self.assertEqual(h["ACCEPT"], "*/*")
        r = call("GET", self.server.url("/echo/nobody"), body="")
        got = self.server.hits("/echo/nobody")[-1]
        self.assertEqual(got["body"], b"")
        self.assertNotIn("Content-Type", got["headers"])

    def test_empty_2xx_body_is_ok(self) -> None:
        r = call("DELETE", self.server.url("/empty"))
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["status_code"], 204)
        self.assertIsNone(r["body"])
        self.assertIsNone(r["text"])

    # --- retries ---
    def test_503_503_200_is_retried_to_success(self) -> None:
        path = "/flaky/" + self.key()
        r = call("POST", self.server.url(path + "?fail=2"), body="{}", options=fast_retry(3))
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["body"], {"ok": True, "hits": 3})
        self.assertEqual([a["outcome"] for a in r["attempts"]], ["retry", "retry", "success"])
        self.assertEqual([a["status_code"] for a in r["attempts"]], [503, 503, 200])
        self.assertEqual(r["attempts"][0]["error"], "HTTP 503 (Service Unavailable)")
        self.assertIsNotNone(r["attempts"][0]["sleep_s"])
        self.assertIsNone(r["attempts"][2]["sleep_s"])
        self.assertEqual(len(self.server.hits(path)), 3)

    def test_503_exhausted_message(self) -> None:
        path = "/flaky/" + self.key()
        r = call("POST", self.server.url(path + "?fail=9"), body="{}", options=fast_retry(3))
        self.assertFalse(r["ok"])
        self.assertEqual(r["status_code"], 503)
        self.assertEqual(r["error"], {"kind": "http", "message": "POST %s: HTTP 503 after 3 attempts (Service Unavailable)"
                                      % self.server.url(path)})
        self.assertEqual([a["outcome"] for a in r["attempts"]], ["retry", "retry", "failed"])

    def test_class_not_in_retry_on_is_not_retried(self) -> None:
        path = "/flaky/" + self.key()
        opts = json.dumps({"retry": {"max_attempts": 3, "backoff_s": 0.01, "on": ["connect", "timeout"]}})
        r = call("GET", self.server.url(path + "?fail=1&status=502"), options=opts)
        self.assertEqual((r["error"]["kind"], len(r["attempts"]), r["status_code"]), ("http", 1, 502))

    def test_429_retry_after_is_honoured(self) -> None:
        path = "/ratelimit/" + self.key()
        r = call("GET", self.server.url(path + "?fail=1&retry_after=0.3"), options=fast_retry(3, max_backoff_s=5))
        self.assertTrue(r["ok"], r)
        self.assertEqual([a["status_code"] for a in r["attempts"]], [429, 200])
        self.assertEqual(r["attempts"][0]["retry_after_s"], 0.3)
        self.assertGreaterEqual(r["attempts"][0]["sleep_s"], 0.3)
        t = self.server.hit_times[path]
        self.assertGreaterEqual(t[1] - t[0], 0.3)

    def test_retry_after_is_capped_by_max_backoff(self) -> None:
        path = "/ratelimit/" + self.key()
        r = call("GET", self.server.url(path + "?fail=1&retry_after=30"), options=fast_retry(2, max_backoff_s=0.1))
        self.assertTrue(r["ok"], r)
        self.assertLessEqual(r["attempts"][0]["sleep_s"], 0.1)
        self.assertLess(r["elapsed_ms"], 5000)

    def test_retry_after_http_date(self) -> None:
        future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
        self.assertAlmostEqual(gen_http_core._parse_retry_after(future), 120, delta=3)
        self.assertEqual(gen_http_core._parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0)
        self.assertIsNone(gen_http_core._parse_retry_after("soon"))
        self.assertEqual(gen_http_core._parse_retry_after("7"), 7.0)

    def test_backoff_is_exponential_capped_and_jittered(self) -> None:
        url = "http://127.0.0.1:%d/x" % closed_port()
        with mock.patch.object(gen_http_core.random, "uniform", return_value=1.0) as uniform:
            r = call("GET", url, options=fast_retry(4, backoff_s=0.01, max_backoff_s=0.03))
        uniform.assert_called_with(0.5, 1.0)
        self.assertEqual([a["sleep_s"] for a in r["attempts"]], [0.01, 0.02, 0.03, None])
        r = call("GET", url, options=fast_retry(4, backoff_s=0.02, max_backoff_s=0.02))
        for a in r["attempts"][:-1]:
            self.assertTrue(0.01 <= a["sleep_s"] <= 0.02, a)

    def test_timeout_is_retried_then_fails(self) -> None:
        opts = json.dumps({"timeout_s": 0.3, "retry": {"max_attempts": 2, "backoff_s": 0.01}})
        r = call("GET", self.server.url("/slow?delay=1.5&secret=abc"), options=opts)
        self.assertFalse(r["ok"])
        self.assertIsNone(r["status_code"])
        self.assertEqual(r["error"]["kind"], "timeout")
        self.assertTrue(r["error"]["message"].startswith("GET %s: timed out" % self.server.url("/slow")), r["error"])
        self.assertIn("after 2 attempts", r["error"]["message"])
        self.assertNotIn("secret=abc", r["error"]["message"])
        self.assertEqual([a["outcome"] for a in r["attempts"]], ["retry", "failed"])
        self.assertLess(r["elapsed_ms"], 1400)

    def test_connection_refused(self) -> None:
        port = closed_port()
        opts = fast_retry(3, backoff_s=0.05, max_backoff_s=0.05, query={"token": "abc"})
        t0 = time.monotonic()
        r = call("GET", "http://127.0.0.1:%d/policy/x?y=1" % port, options=opts)
        elapsed = time.monotonic() - t0
        self.assertFalse(r["ok"])
        self.assertIsNone(r["status_code"])
        self.assertIsNone(r["body"])
        self.assertEqual(r["error"]["kind"], "connect")
        msg = r["error"]["message"]
        self.assertTrue(msg.startswith("GET http://127.0.0.1:%d/policy/x: connection failed after 3 attempts: " % port), msg)
        self.assertIn("Connection refused", msg)
        self.assertNotIn("token", msg)
        self.assertNotIn("y=1", msg)
        self.assertEqual(len(r["attempts"]), 3)
        self.assertEqual([a["outcome"] for a in r["attempts"]], ["retry", "retry", "failed"])
        self.assertIsNone(r["attempts"][-1]["sleep_s"])
        slept = sum(a["sleep_s"] for a in r["attempts"][:-1])
        self.assertLess(elapsed, slept + 0.5)  # no sleep after the last attempt

    # --- not retried ---
    def test_404_not_retried(self) -> None:
        r = call("GET", self.server.url("/status/404?q=1"), options=fast_retry(3))
        self.assertFalse(r["ok"])
        self.assertEqual(r["status_code"], 404)
        self.assertEqual(len(r["attempts"]), 1)
        self.assertEqual(r["attempts"][0]["outcome"], "failed")
        self.assertEqual(r["error"]["kind"], "http")
        self.assertEqual(r["error"]["message"], "GET %s: HTTP 404 (Not Found): nope: status 404" % self.server.url("/status/404"))
        self.assertEqual(r["text"], "nope: status 404")

    def test_400_not_retried(self) -> None:
        r = call("POST", self.server.url("/status/400"), body="{}", options=fast_retry(3))
        self.assertEqual((r["ok"], r["status_code"], r["error"]["kind"], len(r["attempts"])), (False, 400, "http", 1))
        self.assertIn("HTTP 400", r["error"]["message"])

    def test_invalid_json_not_retried(self) -> None:
        r = call("GET", self.server.url("/invalid"), options=fast_retry(3))
        self.assertFalse(r["ok"])
        self.assertEqual(r["status_code"], 200)
        self.assertEqual(r["error"]["kind"], "invalid_json")
        self.assertIn("<html>this is not json</html>", r["error"]["message"])
        self.assertEqual(r["text"], "<html>this is not json</html>")
        self.assertIsNone(r["body"])
        self.assertEqual(len(r["attempts"]), 1)
        self.assertEqual(len(self.server.hits("/invalid")), 1)

    # --- secrets and redaction ---
    def test_secret_substituted_into_header_and_redacted(self) -> None:
        r = call("GET", self.server.url("/echo/secret"),
                 {"Authorization": bearer("TOKEN"), "X-Both": [secret("TOKEN"), {"text": ":"}, secret("TOKEN")]})
        self.assertTrue(r["ok"], r)
        got = self.server.hits("/echo/secret")[-1]["headers"]
        self.assertEqual(got["Authorization"], "Bearer " + SECRET)
        self.assertEqual(got["X-Both"], SECRET + ":" + SECRET)
        self.assertEqual(r["body"]["headers"]["Authorization"], "Bearer ***")
        self.assertEqual(r["body"]["headers"]["X-Both"], "***:***")

    def test_a_very_short_secret_does_not_corrupt_responses(self) -> None:
        # a 1-character "secret" replaced everywhere would turn every "x" in the response into "***"
        body = json.dumps({"execution_id": "exec_x"})
        result = json.loads(gen_http_core.http_request("POST", self.server.url("/echo/short"),
                                                       json.dumps({"Authorization": bearer("K")}),
                                                       body, declaring(None, ["K"]), lambda name: "x"))
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["body"]["body_text"], body)

    def test_secret_echoed_back_is_redacted_everywhere(self) -> None:
        headers = {"Authorization": bearer("TOKEN")}
        for path in ("/leak-json", "/leak-text", "/leak-404"):
            raw = gen_http_core.http_request("GET", self.server.url(path), json.dumps(headers), None,
                                             declaring(None, ["TOKEN"]), resolver)
            self.assertNotIn(SECRET, raw, path)
            self.assertIn("***", raw, path)
        r = call("GET", self.server.url("/leak-json"), headers)
        self.assertEqual(r["body"], {"auth": "Bearer ***", "nested": [{"again": "xBearer ***y"}], "Bearer ***": "as key"})
        r = call("GET", self.server.url("/leak-404"), headers)
        self.assertEqual(r["error"]["message"], "GET %s: HTTP 404 (Not Found): not found for Bearer ***" % self.server.url("/leak-404"))

    def test_literal_authorization_value_is_not_echoed(self) -> None:
        raw = gen_http_core.http_request("GET", self.server.url("/leak-text"), '{"Authorization": "Basic literal-cred"}',
                                         None, None, None)
        self.assertNotIn("literal-cred", raw)

    def test_secret_missing_sends_nothing(self) -> None:
        path = "/echo/" + self.key()
        for secrets in (lambda name: None, lambda name: 1 / 0, None):
            r = call("GET", self.server.url(path), {"Authorization": bearer("API_TOKEN_2")}, secrets=secrets)
            self.assertFalse(r["ok"])
            self.assertIsNone(r["status_code"])
            self.assertEqual(r["attempts"], [])
            self.assertEqual(r["error"]["kind"], "secret_missing")
            self.assertIn("secret API_TOKEN_2 is not set (locally: set the environment variable API_TOKEN_2)",
                          r["error"]["message"])
        self.assertEqual(self.server.hits(path), [])

    def test_text_that_looks_like_a_placeholder_is_sent_literally(self) -> None:
        # text parts carry runtime values (API responses, env values, inputs): never scanned for ${secret.X}
        asked: List[str] = []

        def recording(name: str) -> Optional[str]:
            asked.append(name)
            return resolver(name)

        path = "/echo/" + self.key()
        headers = {"X-Id": [{"text": "${secret.TOKEN}"}], "X-Plain": "${secret.TOKEN}",
                   "X-Escaped": [{"text": "$${secret.TOKEN}"}], "X-Mixed": [{"text": "${secret.TOKEN}|"}, secret("TOKEN")]}
        options = json.dumps({"basic_auth": {"username": [{"text": "${secret.TOKEN}"}], "password": "${secret.TOKEN}"}})
        r = call("GET", self.server.url(path), headers, options=options, secrets=recording)
        self.assertTrue(r["ok"], r)
        got = self.server.hits(path)[-1]["headers"]
        self.assertEqual(got["X-Id"], "${secret.TOKEN}")
        self.assertEqual(got["X-Plain"], "${secret.TOKEN}")
        self.assertEqual(got["X-Escaped"], "$${secret.TOKEN}")
        self.assertEqual(got["X-Mixed"], "${secret.TOKEN}|" + SECRET)  # only the secret part is resolved
        self.assertEqual(got["Authorization"],
                         "Basic " + base64.b64encode(b"${secret.TOKEN}:${secret.TOKEN}").decode("ascii"))
        self.assertEqual(asked, ["TOKEN"])  # exactly one lookup: the one secret part

    def test_basic_auth_parts_resolve_the_secret_part(self) -> None:
        path = "/echo/" + self.key()
        options = json.dumps({"basic_auth": {"username": [{"text": "svc"}], "password": [secret("TOKEN")]}})
        r = call("GET", self.server.url(path), {}, options=options)
        self.assertTrue(r["ok"], r)
        expected = base64.b64encode(("svc:" + SECRET).encode("utf-8")).decode("ascii")
        self.assertEqual(self.server.hits(path)[-1]["headers"]["Authorization"], "Basic " + expected)
        self.assertNotIn(SECRET, json.dumps(r))
        self.assertNotIn(expected, json.dumps(r))

    def test_undeclared_secret_is_refused_before_any_secret_is_read(self) -> None:
        asked: List[str] = []

        def recording(name: str) -> Optional[str]:
            asked.append(name)
            return "value-of-" + name

        path = "/echo/" + self.key()
        cases = (({"Authorization": bearer("TOKEN"), "X-Other": [secret("SNOWFLAKE_PASSWORD")]}, None),
                 ({"Authorization": bearer("TOKEN")},
                  json.dumps({"basic_auth": {"username": "u", "password": [secret("SNOWFLAKE_PASSWORD")]}})))
        for headers, options in cases:
            r = call("GET", self.server.url(path), headers, options=options, secrets=recording, declared=["TOKEN"])
            self.assertEqual(r["error"]["kind"], "bad_request", r)
            self.assertIn("secret SNOWFLAKE_PASSWORD is not one of the secrets the spec uses (TOKEN)",
                          r["error"]["message"])
            self.assertEqual(r["attempts"], [])
        # no options.secrets at all: no secret may be read
        r = json.loads(gen_http_core.http_request("GET", self.server.url(path), json.dumps({"X": [secret("TOKEN")]}),
                                                  None, None, recording))
        self.assertEqual(r["error"]["kind"], "bad_request")
        self.assertEqual(asked, [])
        self.assertEqual(self.server.hits(path), [])

    def test_no_placeholder_scan_in_the_primitive(self) -> None:
        # secrets are found by part, never by searching text: no ${secret pattern may come back into the code
        with open(os.path.join(PLUGINS_DIR, "gen_http_core.py"), encoding="utf-8") as f:
            source = f.read()
        self.assertNotIn("${secret", source)
        self.assertNotIn("\\{secret", source)

    def test_crlf_in_header_value_rejected(self) -> None:
        path = "/echo/" + self.key()
        r = call("GET", self.server.url(path), {"X-Evil": "a\r\nX-Injected: 1"})
        self.assertEqual(r["error"]["kind"], "bad_request")
        r = call("GET", self.server.url(path), {"X-Evil": [secret("TOKEN")]}, secrets=lambda n: "v\nX-Injected: 1")
        self.assertEqual(r["error"]["kind"], "bad_request")
        self.assertNotIn("X-Injected", r["error"]["message"])  # the secret value is redacted
        self.assertEqual(self.server.hits(path), [])

    def test_bad_request_cases_send_nothing(self) -> None:
        for method, url in (("GET", "file:///etc/passwd"), ("GET", "not a url"), ("GET", "http://127.0.0.1:99999/x"),
                            ("G T", self.server.url("/echo/x"))):
            r = call(method, url)
            self.assertEqual(r["error"]["kind"], "bad_request", (method, url, r))
            self.assertEqual(r["attempts"], [])

    # --- URL handling ---
    def test_query_params_encoded_and_appended(self) -> None:
        opts = json.dumps({"query": {"q": "a b&c=d/é", "n": 1, "flag": True, "multi": ["x", "y"]}})
        r = call("GET", self.server.url("/echo/q?z=1"), options=opts)
        self.assertTrue(r["ok"], r)
        q = self.server.hits("/echo/q")[-1]["query"]
        self.assertEqual(q, "z=1&q=a+b%26c%3Dd%2F%C3%A9&n=1&flag=true&multi=x&multi=y")
        call("GET", self.server.url("/echo/q2"), options=opts)
        self.assertTrue(self.server.hits("/echo/q2")[-1]["query"].startswith("q=a+b"))

    def test_error_message_excludes_query_userinfo_and_secret(self) -> None:
        url = "http://user:pa55word@127.0.0.1:%d/status/404?api_key=%s" % (self.server.port, SECRET)
        r = call("GET", url, {"X-Key": [secret("TOKEN")]}, options=json.dumps({"query": {"k": "v"}}))
        msg = r["error"]["message"]
        self.assertTrue(msg.startswith("GET http://127.0.0.1:%d/status/404: HTTP 404" % self.server.port), msg)
        for leaked in ("api_key", SECRET, "pa55word", "user:", "k=v"):
            self.assertNotIn(leaked, json.dumps(r), leaked)
        got = self.server.hits("/status/404")[-1]
        self.assertEqual(got["headers"]["Authorization"], "Basic dXNlcjpwYTU1d29yZA==")  # userinfo -> Basic auth

    def test_redirects_followed_without_credentials_to_another_host(self) -> None:
        headers = {"Authorization": bearer("TOKEN")}
        same = self.server.url("/echo/same")
        r = call("GET", self.server.url("/redirect?" + urllib.parse.urlencode({"to": same})), headers)
        self.assertTrue(r["ok"], r)
        self.assertEqual(self.server.hits("/echo/same")[-1]["headers"]["Authorization"], "Bearer " + SECRET)
        other = "http://localhost:%d/echo/other" % self.server.port  # another host name, same server
        r = call("GET", self.server.url("/redirect?" + urllib.parse.urlencode({"to": other})), headers)
        self.assertTrue(r["ok"], r)
        self.assertNotIn("Authorization", self.server.hits("/echo/other")[-1]["headers"])
        r = call("GET", self.server.url("/redirect?to=file:///etc/passwd"), headers)
        self.assertEqual((r["ok"], r["status_code"], r["error"]["kind"]), (False, 302, "http"))

    # --- argument validation and misc ---
    def test_malformed_arguments_raise_value_error(self) -> None:
        url = self.server.url("/echo/never")
        for headers, options in (("{bad", None), ("[1]", None), ('{"a": {"b": 1}}', None), ("{}", "{bad"),
                                 ("{}", '{"retry": {"on": ["4xx"]}}'), ("{}", '{"retry": {"max_attempts": 0}}'),
                                 ("{}", '{"timeout_s": -1}'), ("{}", '{"query": [1]}'),
                                 ('{"a": [1]}', None), ('{"a": [{"text": 1}]}', None), ('{"a": true}', None),
                                 ('{"a": [{"secret": "bad name"}]}', None), ('{"a": [{"secret": "${secret.X}"}]}', None),
                                 ('{"a": [{"text": "x", "secret": "X"}]}', None), ('{"a": [{"env": "X"}]}', None),
                                 ("{}", '{"secrets": "TOKEN"}'), ("{}", '{"secrets": ["not a name"]}'),
                                 ("{}", '{"basic_auth": "u:p"}'), ("{}", '{"basic_auth": {"username": [{"s": 1}]}}')):
            with self.assertRaises(ValueError, msg=(headers, options)):
                gen_http_core.http_request("GET", url, headers, None, options, resolver)
        self.assertEqual(self.server.hits("/echo/never"), [])
        r = json.loads(gen_http_core.http_request("GET", self.server.url("/echo/nulls"), None, None, "null", None))
        self.assertTrue(r["ok"])

    def test_sleep_seconds(self) -> None:
        t0 = time.monotonic()
        self.assertEqual(gen_http_core.sleep_seconds(0.05), 0.05)
        self.assertGreaterEqual(time.monotonic() - t0, 0.05)
        self.assertEqual(gen_http_core.sleep_seconds(-3), 0.0)
        with mock.patch.object(gen_http_core.time, "sleep") as sleep:
            self.assertEqual(gen_http_core.sleep_seconds(10 ** 9), 3600.0)
            sleep.assert_called_once_with(3600.0)
        self.assertEqual(gen_http_core.sleep_seconds(float("nan")), 0.0)
        self.assertEqual(gen_http_core.GEN_HTTP_CORE_VERSION, "1")

    def test_source_is_embeddable_and_does_no_network_at_import(self) -> None:
        with open(os.path.join(PLUGINS_DIR, "gen_http_core.py"), encoding="utf-8") as f:
            source = f.read()
        self.assertIsNone(re.search(r"^\s*from __future__", source, re.M))
        self.assertNotIn("import requests", source)
        # as a Snowflake procedure body would: code pasted into another module's namespace
        namespace: Dict[str, Any] = {"__name__": "snowflake_procedure_body"}
        with mock.patch.object(socket.socket, "connect", side_effect=AssertionError("network at import")), \
                mock.patch.object(socket, "create_connection", side_effect=AssertionError("network at import")):
            exec(compile(source + "\n\ndef handler():\n    return GEN_HTTP_CORE_VERSION\n", "proc", "exec"), namespace)
        self.assertEqual(namespace["handler"](), "1")
        self.assertTrue(callable(namespace["http_request"]))


def batch(requests: List[Dict[str, Any]], concurrency: int) -> List[Dict[str, Any]]:
    return json.loads(gen_http_core.http_batch(json.dumps(requests), concurrency, resolver))


class HttpBatchTest(unittest.TestCase):
    """http_batch: the fan-out primitive, many requests of one step at once."""

    def setUp(self) -> None:
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)

    def test_results_in_request_order_each_with_its_own_response(self) -> None:
        requests = [{"method": "POST", "url": self.server.url("/echo/row%d" % i), "body": {"row": i},
                     "options": json.loads(fast_retry())} for i in range(20)]
        results = batch(requests, 8)
        self.assertEqual(len(results), 20)
        for i, r in enumerate(results):
            self.assertTrue(r["ok"], r)
            self.assertEqual(r["body"]["path"], "/echo/row%d" % i)
            self.assertEqual(json.loads(r["body"]["body_text"]), {"row": i})
        self.assertEqual(len(self.server.requests), 20)

    def test_at_most_concurrency_requests_in_flight(self) -> None:
        requests = [{"url": self.server.url("/inflight/%d" % i), "options": json.loads(fast_retry())}
                    for i in range(12)]
        self.assertTrue(all(r["ok"] for r in batch(requests, 3)))
        self.assertLessEqual(self.server.max_in_flight, 3)
        self.assertGreaterEqual(self.server.max_in_flight, 2)  # they did overlap
        self.server.max_in_flight = 0
        self.assertTrue(all(r["ok"] for r in batch(requests[:4], 1)))
        self.assertEqual(self.server.max_in_flight, 1)

    def test_each_request_keeps_its_retry_policy(self) -> None:
        requests = [{"url": self.server.url("/flaky/a?fail=1&status=503"), "options": json.loads(fast_retry())},
                    {"url": self.server.url("/flaky/b?fail=1&status=503"),
                     "options": json.loads(fast_retry(max_attempts=1))}]
        a, b = batch(requests, 2)
        self.assertTrue(a["ok"], a)
        self.assertEqual([x["outcome"] for x in a["attempts"]], ["retry", "success"])
        self.assertFalse(b["ok"])
        self.assertEqual(b["status_code"], 503)

    def test_one_failure_does_not_stop_the_others(self) -> None:
        requests = [{"url": self.server.url("/echo/ok1")}, {"url": self.server.url("/status/422")},
                    {"url": self.server.url("/echo/ok2"), "headers": "not an object"},
                    {"url": self.server.url("/echo/ok3")}]
        results = batch(requests, 4)
        self.assertEqual([r["ok"] for r in results], [True, False, False, True])
        self.assertEqual(results[1]["status_code"], 422)
        self.assertEqual(results[2]["error"]["kind"], "bad_request")
        self.assertEqual(batch([], 8), [])

    def test_secrets_resolved_per_request_and_never_returned(self) -> None:
        options = {"secrets": ["TOKEN"], "timeout_s": 5}
        results = batch([{"url": self.server.url("/leak-json/%d" % i), "headers": {"Authorization": bearer("TOKEN")},
                          "options": options} for i in range(3)], 3)
        for r in results:
            self.assertTrue(r["ok"], r)
            self.assertNotIn(SECRET, json.dumps(r))
        self.assertEqual(self.server.hits("/leak-json/0")[0]["headers"]["Authorization"], "Bearer " + SECRET)


if __name__ == "__main__":
    unittest.main()
