"""Security headers of every response, and the Content-Security-Policy pages are served under."""

from __future__ import annotations

from flask_login import current_user


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """The policy: only the app's own scripts, styles, fonts and images (everything is vendored
    under static/; no inline script). ``frame_ancestors`` is ``'none'`` except for a page meant
    to be shown in a frame of the app itself (``'self'``)."""
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
            "media-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
            f"frame-ancestors {frame_ancestors}")


CSP = content_security_policy()


def security_headers(response):
    """after_request: the headers a response has not set itself."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=(self)")
    if current_user and getattr(current_user, "is_authenticated", False) \
            and response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response
