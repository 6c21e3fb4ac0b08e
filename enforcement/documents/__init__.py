"""执法文书: document kinds, rendering, review, signatures, numbers, verification, archive."""
