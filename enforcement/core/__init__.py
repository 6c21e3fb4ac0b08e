"""Services every module shares: audit, permissions, clock, errors, and (later) calendar,
numbering, storage, jobs and Chinese text keys. ``core`` imports no domain module."""
