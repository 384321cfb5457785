"""Strict reading of settings from the environment.

django-environ does the parsing of URLs (database, cache, e-mail); these helpers
add what it lacks: a bad value stops start-up with a message naming the variable,
instead of silently becoming ``False`` or a default.
"""

import os
import urllib.parse
import zoneinfo

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}

env = environ.Env()


def _raw(name):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def get_bool(name, default):
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of "
        f"{', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
    )


def get_int(name, default, *, minimum=None, maximum=None):
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} must be between {minimum} and {maximum}.")
    return number


def get_str(name, default=None):
    value = _raw(name)
    return default if value is None else value


def get_list(name, default):
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def get_time_zone(name, default):
    value = get_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a known time zone (e.g. Europe/London).") from None
    return value


def get_database(name, default):
    value = get_str(name, default)
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"{name} could not be read: {exc}") from None
    supported = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}
    if config.get("ENGINE") not in supported:
        raise ImproperlyConfigured(
            f"{name} must be a sqlite:/// or postgres:// URL, not {value.split(':', 1)[0]!r}."
        )
    return config


def get_email(name):
    value = get_str(name)
    if value is None:
        return None
    try:
        return environ.Env.email_url_config(value)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} could not be read: {exc}") from None


def get_int_list(name, default, *, minimum=None, maximum=None):
    """Comma-separated whole numbers, e.g. ``30,7,1``; each is checked against the bounds."""
    value = _raw(name)
    if value is None:
        return list(default)
    numbers = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            number = int(item)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r}: {item!r} is not a whole number.") from None
        if minimum is not None and number < minimum or maximum is not None and number > maximum:
            raise ImproperlyConfigured(f"{name}={value!r}: {number} must be between {minimum} and {maximum}.")
        numbers.append(number)
    return numbers


def get_http_url(name, default):
    """An absolute http(s) URL without a trailing slash, e.g. for links in e-mails."""
    value = get_str(name, default)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name}={value!r} is not an http:// or https:// URL (e.g. https://scr.example.org).")
    return value.rstrip("/")
