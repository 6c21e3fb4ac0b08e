"""精准执法 — Precision Enforcement: case management for county work-safety enforcement."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory: config → extensions → blueprints → CLI → errors."""
    instance_path = os.environ.get("INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from enforcement import config as config_module

    app.config.from_mapping(config_module.load(Path(app.instance_path)))
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from enforcement import web

    web.init_extensions(app)
    web.register_blueprints(app)
    web.register_hooks(app)
    web.register_error_handlers(app)

    from enforcement import cli

    cli.register(app)
    return app
