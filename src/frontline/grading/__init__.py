"""The trainer's grading workflow around nbgrader: ``frontline grade ...``.

One module per step (``course`` sets up the course folder and nbgrader's API, ``collect`` takes submissions from
the exchange or an LMS download, ``autograde`` grades them in parallel, ``feedback``, ``export`` and
``item_analysis``); ``preprocessors`` holds the small nbgrader preprocessors the course config plugs in,
``sanitize`` the one that cleans what trainees wrote before graders see it, and ``machinery`` the names that mark
code reaching for the grading; ``integrity`` inspects each submission and records what was wrong with it.
"""
