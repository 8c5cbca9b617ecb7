"""What an operator reads about a running process: JSON log lines and request ids (no HTTP here; the apps'
edge middleware in :mod:`verify.http.edge` feeds them)."""
