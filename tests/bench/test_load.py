"""The load generator (bench/load.py) against a real local HTTP server: every answer is counted
once, checked, and checked only after the batch's time is taken."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.endpoints import Call
from bench.load import LoadSpec, run_load


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 404 if self.path.startswith("/missing") else 200
        body = self.path.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def spec(port: int, calls: list[Call]) -> LoadSpec:
    return LoadSpec(
        host="127.0.0.1",
        port=port,
        calls=calls,
        headers={},
        expected_status=200,
        concurrency=4,
        deadline=time.monotonic() + 30,
    )


def test_each_answer_is_checked_and_counted_once(server):
    def echo(path: str):
        return lambda body: None if body == path.encode() else f"not {path}"

    calls = [Call(f"/ok/{i}", {}, echo(f"/ok/{i}")) for i in range(30)]
    calls += [Call(f"/wrong/{i}", {}, echo("/something-else")) for i in range(5)]
    calls += [Call(f"/missing/{i}", {}, echo(f"/missing/{i}")) for i in range(3)]

    result = run_load(spec(server, calls))

    assert result.completed == 30
    assert len(result.latencies) == 30 and all(latency > 0 for latency in result.latencies)
    assert result.errors == 8
    assert result.wrong == {"not /something-else": 5}
    assert result.statuses == {404: 3}
    assert result.timed_out is False


def test_the_checks_run_after_the_batch_is_timed(server):
    checked_at: list[float] = []

    def slow_check(body: bytes) -> None:
        checked_at.append(time.perf_counter())
        time.sleep(0.05)

    started = time.perf_counter()
    result = run_load(spec(server, [Call(f"/ok/{i}", {}, slow_check) for i in range(20)]))

    assert result.completed == 20
    assert len(checked_at) == 20
    # Every check (50 ms each) began after the batch's time was taken: none of it is in there.
    assert min(checked_at) >= started + result.elapsed
