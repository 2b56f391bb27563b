"""Launching JupyterLab on the kit for trainees (``frontline lab``)."""

from frontline.lab.launch import LabOptions, build_lab_command

__all__ = ["LabOptions", "build_lab_command"]
