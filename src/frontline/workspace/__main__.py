"""``python -m frontline.workspace --folder F --trainee NAME``: create or update one trainee's workspace.

A hub runs this as the trainee's own account before starting their server, so every file in the workspace is
written with the trainee's rights (the hub itself never writes into a home folder it does not own).
"""

from __future__ import annotations

import argparse
import sys

from frontline.kit import kit_paths
from frontline.workspace.folder import Workspace, WorkspaceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m frontline.workspace", description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="the workspace folder (created if missing)")
    parser.add_argument("--trainee", required=True, help="the trainee's name, for their progress")
    args = parser.parse_args(argv)
    try:
        report = Workspace(args.folder, args.trainee).sync(kit_paths())
    except (WorkspaceError, OSError) as e:
        print(f"could not prepare the workspace {args.folder}: {e}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
