"""The shared services over HTTP: file uploads, background jobs, the legal calendar."""
