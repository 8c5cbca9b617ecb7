"""The HTTP face of the read path: routes, pages, ready responses, and the exception-to-HTTP table."""
