"""The environment a production start needs (DEBUG off), for tests that start the settings in a child process."""

import secrets


def production_env(**overrides):
    """DEBUG off with every variable production requires, fresh random keys each time; ``overrides`` win."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "scr.example.org",
        **overrides,
    }
