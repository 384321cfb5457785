"""The container deployment: Dockerfile, .dockerignore, compose.yaml and deploy/ (README "Running on several machines
(Docker Compose)").

No development machine and no CI run has a container engine, so the image is never built here and the stack never
started: these tests read the files instead, against what they must agree with. The compose services run the
Procfile's own lines; every variable the application's containers get, and every one the image sets, is a setting of
the README's "Settings reference"; no secret is written in them; the image is the official Python slim one, runs as a
user other than root, installs requirements.txt and collects the static files. deploy/healthcheck.py (the image's
HEALTHCHECK) is run against a small server on loopback. No database is needed.
"""

import fnmatch
import http.server
import importlib.util
import re
import shlex
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# Compose services of the application that run no Procfile process: one-shot tasks, and what they must run.
ONE_SHOT = {"migrate": ["python", "manage.py", "migrate", "--no-input"]}

# Variables the Dockerfile may set that are not settings of the application: they configure the interpreter or pip,
# not scrsystem, so the README's settings reference does not list them.
NOT_SETTINGS = {
    "PYTHONUNBUFFERED": "the interpreter's: logs reach `docker logs` at once",
    "PYTHONDONTWRITEBYTECODE": "the interpreter's: no .pyc beside root-owned code",
    "PIP_CONSTRAINT": "pip's, for the build only (the Makefile exports it too)",
    "PIP_BUILD_CONSTRAINT": "pip's, for the build only (the Makefile exports it too)",
    "PIP_DISABLE_PIP_VERSION_CHECK": "pip's, for the build only",
    "PIP_NO_CACHE_DIR": "pip's, for the build only",
    "PIP_ROOT_USER_ACTION": "pip's, for the build only",
}

# Names whose values are secrets: in compose.yaml only ever `${NAME:?message}`, taken from .env, never a default.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|_KEY$|_KEY_ID$|^MINIO_ROOT_USER$")
REQUIRED_FROM_ENV = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}")
# The settings that must never be in the image (ENV or ARG): they would be in every copy of it.
NEVER_IN_IMAGE = {"SECRET_KEY", "AUDIT_CHAIN_KEY", "S3_SECRET_ACCESS_KEY", "S3_ACCESS_KEY_ID", "EMAIL_URL", "DATABASE_URL"}
# The Debian libraries the application loads (README "Dependencies": python-magic, WeasyPrint).
RUNTIME_PACKAGES = {"libmagic1", "libpango-1.0-0", "libpangoft2-1.0-0"}


# --- reading the files ---


