# nbgrader settings for trainees running `frontline lab`: the course and a per-user exchange folder.
from frontline.kit import configure_exchange

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.CourseDirectory.course_id = "frontline"
configure_exchange(c)
