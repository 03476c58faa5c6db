# gen_http_core: the one HTTP primitive of a generated project.
# Copied verbatim into plugins/ (DuckDB UDF) and embedded into the Snowflake procedure
# body, so: standard library only (certifi's CA bundle where it is installed), no `from __future__`,
# no package-relative imports, no network at import time, and typing that Python 3.9 accepts.
import base64
import email.utils
import http.client
import json
import random
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

GEN_HTTP_CORE_VERSION = "1"

_SECRET_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token (methods, header names)
_RETRY_CLASSES = ("connect", "timeout", "429", "5xx")
MAX_BATCH_CONCURRENCY = 64
_DEFAULT_RETRY: Dict[str, Any] = {"max_attempts": 3, "backoff_s": 1, "max_backoff_s": 30, "on": list(_RETRY_CLASSES)}


def sleep_seconds(seconds: float) -> float:
    """Sleep (clamped to [0, 3600] so a bad value cannot hang a run) and return the seconds slept."""
    s = float(seconds or 0)
    s = 0.0 if s != s else min(max(s, 0.0), 3600.0)  # NaN -> 0
    if s > 0:
        time.sleep(s)
    return s


_SSL_CONTEXT: List[ssl.SSLContext] = []


def _ca_bundle() -> Optional[str]:
    # certifi's bundle where certifi is installed: the Snowflake procedure declares it (PACKAGES) because the
    # CA store of its sandbox is not documented; Snowflake's Anaconda channel ships it
    # (https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-packages). Elsewhere without
    # certifi: None, the platform's default store.
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


# One opener per scheme for the process, as urllib's own urlopen keeps one: building one per request (its ten
# handlers, and the proxy settings read from the whole environment) cost more CPU than the request itself in a
# batch of thousands. Openers keep no state between requests, so threads share them.
_OPENERS: Dict[str, Any] = {}
_OPENERS_LOCK = threading.Lock()


def _opener(scheme: str) -> Any:
    with _OPENERS_LOCK:
        context = _ssl_context() if scheme == "https" else None
        key = "%s:%d" % (scheme, id(context))  # a new TLS context (a new CA bundle) gets a new opener
        if key not in _OPENERS:
            handlers: List[Any] = [_RedirectHandler()]
            if context is not None:  # (an http->https redirect uses urllib's default, also verifying, context)
                handlers.append(urllib.request.HTTPSHandler(context=context))
            _OPENERS[key] = urllib.request.build_opener(*handlers)
        return _OPENERS[key]


def _ssl_context() -> ssl.SSLContext:
    # Loading the CA store costs ~50 ms: do it once per process, and only when https is used.
    if not _SSL_CONTEXT:
        _SSL_CONTEXT.append(ssl.create_default_context(cafile=_ca_bundle()))
    return _SSL_CONTEXT[0]


def _parse_object(text: Optional[str], what: str) -> Dict[str, Any]:
    # Malformed arguments are programming errors of the generated macros: raise, do not hide them.
    if text is None or str(text).strip() in ("", "null"):
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValueError("%s is not valid JSON: %s" % (what, exc))
    if not isinstance(value, dict):
        raise ValueError("%s must be a JSON object" % what)
    return value


