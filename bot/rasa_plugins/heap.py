"""Keep Python's garbage collector off the loaded model: `gc.freeze()` once the server has started.

The Rasa server holds a large, long-lived heap after start-up (the trained model, the domain,
the normaliser's Danish lexicon index with some 150,000 entries). A full (generation 2) garbage
collection walks all of it, about 0.4 s here, and a long conversation allocates enough per
message to trigger one every few dozen messages: measured as replies of ~400 ms from about turn
100 of one conversation (docs/performance.md). `gc.freeze()` moves everything alive at that
moment into a permanent generation that collections skip; what is allocated per message is
still collected as before.

`install(blueprint)` registers it as an `after_server_start` listener (Sanic runs those after
Rasa's own `before_server_start` listener has loaded the model). Idempotent: every channel may
install it.

Must not: disable the garbage collector or change its thresholds.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from sanic import Blueprint

logger = logging.getLogger(__name__)


def freeze_loaded_heap() -> int:
    """Collect once, then freeze what is left; the number of objects now frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def install(blueprint: Blueprint) -> None:
    @blueprint.listener("after_server_start")
    async def _freeze(_app: Any, _loop: Any) -> None:
        logger.info("Loaded heap frozen for the garbage collector (%d objects).", freeze_loaded_heap())
