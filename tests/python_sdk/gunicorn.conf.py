"""Gunicorn settings of the e2e test: preloaded app (the SDK starts in the master, before the
fork), two workers, tracehouse's hooks."""

from tracehouse.gunicorn import post_fork, worker_exit  # noqa: F401

preload_app = True
workers = 2
# Not a shared socket in $HOME: tests run several gunicorns at once.
control_socket_disable = True
