"""Convene as the benchmark serves it: a scratch instance folder, configured by environment."""

import os

from webapp import create_app

app = create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE"]})
