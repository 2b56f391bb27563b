"""The Zero to JupyterHub configuration, checked as far as this machine allows (no cluster, no helm)."""

from __future__ import annotations

import shlex
from pathlib import Path, PurePosixPath

import yaml

from frontline.hub.exchange import OWNERS_ENV_VAR, SHARED_ENV_VAR
from frontline.hub.setup import TRAINER_ONLY
from frontline.kit import EXCHANGE_ENV_VAR, KIT_ENV_VAR
from frontline.live.identity_key import LEGACY_KEY_SETTING
from frontline.live.store import settings_table

REPO = Path(__file__).resolve().parents[2]
Z2JH = REPO / "deploy" / "z2jh"


def test_values_parse_and_agree_with_the_kit():
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    single = values["singleuser"]
    env = single["extraEnv"]
    assert env[SHARED_ENV_VAR] == "1"
    assert env[EXCHANGE_ENV_VAR] == "/srv/frontline/exchange"
    assert env[OWNERS_ENV_VAR].startswith(env[EXCHANGE_ENV_VAR] + "/")
    assert env[KIT_ENV_VAR] == "/opt/frontline/kit"  # where the Dockerfile copies the kit
    assert "COPY --chown=root:root . /opt/frontline/kit" in (Z2JH / "Dockerfile").read_text()
    # the exchange is the same shared volume in every pod and in the hub (which writes the owners file)
    claims = {v["persistentVolumeClaim"]["claimName"] for v in single["storage"]["extraVolumes"]}
    assert claims == {v["persistentVolumeClaim"]["claimName"] for v in values["hub"]["extraVolumes"]}
    mounts = {m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    assert env[EXCHANGE_ENV_VAR] in mounts
    assert values["cull"]["enabled"] is True and single["memory"]["limit"] and single["cpu"]["limit"]
    hub = values["hub"]
    assert set(hub["loadGroups"]) == {"trainers", "facilitators", "trainees"}
    assert hub["services"]["live"]["oauth_no_confirm"] is True
    compile(hub["extraConfig"]["frontline"], "values.yaml:hub.extraConfig.frontline", "exec")
    assert "/opt/frontline/kit/src/frontline/lab/jupyter_config\"" in hub["extraConfig"]["frontline"]
    assert "jupyter_config_trainer" not in hub["extraConfig"]["frontline"]  # nobody's own server grades
    assert (REPO / "src/frontline/lab/jupyter_config").is_dir()


def test_formgrader_pod_is_the_hub_service_trainers_reach():
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    documents = {d["kind"]: d for d in yaml.safe_load_all((Z2JH / "formgrader.yaml").read_text()) if d}
    service = values["hub"]["services"]["formgrader"]
    assert service["display"] is True and service["oauth_no_confirm"] is True
    assert values["hub"]["loadRoles"]["graders"] == {"scopes": ["access:services!service=formgrader"],
                                                    "groups": ["trainers"]}
    address = documents["Service"]
    assert service["url"] == f"http://{address['metadata']['name']}:{address['spec']['ports'][0]['port']}"
    pod = documents["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/services/formgrader/"
    assert env["JUPYTERHUB_CLIENT_ID"] == "service-formgrader"
    assert env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"] == '["access:services!service=formgrader"]'
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/formgrader"
    config = env["JUPYTER_CONFIG_PATH"]
    assert config.endswith("/jupyter_config_trainer") and (REPO / config.replace("/opt/frontline/kit/", "")).is_dir()
    assert container["workingDir"] == env["FRONTLINE_COURSE"]
    token = next(e for e in container["env"] if e["name"] == "JUPYTERHUB_API_TOKEN")["valueFrom"]["secretKeyRef"]
    secret = documents["Secret"]
    assert token["name"] == secret["metadata"]["name"] and token["key"] in secret["stringData"]
    # the grader uid owns the exchange's course folder (set up by live.yaml's job) and reads the answer keys
    job = next(d for d in yaml.safe_load_all((Z2JH / "live.yaml").read_text()) if d and d["kind"] == "Job")
    grader_uid = next(e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
                      if e["name"] == "GRADER_UID")
    assert pod["securityContext"]["runAsUser"] == int(grader_uid)
    assert pod["securityContext"]["supplementalGroups"] == [1500]
    assert "groupadd --gid 1500 frontline-trainers" in (Z2JH / "Dockerfile").read_text()
    claims = {v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
    assert claims == {documents["PersistentVolumeClaim"]["metadata"]["name"], "frontline-exchange"}


def test_formgrader_course_volume_is_given_to_the_grader_by_root_first():
    """A new volume's top folder is root's: changing its owner or mode needs root, so that step runs as uid 0,
    before the grader's own step writes the course into it."""
    documents = {d["kind"]: d for d in yaml.safe_load_all((Z2JH / "formgrader.yaml").read_text()) if d}
    pod = documents["Deployment"]["spec"]["template"]["spec"]
    grader_uid = pod["securityContext"]["runAsUser"]
    steps = []
    for container in pod["initContainers"]:
        uid = container.get("securityContext", {}).get("runAsUser", grader_uid)
        steps.append((uid, " ".join(container["command"])))
    ownership = [i for i, (_, command) in enumerate(steps) if "chown" in command or "chmod" in command]
    assert ownership, "no step gives the course volume to the grader"
    for i in ownership:
        uid, command = steps[i]
        assert uid == 0, f"{command!r} changes the volume's owner or mode as uid {uid}, not root"
        words = shlex.split(command.replace("&&", " && "))
        assert f"{grader_uid}:100" in words and "/srv/frontline/course" in words
        assert command.index("chown") < command.index("chmod 700 /srv/frontline/course")
    initialise = next(i for i, (_, command) in enumerate(steps) if "frontline grade init" in command)
    assert steps[initialise][0] == grader_uid and max(ownership) < initialise


def test_pods_outside_the_chart_may_reach_the_hub():
    """The chart's network policy lets in only pods labelled for it; the formgrader and live room call the hub's API."""
    for file in ("formgrader.yaml", "live.yaml"):
        deployment = next(d for d in yaml.safe_load_all((Z2JH / file).read_text()) if d and d["kind"] == "Deployment")
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels.get("hub.jupyter.org/network-access-hub") == "true", file


def test_live_manifests_parse_and_point_at_what_exists():
    documents = [d for d in yaml.safe_load_all((Z2JH / "live.yaml").read_text()) if d]
    kinds = {d["kind"]: d for d in documents}
    assert {"PersistentVolumeClaim", "Secret", "Job", "Deployment", "Service"} <= set(kinds)
    assert kinds["PersistentVolumeClaim"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert kinds["Secret"]["stringData"]["database-url"].startswith("postgresql")
    # the room's identity design assumes one room process at a time, also while the Deployment is upgraded
    assert kinds["Deployment"]["spec"]["replicas"] == 1
    assert kinds["Deployment"]["spec"]["strategy"] == {"type": "Recreate"}
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    script = next(a for a in container["command"] if a.endswith(".py"))
    assert (REPO / script.replace("/opt/frontline/kit/", "")).is_file()
    env = {e["name"] for e in container["env"]}
    assert {"FRONTLINE_LIVE_DB", "FRONTLINE_LIVE_IDENTITY_KEY", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL",
            "JUPYTERHUB_SERVICE_PREFIX"} <= env
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    assert values["hub"]["services"]["live"]["url"].endswith(":8000")
    assert kinds["Service"]["metadata"]["name"] in values["hub"]["services"]["live"]["url"]


def test_upgraded_room_is_told_to_keep_the_key_its_database_held():
    """On Kubernetes the key comes from the secret: an upgraded room needs the database's old key there, named
    by the setting the earlier kit stored it in, not a fresh random value."""
    query = f"SELECT value FROM {settings_table.name} WHERE key = '{LEGACY_KEY_SETTING}'"
    assert query in (Z2JH / "live.yaml").read_text()
    assert query in (REPO / "docs" / "hub.md").read_text()


def test_image_definition_installs_the_kit_with_its_hub_extra():
    dockerfile = (Z2JH / "Dockerfile").read_text()
    assert '-c /opt/frontline/kit/constraints.txt -e "/opt/frontline/kit[hub]"' in dockerfile
    assert (REPO / "constraints.txt").is_file()


def _shell_steps(dockerfile: str) -> list[tuple[str, list[str]]]:
    """Each ``RUN`` command of the Dockerfile as (working folder, words), following its ``cd``s."""
    steps = []
    for instruction in dockerfile.replace("\\\n", " ").splitlines():
        if not instruction.startswith("RUN "):
            continue
        folder = "/"
        for command in instruction[4:].split("&&"):
            words = shlex.split(command)
            if words and words[0] == "cd":
                folder = str(PurePosixPath(folder, words[1]))
            elif words:
                steps.append((folder, words))
    return steps


def test_image_locks_or_drops_everything_only_trainers_may_read():
    """Each folder setup makes trainer-only on one machine is, in the image, either not shipped or readable by the
    trainers' group alone, all the way down."""
    kit = PurePosixPath("/opt/frontline/kit")
    removed, grouped, closed = set(), set(), set()
    for folder, words in _shell_steps((Z2JH / "Dockerfile").read_text()):
        paths = {PurePosixPath(folder, w) for w in words[1:] if not w.startswith(("-", "o-", "frontline-"))}
        if words[:2] == ["rm", "-rf"]:
            removed |= paths
        elif words[:3] == ["chgrp", "-R", "frontline-trainers"]:
            grouped |= paths
        elif words[:3] == ["chmod", "-R", "o-rwx"]:
            closed |= paths
    for name in TRAINER_ONLY:
        path = kit / name
        assert path in removed or (path in grouped and path in closed), f"the image leaves {name}/ readable by all"
    assert kit / ".git" in removed
