"""The image's HEALTHCHECK (Dockerfile): exit 0 when this container's web server answers /healthz/ with 200.

/healthz/ answers 200 when the database answers, 503 when it does not (scrsystem.views.healthz), and is exempt from
the HTTPS redirect. With DEBUG off Django answers only the host names in ALLOWED_HOSTS (400 for any other,
127.0.0.1 included), so the request names the first of them. A redirect counts as a failure and is not followed:
it would leave the container. Python's urllib only, because the slim image has no curl.
"""

import os
import sys
import urllib.error
import urllib.request


def target(environ):
    """(URL, Host header) of this container's /healthz/, from the process's BIND_ADDRESS, PORT and ALLOWED_HOSTS."""
    bind = environ.get("BIND_ADDRESS", "").strip().strip("[]")
    if bind in {"", "0.0.0.0"}:
        address = "127.0.0.1"
    elif bind == "::":
        address = "[::1]"
    elif ":" in bind:
        address = f"[{bind}]"
    else:
        address = bind
    port = environ.get("PORT", "").strip() or "8000"
    names = [name.strip().lstrip(".") for name in environ.get("ALLOWED_HOSTS", "").split(",")]
    names = [name for name in names if name and name != "*"]
    return f"http://{address}:{port}/healthz/", names[0] if names else "localhost"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx


def main(environ=os.environ, timeout=8):
    url, host = target(environ)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers={"Host": host}), timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {url} (Host: {host}): {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {url} (Host: {host}) answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
