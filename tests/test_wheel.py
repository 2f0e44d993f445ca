"""`pip install .` gives a working app: templates, static files, migrations and catalogs travel in the wheel."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from babel.messages.pofile import read_po

from chamber.catalogs import catalogs

ROOT = Path(__file__).resolve().parents[1]


def _own_messages() -> dict[str, tuple[str, str]]:
    """For each catalog, a plain msgid found in it and in no other → its Chinese."""
    known = {}
    for catalog in catalogs():
        with catalog.po().open("rb") as f:
            known[catalog.name] = {m.id: str(m.string) for m in read_po(f) if isinstance(m.id, str) and m.id
                                   and not m.context and "%" not in m.id}
    return {name: next((msgid, zh) for msgid, zh in sorted(ids.items())
                       if not any(msgid in other for n, other in known.items() if n != name))
            for name, ids in known.items()}


def test_wheel_contains_assets_and_renders_a_page(tmp_path):
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    wheel = next(out.glob("chamber-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("chamber/_templates/base.html", "chamber/_templates/chambers/public.html",
                     "chamber/_static/css/chamber.css", "chamber/migrations/env.py",
                     "chamber/migrations/versions/0001_core_accounts_chambers_tiers_members.py",
                     "campaigns/__init__.py",
                     # each package's compiled catalog travels in its own folder
                     *(str(c.mo().relative_to(ROOT)) for c in catalogs())):
        assert required in names, required
    assert not any(n.startswith(("tests/", "templates/", "static/")) for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import chamber, sys\n"
        "assert chamber.__file__.startswith(sys.argv[1]), chamber.__file__\n"
        "from chamber import create_app, migrate\n"
        "url = 'sqlite:///' + sys.argv[1] + '/t.sqlite'\n"
        "migrate.upgrade(url)\n"
        "app = create_app({'DATABASE_URL': url, 'INSTANCE_PATH': sys.argv[1], 'SECRET_KEY': 'x'})\n"
        "c = app.test_client()\n"
        "r = c.get('/login', headers={'Accept-Language': 'zh-CN'})\n"
        # the login page's own words, in Chinese (the top bar's 登录 is on every page)
        "assert r.status_code == 200 and '<h1>登录</h1>' in r.text and '还没有账号？' in r.text, r.text[:2000]\n"
        "assert c.get('/static/css/chamber.css').status_code == 200\n"
        # every package's catalog is read from the wheel: a string only that catalog has comes out in Chinese
        "import json\n"
        "from flask_babel import gettext\n"
        "with app.test_request_context(headers={'Accept-Language': 'zh-CN'}):\n"
        "    for name, (msgid, zh) in json.loads(sys.argv[2]).items():\n"
        "        assert gettext(msgid) == zh, (name, msgid, gettext(msgid))\n"
    )
    # run from the extracted wheel, not from the checkout
    result = subprocess.run([sys.executable, "-c", script, str(site), json.dumps(_own_messages())], cwd=tmp_path,
                            capture_output=True, text=True, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
