"""The ceiling: a bare Flask "hello" app served under the same gunicorn configuration."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The cheapest useful Flask response."""
    return "Hello, world!"
