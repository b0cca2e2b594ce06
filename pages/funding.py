"""经费保障 (Funding): grassroots funding and league/county work funding by league and year.

The standard topic page: its cards, map indicators and slide come from data/topics.toml.
"""

import functools

from nmgdash.ui import router, topic

router.page(functools.partial(topic.topic_page, "funding"))  # renders when app.py routes here; otherwise runs app.py
