"""The JupyterHub configuration of one cohort, built from its cohort file (:mod:`frontline.hub.settings`).

``jupyterhub_config.py`` (shipped beside this module, started by ``frontline hub serve``) calls
:func:`configure`. Everything a cohort needs is here: the proxy, the login, real accounts with limits, the
hub groups (trainers, facilitators, trainees), the formgrader as a service for the trainers, idle culling and,
when configured, the live room as a service.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from frontline.hub.settings import FACILITATORS_GROUP, TRAINEES_GROUP, TRAINERS_GROUP, HubSettings
from frontline.hub.spawner import kit_environment
from frontline.lab.launch import any_free_port

BIN = Path(sys.executable).parent
LIVE_SERVICE = "live"
FORMGRADER_SERVICE = "formgrader"
TRAINER_CONFIG = Path(__file__).resolve().parents[1] / "lab" / "jupyter_config_trainer"
# The hub's home page lists the services a person may open, with the titles given here (templates/home.html).
TEMPLATES = Path(__file__).with_name("templates")


def proxy_command() -> str:
    """configurable-http-proxy from the npm registry (``npm install -g configurable-http-proxy``)."""
    found = shutil.which("configurable-http-proxy")
    if not found:
        raise FileNotFoundError("configurable-http-proxy is not installed: "
                                "run `npm install -g configurable-http-proxy`")
    return found


def configure(c, settings: HubSettings, kit: Path, internal_ports: tuple[int, int] = (0, 0)) -> None:
    """Fill the traitlets config ``c`` of JupyterHub for ``settings``."""
    private = settings.state_dir / "hub"
    hub_port, proxy_api_port = internal_ports
    c.JupyterHub.bind_url = f"http://{settings.ip or '0.0.0.0'}:{settings.port}"
    if hub_port:
        c.JupyterHub.hub_port = hub_port
    c.JupyterHub.db_url = f"sqlite:///{private / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(private / "jupyterhub_cookie_secret")
    c.JupyterHub.cleanup_servers = True
    c.ConfigurableHTTPProxy.command = [proxy_command()]
    c.ConfigurableHTTPProxy.pid_file = str(private / "proxy.pid")
    if proxy_api_port:
        c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"

    # Login: names must be on the cohort list; the authenticator is the workshop default or the organisation's.
    c.JupyterHub.authenticator_class = settings.authenticator_class
    c.Authenticator.allowed_users = set(settings.everyone)
    c.Authenticator.admin_users = set(settings.admins)
    if settings.authenticator == "first-use":
        c.FirstUseAuthenticator.dbm_path = str(private / "passwords.dbm")
        c.FirstUseAuthenticator.create_users = False
    for name, value in settings.authenticator_config.items():
        section, _, trait = name.rpartition(".")
        setattr(c[section or "Authenticator"], trait, value)

    c.JupyterHub.load_groups = {
        TRAINERS_GROUP: {"users": list(settings.trainers)},
        FACILITATORS_GROUP: {"users": list(settings.facilitators)},
        TRAINEES_GROUP: {"users": list(settings.trainees)},
    }

    # Each person's own server, as their own account, with limits and their role's Jupyter config.
    c.JupyterHub.spawner_class = "frontline.hub.spawner.CohortSpawner"
    c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 120
    c.CohortSpawner.kit_root = str(kit)
    c.CohortSpawner.exchange_root = str(settings.exchange)
    c.CohortSpawner.memory_bytes = settings.memory_limit
    c.CohortSpawner.cpu_limit = settings.cpu_limit
    c.CohortSpawner.process_limit = settings.process_limit

    def set_role(spawner):
        spawner.role = settings.role_of(spawner.user.name)

    c.Spawner.pre_spawn_hook = set_role
    c.JupyterHub.template_paths = [str(TEMPLATES)]

    # The formgrader of the course, run as the grader account; the hub group `trainers` may open it (and the
    # hub's admins, whose role includes access to every service).
    # Idle servers stop after idle_timeout seconds without activity.
    services = [formgrader_service(settings, kit), {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={settings.idle_timeout}"],
    }]
    roles = [{
        "name": "graders",
        "scopes": [f"access:services!service={FORMGRADER_SERVICE}"],
        "groups": [TRAINERS_GROUP],
    }, {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }]
    if settings.live_port:
        services.append(live_service(settings, kit))
        # the notebooks' live client joins here with the server's own hub token (no join code)
        c.Spawner.environment = {"FRONTLINE_LIVE_URL": f"http://127.0.0.1:{settings.live_port}/services/{LIVE_SERVICE}/"}
        roles += [
            # the room checks who is a facilitator by reading that hub group
            {"name": "live-room", "scopes": [f"read:groups!group={FACILITATORS_GROUP}"], "services": [LIVE_SERVICE]},
            # every person in the hub may log in to the room (what they may do there, the room decides)
            {"name": "user", "scopes": ["self", f"access:services!service={LIVE_SERVICE}"]},
        ]
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles


def formgrader_service(settings: HubSettings, kit: Path) -> dict:
    """nbgrader's formgrader as a hub service: JupyterLab as the grader account on the course folder.

    Its address is ``/services/formgrader/``; the hub asks each visitor for the scope
    ``access:services!service=formgrader``, which the role ``graders`` (the group ``trainers``) gives, as does
    JupyterHub's admin role (``access:services``).
    The hub vouches for a trainer with an OAuth token limited to that scope; the server itself needs no role.
    """
    port = settings.formgrader_port or any_free_port()
    return {
        "name": FORMGRADER_SERVICE,
        "display": True,
        "info": {"title": "Grading: nbgrader's formgrader for the course", "path": "formgrader"},
        "url": f"http://127.0.0.1:{port}",
        "user": settings.grader_account,
        "cwd": str(settings.course),
        "command": [sys.executable, "-m", "frontline.hub.formgrader_service",
                    "--memory", str(settings.memory_limit), "--processes", str(settings.process_limit),
                    "--", sys.executable, "-m", "frontline.hub.formgrader_server"],
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            # the formgrader and its nbgrader panels; the course folder's nbgrader_config.py loads the kit's
            "JUPYTER_CONFIG_PATH": str(TRAINER_CONFIG),
            "FRONTLINE_COURSE": str(settings.course),
            **kit_environment(str(kit), str(settings.exchange)),
        },
        "oauth_no_confirm": True,
    }


def live_service(settings: HubSettings, kit: Path) -> dict:
    """The live room as a hub service: the hub starts it, routes /services/live/ to it and vouches for logins."""
    room = settings.state_dir / "live"
    return {
        "name": LIVE_SERVICE,
        "url": f"http://127.0.0.1:{settings.live_port}",
        "command": [sys.executable, "-P", str(Path(__file__).with_name("live_service.py")), "--dir", str(room),
                    "--identity-key", str(settings.live_key_file), "--port", str(settings.live_port),
                    "--facilitators-group", FACILITATORS_GROUP],
        # the room answers this machine's own names and addresses; another public name (a DNS alias, a proxy in
        # front of the hub) is added with FRONTLINE_LIVE_ALLOWED_HOSTS in the hub's environment
        "environment": {"FRONTLINE_KIT": str(kit),
                        "FRONTLINE_LIVE_ALLOWED_HOSTS": os.environ.get("FRONTLINE_LIVE_ALLOWED_HOSTS", "")},
        "oauth_no_confirm": True,
        "info": {"title": "Live workshop room", "path": "hub/login"},
    }
