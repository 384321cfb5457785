# scrsystem: one image for every process of the Procfile (web, worker, beat) and the one-shot `migrate`.
# compose.yaml runs it; README "Operations", "Running on several machines (Docker Compose)".
# Not built on the development machines (they have no container engine): tests/test_deployment.py checks this file
# against the Procfile, requirements.txt and the README's settings reference.
FROM python:3.11-slim-bookworm

# The Debian libraries the application loads at run time: libmagic1 (python-magic: what an upload really is),
# Pango (WeasyPrint: the board report and the papers as PDF; HarfBuzz's subsetter makes their fonts smaller) and
# DejaVu, the font static/css/report.css asks for. No postgresql-client: backups run pg_dump in the postgres
# service, whose version always matches the server's (bookworm's pg_dump 15 refuses a PostgreSQL 16 server).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libmagic1 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Logs straight to `docker logs`; no .pyc written beside root-owned code the application user cannot write.
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

# The user the processes run as. Its home is VAR_DIR, the one directory it may write (fontconfig keeps a cache
# there); the code and the installed packages stay root's, read-only to it.
RUN groupadd --system --gid 10001 scrsystem \
    && useradd --system --uid 10001 --gid scrsystem --home-dir /var/lib/scrsystem --shell /usr/sbin/nologin scrsystem \
    && install --directory --owner=scrsystem --group=scrsystem --mode=0750 /var/lib/scrsystem

WORKDIR /app

# Requirements first, so that a change of code alone reuses this layer. build-constraints.txt as the Makefile
# gives it (XStatic-Bootstrap's setup.py needs setuptools < 81), on this line only.
COPY requirements.txt build-constraints.txt ./
RUN PIP_CONSTRAINT=/app/build-constraints.txt PIP_BUILD_CONSTRAINT=/app/build-constraints.txt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    pip install --no-cache-dir --requirement requirements.txt

COPY . .

# VAR_DIR: the static files (STATIC_ROOT), and the e-mail outbox if EMAIL_URL is unset. Nothing in it needs keeping:
# the data live in PostgreSQL, Redis (beat's schedule too) and the evidence bucket. gunicorn listens on every
# interface of the container (BIND_ADDRESS); the Procfile's default, 127.0.0.1, is for a bare host.
ENV VAR_DIR=/var/lib/scrsystem BIND_ADDRESS=0.0.0.0 PORT=8000

USER scrsystem

# The static files with hashed names, compressed (WhiteNoise's manifest storage, used when DEBUG is off). The
# settings refuse to load with DEBUG off and no keys or hosts: throwaway values, on this line only, never in the
# image's environment. The real ones come from compose.yaml (.env) at run time.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    AUDIT_CHAIN_KEY=collectstatic-only-not-a-key-zyxwvutsrqponmlkjihgfedcba9876543210 \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --no-input

EXPOSE 8000

# /healthz/ answers 200 when the database does; the script names a host of ALLOWED_HOSTS (Django answers no
# other) and uses Python's urllib, since the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "deploy/healthcheck.py"]

# The Procfile's web line, as written there. bash, not sh: bash replaces itself with gunicorn, so that gunicorn
# receives `docker stop`'s SIGTERM and finishes its requests; Debian's dash would stay in between and swallow it.
CMD ["bash", "-c", "gunicorn scrsystem.wsgi --bind ${BIND_ADDRESS:-127.0.0.1}:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
