"""The cohort file, the generated hub configuration and the live service's wrapper, without starting a hub."""

from __future__ import annotations

import asyncio
import grp
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from traitlets.config import Config

from frontline.grading.course import prepare_course_folder
from frontline.hub import setup as hub_setup
from frontline.hub.cli import hub as hub_cli
from frontline.hub.config import TRAINER_CONFIG, configure
from frontline.hub.formgrader_service import answer_first_check
from frontline.hub.live_service import DeferredApp, prefixed_room_page, prefixed_room_script
from frontline.hub.settings import (
    HubSettings,
    HubSettingsError,
    default_grader,
    load_settings,
    parse_size,
    people_uid_min,
    refuse_system_account,
)
from frontline.hub.setup import prepare_cohort
from frontline.lab.launch import any_free_port

COHORT = """\
cohort: spring-intake
trainers: [tina]
facilitators: [fay]
trainees: [ann, bob]
port: 8123
state_dir: {state}
limits: {{memory: 1500M, cpu: 0.5, processes: 128}}
idle_timeout: 900
live_port: 8124
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cohort_file_is_read(tmp_path):
    settings = load_settings(_write(tmp_path, COHORT.format(state=tmp_path / "state")))
    assert settings.everyone == ("tina", "fay", "ann", "bob")
    assert settings.memory_limit == 1500 * 1024**2 and settings.process_limit == 128
    assert settings.cpu_limit == 0.5
    assert settings.role_of("tina") == "trainer" and settings.role_of("fay") == "facilitator"
    assert settings.role_of("ann") == "trainee"
    assert settings.exchange == tmp_path / "state" / "exchange"
    assert settings.grader_account == "grader-spring-intake" and settings.course == tmp_path / "state" / "course"


def test_grader_account_is_named_from_the_cohort_or_given():
    assert default_grader("Spring Intake 2025!") == "grader-spring-intake-2025"
    assert default_grader("A very long cohort name for the autumn of this year") == "grader-a-very-long-cohort-name-f"
    assert len(default_grader("x" * 60)) == 32


def test_grader_field(tmp_path):
    settings = load_settings(_write(tmp_path, COHORT.format(state=tmp_path) + "grader: course-grader\n"))
    assert settings.grader_account == "course-grader"


@pytest.mark.parametrize(("change", "expected"), [
    (("trainees: [ann, bob]", "trainees: [ann, Bob!]"), "field 'trainees': 'Bob!' is not a valid user name"),
    (("trainees: [ann, bob]", "trainees: [ann, tina]"), "tina cannot be both trainer and trainee"),
    (("memory: 1500M", "memory: lots"), "field 'limits.memory': 'lots' is not a size"),
    (("cpu: 0.5", "cpu: lots"), "field 'limits.cpu' must be a number of CPUs from 0.01 to 1024, such as 0.5 or 2, "
                                "not 'lots'"),
    (("cpu: 0.5", "cpu: 0"), "field 'limits.cpu' must be a number of CPUs from 0.01 to 1024"),
    (("cpu: 0.5", "cpu: .nan"), "field 'limits.cpu' must be a number of CPUs"),
    (("cpu: 0.5", "cpu: true"), "field 'limits.cpu' must be a number of CPUs"),
    (("cpu: 0.5", "cpus: 0.5"), "field 'limits' takes only memory, cpu and processes"),
    (("idle_timeout: 900", "idle_timeout: soon"), "field 'idle_timeout' must be a whole number"),
    (("port: 8123", "prot: 8123"), "unknown field(s) prot"),
    (("trainers: [tina]", "trainers: []"), "field 'trainers' needs at least one name"),
    ("grader: Grader!", "field 'grader': 'Grader!' is not a valid user name"),
    ("grader: [g]", "field 'grader': ['g'] is not a valid user name"),
    ("grader: tina", "field 'grader': 'tina' is also a person in the cohort"),
    (("trainees: [ann, bob]", "trainees: [ann, grader-spring-intake]"),
     "the grader account made from the cohort name, 'grader-spring-intake', is also a person in the cohort"),
    ("formgrader_port: high", "field 'formgrader_port' must be a whole"),
    # the machine's own accounts: setup would give them the course or the trainers' group
    ("grader: root", "field 'grader': 'root' is a system account"),
    ("grader: daemon", "field 'grader': 'daemon' is a system account"),
    (("trainers: [tina]", "trainers: [root]"), "field 'trainers': 'root' is a system account of this machine (uid 0"),
    (("trainees: [ann, bob]", "trainees: [ann, nobody]"), "field 'trainees': 'nobody' is a system account"),
    (("facilitators: [fay]", "facilitators: [daemon]"), "field 'facilitators': 'daemon' is a system account"),
    ("admins: [root]", "field 'admins': 'root' is a system account"),
    ("live_identity_key: keys/live.key", "field 'live_identity_key': 'keys/live.key' must be an absolute path"),
    ("live_identity_key: /etc/frontline/",
     "field 'live_identity_key' must be the path of a file, not '/etc/frontline/'"),
    ("live_identity_key: [a]", "field 'live_identity_key' must be the path of a file, not ['a']"),
    ("live_identity_key: {state}/exchange/live.key", "is inside the shared exchange folder"),
    ("live_identity_key: {state}/course/live.key", "is inside the shared course folder"),
    ("live_identity_key: {state}/live/../exchange/live.key", "is inside the shared exchange folder"),
    ("live_identity_key: {state}/./course//keys/../live.key", "is inside the shared course folder"),
])
def test_cohort_file_errors_name_the_file_and_field(tmp_path, change, expected):
    """``change`` is (text, its replacement), or a line added to the file (``{state}``: the state folder)."""
    text = COHORT.format(state=tmp_path)
    changed = text.replace(*change) if isinstance(change, tuple) else f"{text}{change}\n"
    path = _write(tmp_path, changed.replace("{state}", str(tmp_path)))
    with pytest.raises(HubSettingsError) as error:
        load_settings(path)
    assert str(path) in str(error.value) and expected in str(error.value)


def test_people_uid_min_comes_from_login_defs(tmp_path):
    login_defs = tmp_path / "login.defs"
    login_defs.write_text("# comment\nUID_MIN\t\t 2000\nUID_MAX 3000\nGID_MIN 100\n")
    assert people_uid_min(login_defs) == 2000
    assert people_uid_min(tmp_path / "missing") == 1000
    refuse_system_account("no-such-account-here", "f.yaml", "trainees", login_defs)  # setup will create it
    with pytest.raises(HubSettingsError, match=r"f.yaml: field 'grader': 'daemon' is a system account of this machine "
                       rf"\(uid 1, below UID_MIN 2000 in {login_defs}, the uids the system's own services use\); "
                       r"use the name of a person's account \(uid 2000 or above\)"):
        refuse_system_account("daemon", "f.yaml", "grader", login_defs)
    with pytest.raises(HubSettingsError, match=r"'root' is a system account of this machine \(uid 0, the admin"):
        refuse_system_account("root", "f.yaml", "trainers", login_defs)
    with pytest.raises(HubSettingsError, match=r"'nobody' is a system account of this machine \(uid 65534, the "
                                               "account that owns nothing"):
        refuse_system_account("nobody", "f.yaml", "trainees", login_defs)


@pytest.mark.parametrize(("uid", "refused"), [(61183, False), (61184, True), (63000, True), (65519, True),
                                            (65520, False)])
def test_an_account_systemd_made_for_a_service_is_not_a_person(tmp_path, monkeypatch, uid, refused):
    """systemd's DynamicUser= services run as uids 61184-65519, far above UID_MIN: they are not people."""
    def getpwnam(name):
        if name != "svcdyn":
            raise KeyError(name)
        return pwd.struct_passwd(("svcdyn", "!", uid, uid, "", "/", "/usr/sbin/nologin"))

    monkeypatch.setattr(pwd, "getpwnam", getpwnam)
    path = _write(tmp_path, COHORT.format(state=tmp_path).replace("[ann, bob]", "[ann, svcdyn]"))
    if not refused:
        assert "svcdyn" in load_settings(path).trainees
        refuse_system_account("svcdyn", "f.yaml", "trainees")  # setup's second check agrees
        return
    with pytest.raises(HubSettingsError) as error:
        load_settings(path)
    assert str(error.value) == (
        f"{path}: field 'trainees': 'svcdyn' is a system account of this machine (uid {uid}, from 61184 to 65519, "
        "the uids systemd gives a service of its own while it runs); use the name of a person's account (uid "
        f"{people_uid_min()} or above) or a name no account has yet")
    with pytest.raises(HubSettingsError, match="from 61184 to 65519"):
        refuse_system_account("svcdyn", "f.yaml", "trainees")