def _number(value: Any, what: str, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ValueError("options_json: %s must be a number >= %s" % (what, minimum))
    return float(value)


def _parse_options(options: Dict[str, Any]) -> Tuple[float, int, float, float, List[str], Dict[str, Any]]:
    timeout = _number(30 if options.get("timeout_s") is None else options["timeout_s"], "timeout_s", 0.001)
    retry = dict(_DEFAULT_RETRY)
    if options.get("retry") is not None:
        if not isinstance(options["retry"], dict):
            raise ValueError("options_json: retry must be an object")
        retry.update({k: v for k, v in options["retry"].items() if v is not None})
    attempts = retry["max_attempts"]
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValueError("options_json: retry.max_attempts must be an integer >= 1")
    on = retry["on"]
    if not isinstance(on, list) or any(c not in _RETRY_CLASSES for c in on):
        raise ValueError("options_json: retry.on must be a list of %s" % ", ".join(_RETRY_CLASSES))
    query = options.get("query") or {}
    if not isinstance(query, dict):
        raise ValueError("options_json: query must be an object")
    return (timeout, attempts, _number(retry["backoff_s"], "retry.backoff_s", 0),
            _number(retry["max_backoff_s"], "retry.max_backoff_s", 0), on, query)


# A header value, and each basic-auth field, is a list of parts: {"text": s} is literal text, sent as it is (values
# from inputs, env or earlier responses included: never scanned for placeholders), and {"secret": NAME} is a secret
# the spec itself placed there. A plain string is one text part. Secrets are looked up by the names in secret parts
# only, and only for names in options.secrets (the spec's secrets, listed when the project was generated).
Parts = List[Tuple[bool, str]]  # (is a secret, literal text or secret name)


def _parse_parts(value: Any, what: str) -> Parts:
    if isinstance(value, str):
        return [(False, value)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [(False, str(value))]
    if not isinstance(value, list):
        raise ValueError("%s must be a string or a list of parts" % what)
    parts: Parts = []
    for part in value:
        if isinstance(part, dict) and len(part) == 1:
            kind, text = next(iter(part.items()))
            if kind == "text" and isinstance(text, str):
                parts.append((False, text))
                continue
            if kind == "secret" and isinstance(text, str) and _SECRET_NAME_RE.match(text):
                parts.append((True, text))
                continue
        # the part itself is not echoed: it may hold runtime data
        raise ValueError('%s: each part must be {"text": string} or {"secret": NAME}' % what)
    return parts


def _declared_secrets(options: Dict[str, Any]) -> List[str]:
    names = options.get("secrets") or []
    if not isinstance(names, list) or any(not isinstance(n, str) or not _SECRET_NAME_RE.match(n) for n in names):
        raise ValueError("options_json: secrets must be a list of secret names")
    return names


def _query_value(v: Any) -> str:
    # JSON spelling for booleans/null ("true", not Python's "True").
    return v if isinstance(v, str) else json.dumps(v) if isinstance(v, (bool, type(None))) else str(v)


def _parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After is delta-seconds or an HTTP date; unparseable values are ignored."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# Shorter values are not redacted: replacing a 1-3 character "secret" everywhere would corrupt ordinary
# response data (a secret "x" would turn every x into ***), and such a value protects nothing anyway.
MIN_REDACTED_LENGTH = 4


class _Redactor:
    def __init__(self) -> None:
        self.values: List[str] = []

    def add(self, value: str) -> None:
        if len(value) >= MIN_REDACTED_LENGTH and value not in self.values:
            self.values.append(value)
            self.values.sort(key=len, reverse=True)  # longest first, so overlapping secrets vanish whole

    def text(self, s: str) -> str:
        for v in self.values:
            s = s.replace(v, "***")
        return s

    def any(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.any(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self.any(v) for k, v in value.items()}
        return value


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    # Follow redirects as urllib does, but only to http(s), and never carry credentials to another host.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            target = urllib.parse.urlsplit(new.full_url)
            if target.scheme not in ("http", "https"):
                raise urllib.error.HTTPError(newurl, code, "redirect to a non-http(s) URL refused", headers, fp)
            if target.netloc != urllib.parse.urlsplit(req.full_url).netloc:
                for name in [h for h in new.headers if h.lower() in ("authorization", "cookie")]:
                    del new.headers[name]
        return new


def _outcome(kind: Optional[str], message: Optional[str], status: Optional[int], body: Any, text: Optional[str],
             attempts: List[Dict[str, Any]], started: float) -> str:
    return json.dumps({
        "ok": kind is None, "status_code": status, "body": body, "text": text,
        "error": None if kind is None else {"kind": kind, "message": message},
        "attempts": attempts, "elapsed_ms": int((time.monotonic() - started) * 1000),
    }, ensure_ascii=False)


def http_request(method: str, url: str, headers_json: Optional[str], body_json: Optional[str],
                 options_json: Optional[str], secret_resolver: Optional[Callable[[str], Optional[str]]]) -> str:
    """Send one HTTP request with retries; return the JSON result text:
    {ok, status_code, body, text, error: {kind, message} | null, attempts, elapsed_ms}.

    headers_json: {name: value parts} (see Parts); options_json: {timeout_s, retry, query, basic_auth: {username,
    password} as value parts, secrets: the names secret parts may use}. secret_resolver(name) reads one secret.
    Never raises for network/HTTP problems; raises ValueError for malformed headers_json/options_json.
    """
    started = time.monotonic()
    headers = _parse_object(headers_json, "headers_json")
    options = _parse_object(options_json, "options_json")
    timeout, max_attempts, backoff, max_backoff, retry_on, query = _parse_options(options)
    declared = _declared_secrets(options)
    header_parts: List[Tuple[str, Parts]] = [
        (str(name), _parse_parts(value, "headers_json: value of %s" % name)) for name, value in headers.items()]
    basic = options.get("basic_auth")
    basic_parts: Optional[Tuple[Parts, Parts]] = None
    if basic is not None:
        if not isinstance(basic, dict):
            raise ValueError("options_json: basic_auth must be an object")
        basic_parts = (_parse_parts(basic.get("username", ""), "options_json: basic_auth.username"),
                       _parse_parts(basic.get("password", ""), "options_json: basic_auth.password"))
    redact = _Redactor()
    method = (method or "GET").strip().upper()
    parts = urllib.parse.urlsplit((url or "").strip())
    hostport = parts.netloc.rpartition("@")[2]
    shown = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path, "", ""))  # no userinfo, no query
    where = "%s %s" % (method, shown)

    def fail(kind: str, message: str) -> str:
        return _outcome(kind, redact.text("%s: %s" % (where, message)), None, None, None, [], started)

    # --- validate and build the request; nothing is sent if anything is wrong ---
    if not _TOKEN_RE.match(method):
        return fail("bad_request", "invalid HTTP method %r" % method)
    try:
        parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        return fail("bad_request", "invalid URL: %s" % exc)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return fail("bad_request", "URL must be absolute http(s)://host/...")
    asked = [name for _, value_parts in header_parts for is_secret, name in value_parts if is_secret]
    if basic_parts is not None:
        asked += [name for value_parts in basic_parts for is_secret, name in value_parts if is_secret]
    for name in asked:  # checked before any secret is read
        if name not in declared:
            return fail("bad_request", "secret %s is not one of the secrets the spec uses (%s)"
                        % (name, ", ".join(declared) or "none"))
    missing: List[str] = []

    def join_parts(value_parts: Parts) -> Optional[str]:
        out: List[str] = []
        for is_secret, text in value_parts:
            if is_secret:
                try:
                    resolved = secret_resolver(text) if secret_resolver else None
                except Exception:  # a failing secret backend is the same as a missing secret
                    resolved = None
                if resolved is None:
                    missing.append(text)
                    return None
                text = str(resolved)
                redact.add(text)
            out.append(text)
        return "".join(out)

    def missing_secret() -> str:
        return fail("secret_missing", "secret %s is not set (locally: set the environment variable %s)"
                    % (missing[0], missing[0]))

    send_headers: Dict[str, str] = {}
    for name, value_parts in header_parts:
        if not _TOKEN_RE.match(name):
            return fail("bad_request", "invalid header name %r" % name)
        value = join_parts(value_parts)
        if value is None:
            return missing_secret()
        if "\r" in value or "\n" in value:  # header injection
            return fail("bad_request", "header %s contains CR/LF" % name)
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:  # HTTP/1.1 header values are ISO-8859-1; never echo the value (may be a secret)
            return fail("bad_request", "header %s holds characters outside ISO-8859-1" % name)
        if name.lower() in ("authorization", "proxy-authorization"):  # never echo credentials back
            redact.add(value.split(" ", 1)[-1].strip())
        send_headers[name] = value
    if basic_parts is not None:  # encoded here, after secret resolution, so the credentials never exist in SQL
        user, password = join_parts(basic_parts[0]), join_parts(basic_parts[1])
        if user is None or password is None:
            return missing_secret()
        token = base64.b64encode((user + ":" + password).encode("utf-8")).decode("ascii")
        redact.add(password)
        redact.add(token)
        send_headers["Authorization"] = "Basic " + token
    lower = {k.lower() for k in send_headers}
    if parts.username is not None:  # userinfo becomes Basic auth (urllib would try to resolve it as a host)
        user, pw = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(("%s:%s" % (user, pw)).encode("utf-8")).decode("ascii")
        redact.add(pw)
        redact.add(token)
        if "authorization" not in lower:
            send_headers["Authorization"] = "Basic " + token
    data = body_json.encode("utf-8") if body_json else None
    if data is not None and "content-type" not in lower:
        send_headers["Content-Type"] = "application/json; charset=utf-8"
    if "accept" not in lower:
        send_headers["Accept"] = "application/json"
    if "user-agent" not in lower:  # some gateways reject urllib's default agent
        send_headers["User-Agent"] = "gen-http-core/" + GEN_HTTP_CORE_VERSION
    query_string = parts.query
    if query:
        extra = urllib.parse.urlencode(
            [(k, _query_value(x)) for k, v in query.items() for x in (v if isinstance(v, list) else [v])])
        query_string = "%s&%s" % (query_string, extra) if query_string else extra
    full_url = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path or "/", query_string, ""))
    opener = _opener(parts.scheme)

    # --- attempts ---
    attempts: List[Dict[str, Any]] = []
    for attempt in range(1, max_attempts + 1):
        t0 = time.monotonic()
        status: Optional[int] = None
        reason = ""
        raw = b""
        failure: Optional[str] = None  # retry class: connect / timeout / 429 / 5xx, or http / invalid_json
        cause = ""
        retry_after: Optional[float] = None
        charset = "utf-8"
        try:
            req = urllib.request.Request(full_url, data=data, headers=send_headers, method=method)
            try:
                with opener.open(req, timeout=timeout) as resp:
                    status, reason, raw = resp.status, resp.reason, resp.read()
                    charset = resp.headers.get_content_charset() or "utf-8"
            except urllib.error.HTTPError as exc:  # a response with a non-2xx status
                status, reason = exc.code, str(exc.reason)
                try:
                    raw = exc.read()
                except (OSError, http.client.HTTPException):
                    raw = b""
                if exc.headers is not None:
                    charset = exc.headers.get_content_charset() or "utf-8"
                    retry_after = _parse_retry_after(exc.headers.get("Retry-After"))
        except (socket.timeout, TimeoutError) as exc:  # read timeout (socket.timeout is distinct on 3.9)
            failure, cause = "timeout", str(exc) or "timed out"
        except urllib.error.URLError as exc:  # connect-phase errors come wrapped
            timed_out = isinstance(exc.reason, (socket.timeout, TimeoutError))
            failure, cause = ("timeout" if timed_out else "connect"), str(exc.reason)
        except (ValueError, UnicodeError) as exc:  # e.g. a header value that is not latin-1
            return fail("bad_request", str(exc))
        except (OSError, http.client.HTTPException) as exc:  # reset, remote disconnected, incomplete read
            failure, cause = "connect", str(exc) or type(exc).__name__
        text = raw.decode(charset, errors="replace") if raw else ""
        body: Any = None
        if status is not None:
            try:
                body = json.loads(text) if text.strip() else None
                parsed = True
            except ValueError:
                parsed = False
            if 200 <= status < 300:
                failure = None if parsed else "invalid_json"
            else:
                failure = "429" if status == 429 else "5xx" if 500 <= status < 600 else "http"
        retry = failure in retry_on and attempt < max_attempts
        sleep_s: Optional[float] = None
        if retry:
            sleep_s = min(max_backoff, backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            if status in (429, 503) and retry_after is not None:  # the server knows best, within our cap
                sleep_s = min(max_backoff, max(retry_after, sleep_s))
        error = (None if failure is None else cause if status is None
                 else "HTTP %d (%s)" % (status, reason) if failure != "invalid_json" else "invalid JSON response")
        attempts.append({"attempt": attempt, "status_code": status,
                         "outcome": "retry" if retry else "failed" if failure else "success",
                         "latency_ms": int((time.monotonic() - t0) * 1000),
                         "error": redact.text(error) if error else None,
                         "retry_after_s": retry_after, "sleep_s": None if sleep_s is None else round(sleep_s, 3)})
        if retry:
            time.sleep(sleep_s or 0)
            continue
        # --- final attempt: build the result ---
        times = " after %d attempts" % attempt if attempt > 1 else ""
        red_text = redact.text(text)
        out_text = red_text[:4000] if status is not None and text.strip() and not parsed else None
        out_body = redact.any(body)
        if failure is None:
            return _outcome(None, None, status, out_body, out_text, attempts, started)
        if failure == "invalid_json":
            message = "HTTP %d: response is not valid JSON: %s" % (status, red_text[:200])
            return _outcome("invalid_json", redact.text("%s: %s" % (where, message)), status, None, out_text, attempts, started)
        if status is None:
            label = "connection failed" if failure == "connect" else "timed out (timeout_s=%g)" % timeout
            message = "%s%s: %s" % (label, times, cause)
        else:
            message = "HTTP %d%s (%s)" % (status, times, reason) + (": " + red_text[:300] if red_text.strip() else "")
        kind = failure if failure in ("connect", "timeout") else "http"
        return _outcome(kind, redact.text("%s: %s" % (where, message)), status, out_body, out_text, attempts, started)
    raise AssertionError("unreachable: max_attempts >= 1")


def http_batch(requests_json: Optional[str], concurrency: Optional[int],
               secret_resolver: Optional[Callable[[str], Optional[str]]]) -> str:
    """Send a batch of requests, up to `concurrency` at once (clamped to [1, MAX_BATCH_CONCURRENCY]); each one is
    http_request with its own options (the connection's timeout and retry policy). requests_json: a JSON array of
    {method, url, headers, body (any JSON value; absent or null: no body), options}. Returns a JSON array of
    http_request's results, in the order of the requests. A request that is malformed gets a bad_request result
    instead of stopping the others."""
    requests = json.loads(requests_json) if requests_json else []
    if not isinstance(requests, list):
        raise ValueError("requests_json must be a JSON array")

    def one(request: Any) -> Dict[str, Any]:
        started = time.monotonic()
        try:
            if not isinstance(request, dict):
                raise ValueError("a request must be a JSON object")
            has_body = request.get("body") is not None
            text = http_request(str(request.get("method") or "GET"), str(request.get("url") or ""),
                                json.dumps(request.get("headers") or {}),
                                json.dumps(request["body"]) if has_body else None,
                                json.dumps(request.get("options") or {}), secret_resolver)
            return json.loads(text)
        except ValueError as exc:
            return json.loads(_outcome("bad_request", str(exc), None, None, None, [], started))

    workers = max(1, min(int(concurrency or 1), MAX_BATCH_CONCURRENCY, len(requests) or 1))
    if workers == 1:
        results = [one(r) for r in requests]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, requests))
    return json.dumps(results, ensure_ascii=False)
