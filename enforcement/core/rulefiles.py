"""Rule tables are data files shipped with a module; a bureau replaces one by dropping a file of
the same name into ``<instance>/rules/`` (DESIGN.md: "Rules are data"). One lookup for all."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, has_app_context

OVERRIDE_DIR = "rules"


def override_path(name: str, instance_path: str | None = None) -> Path | None:
    """The bureau's ``rules/<name>`` if it exists (in ``instance_path``, else the active app's)."""
    if instance_path is None:
        if not has_app_context():
            return None
        instance_path = current_app.instance_path
    candidate = Path(instance_path) / OVERRIDE_DIR / name
    return candidate if candidate.is_file() else None


def rule_file(default: Path, instance_path: str | None = None) -> Path:
    """The file to load: the bureau's override of ``default.name``, or the packaged default."""
    return override_path(default.name, instance_path) or default
