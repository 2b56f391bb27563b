"""Where the kit's content lives.

The kit is a folder (normally the cloned repository) holding ``notebooks/``, ``exercises/``, ``grading/`` and
``data/``. Commands and loaders find it in this order: the ``FRONTLINE_KIT`` environment variable, the nearest
folder at or above the working directory that holds ``notebooks/`` and ``data/``, and finally the folder the
package was installed from (an editable install of the repository).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KIT_ENV_VAR = "FRONTLINE_KIT"
_MARKERS = ("notebooks", "data")


class KitNotFoundError(RuntimeError):
    """No kit folder could be located."""


def _is_kit(folder: Path) -> bool:
    return all((folder / marker).is_dir() for marker in _MARKERS)


def find_kit_root(start: Path | None = None) -> Path:
    """Return the kit folder, or raise :class:`KitNotFoundError` saying where it looked."""
    looked: list[str] = []
    env = os.environ.get(KIT_ENV_VAR)
    if env:
        folder = Path(env).expanduser().resolve()
        if _is_kit(folder):
            return folder
        raise KitNotFoundError(
            f"{KIT_ENV_VAR}={env} does not point at a Frontline kit (expected folders {', '.join(_MARKERS)})."
        )
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_kit(folder):
            return folder
    looked.append(f"{here} and its parents")
    source_root = Path(__file__).resolve().parents[2]
    if _is_kit(source_root):
        return source_root
    looked.append(str(source_root))
    raise KitNotFoundError(
        "Could not find the Frontline kit (a folder with notebooks/ and data/). Looked in: "
        + "; ".join(looked)
        + f". Run the command from the kit folder or set {KIT_ENV_VAR}."
    )


@dataclass(frozen=True)
class KitPaths:
    """The well-known folders of a kit."""

    root: Path

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def exercises(self) -> Path:
        return self.root / "exercises"

    @property
    def grading(self) -> Path:
        return self.root / "grading"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def welcome_notebook(self) -> Path:
        return self.notebooks / "00_welcome.ipynb"

    @property
    def state(self) -> Path:
        """Per-user working state (progress, lab workspaces); ignored by git."""
        return self.root / ".frontline"


def kit_paths(start: Path | None = None) -> KitPaths:
    return KitPaths(find_kit_root(start))


EXCHANGE_ENV_VAR = "FRONTLINE_EXCHANGE"


def default_exchange_root() -> Path:
    """The nbgrader exchange folder: ``FRONTLINE_EXCHANGE`` or a per-user folder that is always writable.

    nbgrader's own default (``/usr/local/share/nbgrader/exchange``) is not writable for most users, which
    breaks the assignment list; trainer and trainee tooling both use this function so they agree.
    """
    env = os.environ.get(EXCHANGE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_folder() / "exchange"


def user_data_folder() -> Path:
    """Frontline's folder in the user's data folder (``$XDG_DATA_HOME/frontline``, else
    ``~/.local/share/frontline``): trainees' workspaces and the per-user exchange live here, never in the kit."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "frontline"


def configure_exchange(c) -> None:
    """nbgrader exchange settings shared by the trainer's and the trainees' configs.

    Per-user by default: that folder is for one account only, where trainer and trainees share one login.
    With ``FRONTLINE_EXCHANGE_SHARED=1`` (set by ``frontline hub`` for separate accounts) the exchange is the
    shared folder ``FRONTLINE_EXCHANGE`` and nbgrader uses the hardened classes of :mod:`frontline.hub.exchange`.
    """
    c.Exchange.root = str(default_exchange_root())
    from frontline.hub.exchange import exchange_config, shared_exchange_enabled

    if shared_exchange_enabled():
        exchange_config(c)
