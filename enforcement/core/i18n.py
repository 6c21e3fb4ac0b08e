"""Marking text for translation where it is defined as data and translated where it is shown."""


def N_(text: str) -> str:  # noqa: N802 - the conventional name for a no-op marker
    """Mark ``text`` for the catalogue without translating it here."""
    return text
