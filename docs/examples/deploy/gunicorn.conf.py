# gunicorn with uvicorn's worker class: gunicorn manages the processes, uvicorn serves ASGI.
#   gunicorn -c gunicorn.conf.py main:app
import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "uvicorn_worker.UvicornWorker"
graceful_timeout = 30  # seconds in-flight requests get on SIGTERM/SIGHUP
timeout = 60
accesslog = "-"
