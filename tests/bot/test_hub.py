"""The in-process hub: subscribers get their channel's events; a full queue drops events instead of blocking."""

from __future__ import annotations

import asyncio

from bot.hub import CONSOLE, QUEUE_SIZE, Hub, conversation_channel


def drain(queue: asyncio.Queue) -> list[dict]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def test_conversation_channels_are_named_per_conversation() -> None:
    assert conversation_channel("abc") == "conversation:abc"
    assert conversation_channel("abc") != CONSOLE


async def test_every_subscriber_of_a_channel_gets_its_events_and_only_those() -> None:
    hub = Hub()
    with hub.subscribe("conversation:a") as first, hub.subscribe("conversation:a") as second, \
            hub.subscribe("conversation:b") as other:
        assert hub.listeners("conversation:a") == 2
        hub.publish("conversation:a", {"type": "message", "n": 1})
        hub.publish("conversation:a", {"type": "message", "n": 2})
        assert drain(first) == drain(second) == [{"type": "message", "n": 1}, {"type": "message", "n": 2}]
        assert drain(other) == []


async def test_a_subscriber_gets_events_while_waiting() -> None:
    hub = Hub()
    with hub.subscribe(CONSOLE) as queue:
        waiter = asyncio.create_task(queue.get())
        await asyncio.sleep(0)
        hub.publish(CONSOLE, {"type": "ticket"})
        assert await asyncio.wait_for(waiter, 1) == {"type": "ticket"}


async def test_leaving_the_with_block_unsubscribes() -> None:
    hub = Hub()
    with hub.subscribe(CONSOLE) as queue:
        pass
    assert hub.listeners(CONSOLE) == 0
    hub.publish(CONSOLE, {"type": "ticket"})
    assert queue.empty()


async def test_unsubscribing_one_keeps_the_others() -> None:
    hub = Hub()
    with hub.subscribe(CONSOLE) as staying:
        with hub.subscribe(CONSOLE):
            assert hub.listeners(CONSOLE) == 2
        assert hub.listeners(CONSOLE) == 1
        hub.publish(CONSOLE, {"type": "note"})
        assert drain(staying) == [{"type": "note"}]


def test_publishing_to_nobody_is_harmless() -> None:
    hub = Hub()
    hub.publish("conversation:nobody", {"type": "message"})
    assert hub.listeners("conversation:nobody") == 0


async def test_a_full_queue_drops_events_without_blocking_the_others() -> None:
    hub = Hub()
    with hub.subscribe(CONSOLE) as slow, hub.subscribe(CONSOLE) as quick:
        for n in range(QUEUE_SIZE + 10):
            hub.publish(CONSOLE, {"n": n})  # returns at once even when ``slow`` is full
            if n < QUEUE_SIZE + 5:
                quick.get_nowait()
        assert slow.qsize() == QUEUE_SIZE
        assert [e["n"] for e in drain(slow)][-1] == QUEUE_SIZE - 1  # the newest events were the ones dropped
        assert [e["n"] for e in drain(quick)] == list(range(QUEUE_SIZE + 5, QUEUE_SIZE + 10))
