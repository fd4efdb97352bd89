"""gunicorn's settings wherever Hall's web runs (`hallctl up`, docker-compose, the Helm chart):
`gunicorn -c python:hall.gunicorn hall.wsgi`. Sync workers: a request is CPU work in Python and a
few local round trips; more workers than cores buys nothing (bench/storefront.py)."""

import os

bind = os.environ.get("HALL_WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("HALL_WEB_WORKERS", "3"))
preload_app = True  # Django and every view are imported once, in the master (hall/wsgi.py)
timeout = 30
graceful_timeout = 20
max_requests = 20000  # a slow leak cannot grow a worker forever; jitter keeps them from restarting together
max_requests_jitter = 2000
