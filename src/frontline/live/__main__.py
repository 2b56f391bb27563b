"""``python -m frontline.live serve|export|present``: the live commands without loading the rest of the kit's."""

from frontline.live.cli import live

live(prog_name="frontline live")
