"""Frontline on JupyterHub: one cohort on one shared server (`frontline hub`).

``settings`` reads the cohort file, ``setup`` prepares accounts and folders, ``spawner`` starts each person's
server with limits and their workspace, ``exchange`` keeps trainees' nbgrader work apart, ``hub_auth`` lets the
live room trust the hub's login, ``jupyterhub_config.py`` is the configuration the hub runs with.
"""
