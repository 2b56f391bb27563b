# nbgrader settings for trainees running `frontline lab`: the course and a per-user exchange folder.
from frontline.kit import default_exchange_root

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.CourseDirectory.course_id = "frontline"
c.Exchange.root = str(default_exchange_root())
