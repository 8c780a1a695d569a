"""Webhook bodies that are not Telegram updates: 400 and one log line, never a 500 and a
traceback (issue 14, item 5). Over real HTTP on 127.0.0.1, as tests/test_webhook.py."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.config import Settings
from bot.db import Database
from bot.webhook import MAX_BODY
from tests.factories import TgUser, make_command_update
from tests.test_webhook import Running, start_server, stored, until

BAD_BODIES = {
    "malformed json": b'{"update_id": 1, "message": ',
    "not utf-8": b'{"update_id": 1, "message": {"text": "\xff\xfe"}}',
    "lone surrogate": b'{"update_id": 2, "message": {"text": "\\ud800"}}',
    "deep array": b"[" * 100_000 + b"]" * 100_000,
    "deep inside an update": b'{"update_id": 3, "message": ' + b"[" * 900 + b"]" * 900 + b"}",
    "update_id beyond 64 bits": b'{"update_id": 18446744073709551616, "message": {}}',
    "negative update_id": b'{"update_id": -1}',
    "update_id as text": b'{"update_id": "4"}',
    "update_id true": b'{"update_id": true}',
    "5000-digit number": b'{"update_id": 5, "x": ' + b"9" * 5000 + b"}",
    "NaN": b'{"update_id": 6, "x": NaN}',
    "an array": b"[1, 2]",
    "empty": b"",
}


@pytest.fixture
async def server(settings: Settings, db: Database) -> AsyncIterator[Running]:
    """One running webhook server."""
    async with start_server(settings, db) as running:
        yield running


@pytest.mark.parametrize("name", list(BAD_BODIES))
async def test_a_body_that_is_no_update_gets_400_and_one_log_line(
    server: Running, db: Database, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    with caplog.at_level(logging.INFO):
        response = await server.post(BAD_BODIES[name])
    assert response.status_code == 400
    assert stored(db) == {}
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in lines] == ["bot.webhook"]
    assert lines[0].exc_info is None and "refused" in lines[0].getMessage()


async def test_a_bad_body_with_a_wrong_secret_is_still_403(server: Running, db: Database) -> None:
    for body in BAD_BODIES.values():
        assert (await server.post(body, secret="wrong")).status_code == 403
    assert stored(db) == {}


async def test_an_over_large_body_gets_400_and_the_server_goes_on(
    server: Running, db: Database, ann: TgUser
) -> None:
    update = make_command_update(ann, "/start")
    update["message"]["text"] = "/start " + "x" * MAX_BODY
    assert (await server.post(update)).status_code == 400
    assert stored(db) == {}
    update = make_command_update(ann, "/start")
    assert (await server.post(update)).status_code == 200
    await until(lambda: stored(db) == {update["update_id"]: True})


async def test_a_nul_in_a_posted_update_is_stored_and_handled(
    server: Running, db: Database
) -> None:
    user = TgUser(id=5201, first_name="Li\x00Na", language_code="en")
    update = make_command_update(user, "/start")
    assert (await server.post(update)).status_code == 200
    await until(lambda: stored(db) == {update["update_id"]: True})
    await until(lambda: bool(server.api.sent("sendMessage")))
    assert "LiNa" in server.api.sent("sendMessage")[0].params["text"]


async def test_good_updates_after_bad_ones_are_handled(
    server: Running, db: Database, noy: TgUser
) -> None:
    for body in BAD_BODIES.values():
        await server.post(body)
    update = make_command_update(noy, "/start")
    assert (await server.post(json.dumps(update).encode())).status_code == 200
    await until(lambda: stored(db) == {update["update_id"]: True})
    async with httpx.AsyncClient() as client:
        health = await client.get(f"{server.url}/healthz")
    assert health.json()["waiting_updates"] == 0
