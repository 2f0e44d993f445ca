"""`pip install .` gives a working app: templates, static files, migrations and catalogs travel in the wheel."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_assets_and_renders_a_page(tmp_path):
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    wheel = next(out.glob("chamber-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("chamber/_templates/base.html", "chamber/_templates/chambers/public.html",
                     "chamber/_static/css/chamber.css", "chamber/migrations/env.py",
                     "chamber/migrations/versions/0001_core_accounts_chambers_tiers_members.py",
                     "chamber/translations/zh_Hans_CN/LC_MESSAGES/messages.mo", "campaigns/__init__.py"):
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
    )
    # run from the extracted wheel, not from the checkout
    result = subprocess.run([sys.executable, "-c", script, str(site)], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
