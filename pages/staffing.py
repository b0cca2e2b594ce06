"""队伍建设 (Staffing): 专职/兼职/挂职 cadres at banner, township and village level, posts, volunteers, training.

The standard topic page: its cards, map indicators and slide come from data/topics.toml.
"""

import functools

from nmgdash.ui import router, topic

router.page(functools.partial(topic.topic_page, "staffing"))  # renders when app.py routes here; otherwise runs app.py