def procfile():
    """{process: command} of the Procfile."""
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def settings_reference():
    """Every variable named in the first cell of a row of the README's "Settings reference" table."""
    text = (ROOT / "README.md").read_text()
    assert "\n## Settings reference\n" in text
    section = text.split("\n## Settings reference\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.strip("|").split("|")[0]))
    assert len(names) > 40, "the settings reference table was not found or not read"
    return names


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def app_services(document):
    """The services that run the application: built from the Dockerfile, or running the image it builds."""
    services = document["services"]
    app_images = {service.get("image") for service in services.values() if "build" in service}
    return {
        name: service
        for name, service in services.items()
        if "build" in service or service.get("image") in app_images - {None}
    }


def process_of(service_name):
    """web1 -> web: the Procfile process a service runs, by its name."""
    return re.sub(r"[-_]?\d+$", "", service_name)


def replicas(service):
    return (service.get("deploy") or {}).get("replicas", 1)


def environment(service):
    """A service's environment as a dict, whether written as a mapping or as a list of NAME=value."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def lone_dollar(text):
    """Whether compose would interpolate something in text: a $ that is not half of a $$ escape."""
    return "$" in text.replace("$$", "")


def as_compose_passes_it(command):
    """A command as the container receives it: compose turns $$ into $."""
    return [part.replace("$$", "$") for part in command]


def dockerfile():
    """The Dockerfile's instructions, [(KEYWORD, arguments)], continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not current and not stripped):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile_variables():
    """{name: value} of every ENV and ARG of the Dockerfile."""
    variables = {}
    for keyword, arguments in dockerfile():
        if keyword == "ENV":
            words = shlex.split(arguments)
            if "=" in words[0]:
                variables.update(word.split("=", 1) for word in words)
            else:  # the old form: ENV NAME value
                variables[words[0]] = arguments.split(None, 1)[1]
        elif keyword == "ARG":
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                variables[name] = value
    return variables


def runs():
    return [arguments for keyword, arguments in dockerfile() if keyword == "RUN"]


def dockerignore_patterns():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def ignored(path):
    """Whether .dockerignore keeps path (or a folder above it) out of the image."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
        for pattern in dockerignore_patterns()
        if not pattern.startswith("!")
        for prefix in prefixes
    )


# --- compose.yaml ---


def test_compose_has_two_web_servers_two_workers_one_beat_and_the_data_services():
    document = compose()
    services = document["services"]
    counts = {}
    for name, service in app_services(document).items():
        counts[process_of(name)] = counts.get(process_of(name), 0) + replicas(service)
    assert counts.get("web") == 2, counts
    assert counts.get("worker") == 2, counts
    assert counts.get("beat") == 1, "exactly one beat, or every scheduled job runs twice"

    images = {name: service.get("image", "") for name, service in services.items()}
    assert re.fullmatch(r"postgres:1[5-9](\.\d+)?(-[a-z]+)?", images.get("postgres", "")), images
    assert re.fullmatch(r"redis:7(\.\d+)*(-[a-z]+)?", images.get("redis", "")), images
    assert re.fullmatch(r"(quay\.io/)?minio/minio:RELEASE\.[0-9TZ-]+", images.get("minio", "")), images
    # The data live in named volumes, which outlive the containers.
    named_volumes = set(document.get("volumes") or {})
    for name, mount_point in {"postgres": "/var/lib/postgresql/data", "minio": "/data"}.items():
        sources = {volume.split(":")[0] for volume in services[name]["volumes"] if volume.endswith(":" + mount_point)}
        assert sources and sources <= named_volumes, (name, services[name]["volumes"])


def test_every_app_service_runs_its_procfile_line_exactly():
    processes = procfile()
    document = compose()
    running = set()
    for name, service in app_services(document).items():
        command = service.get("command")
        assert isinstance(command, list), f"{name}: the command as a list, so nothing splits it differently"
        if name in ONE_SHOT:
            assert command == ONE_SHOT[name], name
            assert service.get("restart") == "no", f"{name} runs once"
            continue
        process = process_of(name)
        assert process in processes, f"{name} runs no Procfile process and is not a one-shot task"
        # $ the container's shell expands is written $$, else compose would fill it in from .env (or with nothing).
        assert not any(lone_dollar(part) for part in command), f"{name}: write $ as $$ in a compose command"
        # bash, not sh: bash replaces itself with the process, which then receives docker stop's SIGTERM; Debian's
        # dash stays the container's main process and passes the signal on to nobody.
        assert as_compose_passes_it(command) == ["bash", "-c", processes[process]], name
        running.add(process)
    assert running == set(processes), "every Procfile process runs in the stack"


def test_the_processes_start_after_the_migration_and_the_data_services():
    document = compose()
    services = document["services"]
    for name, service in app_services(document).items():
        depends_on = service.get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on with conditions"
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        if name in ONE_SHOT:
            continue
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on["minio-init"]["condition"] == "service_completed_successfully", name
    for name in ("postgres", "redis", "minio"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} needs a health check to be waited for"
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_the_app_containers_get_only_settings_of_the_readme():
    names = settings_reference()
    for name, service in app_services(compose()).items():
        assert "env_file" not in service, f"{name}: every variable written in compose.yaml, where this test sees it"
        unknown = sorted(set(environment(service)) - names)
        assert not unknown, f"{name}: not in the README's settings reference: {', '.join(unknown)}"


def test_the_app_containers_run_in_production_mode_against_the_stack():
    for name, service in app_services(compose()).items():
        env = environment(service)
        assert str(env["DEBUG"]).lower() == "false", name
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert env["CACHE_URL"].startswith("redis://redis:") and env["CACHE_URL"] != env["REDIS_URL"], name
        assert env["EVIDENCE_STORAGE"] == "s3" and env["S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert str(env["TRUSTED_PROXY_COUNT"]) == "1", name
        assert env["BIND_ADDRESS"] == "0.0.0.0", f"{name}: listening on the container's loopback reaches nobody"


def test_no_secret_is_written_in_compose():
    document = compose()
    for name, service in document["services"].items():
        for variable, value in environment(service).items():
            value = "" if value is None else str(value)
            if SECRET_NAME.search(variable):
                assert REQUIRED_FROM_ENV.fullmatch(value), f"{name}: {variable} must be ${{{variable}:?...}} from .env"
            # Credentials inside a URL (postgres://user:password@host) come from .env too.
            for password in re.findall(r"://[^/@:\s]+:([^@\s]+)@", value):
                assert REQUIRED_FROM_ENV.fullmatch(password), f"{name}: {variable} has a password written in it"
    # Nor a default standing in for one: ${SECRET_KEY:-something} would start the stack with a known key.
    defaults = re.findall(r"\$\{([A-Z0-9_]+):?-", (ROOT / "compose.yaml").read_text())
    assert not [name for name in defaults if SECRET_NAME.search(name)], defaults


def test_the_env_example_names_every_required_value_and_holds_no_secret():
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", (ROOT / "compose.yaml").read_text()))
    example = {}
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            example[name.strip()] = value.strip()
    assert required <= set(example), f"not in deploy/env.example: {sorted(required - set(example))}"
    filled = sorted(name for name, value in example.items() if SECRET_NAME.search(name) and value)
    assert not filled, f"deploy/env.example must leave secrets empty: {filled}"


def test_bind_mounts_exist_and_the_shell_scripts_parse():
    for name, service in compose()["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is missing"
    for script in sorted((ROOT / "deploy").glob("*.sh")):
        subprocess.run(["sh", "-n", str(script)], check=True)


# --- Dockerfile and .dockerignore ---


def test_the_image_is_official_python_slim():
    bases = [arguments for keyword, arguments in dockerfile() if keyword == "FROM"]
    assert bases
    for base in bases:
        match = re.fullmatch(
            r"(?:docker\.io/)?(?:library/)?python:3\.(\d+)(?:\.\d+)?-slim(?:-[a-z]+)?(?:@sha256:[0-9a-f]{64})?"
            r"(?: AS \w+)?",
            base,
            flags=re.IGNORECASE,
        )
        assert match, f"FROM {base}: the official Python slim image"
        assert int(match.group(1)) >= 11, "Python 3.11 or newer (README, Dependencies)"


def test_the_image_runs_as_a_user_other_than_root():
    instructions = dockerfile()
    users = [(i, arguments.split(":")[0]) for i, (keyword, arguments) in enumerate(instructions) if keyword == "USER"]
    assert users, "a USER line"
    last, user = users[-1]
    assert user not in {"root", "0"}
    cmd = max(i for i, (keyword, _) in enumerate(instructions) if keyword in {"CMD", "ENTRYPOINT"})
    assert last < cmd, "the process starts as that user"


def test_the_image_installs_requirements_and_the_runtime_libraries():
    pip = [run for run in runs() if re.search(r"\bpip install\b", run)]
    assert any(re.search(r"(-r|--requirement)[ =]\S*requirements\.txt\b", run) for run in pip), pip
    # The Makefile's build constraints (XStatic-Bootstrap needs setuptools < 81 to build).
    assert any(re.search(r"(PIP_CONSTRAINT=|--constraint[ =]|-c )\S*build-constraints\.txt", run) for run in pip), pip
    installed = set()
    for run in runs():
        if "apt-get install" in run:
            installed.update(run.split("apt-get install", 1)[1].replace("&&", " ").split())
    assert RUNTIME_PACKAGES <= installed, f"missing: {sorted(RUNTIME_PACKAGES - installed)}"


def test_the_image_collects_static_files_with_production_settings():
    collect = [run for run in runs() if "collectstatic" in run]
    assert len(collect) == 1 and "--no-input" in collect[0], collect
    words = shlex.split(collect[0])
    assignments = dict(word.split("=", 1) for word in words[: words.index("python")] if "=" in word)
    # DEBUG off: the hashed, compressed names WhiteNoise's manifest storage serves with DEBUG off.
    assert assignments.get("DEBUG", "").lower() == "false", collect
    # The settings' checks pass with throwaway values given on that line only.
    assert {"SECRET_KEY", "AUDIT_CHAIN_KEY", "ALLOWED_HOSTS"} <= set(assignments)
    assert len(assignments["AUDIT_CHAIN_KEY"]) >= 32 and assignments["AUDIT_CHAIN_KEY"] != assignments["SECRET_KEY"]


def test_the_image_sets_only_settings_of_the_readme_and_no_secret():
    variables = dockerfile_variables()
    assert not NEVER_IN_IMAGE & set(variables), "in every copy of the image: give them at run time"
    unknown = sorted(set(variables) - set(NOT_SETTINGS) - settings_reference())
    assert not unknown, f"not in the README's settings reference: {', '.join(unknown)}"


def test_var_dir_is_the_same_in_the_image_and_the_stack():
    image_var_dir = dockerfile_variables()["VAR_DIR"]
    for name, service in app_services(compose()).items():
        # The static files were collected there when the image was built.
        assert environment(service)["VAR_DIR"] == image_var_dir, name


def test_the_image_starts_the_procfile_web_line_and_checks_its_health():
    instructions = dockerfile()
    cmd = [arguments for keyword, arguments in instructions if keyword == "CMD"][-1]
    assert yaml.safe_load(cmd) == ["bash", "-c", procfile()["web"]], "the exec form, running the Procfile's web line"
    assert ("EXPOSE", "8000") in instructions
    healthcheck = [arguments for keyword, arguments in instructions if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1 and "curl" not in healthcheck[0] and "wget" not in healthcheck[0]
    assert '"python", "deploy/healthcheck.py"' in healthcheck[0]
    assert "/healthz/" in (ROOT / "deploy" / "healthcheck.py").read_text()


def test_dockerignore_keeps_secrets_and_local_state_out_and_the_code_in():
    for path in (".env", ".env.production", ".venv", ".git", "var", "var/scrsystem.sqlite3", "tests/test_home.py"):
        assert ignored(path), f"{path} must not reach the image"
    needed = ["manage.py", "requirements.txt", "build-constraints.txt", "scrsystem/settings.py", "static/css",
              "templates", "deploy/healthcheck.py", "evidence/uploads.py"]
    assert not [path for path in needed if ignored(path)]


# --- deploy/healthcheck.py, the image's HEALTHCHECK ---


def healthcheck_module():
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", ROOT / "deploy" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ("http://127.0.0.1:8000/healthz/", "localhost")),
        (
            {"BIND_ADDRESS": "0.0.0.0", "PORT": "8000", "ALLOWED_HOSTS": "scr.example.org,other.example.org"},
            ("http://127.0.0.1:8000/healthz/", "scr.example.org"),
        ),
        ({"BIND_ADDRESS": "::", "PORT": "9000", "ALLOWED_HOSTS": ".example.org"}, ("http://[::1]:9000/healthz/", "example.org")),
        ({"BIND_ADDRESS": "10.1.2.3", "ALLOWED_HOSTS": " , scr.example.org"}, ("http://10.1.2.3:8000/healthz/", "scr.example.org")),
    ],
)
def test_healthcheck_asks_this_container_under_an_allowed_host_name(environ, expected):
    assert healthcheck_module().target(environ) == expected


@pytest.fixture
def probe_server():
    """A web server on loopback that answers every GET with server.status, remembering each request."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.server.requests.append((self.path, self.headers["Host"]))
            self.send_response(self.server.status)
            if self.server.status in (301, 302):
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1), (400, 1), (301, 1)])
def test_healthcheck_passes_only_on_200_and_follows_no_redirect(probe_server, status, exit_code):
    probe_server.status = status
    environ = {"BIND_ADDRESS": "0.0.0.0", "PORT": str(probe_server.server_port), "ALLOWED_HOSTS": "scr.example.org"}
    assert healthcheck_module().main(environ, timeout=5) == exit_code
    assert probe_server.requests == [("/healthz/", "scr.example.org")]


def test_healthcheck_fails_when_nothing_listens():
    with http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as closed:
        port = closed.server_port
    assert healthcheck_module().main({"PORT": str(port)}, timeout=2) == 1
