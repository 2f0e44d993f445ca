"""chamber.pdf.render_pdf: CJK font embedding, the static-only URL fetcher, plain-data contexts."""
from __future__ import annotations

import base64
import re
import shutil
import subprocess
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask import g
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from chamber import pdf as pdf_mod
from chamber.models import User
from chamber.pdf import StaticOnlyFetcher, harfbuzz_subsetting, render_pdf
from tests.needs import missing


def _has_noto_cjk() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":family"], capture_output=True, text=True, check=False).stdout
    return "Noto Sans CJK SC" in out


@pytest.fixture
def cjk_font() -> None:
    """The CJK font the PDFs embed: skipped without it, failed in CI."""
    if not _has_noto_cjk():
        missing("the Noto Sans CJK SC font", "apt-get install fonts-noto-cjk")

# 1x1 transparent PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)).decode()

TEMPLATES = {
    "pdf/test_chinese.html": """{% extends "pdf/base.html" %}
{% block header %}{{ chamber.name }}{% endblock %}
{% block content %}<h1>缴费确认书</h1>
<table><tbody>{% for row in rows %}<tr><td>{{ row.name }}</td><td class="num">{{ row.amount }}</td></tr>{% endfor %}
</tbody></table>{% endblock %}""",
    "pdf/test_resources.html": """{% extends "pdf/base.html" %}
{% block head %}
<link rel="stylesheet" href="file:///etc/hostname">
<link rel="stylesheet" href="{{ secret_url }}">
<style>
  .a::before { content: url(file:///etc/passwd); }
  @font-face { font-family: X; src: url(http://127.0.0.1:9/font.woff); }
</style>
<link rel="attachment" href="{{ secret_url }}" title="secret">
<link rel="attachment" href="/static/favicon.svg" title="icon">
{% endblock %}
{% block content %}<h1>资源</h1>
<p class="a">a</p>
<img src="file:///etc/passwd">
<img src="http://127.0.0.1:9/x.png">
<img src="https://example.com/x.png">
<img src="../../../../../etc/passwd">
<img src="/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd">
<img src="data:image/png;base64,{{ png }}">
<img src="/static/favicon.svg">
{% endblock %}""",
}


