"""WSGI entry point: ``gunicorn wsgi:app``."""

from enforcement import create_app

app = create_app()
