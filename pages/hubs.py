"""青年爱里 (youth hubs): hubs, hubs on the cloud platform, activities, youth covered, per hub and per 10k.

The standard topic page: its cards, map indicators and slide come from data/topics.toml.
"""

import functools

from nmgdash.ui import router, topic

router.page(functools.partial(topic.topic_page, "hubs"))  # renders when app.py routes here; otherwise runs app.py