def test_a_directory_service_account_above_uid_max_is_a_person(tmp_path):
    """LDAP or Active Directory accounts (through SSSD) have uids far above UID_MAX: they are people."""
    _require_root("the test creates an account with a directory service's uid")
    name = "fl" + secrets.token_hex(3) + "ldap"
    uid = next(u for u in range(1_700_000, 1_800_000) if not _uid_taken(u))
    # --no-log-init: no login records grown to the size of such a uid
    subprocess.run(["useradd", "--no-create-home", "--no-log-init", "--uid", str(uid), name], check=True,
                   capture_output=True)
    try:
        assert pwd.getpwnam(name).pw_uid == uid
        cohort = COHORT.format(state=tmp_path).replace("[ann, bob]", f"[ann, {name}]")
        settings = load_settings(_write(tmp_path, cohort))
        assert name in settings.trainees
        refuse_system_account(name, "f.yaml", "trainees")  # setup's second check agrees
    finally:
        subprocess.run(["userdel", name], capture_output=True)


def _uid_taken(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def test_setup_refuses_a_system_account_before_touching_anything(tmp_path):
    """Settings that were not read from this machine's checks (or a file checked elsewhere) are checked again."""
    settings = HubSettings(cohort="c", trainers=("nobody",), trainees=(), state_dir=tmp_path / "state",
                           grader="grader-c", source=tmp_path / "cohort.yaml")
    with pytest.raises(HubSettingsError, match=f"{tmp_path / 'cohort.yaml'}: field 'trainers': 'nobody'"):
        prepare_cohort(settings, tmp_path / "kit")
    with pytest.raises(HubSettingsError, match="field 'grader': 'root'"):
        prepare_cohort(replace(settings, trainers=("tina",), grader="root"), tmp_path / "kit")
    assert not (tmp_path / "state").exists()


def test_setup_refuses_a_system_account_made_after_the_cohort_file_was_read(tmp_path):
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("setup creates Linux accounts: run the hub tests as root")
        pytest.skip("setup creates Linux accounts: run as root")
    late = "fl" + secrets.token_hex(3) + "late"
    path = _write(tmp_path, COHORT.format(state=tmp_path / "state") + f"grader: {late}\n")
    settings = load_settings(path)  # no such account yet: accepted
    subprocess.run(["useradd", "--system", "--no-create-home", late], check=True, capture_output=True)
    try:
        with pytest.raises(HubSettingsError, match=f"{path}: field 'grader': '{late}' is a system account"):
            prepare_cohort(settings, tmp_path / "kit")
        assert not (tmp_path / "state").exists()
    finally:
        subprocess.run(["userdel", late], capture_output=True)


def _require_root(why: str) -> None:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail(f"{why}: run the hub tests as root")
        pytest.skip(f"{why}: run as root")


def test_setup_takes_a_removed_trainer_out_of_the_answer_keys_group(tmp_path, monkeypatch):
    """Run twice, the second time without one trainer: that trainer can no longer read the answer keys."""
    _require_root("setup creates Linux accounts and a group")
    tag = "fl" + secrets.token_hex(3)
    group, tina, tom, grader = f"{tag}keys", f"{tag}tina", f"{tag}tom", f"{tag}grader"
    monkeypatch.setattr(hub_setup, "TRAINERS_LINUX_GROUP", group)  # not the machine's real trainers' group
    base = Path(tempfile.mkdtemp(prefix="frontline-setup-", dir="/tmp"))
    os.chmod(base, 0o755)  # reachable by the test accounts, so the folder's own mode decides
    kit = base / "kit"
    (kit / "exercises").mkdir(parents=True)
    (kit / "exercises" / "key.txt").write_text("the model answer\n")
    for folder in ("grading", "notebooks", "data"):
        (kit / folder).mkdir()
    monkeypatch.setenv("FRONTLINE_KIT", str(kit))
    cohort = base / "cohort.yaml"

    def setup(trainers: list[str]) -> str:
        cohort.write_text(f"cohort: keys\ntrainers: {trainers}\nstate_dir: {base / 'state'}\ngrader: {grader}\n")
        result = CliRunner().invoke(hub_cli, ["setup", str(cohort)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def can_read_keys(name: str) -> bool:
        return subprocess.run(["runuser", "-u", name, "--", "cat", str(kit / "exercises" / "key.txt")],
                              capture_output=True).returncode == 0

    try:
        first = setup([tina, tom])
        assert "no longer trainers" not in first
        assert set(grp.getgrnam(group).gr_mem) == {tina, tom, grader}
        assert can_read_keys(tom)
        second = setup([tina])
        assert f"no longer trainers, so no longer able to read the answer keys: {tom} " in second
        assert set(grp.getgrnam(group).gr_mem) == {tina, grader}
        assert not can_read_keys(tom) and can_read_keys(tina)
        assert "no longer trainers" not in setup([tina])  # nobody left to remove
    finally:
        for name in (tina, tom, grader):
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_course_config_replaces_a_planted_link_and_leaves_its_target_alone(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    course, kit = tmp_path / "course", tmp_path / "kit"
    course.mkdir()
    (course / "nbgrader_config.py").symlink_to(victim)
    prepare_course_folder(course, kit)
    config = course / "nbgrader_config.py"
    assert victim.read_text() == "someone else's file\n"
    assert not config.is_symlink() and "load_subconfig(" in config.read_text()
    written = config.stat()
    prepare_course_folder(course, kit)  # already right: left as it is
    assert (config.stat().st_ino, config.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert [p.name for p in course.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_handing_the_course_over_leaves_a_hard_linked_file_with_its_owner(tmp_path):
    """A file with another name elsewhere (``/etc/shadow`` hard-linked in) keeps its owner: a new owner for the
    name in the course would be a new owner for the other name too."""
    from frontline.hub.exchange import give_tree

    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("a file of the machine's\n")
    course = tmp_path / "course"
    (course / "notes").mkdir(parents=True)
    (course / "notes" / "made.txt").write_text("the grader's\n")
    os.link(elsewhere, course / "notes" / "linked.txt")
    owner = os.stat(elsewhere).st_uid
    not_given = give_tree(course, 4242, 4242)
    assert not_given == ["notes/linked.txt"]
    assert os.stat(elsewhere).st_uid == owner
    assert all(os.stat(p).st_uid == 4242 for p in (course, course / "notes", course / "notes" / "made.txt"))


def test_sizes():
    assert parse_size("2G", "x") == 2 * 1024**3 and parse_size(4096, "x") == 4096
    with pytest.raises(HubSettingsError, match="x: '2 GB' is not a size"):
        parse_size("2 GB", "x")


def test_hub_config_from_cohort(tmp_path, monkeypatch):
    proxy = tmp_path / "bin" / "configurable-http-proxy"
    proxy.parent.mkdir()
    proxy.write_text("#!/bin/sh\n")
    proxy.chmod(0o755)
    monkeypatch.setenv("PATH", str(proxy.parent))
    settings = load_settings(_write(tmp_path, COHORT.format(state=tmp_path / "state")))
    c = Config()
    configure(c, settings, tmp_path / "kit", (8081, 8001))
    assert c.JupyterHub.bind_url == "http://0.0.0.0:8123" and c.JupyterHub.hub_port == 8081
    assert c.ConfigurableHTTPProxy.command == [str(proxy)]
    assert c.JupyterHub.authenticator_class == "firstuseauthenticator.FirstUseAuthenticator"
    assert c.Authenticator.allowed_users == {"tina", "fay", "ann", "bob"}
    assert c.JupyterHub.load_groups["facilitators"] == {"users": ["fay"]}
    assert c.JupyterHub.spawner_class == "frontline.hub.spawner.CohortSpawner"
    assert c.CohortSpawner.memory_bytes == 1500 * 1024**2 and c.CohortSpawner.cpu_limit == 0.5
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert "--timeout=900" in services["idle-culler"]["command"]
    assert services["live"]["url"] == "http://127.0.0.1:8124" and services["live"]["oauth_no_confirm"]
    live = services["live"]["command"]  # the identity key beside the room's database, in a file of its own
    assert live[live.index("--dir") + 1] == str(tmp_path / "state" / "live")
    assert live[live.index("--identity-key") + 1] == str(tmp_path / "state" / "live" / "identity.key")
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["live-room"]["scopes"] == ["read:groups!group=facilitators"]
    assert "delete:servers" in roles["idle-culler"]["scopes"]

    # The formgrader: a service run as the grader account on the course folder, opened by trainers only.
    grading = services["formgrader"]
    assert grading["user"] == "grader-spring-intake" and grading["cwd"] == str(tmp_path / "state" / "course")
    assert grading["display"] and grading["url"].startswith("http://127.0.0.1:") and grading["oauth_no_confirm"]
    command = grading["command"]
    assert command[1:3] == ["-m", "frontline.hub.formgrader_service"]
    assert command[command.index("--memory") + 1] == str(1500 * 1024**2)
    assert command[command.index("--processes") + 1] == "128"
    assert command[-3:] == [sys.executable, "-m", "frontline.hub.formgrader_server"]
    env = grading["environment"]
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/formgrader" and env["JUPYTER_CONFIG_PATH"] == str(TRAINER_CONFIG)
    assert env["FRONTLINE_COURSE"] == grading["cwd"] and env["FRONTLINE_KIT"] == str(tmp_path / "kit")
    assert env["FRONTLINE_EXCHANGE"] == str(tmp_path / "state" / "exchange") and env["FRONTLINE_EXCHANGE_SHARED"] == "1"
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)  # the kit's Python first
    granting = [r for r in c.JupyterHub.load_roles if any("service=formgrader" in s for s in r["scopes"])]
    assert granting == [{"name": "graders", "scopes": ["access:services!service=formgrader"], "groups": ["trainers"]}]
    assert c.JupyterHub.template_paths and (Path(c.JupyterHub.template_paths[0]) / "home.html").is_file()


def test_live_identity_key_file_from_the_cohort_file(tmp_path, monkeypatch):
    monkeypatch.setattr("frontline.hub.config.proxy_command", lambda: "configurable-http-proxy")
    key = tmp_path / "keys" / "live.key"
    settings = load_settings(_write(tmp_path, COHORT.format(state=tmp_path / "state")
                                    + f"live_identity_key: {key}\n"))
    assert settings.live_key_file == key
    c = Config()
    configure(c, settings, tmp_path / "kit")
    live = next(s for s in c.JupyterHub.services if s["name"] == "live")["command"]
    assert live[live.index("--identity-key") + 1] == str(key)


def test_formgrader_port_from_the_cohort_file(tmp_path, monkeypatch):
    monkeypatch.setattr("frontline.hub.config.proxy_command", lambda: "configurable-http-proxy")
    settings = load_settings(_write(tmp_path, COHORT.format(state=tmp_path) + "formgrader_port: 8125\n"))
    c = Config()
    configure(c, settings, tmp_path / "kit")
    assert {s["name"]: s for s in c.JupyterHub.services}["formgrader"]["url"] == "http://127.0.0.1:8125"


def test_formgrader_launcher_answers_the_hub_then_becomes_the_server_with_limits():
    port = any_free_port()
    # The server it becomes: its limits, and the socket it was handed (still listening on the port).
    probe = ("import os, socket, sys, resource as r; "
             "listener = socket.socket(fileno=int(os.environ['FRONTLINE_FORMGRADER_LISTENER'])); "
             "print(r.getrlimit(r.RLIMIT_AS)[0], r.getrlimit(r.RLIMIT_NPROC)[0], os.nice(0), "
             "listener.getsockname()[1], flush=True); "
             "connection, _ = listener.accept(); connection.recv(1024); "
             "connection.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\nConnection: close\\r\\n\\r\\nserver')")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "frontline.hub.formgrader_service", "--memory", str(3 * 1024**3), "--processes",
         "200", "--", sys.executable, "-c", probe],
        env={**os.environ, "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}"}, stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(100):  # the hub's check, until the port is open
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/services/formgrader/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert reply.status_code == 200 and "starting" in reply.text
        memory, processes, niceness, served = launcher.stdout.readline().split()
        # between the check and the server, the port never comes free for anyone else to take
        with pytest.raises(OSError, match="in use"), socket.create_server(("127.0.0.1", port)):
            pass
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text == "server"
        launcher.wait(timeout=60)
    finally:
        launcher.kill()
    assert int(memory) == 3 * 1024**3 and int(processes) == 200 and int(niceness) >= 5 and int(served) == port


def test_formgrader_launcher_goes_on_when_no_check_comes():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        assert answer_first_check(listener, 0.2) is False
        assert listener.gettimeout() is None  # the server gets the socket as it expects it


def test_the_formgrader_server_serves_on_the_socket_it_is_handed():
    """Jupyter Server's own binding steps, replaced by adopt_listener, on a real server answering over HTTP."""
    script = ("import os, sys\n"
              "from frontline.hub.formgrader_server import adopt_listener\n"
              "from jupyter_server.serverapp import ServerApp\n"
              "adopt_listener(int(os.environ['FRONTLINE_FORMGRADER_LISTENER']))\n"
              "ServerApp.launch_instance(['--ServerApp.port=1', '--ServerApp.port_retries=0', '--no-browser', "
              "'--IdentityProvider.token=secret-token', '--allow-root'])\n")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        listener.set_inheritable(True)
        server = subprocess.Popen([sys.executable, "-c", script], pass_fds=(listener.fileno(),),
                                  env={**os.environ, "FRONTLINE_FORMGRADER_LISTENER": str(listener.fileno())},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        reply = httpx.get(f"http://127.0.0.1:{port}/api/status", headers={"Authorization": "token secret-token"},
                          timeout=60)
        assert reply.status_code == 200 and "started" in reply.json()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("missing", ["course", "grader"])
def test_serve_names_what_setup_has_not_made_and_the_fix(tmp_path, monkeypatch, missing):
    """After an upgrade without setup: the course folder or the grader account is missing; serve says which."""
    monkeypatch.setattr("frontline.hub.config.proxy_command", lambda: "configurable-http-proxy")
    monkeypatch.setattr(os, "execvpe", lambda *args: pytest.fail("the hub was started"))
    state = tmp_path / "state"
    (state / "hub").mkdir(parents=True)
    if missing == "grader":
        (state / "course").mkdir()
    grader = "fl" + secrets.token_hex(3) + "grader"  # no such account
    cohort = _write(tmp_path, COHORT.format(state=state) + f"grader: {grader}\n")
    result = CliRunner().invoke(hub_cli, ["serve", str(cohort)])
    assert result.exit_code != 0 and result.exception is not None and not isinstance(result.exception, KeyError)
    if missing == "course":
        assert f"the course folder {state / 'course'} does not exist" in result.output
    else:
        assert f"the grader account {grader} does not exist on this machine" in result.output
    assert f"run `frontline hub setup {cohort}` (as root)" in result.output
    assert "Traceback" not in result.output


def test_hub_config_needs_the_proxy(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    settings = load_settings(_write(tmp_path, COHORT.format(state=tmp_path)))
    with pytest.raises(FileNotFoundError, match="npm install -g configurable-http-proxy"):
        configure(Config(), settings, tmp_path)


def test_room_view_is_served_under_the_service_prefix():
    page = prefixed_room_page("/services/live/")
    assert '"/services/live/static/room.js"' in page and '"/static/' not in page
    script = prefixed_room_script("/services/live/")
    assert script.startswith("const FRONTLINE_ROOT = '/services/live';")
    assert "fetch(path," not in script and "fetch(FRONTLINE_ROOT + path," in script


def test_live_service_answers_the_hub_while_it_starts():
    built = threading.Event()

    async def room(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})

    def build():
        built.wait(30)
        return room

    app = DeferredApp(build, "/services/live/")

    async def call(path: str) -> int:
        sent = []

        async def send(message):
            sent.append(message)

        await app({"type": "http", "path": path}, None, send)
        return sent[0]["status"]

    assert asyncio.run(call("/services/live/")) == 200  # the hub's "is it up" check
    assert asyncio.run(call("/services/live/api/answers")) == 503  # clients retry after Retry-After
    built.set()
    for _ in range(100):
        if asyncio.run(call("/services/live/api/answers")) == 204:
            break
        time.sleep(0.05)
    assert asyncio.run(call("/services/live/api/answers")) == 204  # then the room itself answers


def test_exchange_is_per_account_unless_shared(monkeypatch, tmp_path):
    from frontline.kit import configure_exchange

    monkeypatch.setenv("FRONTLINE_EXCHANGE", str(tmp_path / "exchange"))
    monkeypatch.delenv("FRONTLINE_EXCHANGE_SHARED", raising=False)
    single = Config()
    configure_exchange(single)
    assert single.Exchange.root == str(tmp_path / "exchange") and "ExchangeFactory" not in single
    monkeypatch.setenv("FRONTLINE_EXCHANGE_SHARED", "1")
    shared = Config()
    configure_exchange(shared)
    assert shared.ExchangeFactory.collect == "frontline.hub.exchange.OwnerCheckedCollect"
    assert shared.ExchangeFactory.release_assignment == "frontline.hub.exchange.SharedReleaseAssignment"
