"""The deployment files in deploy/ stay in step with the code (docs/deploy.md).

Owns the checks of deploy/docker (the Dockerfiles and their ignore files), deploy/kubernetes (the
kustomize manifests) and deploy/systemd (the units and the example environment file); it reads
deploy/haproxy/ (the cluster work's template) only to compare its cookie and health check with the
Ingress. No container daemon or cluster exists here: these files are kept honest by this test.

  (a) every environment variable a file sets is read by core/settings.py, or is on NOT_SETTINGS
      (Rasa's, Python's and the system's own; mirrored in docs/deploy.md);
  (b) every production role has a Kubernetes workload and a systemd unit, running its command;
  (c) the Rasa pods are ready on /ready, alive on /health and roll out one at a time;
  (d) no secret value is in deploy/: Secrets are references, the example has placeholders;
  (e) every port agrees with core/settings.py's defaults, or with RASA_PORT + n;
  and no file appears in deploy/ that none of these checks reads.

Must not: build an image, start a unit, reach a cluster or import Rasa; or edit deploy/.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
import yaml

from bot.tools.cli import COMMAND_MODULES
from bot.tools.supervisor import plan
from core.settings import REPO_ROOT, Settings

DEPLOY = REPO_ROOT / "deploy"
DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"

# The roles of a production deployment. Must match bot/tools/supervisor/ (its plan.ROLES; the
# test below fails when the supervisor gains a role this list does not place). `migrate` runs
# once before the Rasa servers start (the supervisor's prepare step, not a role of its own).
DEPLOYED_ROLES = ("rasa", "actions", "web", "review", "reminders", "purge", "migrate")
# The supervisor's roles that deploy/ has no workload or unit of its own for, and why.
NOT_DEPLOYED_ROLES = {
    "proxy": "HAProxy: Debian's own haproxy.service on one machine, the Ingress on Kubernetes",
    "sms-simulator": "development only: it stands in for GatewayAPI",
}

# Variables deploy/ may set that core/settings.py does not read, and who reads them. Mirrored
# in docs/deploy.md ("Variables that are not in core/settings.py"): a new one needs a reason
# here and a row there.
NOT_SETTINGS = {
    "PYTHONPATH": "Python: the repository on the import path (Rasa loads bot.rasa_plugins.* by name)",
    "PATH": "the system: the image's venv first",
    "RASA_TELEMETRY_ENABLED": "Rasa: no telemetry",
    "TF_CPP_MIN_LOG_LEVEL": "TensorFlow, imported by Rasa: no info lines in the log",
    "MPLCONFIGDIR": "matplotlib, imported by Rasa: a writable folder under a read-only root",
}

# The helpers in core/settings.py whose first argument is a variable's name.
SETTINGS_HELPERS = frozenset(
    {
        "_text",
        "_opt",
        "_int",
        "_bool",
        "_float",
        "_positive_int",
        "_positive_number",
        "_opt_http_url",
        "_http_url",
    }
)
# Settings whose value may hold a password (a database or Redis URL).
SECRET_URLS = frozenset({"CASES_DB_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL", "RATE_LIMIT_STORE_URL"})
SECRET_NAME = "moedeklar-secrets"

# Each role's port variable and what it runs (the executable's name, then its arguments).
ROLE_PORTS = {"rasa": "RASA_PORT", "actions": "ACTION_PORT", "web": "WEB_PORT", "review": "REVIEW_PORT"}
ROLE_COMMANDS = {
    "rasa": ("rasa", "run"),
    "actions": ("python", "-m", "actions"),
    "web": ("python", "-m", "bot.web"),
    "review": ("python", "-m", "bot.review"),
    "reminders": ("python", "-m", "bot", "send-reminders"),
    "purge": ("python", "-m", "bot", "purge"),
    "migrate": ("python", "-m", "bot", "migrate"),
}
# What citizens and GatewayAPI reach on the Rasa servers, and what must stay inside.
PUBLIC_RASA_PATHS = (
    "/socket.io/",
    "/webhooks/rest/webhook",
    "/webhooks/gatewayapi/webhook",
    "/webhooks/gatewayapi/status",
)
INTERNAL_RASA_PATHS = ("/health", "/ready", "/metrics")
STICKY_PATH = "/socket.io/"

# Every kind of file in deploy/, by path pattern. A file no pattern matches is read by no check.
FILE_KINDS = {
    "kubernetes": "kubernetes/*.yaml",
    "dockerfile": "docker/*.Dockerfile",
    "dockerignore": "docker/*.Dockerfile.dockerignore",
    "systemd service": "systemd/*.service",
    "systemd timer": "systemd/*.timer",
    "systemd target": "systemd/*.target",
    "environment example": "systemd/*.env.example",
    "haproxy template": "haproxy/*.cfg.j2",
}
# The app image runs every role but the action server, which has an image of its own.
IMAGE_OF_DOCKERFILE = {"app.Dockerfile": "moedeklar-app", "actions.Dockerfile": "moedeklar-actions"}
ACTIONS_IMAGE = "moedeklar-actions"
APP_IMAGE = "moedeklar-app"


def relative(path: Path) -> str:
    return path.relative_to(DEPLOY).as_posix()


def files_of(kind: str) -> list[Path]:
    pattern = FILE_KINDS[kind]
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file() and fnmatchcase(relative(p), pattern))


# --- core/settings.py -----------------------------------------------------------------------------


@cache
def settings_variables() -> frozenset[str]:
    """The names core/settings.py reads: its helpers' and os.environ.get's first string argument."""
    tree = ast.parse((REPO_ROOT / "core" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id in SETTINGS_HELPERS:
            names.add(first.value)
        elif isinstance(function, ast.Attribute) and ast.unparse(function) == "os.environ.get":
            names.add(first.value)
    return frozenset(names)


def secret_variables() -> frozenset[str]:
    ends = ("_SECRET", "_TOKEN", "_PASSWORD")
    return frozenset(name for name in settings_variables() if name.endswith(ends)) | SECRET_URLS


def default_port(variable: str) -> int:
    return {
        "RASA_PORT": Settings.rasa_port,
        "ACTION_PORT": Settings.action_port,
        "WEB_PORT": Settings.web_port,
        "REVIEW_PORT": Settings.review_port,
    }[variable]


# --- Kubernetes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Container:
    role: str
    kind: str  # the workload's kind
    workload: dict[str, Any]
    spec: dict[str, Any]
    pod: dict[str, Any]


@cache
def kubernetes_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    documents = []
    for path in files_of("kubernetes"):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                documents.append((path.name, document))
    return tuple(documents)


def kubernetes_objects(kind: str) -> list[dict[str, Any]]:
    return [document for _, document in kubernetes_documents() if document.get("kind") == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def role_of(document: dict[str, Any]) -> str:
    return document["metadata"]["labels"]["app.kubernetes.io/component"]


def workloads() -> list[dict[str, Any]]:
    return [d for _, d in kubernetes_documents() if d.get("kind") in ("Deployment", "Job", "CronJob")]


def containers() -> list[Container]:
    found = []
    for workload in workloads():
        pod = pod_spec(workload)
        for spec in pod.get("initContainers", []) + pod["containers"]:
            found.append(Container(role_of(workload), workload["kind"], workload, spec, pod))
    return found


def deployment(role: str) -> dict[str, Any]:
    (found,) = [d for d in kubernetes_objects("Deployment") if role_of(d) == role]
    return found


def config_map(name: str) -> dict[str, str]:
    (found,) = [d for d in kubernetes_objects("ConfigMap") if d["metadata"]["name"] == name]
    return found["data"]


def container_environment(container: Container) -> dict[str, str | None]:
    """Every variable the container gets: its ConfigMaps' values, then its own (None: a Secret's)."""
    environment: dict[str, str | None] = {}
    for source in container.spec.get("envFrom", []):
        assert "secretRef" not in source, "envFrom a Secret hides which variables it sets; name each"
        environment.update(config_map(source["configMapRef"]["name"]))
    for variable in container.spec.get("env", []):
        environment[variable["name"]] = variable.get("value")
    return environment


def expand(value: str, environment: dict[str, str | None]) -> str:
    """Kubernetes' $(NAME) in a command or argument, from the container's environment."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert environment.get(name) is not None, f"$({name}) is not set in the container"
        return str(environment[name])

    return re.sub(r"\$\(([A-Z][A-Z0-9_]*)\)", one, value)


