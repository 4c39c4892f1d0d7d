"""gunicorn settings for ``bench/surge.py`` (workers and threads come from its command line).

gthread workers: a thread waiting on PostgreSQL lets another request of the same process use the
CPU; the listen backlog holds the connections of a surge while every thread is busy.
"""

worker_class = "gthread"
backlog = 2048
timeout = 60
graceful_timeout = 10
keepalive = 2
accesslog = None
errorlog = "-"
loglevel = "warning"
