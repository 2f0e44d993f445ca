"""Racers for the race tests: worker processes (spawned, each with its own app, engine and
connections) that wait at one barrier and then make their request at the same moment.

A task is a tuple:
  ("api", method, path, json, token)   → (status, error message or "")
  ("upload", method, path, {part: (bytes, filename)}, token) → the same, as multipart/form-data
  ("page", email, path, form)          → (status, "") — logged in once per worker and email, before the barrier
  ("advance", now)                     → ("moved", n): the scheduler's job at time now
  ("noop",)                            → ("noop", "")
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import queue
from typing import Any

#: seconds a worker waits at the barrier, and the test waits for a round's results
TIMEOUT = 60
PASSWORD = "correct horse battery"


def _serve(index: int, url: str, instance: str, barrier: Any, tasks: Any, results: Any) -> None:
    from chamber import create_app

    app = create_app({
        "TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "race",
        "WTF_CSRF_ENABLED": False,
    })
    api = app.test_client()
    pages: dict[str, Any] = {}
    results.put((index, ("ready", "")))
    while True:
        task = tasks.get()
        if task is None:
            break
        try:
            if task[0] == "page" and task[1] not in pages:
                client = pages[task[1]] = app.test_client()
                resp = client.post("/login", data={"email": task[1], "password": PASSWORD})
                assert resp.status_code == 302, resp.status_code
            barrier.wait(TIMEOUT)
            results.put((index, _act(app, api, pages, task)))
        except Exception as err:  # reported to the test, which fails on it
            results.put((index, ("error", repr(err))))
    app.extensions["chamber.db"].engine.dispose()


def _act(app: Any, api: Any, pages: dict[str, Any], task: tuple[Any, ...]) -> tuple[Any, str]:
    kind = task[0]
    if kind == "api":
        _kind, method, path, body, token = task
        resp = api.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
        message = (resp.get_json(silent=True) or {}).get("error", {}).get("message", "") if resp.status_code >= 400 else ""
        return resp.status_code, message
    if kind == "upload":
        import io

        _kind, method, path, parts, token = task
        data = {name: (io.BytesIO(content), filename) for name, (content, filename) in parts.items()}
        resp = api.open(path, method=method, data=data, content_type="multipart/form-data",
                        headers={"Authorization": f"Bearer {token}"})
        message = (resp.get_json(silent=True) or {}).get("error", {}).get("message", "") if resp.status_code >= 400 else ""
        return resp.status_code, message
    if kind == "page":
        _kind, email, path, form = task
        resp = pages[email].post(path, data=form)
        return resp.status_code, ""
    if kind == "advance":
        from campaigns.jobs import advance_campaigns

        return "moved", str(advance_campaigns(app, now=task[1]))
    return "noop", ""


class Racers:
    """n worker processes; race(*tasks) starts the tasks at once and returns their results in order."""

    def __init__(self, url: str, instance: str, n: int) -> None:
        ctx = mp.get_context("spawn")
        self.n = n
        self.barrier = ctx.Barrier(n)
        self.tasks = [ctx.Queue() for _ in range(n)]
        self.results: Any = ctx.Queue()
        self.procs = [
            ctx.Process(target=_serve, args=(i, url, instance, self.barrier, q, self.results), daemon=True)
            for i, q in enumerate(self.tasks)
        ]
        for p in self.procs:
            p.start()
        self.started = False

    def wait_ready(self) -> None:
        """Wait until every worker has built its app (they start while the caller prepares the data)."""
        ready = [self._result() for _ in range(self.n)]
        assert all(r[1][0] == "ready" for r in ready), ready
        self.started = True

    def _result(self) -> tuple[int, Any]:
        for _ in range(TIMEOUT * 2):
            try:
                return self.results.get(timeout=1)
            except queue.Empty:
                dead = [p.exitcode for p in self.procs if not p.is_alive()]
                if dead:
                    raise AssertionError(f"a racer died (exit codes {dead})") from None
        raise AssertionError("a racer did not answer")

    def race(self, *tasks: tuple[Any, ...]) -> list[tuple[Any, str]]:
        """Run the tasks (at most n) at the same moment, one per worker; the other workers idle."""
        assert len(tasks) <= self.n
        if not self.started:
            self.wait_ready()
        for q, task in zip(self.tasks, [*tasks, *[("noop",)] * (self.n - len(tasks))], strict=True):
            q.put(task)
        out: list[Any] = [None] * self.n
        for _ in range(self.n):
            i, result = self._result()
            out[i] = result
        errors = [r for r in out if r[0] == "error"]
        assert not errors, errors
        return out[:len(tasks)]

    def close(self) -> None:
        for q in self.tasks:
            q.put(None)
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.terminate()


def later(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
