"""Demo data for `manage.py seed_demo` and `manage.py demo_logins`.

`content` and `problems` are the data set as plain data; `people` writes the people, teams and
rules through the factories, `plan` draws the tickets, `story` drives each one through the
services, and `builder.seed_demo` ties them together.
"""

from .builder import seed_demo
from .content import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin
from .people import Cast, seed_people_and_rules

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "Cast",
    "DemoLogin",
    "seed_demo",
    "seed_people_and_rules",
]
