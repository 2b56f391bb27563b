"""Each trainee's own workspace: the trainee edition of the lessons, outside the kit, kept in step with it."""

from frontline.workspace.editions import release_version, trainee_edition
from frontline.workspace.folder import (
    TRAINEE_ENV_VAR,
    SyncReport,
    Workspace,
    WorkspaceError,
    default_workspace_folder,
    trainee_slug,
    workspaces_root,
)

__all__ = ["TRAINEE_ENV_VAR", "SyncReport", "Workspace", "WorkspaceError", "default_workspace_folder",
           "release_version", "trainee_edition", "trainee_slug", "workspaces_root"]
