"""Catalog pictures the page can load: shipped samples as files, Telegram file_ids through the bot.

A photo set from the chat (/photo) is a Telegram file_id, which only the bot token can turn into
bytes (getFile, then a download from Telegram's file server); the token never goes to a page. So
the page asks `photos/<tree|product>/<CODE>.jpg`: the server reads that row's current photo,
fetches it once through the Bot API and keeps it in a memory cache bounded in bytes. Only codes of
real rows are accepted, never a file_id from the page, so nobody can make the bot fetch others'
files. `?v=` in the address changes with the photo, so browsers reload a replaced one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict

from telegram import Bot
from telegram.error import TelegramError

from models.catalog.pictures import SAMPLE_PREFIX, sample_picture_path

log = logging.getLogger(__name__)

MAX_FILE = 5 * 1024 * 1024  # a phone photo Telegram keeps is well under 1 MB
MAX_CACHE = 32 * 1024 * 1024  # all cached photos together
RETRY_AFTER = 60.0  # seconds before a photo Telegram refused is asked for again
KINDS = ("tree", "product")
TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "image/webp"}


def is_file_id(photo: str | None) -> bool:
    """A Telegram file_id (not a shipped sample, not a web address)."""
    return bool(photo) and not str(photo).startswith((SAMPLE_PREFIX, "http://", "https://"))


def photo_url(kind: str, code: str, photo: str | None) -> str | None:
    """The page-relative address of a tree's or product's picture, or None (none to show)."""
    path = sample_picture_path(photo or "")
    if path is not None:
        return f"pictures/{path.name}"
    if is_file_id(photo):
        version = hashlib.sha256(str(photo).encode()).hexdigest()[:12]
        return f"photos/{kind}/{code}.jpg?v={version}"
    return None  # an https URL: the page's policy loads pictures from its own server only


def image_type(data: bytes) -> str | None:
    """The image type the bytes start with (JPEG, PNG, WebP), or None for anything else."""
    return next((kind for magic, kind in TYPES.items() if data.startswith(magic)), None)


class PhotoCache:
    """Telegram photos by file_id, fetched once each, the least recently used dropped first."""

    def __init__(self, max_bytes: int = MAX_CACHE) -> None:
        self.max_bytes = max_bytes
        self.files: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0
        self.locks: dict[str, asyncio.Lock] = {}
        self.failed: dict[str, float] = {}  # file_id -> when Telegram last refused it

    async def get(self, bot: Bot, file_id: str) -> bytes | None:
        """The photo's bytes, from the cache or Telegram; None if Telegram has no such file."""
        lock = self.locks.setdefault(file_id, asyncio.Lock())
        try:
            async with lock:  # one download per photo, however many pages ask at once
                if file_id in self.files:
                    self.files.move_to_end(file_id)
                    return self.files[file_id]
                if time.monotonic() - self.failed.get(file_id, -RETRY_AFTER) < RETRY_AFTER:
                    return None  # refused a moment ago: not another Bot API call per request
                data = await self._fetch(bot, file_id)
                if data is None:
                    self.failed[file_id] = time.monotonic()
                else:
                    self.failed.pop(file_id, None)
                    self._keep(file_id, data)
                return data
        finally:
            if not lock.locked():
                self.locks.pop(file_id, None)

    async def _fetch(self, bot: Bot, file_id: str) -> bytes | None:
        """getFile, then the download; None when refused, too big or not an image."""
        try:
            file = await bot.get_file(file_id)
            if file.file_size is not None and file.file_size > MAX_FILE:
                return None
            data = bytes(await file.download_as_bytearray())
        except (TelegramError, RuntimeError) as exc:
            log.warning("mini app: photo %s not fetched: %s", file_id[:16], exc)
            return None
        return data if len(data) <= MAX_FILE and image_type(data) else None

    def _keep(self, file_id: str, data: bytes) -> None:
        """Adds a photo, dropping the oldest-used ones to stay within the size bound."""
        self.files[file_id] = data
        self.size += len(data)
        while self.size > self.max_bytes and self.files:
            _old, dropped = self.files.popitem(last=False)
            self.size -= len(dropped)
