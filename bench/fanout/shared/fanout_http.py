# Batch HTTP primitive of the fan-out prototypes (a measurement tool, not product code): runs a list of
# requests through gen_http_core.http_request (the generated runtime's one HTTP primitive, reused as it is)
# with up to `concurrency` requests in flight. Each request keeps its retry policy (options.retry).
import importlib.util
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.normpath(os.path.join(_HERE, "..", "..", ".."))


def _load_core() -> Any:
    if "gen_http_core" in sys.modules:
        return sys.modules["gen_http_core"]
    # The runtime is moving from dbt_project_template/plugins to runtime/plugins: take whichever exists.
    for rel in (("runtime", "plugins"), ("dbt_project_template", "plugins")):
        path = os.path.join(_REPO, *rel, "gen_http_core.py")
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("gen_http_core", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules["gen_http_core"] = module
            spec.loader.exec_module(module)
            return module
    raise ImportError("gen_http_core.py not found under runtime/plugins or dbt_project_template/plugins")


gen_http_core = _load_core()


def _env_secret(name: str) -> Optional[str]:
    return os.environ.get(name)


def run_batch(requests: List[Dict[str, Any]], concurrency: int) -> List[Dict[str, Any]]:
    """requests: [{id, method, url, headers, body (text or None), options}] -> [{id, result}] in the same order."""
    def one(r: Dict[str, Any]) -> Dict[str, Any]:
        text = gen_http_core.http_request(
            r.get("method") or "GET", r.get("url") or "",
            json.dumps(r.get("headers") or {}), r.get("body"), json.dumps(r.get("options") or {}), _env_secret)
        return {"id": r.get("id"), "result": json.loads(text)}

    if not requests:
        return []
    workers = max(1, min(int(concurrency or 1), len(requests)))
    if workers == 1:
        return [one(r) for r in requests]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, requests))


def http_batch(requests_json: Optional[str], concurrency: Optional[int]) -> str:
    """The UDF form: a JSON array of requests in, a JSON array of {id, result} out."""
    requests = json.loads(requests_json) if requests_json else []
    return json.dumps(run_batch(requests, concurrency or 1), ensure_ascii=False)