def container_argv(container: Container) -> list[str]:
    environment = container_environment(container)
    return [
        expand(str(part), environment) for part in container.spec["command"] + container.spec.get("args", [])
    ]


def named_port(container: Container, name: str) -> int:
    (port,) = [p["containerPort"] for p in container.spec["ports"] if p["name"] == name]
    return port


def service(name: str) -> dict[str, Any]:
    (found,) = [d for d in kubernetes_objects("Service") if d["metadata"]["name"] == name]
    return found


# --- Dockerfiles ---------------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, rest) per instruction, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        keyword, _, rest = text.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, f"{path.name} ends inside a continued line"
    return instructions


def dockerfile_stages(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    for keyword, rest in dockerfile_instructions(path):
        if keyword == "FROM":
            parts = rest.split()
            stages.append(Stage(parts[0], parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None))
        else:
            assert stages, f"{path.name}: {keyword} before FROM"
            stages[-1].instructions.append((keyword, rest))
    return stages


def dockerfile_variables(path: Path) -> dict[str, str]:
    """What ENV and ARG lines set (ARG without a default: the empty string)."""
    found = {}
    for keyword, rest in dockerfile_instructions(path):
        if keyword == "ARG":
            name, _, default = rest.partition("=")
            found[name.strip()] = default
        elif keyword == "ENV":
            parts = shlex.split(rest)
            if all("=" in part for part in parts):
                found.update(part.split("=", 1) for part in parts)
            else:  # the old form: ENV NAME value
                found[parts[0]] = " ".join(parts[1:])
    return found


def exec_form(rest: str) -> list[str]:
    value = yaml.safe_load(rest)  # a JSON array is YAML too
    assert isinstance(value, list), f"use the exec form (a JSON array), not {rest!r}"
    return [str(part) for part in value]


def copy_sources(stage: Stage) -> list[str]:
    sources = []
    for keyword, rest in stage.instructions:
        if keyword == "COPY" and "--from=" not in rest:
            sources.extend(part for part in shlex.split(rest)[:-1] if not part.startswith("--"))
    return sources


def run_commands(path: Path) -> list[list[str]]:
    """Each command of every RUN line (split at &&)."""
    commands = []
    for keyword, rest in dockerfile_instructions(path):
        if keyword == "RUN":
            commands.extend(shlex.split(part) for part in rest.split("&&"))
    return commands


def dockerignore_allows(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert patterns[0] == "*", f"{path.name} must leave everything out first, then let in what is copied"
    return [pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")]


# --- systemd ---------------------------------------------------------------------------------------


def unit_sections(path: Path) -> dict[str, list[tuple[str, str]]]:
    """[Section] -> [(key, value)], keys in order (a key may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith(("#", ";")):
            continue
        if text.startswith("["):
            current = text.strip("[]")
            sections.setdefault(current, [])
            continue
        assert current is not None, f"{path.name}: {text!r} before any [Section]"
        key, _, value = text.partition("=")
        sections[current].append((key.strip(), value.strip()))
    return sections


def unit_values(path: Path, section: str, key: str) -> list[str]:
    return [value for k, value in unit_sections(path).get(section, []) if k == key]


def unit_value(path: Path, section: str, key: str) -> str | None:
    values = unit_values(path, section, key)
    return values[-1] if values else None


def unit_environment(path: Path) -> dict[str, str]:
    found = {}
    for value in unit_values(path, "Service", "Environment"):
        for assignment in shlex.split(value):
            name, _, setting = assignment.partition("=")
            found[name] = setting
    return found


def unit_role(path: Path) -> str:
    match = re.fullmatch(r"moedeklar-([a-z-]+?)@?\.(service|timer)", path.name)
    assert match, f"{path.name} is not named moedeklar-<role>[@].service/.timer"
    return match.group(1)


def unit_argv(path: Path) -> list[str]:
    """ExecStart as the program gets it; through `sh -c '...'`, the shell's command."""
    argv = shlex.split(unit_value(path, "Service", "ExecStart") or "")
    if len(argv) == 3 and argv[0] in ("/bin/sh", "/bin/bash") and argv[1] == "-c":
        argv = shlex.split(argv[2])
        if argv[0] == "exec":
            argv = argv[1:]
    return argv


def env_example(path: Path) -> tuple[dict[str, str], set[str]]:
    """The NAME=value lines, and the names in commented-out ones (`# NAME=value`)."""
    values, commented = {}, set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            values[match.group(1)] = match.group(2)
        elif match := re.fullmatch(r"#\s*([A-Z][A-Z0-9_]*)=.*", line.strip()):
            commented.add(match.group(1))
    return values, commented


def the_env_example() -> dict[str, str]:
    (path,) = files_of("environment example")
    return env_example(path)[0]


def systemd_timespan_s(value: str) -> float:
    units = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+)\s*([a-z]+)", value):
        total += int(number) * units[unit]
    return total


# --- shared ----------------------------------------------------------------------------------------


def matches_role(argv: list[str], role: str) -> bool:
    expected = ROLE_COMMANDS[role]
    return [PurePosixPath(argv[0]).name, *argv[1 : len(expected)]] == list(expected)


def option(argv: list[str], flag: str) -> str:
    assert argv.count(flag) == 1, f"{flag} given {argv.count(flag)} times in {argv}"
    return argv[argv.index(flag) + 1]


def rasa_options(argv: list[str]) -> dict[str, str]:
    """`rasa run`'s options as {flag: value}."""
    rest = argv[2:]
    assert len(rest) % 2 == 0 and all(flag.startswith("--") for flag in rest[::2]), rest
    return dict(zip(rest[::2], rest[1::2], strict=True))


def every_command() -> Iterator[tuple[str, list[str]]]:
    """(where, argv) of every command deploy/ starts."""
    for container in containers():
        yield f"kubernetes {container.role}", container_argv(container)
    for path in files_of("systemd service"):
        yield path.name, unit_argv(path)
    for path in files_of("dockerfile"):
        for keyword, rest in dockerfile_instructions(path):
            if keyword == "CMD":
                yield f"{path.name} CMD", exec_form(rest)


# ====================================================================================================
# The test's own premises


def test_the_settings_names_are_read_from_core_settings() -> None:
    names = settings_variables()
    assert {
        "RASA_PORT",
        "ACTION_SERVER_TOKEN",
        "REVIEW_PASSWORD",
        "RASA_PUBLIC_URL",
        "GATEWAYAPI_URL",
    } <= names
    assert not names & NOT_SETTINGS.keys(), (
        "a variable moved into core/settings.py: drop it from NOT_SETTINGS"
    )


def test_the_roles_cover_every_role_of_the_supervisor() -> None:
    placed = set(DEPLOYED_ROLES) | NOT_DEPLOYED_ROLES.keys()
    assert set(plan.ROLES) <= placed, "a new role in bot/tools/supervisor/plan.py: deploy it or say why not"
    assert NOT_DEPLOYED_ROLES.keys() <= set(plan.ROLES), "NOT_DEPLOYED_ROLES names a role the supervisor lost"
    assert set(plan.DEVELOPMENT_ONLY_ROLES) <= NOT_DEPLOYED_ROLES.keys()
    assert set(DEPLOYED_ROLES) - set(plan.ROLES) <= {"migrate"}
    assert ROLE_COMMANDS.keys() == set(DEPLOYED_ROLES)


def test_the_variables_outside_settings_are_listed_in_the_deploy_doc() -> None:
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    section = text.split("\n## Variables that are not in core/settings.py\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`", section, flags=re.MULTILINE))
    assert listed == NOT_SETTINGS.keys()


def test_no_file_in_deploy_goes_unread() -> None:
    unread, twice = [], []
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        kinds = [kind for kind, pattern in FILE_KINDS.items() if fnmatchcase(relative(path), pattern)]
        if not kinds:
            unread.append(relative(path))
        elif len(kinds) > 1:
            twice.append(relative(path))
    assert not unread, f"no check reads {unread}: add one to tests/unit/test_deploy_files.py"
    assert not twice
    for kind in FILE_KINDS:
        assert files_of(kind), f"no {kind} file in deploy/"


# ====================================================================================================
# (a) Every variable set is a setting, or on NOT_SETTINGS


def variables_set() -> Iterator[tuple[str, str]]:
    """(where, NAME) for every variable a file in deploy/ sets (or shows, commented out)."""
    for document in kubernetes_objects("ConfigMap"):
        for name in document.get("data", {}):
            yield f"kubernetes ConfigMap {document['metadata']['name']}", name
    for container in containers():
        for variable in container.spec.get("env", []):
            yield f"kubernetes {container.role}", variable["name"]
    for path in files_of("dockerfile"):
        for name in dockerfile_variables(path):
            yield path.name, name
    for path in files_of("systemd service"):
        for name in unit_environment(path):
            yield path.name, name
    for path in files_of("environment example"):
        values, commented = env_example(path)
        for name in [*values, *commented]:
            yield path.name, name


def test_every_variable_set_in_deploy_is_a_setting_or_listed() -> None:
    known = settings_variables() | NOT_SETTINGS.keys()
    unknown = sorted({f"{name} ({where})" for where, name in variables_set() if name not in known})
    assert not unknown, (
        f"not read by core/settings.py and not in NOT_SETTINGS: {unknown}; add the setting, "
        "or the variable with its reason to NOT_SETTINGS and docs/deploy.md"
    )
    unused = NOT_SETTINGS.keys() - {name for _, name in variables_set()}
    assert not unused, f"NOT_SETTINGS lists {sorted(unused)}, which no file in deploy/ sets any more"


def test_every_variable_a_unit_uses_is_set_for_it() -> None:
    example = the_env_example()
    for path in files_of("systemd service"):
        command = unit_value(path, "Service", "ExecStart") or ""
        used = set(re.findall(r"\$\$?\{?\(?\(?([A-Z][A-Z0-9_]*)", command))
        missing = used - example.keys() - unit_environment(path).keys()
        assert not missing, f"{path.name} uses {missing}, which moedeklar.env.example does not set"


def test_the_kubernetes_containers_read_the_config_map_they_name() -> None:
    for container in containers():
        assert container.spec.get("envFrom"), f"{container.role}: no envFrom ConfigMap"
        container_argv(container)  # every $(NAME) resolves


# ====================================================================================================
# (b) Every role has a Kubernetes workload and a systemd unit, running its command


def test_every_role_has_a_kubernetes_workload_running_its_command() -> None:
    roles = {}
    for container in containers():
        assert container.role not in roles, f"two workloads for the role {container.role}"
        roles[container.role] = container
        assert matches_role(container_argv(container), container.role), container_argv(container)
        assert len(container.pod["containers"]) == 1, f"{container.role}: one container per pod"
    assert sorted(roles) == sorted(DEPLOYED_ROLES)
    kinds = {role: container.kind for role, container in roles.items()}
    assert kinds == {
        "rasa": "Deployment",
        "actions": "Deployment",
        "web": "Deployment",
        "review": "Deployment",
        "reminders": "CronJob",
        "purge": "CronJob",
        "migrate": "Job",
    }


def test_every_role_has_a_systemd_unit_running_its_command() -> None:
    units = {unit_role(path): path for path in files_of("systemd service")}
    assert sorted(units) == sorted(DEPLOYED_ROLES)
    for role, path in units.items():
        assert matches_role(unit_argv(path), role), f"{path.name}: {unit_argv(path)}"
    assert units["rasa"].name == "moedeklar-rasa@.service", "one Rasa server per instance n"


def test_every_module_and_command_started_exists() -> None:
    commands = {command.name for module in COMMAND_MODULES for command in module.COMMANDS}
    for where, argv in every_command():
        if PurePosixPath(argv[0]).name == "python":
            assert argv[1] == "-m", f"{where}: {argv}"
            module = REPO_ROOT.joinpath(*argv[2].split("."))
            assert (module / "__main__.py").exists(), f"{where}: no module {argv[2]} with a __main__"
            if argv[2] == "bot":
                assert argv[3] in commands, f"{where}: `python -m bot {argv[3]}` is no command"


def test_every_rasa_server_is_started_as_the_supervisor_starts_it() -> None:
    reference = rasa_options(list(plan.rasa_command(Settings(), Settings.rasa_port + 1)))
    expected = {
        flag: (Path(value).relative_to(REPO_ROOT).as_posix() if Path(value).is_absolute() else value)
        for flag, value in reference.items()
        if flag != "--port"
    }
    rasa_commands = [(where, argv) for where, argv in every_command() if matches_role(argv, "rasa")]
    assert len(rasa_commands) == 3  # Kubernetes, systemd, the app image's CMD
    for where, argv in rasa_commands:
        options = rasa_options(argv)
        assert {flag: value for flag, value in options.items() if flag != "--port"} == expected, where
        for flag in ("--credentials", "--endpoints"):
            assert (REPO_ROOT / options[flag]).exists(), f"{where}: {options[flag]}"


def test_reminders_and_purge_run_one_at_a_time_as_often_as_the_supervisor_runs_them() -> None:
    cron_jobs = {role_of(job): job for job in kubernetes_objects("CronJob")}
    for role in ("reminders", "purge"):
        assert cron_jobs[role]["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron_jobs["reminders"]["spec"]["schedule"] == f"*/{int(Settings.reminder_every_s // 60)} * * * *"
    minute, hour, *days = cron_jobs["purge"]["spec"]["schedule"].split()
    assert minute.isdigit() and hour.isdigit() and days == ["*", "*", "*"], "once a day"
    assert plan.PURGE_EVERY_HOURS == 24

    timers = {unit_role(path): path for path in files_of("systemd timer")}
    assert sorted(timers) == ["purge", "reminders"]
    for timer in timers.values():
        assert timer.with_suffix(".service").exists(), f"{timer.name} starts a service that is missing"
        assert unit_value(timer.with_suffix(".service"), "Service", "Type") == "oneshot"
    assert systemd_timespan_s(unit_value(timers["reminders"], "Timer", "OnUnitActiveSec") or "") == (
        Settings.reminder_every_s
    )
    calendar = unit_value(timers["purge"], "Timer", "OnCalendar") or ""
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d( [A-Za-z/]+)?", calendar), "once a day"


def test_migrations_come_before_the_rasa_servers() -> None:
    (rasa,) = [path for path in files_of("systemd service") if unit_role(path) == "rasa"]
    for key in ("Requires", "After"):
        assert "moedeklar-migrate.service" in " ".join(unit_values(rasa, "Unit", key)).split()
    (migrate,) = [path for path in files_of("systemd service") if unit_role(path) == "migrate"]
    assert unit_value(migrate, "Service", "Type") == "oneshot"
    (job,) = [job for job in kubernetes_objects("Job") if role_of(job) == "migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    # The Job is applied first, with the ConfigMap it reads, by a label selector (docs/deploy.md).
    assert config_map_labels("moedeklar-config")["app.kubernetes.io/component"] == "config"


def config_map_labels(name: str) -> dict[str, str]:
    (found,) = [d for d in kubernetes_objects("ConfigMap") if d["metadata"]["name"] == name]
    return found["metadata"]["labels"]


# ====================================================================================================
# (c) Probes and rollout


def test_the_rasa_pods_are_ready_on_ready_alive_on_health_and_roll_one_at_a_time() -> None:
    rasa = deployment("rasa")
    (container,) = pod_spec(rasa)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert rasa["spec"]["strategy"]["type"] == "RollingUpdate"
    assert rasa["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert rasa["spec"]["replicas"] == Settings.rasa_processes
    (budget,) = kubernetes_objects("PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"] == rasa["spec"]["selector"]["matchLabels"]


def test_the_other_servers_answer_their_probes_on_health() -> None:
    for role in ("actions", "web", "review"):
        (container,) = pod_spec(deployment(role))["containers"]
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["path"] == "/health", f"{role} {probe}"


def test_the_proxy_and_the_ingress_agree_on_cookie_and_health_check() -> None:
    (template,) = files_of("haproxy template")
    text = template.read_text(encoding="utf-8")
    (ingress,) = [i for i in kubernetes_objects("Ingress") if sticky(i)]
    cookie = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/session-cookie-name"]
    assert re.search(rf"^\s*cookie {cookie} ", text, flags=re.MULTILINE), "HAProxy's cookie differs"
    ready = pod_spec(deployment("rasa"))["containers"][0]["readinessProbe"]["httpGet"]["path"]
    assert re.search(rf"^\s*option httpchk GET {re.escape(ready)}$", text, flags=re.MULTILINE)


def sticky(ingress: dict[str, Any]) -> bool:
    return ingress["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/affinity") == "cookie"


def ingress_route(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Ingress and backend of the longest prefix that matches `path`."""
    candidates = []
    for ingress in kubernetes_objects("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for route in rule["http"]["paths"]:
                assert route["pathType"] == "Prefix"
                prefix = route["path"].rstrip("/")
                if path == prefix or path.startswith(prefix + "/"):
                    candidates.append((len(prefix), ingress, route["backend"]["service"]))
    assert candidates, f"no Ingress routes {path}"
    _, ingress, backend = max(candidates, key=lambda candidate: candidate[0])
    return ingress, backend


def test_the_ingress_routes_citizens_to_rasa_sticky_only_for_socketio() -> None:
    rasa_service = service("moedeklar-rasa")["metadata"]["name"]
    for path in PUBLIC_RASA_PATHS:
        ingress, backend = ingress_route(path)
        assert backend["name"] == rasa_service, path
        assert sticky(ingress) == (path == STICKY_PATH), path
    socketio, _ = ingress_route(STICKY_PATH)
    annotations = socketio["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600, "WebSockets"
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-secure"] == "true"


def test_the_ingress_never_publishes_internals() -> None:
    for path in INTERNAL_RASA_PATHS:
        _, backend = ingress_route(path)
        assert backend["name"] != "moedeklar-rasa", f"{path} of the Rasa servers is public"
    backends = set()
    for ingress in kubernetes_objects("Ingress"):
        assert ingress["spec"]["tls"], "TLS only"
        for rule in ingress["spec"]["rules"]:
            backends |= {route["backend"]["service"]["name"] for route in rule["http"]["paths"]}
    assert not backends & {"moedeklar-actions", "moedeklar-review"}
    for name in backends:
        service(name)  # exists


# ====================================================================================================
# (d) No secret value in deploy/


def test_no_development_secret_anywhere_in_deploy() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            assert "dev-only-" not in path.read_text(encoding="utf-8").casefold(), relative(path)


def test_kubernetes_secrets_are_references_never_values() -> None:
    assert not kubernetes_objects("Secret"), "no Secret object with values in deploy/"
    secrets = secret_variables()
    assert not secrets & config_map("moedeklar-config").keys()
    for container in containers():
        for variable in container.spec.get("env", []):
            if variable["name"] in secrets:
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                assert reference and "value" not in variable, f"{container.role}: {variable['name']}"
                assert reference["name"] == SECRET_NAME and reference["key"] == variable["name"]
            else:
                assert "secretKeyRef" not in variable.get("valueFrom", {}), variable["name"]


def test_images_and_units_carry_no_secret() -> None:
    secrets = secret_variables()
    for path in files_of("dockerfile"):
        assert not secrets & dockerfile_variables(path).keys(), path.name
    for path in files_of("systemd service"):
        assert not secrets & unit_environment(path).keys(), f"{path.name}: secrets go in moedeklar.env"
        assert unit_values(path, "Service", "EnvironmentFile") == ["/etc/moedeklar/moedeklar.env"]
    (example,) = files_of("environment example")
    assert example.name == "moedeklar.env.example"


def test_the_example_environment_file_leaves_every_secret_blank() -> None:
    values = the_env_example()
    for name in secret_variables() & values.keys():
        value = values[name]
        if name in SECRET_URLS and value:
            password = urlsplit(value).password
            assert password is None or re.fullmatch(r"<[a-z-]+>", password), f"{name}: a real password?"
        else:
            assert value == "", f"{name} must be empty in the example"
    assert values["APP_ENV"] == "production"


def test_the_images_leave_out_local_data_and_env_files() -> None:
    for path in files_of("dockerignore"):
        allowed = dockerignore_allows(path)
        for private in ("var", ".venv", ".git", "node_modules", "results", "models"):
            assert not any(a == private or a.startswith(private + "/") for a in allowed), (path.name, private)
        assert "**/*.env" in path.read_text(encoding="utf-8")


# ====================================================================================================
# (e) Ports


def test_the_port_settings_are_the_defaults() -> None:
    example = the_env_example()
    data = config_map("moedeklar-config")
    for variable in ROLE_PORTS.values():
        assert int(data[variable]) == default_port(variable), f"ConfigMap {variable}"
        assert int(example[variable]) == default_port(variable), f"moedeklar.env.example {variable}"
    assert int(example["RASA_PROCESSES"]) == Settings.rasa_processes


def test_every_kubernetes_port_agrees_with_the_settings() -> None:
    for role, variable in ROLE_PORTS.items():
        (container,) = [c for c in containers() if c.role == role]
        port = named_port(container, "http")
        assert port == default_port(variable), f"{role}: containerPort {port}"
        argv = container_argv(container)
        if "--port" in argv:
            assert int(option(argv, "--port")) == port, role
        for probe in ("readinessProbe", "livenessProbe"):
            assert container.spec[probe]["httpGet"]["port"] == "http", f"{role} {probe}"
        (ports,) = service(f"moedeklar-{role}")["spec"]["ports"]
        assert ports["port"] == port and ports["targetPort"] == "http", role
        assert (
            service(f"moedeklar-{role}")["spec"]["selector"]
            == deployment(role)["spec"]["selector"]["matchLabels"]
        )


def test_the_action_endpoint_points_at_the_action_server() -> None:
    kubernetes = urlsplit(config_map("moedeklar-config")["ACTION_ENDPOINT_URL"])
    (ports,) = service(kubernetes.hostname or "")["spec"]["ports"]
    assert (kubernetes.port, kubernetes.path) == (ports["port"], "/webhook")
    example = the_env_example()
    one_machine = urlsplit(example["ACTION_ENDPOINT_URL"])
    assert one_machine.hostname == example["ACTION_HOST"] == "127.0.0.1"
    assert (one_machine.port, one_machine.path) == (int(example["ACTION_PORT"]), "/webhook")


def test_the_rasa_servers_on_one_machine_listen_on_rasa_port_plus_n() -> None:
    (rasa,) = [path for path in files_of("systemd service") if unit_role(path) == "rasa"]
    assert option(unit_argv(rasa), "--port") == "$$((RASA_PORT + %i))", "the documented computation"
    for n in (1, 2, 3):
        assert plan.rasa_port(Settings(), n) == Settings.rasa_port + n, "the supervisor computes it so too"
    (actions,) = [path for path in files_of("systemd service") if unit_role(path) == "actions"]
    assert option(unit_argv(actions), "--port") == "${ACTION_PORT}"


def test_the_images_expose_and_start_on_the_default_ports() -> None:
    defaults = {default_port(variable) for variable in ROLE_PORTS.values()}
    for path in files_of("dockerfile"):
        instructions = dockerfile_instructions(path)
        exposed = [
            int(port) for keyword, rest in instructions if keyword == "EXPOSE" for port in rest.split()
        ]
        assert exposed and set(exposed) <= defaults, path.name
        (command,) = [exec_form(rest) for keyword, rest in instructions if keyword == "CMD"]
        role = next(role for role in ROLE_PORTS if matches_role(command, role))
        assert int(option(command, "--port")) == default_port(ROLE_PORTS[role]), path.name


# ====================================================================================================
# The images: built from the lock files, as the Makefile builds, non-root


def makefile_value(name: str) -> str:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}\s*:?=\s*(.+)$", text, flags=re.MULTILINE)
    assert match, f"the Makefile has no {name}"
    return match.group(1).strip()


def test_every_image_copies_only_files_that_exist_and_are_let_in() -> None:
    for path in files_of("dockerfile"):
        (ignore,) = [p for p in files_of("dockerignore") if p.name == f"{path.name}.dockerignore"]
        allowed = dockerignore_allows(ignore)
        for stage in dockerfile_stages(path):
            for source in copy_sources(stage):
                assert (REPO_ROOT / source).exists(), f"{path.name} copies {source}, which is gone"
                assert source.rstrip("/") in allowed, f"{ignore.name} leaves out {source}"


def test_the_images_run_as_a_non_root_user_that_the_pods_require() -> None:
    users = set()
    for path in files_of("dockerfile"):
        final = dockerfile_stages(path)[-1]
        user = [rest for keyword, rest in final.instructions if keyword == "USER"][-1]
        uid, _, gid = user.partition(":")
        assert uid.isdigit() and int(uid) != 0, f"{path.name} runs as {user}"
        users.add((int(uid), int(gid or uid)))
    (uid, gid), *others = users
    assert not others, "both images run as the same user"
    for container in containers():
        context = container.pod["securityContext"]
        assert context["runAsNonRoot"] is True and (context["runAsUser"], context["runAsGroup"]) == (uid, gid)
        assert container.spec["securityContext"]["readOnlyRootFilesystem"] is True
        assert container.spec["securityContext"]["allowPrivilegeEscalation"] is False


def test_each_image_installs_its_own_lock_file() -> None:
    locks = {"app.Dockerfile": "requirements.lock", "actions.Dockerfile": "requirements-actions.lock"}
    for name, lock in locks.items():
        path = DEPLOY / "docker" / name
        installed = [
            PurePosixPath(command[command.index("-r") + 1]).name
            for command in run_commands(path)
            if PurePosixPath(command[0]).name == "pip" and "-r" in command
        ]
        assert installed == [lock], f"{name} installs {installed}"
    actions = dockerfile_stages(DEPLOY / "docker" / "actions.Dockerfile")
    sources = {source for stage in actions for source in copy_sources(stage)}
    assert not any(source.startswith(("bot", "requirements.lock")) for source in sources), "no Rasa in it"


def test_the_app_image_builds_the_spacy_pipeline_and_the_model_as_the_makefile() -> None:
    commands = run_commands(DEPLOY / "docker" / "app.Dockerfile")
    spacy = ["-m", "bot.rasa_plugins.nlu.build_spacy", makefile_value("SPACY_DIR")]
    assert any(command[1:] == spacy for command in commands), "the Danish spaCy pipeline, as `make install`"
    (train,) = [command for command in commands if command[1:2] == ["train"]]
    train_args = shlex.split(makefile_value("TRAIN_ARGS"))
    assert train[2 : 2 + len(train_args)] == train_args, "the Makefile's TRAIN_ARGS"
    model = Settings.model.relative_to(REPO_ROOT)
    assert option(train, "--fixed-model-name") == model.name.removesuffix(".tar.gz")
    assert option(train, "--out") == model.parent.as_posix()


def test_every_container_uses_the_image_of_its_role() -> None:
    for container in containers():
        expected = ACTIONS_IMAGE if container.role == "actions" else APP_IMAGE
        assert container.spec["image"] == expected, container.role
    (kustomization,) = kubernetes_objects("Kustomization")
    assert {image["name"] for image in kustomization["images"]} == set(IMAGE_OF_DOCKERFILE.values())
    assert {path.name for path in files_of("dockerfile")} == IMAGE_OF_DOCKERFILE.keys()
    listed = set(kustomization["resources"])
    assert listed == {path.name for path in files_of("kubernetes")} - {"kustomization.yaml"}


# ====================================================================================================
# systemd: the same hardening and restarts for every service


def test_every_unit_belongs_to_the_moedeklar_target() -> None:
    (target,) = files_of("systemd target")
    assert unit_values(target, "Install", "WantedBy") == ["multi-user.target"]
    assert unit_value(target, "Unit", "Description")
    started = files_of("systemd timer") + [
        path for path in files_of("systemd service") if unit_value(path, "Service", "Type") != "oneshot"
    ]
    for path in started:
        assert unit_value(path, "Unit", "Description"), path.name
        assert unit_values(path, "Install", "WantedBy") == [target.name], path.name
    for path in files_of("systemd service"):
        if unit_value(path, "Service", "Type") == "oneshot":
            assert not unit_sections(path).get("Install"), f"{path.name}: a timer or Rasa starts it"


@pytest.mark.parametrize("path", files_of("systemd service"), ids=lambda path: path.name)
def test_every_service_runs_hardened_as_moedeklar(path: Path) -> None:
    service_keys = dict(unit_sections(path)["Service"])
    expected = {
        "User": "moedeklar",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "ReadWritePaths": "/var/lib/moedeklar",
    }
    assert {key: service_keys.get(key) for key in expected} == expected
    release = service_keys["WorkingDirectory"]
    assert unit_environment(path)["PYTHONPATH"] == release
    executable = unit_argv(path)[0]
    assert executable.startswith(f"{release}/.venv/bin/"), executable
    if service_keys.get("Type") == "oneshot":
        assert service_keys.get("Restart", "no") in ("no", "on-failure"), (
            "systemd refuses Restart=always here"
        )
    else:
        assert service_keys.get("Restart") == "always"
    for target in unit_values(path, "Install", "WantedBy"):
        assert (path.parent / target).exists() or target in ("multi-user.target", "timers.target"), target