@pytest.fixture
def pdf_app(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app, with the test templates above added to its template loader."""
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader]))
    return app


def pdf_objects(data: bytes) -> bytes:
    """The PDF with every Flate stream inflated (font dicts sit in compressed object streams)."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            inflated.append(match.group(1))
    return data + b"".join(inflated)


def test_chinese_text_embeds_a_subset_of_noto_sans_cjk_sc(pdf_app: Any, cjk_font: None) -> None:
    context = {"chamber": {"name": "西湖区微商商会"},
               "rows": [{"name": f"杭州西溪龙井茶叶工作室 {i}", "amount": "1250.00"} for i in range(3)]}
    with pdf_app.test_request_context():
        data = render_pdf("pdf/test_chinese.html", context)

    assert data.startswith(b"%PDF-")
    objects = pdf_objects(data)
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", objects))
    # "ABCDEF+" is the subset tag: the CJK font is embedded, and only the glyphs used.
    assert any(name.endswith(b"+Noto-Sans-CJK-SC") for name in fonts), fonts
    assert b"/FontFile" in objects
    assert len(data) < 1_000_000  # the full Noto Sans CJK face is ~16 MB


def test_weasyprint_subsets_fonts_with_harfbuzz(pdf_app: Any, caplog: pytest.LogCaptureFixture) -> None:
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is None:
        missing("HarfBuzz-Subset", "apt-get install libharfbuzz-subset0")
    assert harfbuzz_subsetting()
    with pdf_app.test_request_context():
        render_pdf("pdf/test_chinese.html", {"chamber": {"name": "商会"}, "rows": [{"name": "商户", "amount": "1"}]})
    assert "fontTools" not in caplog.text


def test_only_data_urls_and_static_files_are_fetched(
    pdf_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c body { color: red }")
    fetchers: list[StaticOnlyFetcher] = []
    opened: list[str] = []

    class SpyFetcher(StaticOnlyFetcher):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            fetchers.append(self)

    real_open = urllib.request.OpenerDirector.open

    def spy_open(self: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(url if isinstance(url, str) else url.full_url)
        return real_open(self, url, *args, **kwargs)

    monkeypatch.setattr(pdf_mod, "StaticOnlyFetcher", SpyFetcher)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spy_open)

    with pdf_app.test_request_context():
        data = render_pdf("pdf/test_resources.html", {"secret_url": secret.as_uri(), "png": PNG})

    assert data.startswith(b"%PDF-")
    [fetcher] = fetchers
    assert set(fetcher.refused) == {
        "file:///etc/hostname",
        secret.as_uri(),
        "file:///etc/passwd",
        "http://127.0.0.1:9/font.woff",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "http://localhost/etc/passwd",
        "http://localhost/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    }
    assert "http://localhost/static/favicon.svg" in fetcher.fetched
    assert "http://localhost/static/css/print.css" in fetcher.fetched
    assert any(url.startswith("data:image/png") for url in fetcher.fetched)
    # Only data: URLs ever reached urllib: nothing was read from disk or the network by it.
    assert opened and all(url.startswith("data:") for url in opened)

    objects = pdf_objects(data)
    assert b"TOP-SECRET-7f3a9c" not in objects
    assert b"root:" not in objects
    assert b"/Subtype /Image" in objects  # the data: PNG
    assert b'viewBox="0 0 32 32"' in objects  # the static favicon, attached
    assert "PDF resource refused: file:///etc/passwd" in caplog.text


@pytest.mark.parametrize("url", [
    "http://localhost/static/favicon.svg",
    "http://LOCALHOST/static/css/print.css?v=1#x",
    "http://localhost/static/css/../favicon.svg",
])
def test_fetcher_serves_static_files(app: Any, url: str) -> None:
    fetcher = StaticOnlyFetcher("http://localhost/static/", app.static_folder)
    response = fetcher.fetch(url)
    assert response.read()
    assert response.content_type in {"image/svg+xml", "text/css"}


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://localhost/static/",
    "http://localhost/static/css",
    "http://localhost/static/%2e%2e/chamber/__init__.py",
    "http://localhost/static/..%2f..%2fetc%2fpasswd",
    "http://localhost/static/%00favicon.svg",
    "http://localhost/static/css\\..\\favicon.svg",
    "http://localhost/staticx/favicon.svg",
    "http://localhost:8080/static/favicon.svg",
    "https://localhost/static/favicon.svg",
    "http://127.0.0.1:9/static/favicon.svg",
    "ftp://localhost/static/favicon.svg",
    "/static/favicon.svg",
    "static/favicon.svg",
    "not a url",
])
def test_fetcher_refuses_everything_else(app: Any, url: str) -> None:
    fetcher = StaticOnlyFetcher("http://localhost/static/", app.static_folder)
    with pytest.raises(pdf_mod.ResourceRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_refuses_symlinks_out_of_the_static_folder(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "ok.txt").write_text("ok")
    (static / "leak.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = StaticOnlyFetcher("http://h/static/", static)
    assert fetcher.fetch("http://h/static/ok.txt").read() == b"ok"
    with pytest.raises(pdf_mod.ResourceRefused):
        fetcher.fetch("http://h/static/leak.txt")


def test_orm_objects_in_the_context_are_refused(pdf_app: Any, db: Any, create_user: Any) -> None:
    user = create_user()
    with pdf_app.test_request_context():
        for context in (
            {"user": user},
            {"rows": [{"name": "a"}, {"owner": user}]},
            {"rows": ({"name": "a"}, (1, {user}))},
            {"model": User},
        ):
            with pytest.raises(TypeError, match="SQLAlchemy mapped object"):
                render_pdf("pdf/test_chinese.html", context)
        with pytest.raises(TypeError, match=r"context\['rows'\]\[1\]\['owner'\]"):
            render_pdf("pdf/test_chinese.html", {"rows": [{"name": "a"}, {"owner": user}]})


def test_render_pdf_does_not_touch_the_database(pdf_app: Any, db: Any, count_queries: Any) -> None:
    context = {"chamber": {"name": "商会"}, "rows": [{"name": "商户", "amount": "1.00"}]}
    with pdf_app.test_request_context(), count_queries() as queries:
        assert render_pdf("pdf/test_chinese.html", context).startswith(b"%PDF-")
    assert queries() == 0


def test_render_pdf_refuses_to_run_inside_a_transaction(pdf_app: Any, db: Any) -> None:
    context = {"chamber": {"name": "商会"}, "rows": []}
    with pdf_app.test_request_context():
        g.db_session = db
        db.scalar(select(1))  # autobegins a transaction
        with pytest.raises(RuntimeError, match="inside a database transaction"):
            render_pdf("pdf/test_chinese.html", context)
        db.commit()
        assert render_pdf("pdf/test_chinese.html", context).startswith(b"%PDF-")
