# JupyterHub configuration of a Frontline cohort. `frontline hub serve COHORT.yaml` starts JupyterHub with this
# file; to run it by hand: FRONTLINE_HUB_CONFIG=/path/to/cohort.yaml jupyterhub -f this-file.
# Everything comes from the cohort file; see docs/hub.md. Lines added below the call override it.
import os
from pathlib import Path

from frontline.hub.config import configure
from frontline.hub.settings import load_settings
from frontline.kit import find_kit_root

c = get_config()  # noqa: F821 - provided by JupyterHub's config loader
configure(
    c,
    load_settings(),
    find_kit_root(),
    (int(os.environ.get("FRONTLINE_HUB_PORT", "0")), int(os.environ.get("FRONTLINE_HUB_PROXY_API_PORT", "0"))),
)
if Path("jupyterhub_config_local.py").is_file():  # the operator's own additions, in the state folder
    load_subconfig("jupyterhub_config_local.py")  # noqa: F821
