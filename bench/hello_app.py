"""The baseline of bench_public_page.py: a trivial Flask view, served by the same gunicorn configuration."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "hello"
