"""Jupyter server hooks for trainees' workspaces.

A scenario is an ipywidgets widget: its saved output is only a reference to a widget model living in the kernel.
After a restart or on reopening, that model is gone and JupyterLab shows "Error displaying widget: model not
found". :func:`strip_widget_views` (the contents manager's ``pre_save_hook``, set in the kit's Jupyter config) drops
those references and any saved widget state before a notebook is written; the trainee's text, code and other
outputs are saved as they are. Running the cell again brings the scenario back.
"""

from __future__ import annotations

from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def without_widget_views(notebook: dict[str, Any]) -> dict[str, Any]:
    """The same notebook (changed in place) without widget views in outputs or saved widget state."""
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if WIDGET_VIEW not in o.get("data", {})]
    return notebook


def strip_widget_views(model: dict[str, Any], **_kwargs: Any) -> None:
    """``ContentsManager.pre_save_hook``: called with ``model``, ``path`` and ``contents_manager``."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        without_widget_views(model["content"])
