"""Update factories: the JSON Telegram would deliver, from a user with a language_code."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@dataclass(frozen=True)
class TgUser:
    """A simulated Telegram user."""

    id: int
    first_name: str = "Ann"
    language_code: str | None = "en"
    last_name: str | None = None
    username: str | None = None

    def json(self) -> dict[str, Any]:
        """The `from` object of this user's updates."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("language_code", "last_name", "username"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def chat(self) -> dict[str, Any]:
        """The private chat with this user."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}


def _message(user: TgUser, **content: Any) -> dict[str, Any]:
    """A message from `user` in their private chat."""
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": user.chat(),
        "from": user.json(),
        **content,
    }


def make_message_update(user: TgUser, text: str, **extra: Any) -> dict[str, Any]:
    """A plain text message."""
    return {"update_id": next(_update_ids), "message": _message(user, text=text, **extra)}


def make_command_update(user: TgUser, text: str) -> dict[str, Any]:
    """A command (`/start tree_X`) with its bot_command entity."""
    entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
    return make_message_update(user, text, entities=[entity])


def make_photo_update(user: TgUser, file_id: str, caption: str | None = None) -> dict[str, Any]:
    """A photo message."""
    content: dict[str, Any] = {
        "photo": [{"file_id": file_id, "file_unique_id": file_id[:30], "width": 800, "height": 600}]
    }
    if caption is not None:
        content["caption"] = caption
    return {"update_id": next(_update_ids), "message": _message(user, **content)}


def make_sticker_update(user: TgUser) -> dict[str, Any]:
    """A sticker where the bot may expect text."""
    sticker = {
        "file_id": "stk",
        "file_unique_id": "stk",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    return {"update_id": next(_update_ids), "message": _message(user, sticker=sticker)}


def make_callback_update(
    user: TgUser, data: str, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A tap on an inline button of `message` (a bot message as the offline API returned it)."""
    message = message or {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": user.chat(),
        "from": {"id": 999000, "is_bot": True, "first_name": "Orchard"},
        "text": "…",
    }
    query = {
        "id": f"cq{next(_update_ids)}",
        "from": user.json(),
        "chat_instance": f"ci{user.id}",
        "data": data,
        "message": message,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


def next_update_id() -> int:
    """A fresh update id, for hand-built updates."""
    return next(_update_ids)
