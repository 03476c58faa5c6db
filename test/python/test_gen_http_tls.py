"""TLS of runtime/plugins/gen_http_core.py (certifi's CA bundle), and the packages the Snowflake
procedure that embeds it declares (examples/*/snowflake/04_gen_http_request_procedure.sql, the generated output)."""
import ast
import datetime
import glob
import importlib.metadata
import ipaddress
import json
import os
import re
import shutil
import ssl
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, List, Set
from unittest import mock

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS_DIR = os.path.join(ROOT, "runtime", "plugins")
if PLUGINS_DIR not in sys.path:
    sys.path.insert(0, PLUGINS_DIR)

import gen_http_core  # noqa: E402


def self_signed(directory: str) -> str:
    """A CA-less self-signed certificate for 127.0.0.1 with its key, in one PEM file; returns its path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gen test server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    path = os.path.join(directory, "server.pem")
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return path


class TlsContextTest(unittest.TestCase):
    def setUp(self) -> None:
        # the context is made once per process: every test starts without one, and leaves none behind
        saved = list(gen_http_core._SSL_CONTEXT)
        gen_http_core._SSL_CONTEXT.clear()
        self.addCleanup(lambda: (gen_http_core._SSL_CONTEXT.clear(), gen_http_core._SSL_CONTEXT.extend(saved)))

    def test_the_context_trusts_exactly_certifis_bundle(self) -> None:
        with mock.patch.object(ssl, "create_default_context", wraps=ssl.create_default_context) as made:
            context = gen_http_core._ssl_context()
        made.assert_called_once_with(cafile=certifi.where())
        expected = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
        self.assertEqual(context.get_ca_certs(), expected)
        self.assertEqual(context.verify_mode, ssl.CERT_REQUIRED)
        self.assertTrue(context.check_hostname)
        self.assertIs(gen_http_core._ssl_context(), context)  # loaded once

    def test_without_certifi_the_platform_default_store(self) -> None:
        with mock.patch.dict(sys.modules, {"certifi": None}), \
                mock.patch.object(ssl, "create_default_context", wraps=ssl.create_default_context) as made:
            context = gen_http_core._ssl_context()
        made.assert_called_once_with(cafile=None)
        self.assertEqual(context.verify_mode, ssl.CERT_REQUIRED)

    def test_an_https_request_verifies_the_server_against_certifis_bundle(self) -> None:
        directory = tempfile.mkdtemp(prefix="gen-tls-")
        self.addCleanup(shutil.rmtree, directory)
        pem = self_signed(directory)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = b'{"tls": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = HTTPServer(("127.0.0.1", 0), Handler)
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(pem)
        server.socket = server_context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = "https://127.0.0.1:%d/ok" % server.server_address[1]
        options = json.dumps({"timeout_s": 5, "retry": {"max_attempts": 1}})

        # the server's certificate is in no public bundle: refused ...
        refused = json.loads(gen_http_core.http_request("GET", url, "{}", None, options, None))
        self.assertFalse(refused["ok"])
        self.assertRegex(json.dumps(refused["error"]), r"(?i)certificate")
        # ... and trusted once certifi's bundle is the one holding it
        gen_http_core._SSL_CONTEXT.clear()
        with mock.patch.object(certifi, "where", return_value=pem):
            trusted = json.loads(gen_http_core.http_request("GET", url, "{}", None, options, None))
        self.assertTrue(trusted["ok"], trusted)
        self.assertEqual(trusted["body"], {"tls": True})


PROCEDURES = sorted(glob.glob(os.path.join(ROOT, "examples", "*", "snowflake", "04_gen_http_request_procedure.sql")))
# Provided by Snowflake's Python runtime itself, not a package (it reads the procedure's SECRETS).
SNOWFLAKE_BUILTINS = {"_snowflake"}
# Every Python procedure declares Snowpark, whether or not its body imports it
# (https://docs.snowflake.com/en/developer-guide/stored-procedure/python/procedure-python-overview).
SNOWPARK = "snowflake-snowpark-python"


def imported_modules(source: str) -> Set[str]:
    """The top-level names of every absolute import in the source, at module level or inside a function."""
    names: Set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


class ProcedurePackagesTest(unittest.TestCase):
    def test_packages_are_exactly_what_the_body_imports_plus_snowpark(self) -> None:
        self.assertGreaterEqual(len(PROCEDURES), 1)
        distributions = importlib.metadata.packages_distributions()
        for path in PROCEDURES:
            with self.subTest(procedure=os.path.relpath(path, ROOT)):
                with open(path, encoding="utf-8") as f:
                    sql = f.read()
                declared_line = re.search(r"^\s*PACKAGES = \((.*)\)$", sql, re.MULTILINE)
                self.assertIsNotNone(declared_line)
                declared: List[str] = re.findall(r"'([^']*)'", declared_line.group(1) if declared_line else "")
                body = re.search(r"\nAS\n\$\$\n(.*?)\n\$\$;", sql, re.DOTALL)
                self.assertIsNotNone(body)
                third_party = {m for m in imported_modules(body.group(1) if body else "")
                               if m not in sys.stdlib_module_names and m not in SNOWFLAKE_BUILTINS}
                self.assertEqual(third_party, {"certifi"})
                packages = {dist.lower() for m in third_party for dist in distributions.get(m, [m])}
                self.assertEqual(len(declared), len(set(declared)), "a package is declared twice")
                self.assertEqual(set(declared), packages | {SNOWPARK})


if __name__ == "__main__":
    unittest.main()
