"""The hub on the web: `create_app(settings)` builds it."""
