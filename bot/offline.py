"""A stand-in for Telegram's Bot API, used by the console chat, the tests and the benchmark.

`OfflineBotAPI` is a PTB `BaseRequest`: the real `Bot` sends it every call, it records the call and
answers with the JSON Telegram would send (a Message for sendMessage and edits, `true` for
answerCallbackQuery ...). Failures can be queued to play Telegram's errors and network faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 999000,
    "is_bot": True,
    "first_name": "Orchard",
    "username": "orchard_village_bot",
}


@dataclass
class ApiCall:
    """One Bot API call as the bot made it."""

    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)
    result: Any = None


@dataclass
class _Failure:
    """A queued failure for the next call of one method."""

    method: str | None
    status: int
    description: str
    parameters: dict[str, Any] | None
    network: bool


class UnexpectedApiCall(AssertionError):
    """The bot called a Bot API method the offline server was not told to expect."""


class OfflineBotAPI(BaseRequest):
    """Records every Bot API call and answers it like Telegram; strict mode rejects the unknown."""

    def __init__(self, *, strict: bool = True, bot_user: dict[str, Any] | None = None) -> None:
        self.strict = strict
        self.bot_user = bot_user or BOT_USER
        self.calls: list[ApiCall] = []
        self.sent_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._ids = itertools.count(1000)
        self._failures: deque[_Failure] = deque()
        self.incoming: list[dict[str, Any]] = []  # updates getUpdates will hand out
        self.stored_files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self._paths: dict[str, str] = {}  # file_path getFile gave -> file_id
        self.menu_buttons: dict[int | None, Any] = {}  # chat id (None: the default) -> button
        self._arrived: asyncio.Event | None = None

    # --- BaseRequest -------------------------------------------------------------------------
    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float:
        """PTB asks for it; offline calls never wait."""
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answers one Bot API call."""
        if "/file/bot" in url:  # a download from Telegram's file server, after getFile
            return self._download(url)
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        call = ApiCall(endpoint, params, dict(files))
        self.calls.append(call)
        if endpoint == "getUpdates":
            await self._long_poll(params)
        failure = self._take_failure(endpoint)
        if failure is not None:
            if failure.network:
                raise NetworkError(failure.description)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.parameters:
                body["parameters"] = failure.parameters
            return failure.status, json.dumps(body).encode()
        if endpoint == "getFile" and self.file_content(str(params.get("file_id"))) is None:
            body = {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            return 400, json.dumps(body).encode()
        answer = getattr(self, f"_api_{endpoint}", None)
        if answer is None:
            if self.strict:
                raise UnexpectedApiCall(f"unexpected Bot API call {endpoint}({params})")
            result: Any = True
        else:
            result = answer(params, call.files)
        call.result = result
        self.on_call(call)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def on_call(self, call: ApiCall) -> None:
        """Hook for subclasses (the console prints here)."""

    # --- files: getFile and the file server --------------------------------------------------
    def file_content(self, file_id: str) -> bytes | None:
        """The content of a file Telegram would have under this id (tests store it first)."""
        return self.stored_files.get(file_id)

    def _api_getFile(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        content = self.file_content(file_id) or b""
        path = f"photos/{hashlib.sha256(file_id.encode()).hexdigest()[:16]}.jpg"
        self._paths[path] = file_id
        return {**_file(file_id), "file_path": path, "file_size": len(content)}

    def _download(self, url: str) -> tuple[int, bytes]:
        """Answers a file download like Telegram's file server (404 for an unknown path)."""
        path = url.split("/file/bot", 1)[1].split("/", 1)[-1]
        self.calls.append(ApiCall("downloadFile", {"file_path": path}))
        content = self.file_content(self._paths.get(path, ""))
        return (404, b"Not Found") if content is None else (200, content)

    # --- scripting failures ------------------------------------------------------------------
    def fail_next(
        self,
        method: str | None = None,
        *,
        status: int = 400,
        description: str = "Bad Request",
        retry_after: int | None = None,
        network: bool = False,
        times: int = 1,
    ) -> None:
        """Makes the next `times` calls of `method` (any method if None) fail."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        if retry_after is not None:
            status, description = 429, f"Too Many Requests: retry after {retry_after}"
        for _ in range(times):
            self._failures.append(_Failure(method, status, description, parameters, network))

    def _take_failure(self, endpoint: str) -> _Failure | None:
        """Pops the first queued failure that applies to this method."""
        for failure in self._failures:
            if failure.method in (None, endpoint):
                self._failures.remove(failure)
                return failure
        return None

    # --- getUpdates: Telegram's side of long polling -----------------------------------------
    def queue_incoming(self, *updates: dict[str, Any]) -> None:
        """Makes updates wait on Telegram's side for the bot's next getUpdates."""
        self.incoming.extend(updates)
        if self._arrived is not None:
            self._arrived.set()

    def _pending(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Forgets what the offset confirms (as Telegram does) and returns what is left."""
        offset = int(params.get("offset") or 0)
        self.incoming = [update for update in self.incoming if update["update_id"] >= offset]
        return self.incoming

    async def _long_poll(self, params: dict[str, Any]) -> None:
        """Holds getUpdates open while nothing is waiting, up to its timeout."""
        if self._pending(params) or not params.get("timeout"):
            return
        self._arrived = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(float(params["timeout"])):
                await self._arrived.wait()

    def _api_getUpdates(self, params: dict[str, Any], files: dict[str, Any]) -> list[Any]:
        return self._pending(params)[: int(params.get("limit") or 100)]

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    # --- helpers for tests -------------------------------------------------------------------
    def next_message_id(self) -> int:
        """A fresh message id, shared by the bot's and the simulated user's messages."""
        return next(self._ids)

    def methods(self) -> list[str]:
        """The methods called so far, in order (getMe left out)."""
        return [call.method for call in self.calls if call.method != "getMe"]

    def sent(self, method: str | None = None) -> list[ApiCall]:
        """The calls of one method (default: every call but getMe)."""
        return [c for c in self.calls if c.method != "getMe" and method in (None, c.method)]

    def clear(self) -> None:
        """Forgets the calls recorded so far."""
        self.calls.clear()

    # --- answers -----------------------------------------------------------------------------
    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Builds (and remembers) the Message Telegram returns for a sent message."""
        chat_id = int(params["chat_id"])
        message = {
            "message_id": self.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.bot_user,
            **content,
        }
        if _markup(params.get("reply_markup")):
            message["reply_markup"] = _markup(params["reply_markup"])
        self.sent_messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, params: dict[str, Any], **changes: Any) -> dict[str, Any] | bool:
        """Applies an edit to a remembered message and returns it as Telegram would."""
        if "inline_message_id" in params:
            return True
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.sent_messages.get(key) or {
            "message_id": key[1],
            "date": int(time.time()),
            "chat": {"id": key[0], "type": "private"},
            "from": self.bot_user,
        }
        message.update({k: v for k, v in changes.items() if v is not None})
        if _markup(params.get("reply_markup")):
            message["reply_markup"] = _markup(params["reply_markup"])
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        self.sent_messages[key] = message
        return message

    def _api_getMe(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    def _api_setWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_sendMessage(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, text=params["text"])

    def _api_editMessageText(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._edit(params, text=params["text"])

    def _api_editMessageCaption(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._edit(params, caption=params.get("caption", ""))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._edit(params)

    def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        file_id = params["photo"] if isinstance(params.get("photo"), str) else None
        photo = _file(file_id or f"photo{self.next_message_id()}", width=1280, height=960)
        return self._message(params, photo=[photo], caption=params.get("caption"))

    def _api_editMessageMedia(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """A message's media replaced, or a text message given a photo (Bot API 9.x and later)."""
        media = params["media"]
        media = json.loads(media) if isinstance(media, str) else media
        source = media.get("media")
        file_id = source if isinstance(source, str) and "://" not in source else None
        photo = _file(file_id or f"photo{self.next_message_id()}", width=1280, height=960)
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        for replaced in ("text", "entities", "caption", "photo"):
            self.sent_messages.get(key, {}).pop(replaced, None)
        return self._edit(params, photo=[photo], caption=media.get("caption"))

    def _api_sendVoice(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        file_id = params["voice"] if isinstance(params.get("voice"), str) else None
        voice = {**_file(file_id or f"voice{self.next_message_id()}"), "duration": 5}
        return self._message(params, voice=voice, caption=params.get("caption"))

    def _api_sendDocument(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        upload = files.get("document")
        name = upload[0] if upload else "document"
        document = {**_file(f"doc{self.next_message_id()}"), "file_name": name}
        return self._message(params, document=document, caption=params.get("caption"))

    def _api_sendInvoice(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": params.get("start_parameter", ""),
            "currency": params["currency"],
            "total_amount": sum(int(p["amount"]) for p in params["prices"]),
        }
        return self._message(params, invoice=invoice)

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_answerPreCheckoutQuery(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_deleteMessage(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.sent_messages.pop((int(params["chat_id"]), int(params["message_id"])), None)
        return True

    def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_setChatMenuButton(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        chat = params.get("chat_id")
        button = params.get("menu_button") or {"type": "default"}
        self.menu_buttons[None if chat is None else int(chat)] = (
            json.loads(button) if isinstance(button, str) else button
        )
        return True

    def _api_getChatMenuButton(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat = params.get("chat_id")
        button = self.menu_buttons.get(None if chat is None else int(chat))
        return button or self.menu_buttons.get(None) or {"type": "commands"}

    def _api_setMyDescription(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_setMyShortDescription(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_sendChatAction(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True


def _markup(markup: Any) -> Any:
    """Returns reply_markup as the JSON object Telegram echoes back (inline keyboards only)."""
    value = json.loads(markup) if isinstance(markup, str) else markup
    return value if isinstance(value, dict) and "inline_keyboard" in value else None


def _file(file_id: str, **extra: Any) -> dict[str, Any]:
    """A File-like JSON object."""
    return {"file_id": file_id, "file_unique_id": f"u{file_id}"[:32], **extra}
