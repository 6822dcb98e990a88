"""bot/rasa_plugins/heap.py: the objects alive at start-up are frozen for the garbage collector, new
ones are not."""

from __future__ import annotations

import gc

from sanic import Blueprint

from bot.rasa_plugins import heap


def test_freezing_moves_the_live_heap_out_of_reach_of_collections():
    try:
        frozen = heap.freeze_loaded_heap()
        assert frozen > 1000 and gc.get_freeze_count() == frozen
        garbage = [[] for _ in range(10)]
        garbage.append(garbage)  # a cycle made after the freeze is still collected
        del garbage
        assert gc.collect() > 0
    finally:
        gc.unfreeze()


def test_install_registers_an_after_server_start_listener():
    blueprint = Blueprint("heap_test")
    heap.install(blueprint)
    assert [listener.event for listener in blueprint._future_listeners] == ["after_server_start"]
