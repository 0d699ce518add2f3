"""Request and response bodies of /api/v1, one module per area."""
