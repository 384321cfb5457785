"""A real OpenID Connect provider for the tests: a tiny Django project of its own, on django-oauth-toolkit.

tests/oidc.py starts it in a subprocess on loopback (settings ``tests.oidc_provider.settings``, its own SQLite file)
so that the application's single sign-on is tested against a provider that speaks HTTP, signs ID tokens with RS256
and publishes its keys, as a real one does. Per-user claims (email_verified, amr, acr) and per-client misbehaviour
(a wrong ``aud``, an expired ``exp``) live in this app's models; the fixture sets them through ``/control/``.

Nothing here is imported by the application's own settings.
"""
