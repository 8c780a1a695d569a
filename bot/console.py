"""A chat with the bot in the terminal, over the same Application, handlers and database.

Every input line becomes a real Telegram update from the chosen user. `#N` presses button N of the
latest keyboard; `!photo PATH [caption]` sends a photo; `!pay` pays the latest invoice (a test
payment); `!help` lists these. Photos and documents the bot sends are saved to a folder.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot.app import App
from bot.jobs import start_jobs
from bot.notify import deliver_pending
from bot.offline import ApiCall, OfflineBotAPI
from bot.webapp.server import start_console

TAG = re.compile(r"<[^>]+>")
MAGIC = {b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg", b"%PDF": ".pdf"}
PRETEND_PHONE = "+8613800138000"  # what !contact shares unless given a number
CONSOLE_HELP = """console commands:
  #N                    press button N of the latest keyboard
  !photo PATH [caption] send a photo (a file on this computer)
  !voice                send a voice note (a pretend one: the console has no microphone)
  !contact [NUMBER]     tap "📱 Share my number": share your own contact (a pretend number)
  LINE \\                another line of the same message (end each but the last with \\)
  !pay                  pay the latest invoice (a test payment)
  !help                 this list
  anything else         a message; /commands work as in Telegram
end of input (Ctrl-D) leaves"""


def plain(text: str) -> str:
    """Turns HTML-formatted bot text into what a phone would show."""
    return html.unescape(TAG.sub("", text))


@dataclass
class Keyboard:
    """The latest keyboard the bot showed: its message and its buttons in reading order."""

    inline: bool
    message: dict[str, Any]
    buttons: list[dict[str, Any]] = field(default_factory=list)


class ConsoleBotAPI(OfflineBotAPI):
    """The offline Bot API that prints what the bot sends and saves its files."""

    def __init__(self, out: TextIO, files_dir: Path) -> None:
        super().__init__(strict=False)
        self.out = out
        self.files_dir = files_dir
        self.keyboard: Keyboard | None = None
        self.invoice: dict[str, Any] | None = None
        self.pre_checkout_answer: dict[str, Any] | None = None
        self.console_chat = 0
        self.webapp_address = ""  # the Mini App's local address, where its buttons lead here
        self._file_numbers = itertools.count(1)

    def file_content(self, file_id: str) -> bytes | None:
        """A photo sent with !photo has its path as file_id: getFile and downloads read it."""
        path = Path(file_id)
        return path.read_bytes() if path.is_file() else super().file_content(file_id)

    def on_call(self, call: ApiCall) -> None:
        """Prints one call the bot made, if a user would see it."""
        printer = getattr(self, f"_print_{call.method}", None)
        if printer is not None:
            printer(call)

    def _print_sendMessage(self, call: ApiCall) -> None:
        self._print_message(call.result, call.params.get("text", ""))
        self._print_reply_keyboard(call.params.get("reply_markup"))

    def _print_reply_keyboard(self, markup: Any) -> None:
        """Shows the buttons of a keyboard under the text box (Telegram does not echo them)."""
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = markup.get("keyboard") if isinstance(markup, dict) else None
        for row in rows or []:
            for entry in row:
                label = entry.get("text", "") if isinstance(entry, dict) else str(entry)
                how = (
                    "type !contact"
                    if isinstance(entry, dict) and entry.get("request_contact")
                    else "type its words"
                )
                self.out.write(f"     [{label}] (under the text box: {how})\n")

    def _print_editMessageText(self, call: ApiCall) -> None:
        if isinstance(call.result, dict):
            self._print_message(call.result, call.params.get("text", ""), edited=True)

    def _print_editMessageCaption(self, call: ApiCall) -> None:
        if isinstance(call.result, dict):
            self._print_message(call.result, call.params.get("caption", ""), edited=True)

    def _print_editMessageReplyMarkup(self, call: ApiCall) -> None:
        if isinstance(call.result, dict):
            self._print_message(call.result, "", edited=True)

    def _print_sendPhoto(self, call: ApiCall) -> None:
        saved = self._save(call, "photo", ".png")
        line = f"[photo: {saved}]" if saved else f"[photo {call.params.get('photo')}]"
        caption = call.params.get("caption") or ""
        self._print_message(call.result, f"{line}\n{caption}".strip())

    def _print_editMessageMedia(self, call: ApiCall) -> None:
        if not isinstance(call.result, dict):
            return
        media = call.params.get("media") or {}
        media = json.loads(media) if isinstance(media, str) else media
        saved = self._save(call, "media", ".png")
        line = f"[photo: {saved}]" if saved else f"[photo {media.get('media')}]"
        caption = media.get("caption") or ""
        self._print_message(call.result, f"{line}\n{caption}".strip(), edited=True)

    def _print_sendVoice(self, call: ApiCall) -> None:
        self._print_message(call.result, f"[voice note {call.params.get('voice')}]")

    def _print_sendDocument(self, call: ApiCall) -> None:
        saved = self._save(call, "document", "")
        caption = call.params.get("caption") or ""
        self._print_message(call.result, f"[document: {saved}]\n{caption}".strip())

    def _print_sendInvoice(self, call: ApiCall) -> None:
        self.invoice = {"params": call.params, "message": call.result}
        total = call.result["invoice"]["total_amount"]
        text = (
            f"[invoice] {call.params['title']}\n{call.params['description']}\n"
            f"{call.params['currency']} {total / 100:.2f} — type !pay to pay (test payment)"
        )
        self._print_message(call.result, text)

    def _print_setChatMenuButton(self, call: ApiCall) -> None:
        button = call.params.get("menu_button") or {}
        button = json.loads(button) if isinstance(button, str) else button
        if call.params.get("chat_id") == self.console_chat and button.get("type") == "web_app":
            self.out.write(
                f"(the chat's menu button is now “{button.get('text', '')}”: {self.opens()})\n"
            )

    def opens(self) -> str:
        """Where a Mini App button leads in the console: the page's local address."""
        if self.webapp_address:
            return f"it opens the shop page, here {self.webapp_address}"
        return "it opens the shop page, which this console could not serve"

    def _print_answerCallbackQuery(self, call: ApiCall) -> None:
        if call.params.get("text"):
            self.out.write(f"bot (notice)> {plain(call.params['text'])}\n")

    def _print_answerPreCheckoutQuery(self, call: ApiCall) -> None:
        self.pre_checkout_answer = call.params
        if not call.params.get("ok"):
            self.out.write(f"bot (payment refused)> {call.params.get('error_message', '')}\n")

    def _print_message(self, message: dict[str, Any], text: str, edited: bool = False) -> None:
        """Prints a message with its keyboard as numbered buttons."""
        prefix = "bot (edited)> " if edited else "bot> "
        chat_id = message.get("chat", {}).get("id")
        who = f"[to {chat_id}] " if chat_id != self.console_chat else ""
        if text:
            body = plain(text).replace("\n", "\n     ")
            self.out.write(f"{prefix}{who}{body}\n")
        markup = message.get("reply_markup") or {}
        if chat_id == self.console_chat:
            self._remember_keyboard(message, markup)

    def _remember_keyboard(self, message: dict[str, Any], markup: dict[str, Any]) -> None:
        """Lists the buttons of a keyboard and keeps it for `#N`."""
        rows = markup.get("inline_keyboard") or markup.get("keyboard")
        if not rows:
            return
        inline = "inline_keyboard" in markup
        buttons = [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]
        self.keyboard = Keyboard(inline, message, buttons)
        number = 1
        for row in rows:
            labels = []
            for _ in row:
                entry = buttons[number - 1]
                suffix = f" ({entry['url']})" if entry.get("url") else ""
                labels.append(f"[{number}] {entry['text']}{suffix}")
                number += 1
            self.out.write("     " + "   ".join(labels) + "\n")

    def _save(self, call: ApiCall, kind: str, default_suffix: str) -> str | None:
        """Writes an uploaded photo or document into the files folder; returns its path."""
        upload = call.files.get(kind)
        if not upload:
            return None
        name, content = upload[0], upload[1]
        if hasattr(content, "read"):
            content = content.read()
        stem, suffix = Path(name).stem, Path(name).suffix or default_suffix
        sniffed = next((s for magic, s in MAGIC.items() if content.startswith(magic)), None)
        if sniffed and suffix.lower() not in (sniffed, ".jpeg"):  # a name PTB made up from bytes
            stem, suffix = kind, sniffed
        folder = self.files_dir
        chat_id = call.params.get("chat_id")
        if chat_id is not None and str(chat_id) != str(self.console_chat):
            folder = folder.parent / f"user-{chat_id}"  # the other user's own folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{next(self._file_numbers):04d}-{stem}{suffix}"
        while path.exists():  # the other user's own console numbers its files too
            path = folder / f"{next(self._file_numbers):04d}-{stem}{suffix}"
        path.write_bytes(content)
        return str(path)


class Console:
    """Turns typed lines into updates from one simulated Telegram user."""

    def __init__(
        self, application: App, api: ConsoleBotAPI, user: dict[str, Any], out: TextIO
    ) -> None:
        self.app = application
        self.api = api
        self.user = user
        self.chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.out = out
        self.api.console_chat = user["id"]
        self._update_ids = itertools.count(int(time.time() * 1000))

    def _message(self, **content: Any) -> dict[str, Any]:
        """A message from the user, as Telegram would deliver it."""
        return {
            "message_id": self.api.next_message_id(),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **content,
        }

    def text_update(self, text: str) -> dict[str, Any]:
        """A text message, with a bot_command entity when it starts with a command."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": self._message(**content)}

    def photo_update(self, path: str, caption: str) -> dict[str, Any]:
        """A photo message; the file id is the path, so the bot can send it back."""
        photo = {
            "file_id": path,
            "file_unique_id": Path(path).name[:32],
            "width": 1280,
            "height": 960,
        }
        content: dict[str, Any] = {"photo": [photo]}
        if caption:
            content["caption"] = caption
        return {"update_id": next(self._update_ids), "message": self._message(**content)}

    def contact_update(self, number: str) -> dict[str, Any]:
        """The user's own contact, as the "Share my number" button sends it."""
        contact = {
            "phone_number": number.lstrip("+"),  # Telegram gives it without the "+"
            "first_name": self.user["first_name"],
            "user_id": self.user["id"],
        }
        return {"update_id": next(self._update_ids), "message": self._message(contact=contact)}

    def voice_update(self) -> dict[str, Any]:
        """A voice note (no sound: the console cannot record one)."""
        number = next(self._update_ids)
        voice: dict[str, Any] = {
            "file_id": f"console-voice-{number}",
            "file_unique_id": f"v{number}"[:32],
            "duration": 3,
        }
        return {"update_id": number, "message": self._message(voice=voice)}

    async def press(self, number: int) -> None:
        """Presses button `number` of the latest keyboard."""
        board = self.api.keyboard
        if board is None or not 1 <= number <= len(board.buttons):
            self.out.write("(no such button)\n")
            return
        chosen = board.buttons[number - 1]
        if not board.inline:
            await self.send(self.text_update(chosen["text"]))
        elif "callback_data" in chosen:
            query = {
                "id": str(next(self._update_ids)),
                "from": self.user,
                "chat_instance": str(self.chat["id"]),
                "data": chosen["callback_data"],
                "message": board.message,
            }
            await self.send({"update_id": next(self._update_ids), "callback_query": query})
        elif "web_app" in chosen:
            self.out.write(f"({self.api.opens()})\n")
        else:
            self.out.write(
                f"(this button opens {chosen.get('url', 'something outside the chat')})\n"
            )

    async def pay(self) -> None:
        """Pays the latest invoice: a pre-checkout query, then the successful payment."""
        invoice = self.api.invoice
        if invoice is None:
            self.out.write("(there is no invoice to pay)\n")
            return
        params, total = invoice["params"], invoice["message"]["invoice"]["total_amount"]
        self.api.pre_checkout_answer = None
        query = {
            "id": str(next(self._update_ids)),
            "from": self.user,
            "currency": params["currency"],
            "total_amount": total,
            "invoice_payload": params["payload"],
        }
        await self.send({"update_id": next(self._update_ids), "pre_checkout_query": query})
        answer = self.api.pre_checkout_answer
        if answer is None or not answer.get("ok"):
            return
        charge = f"console-{next(self._update_ids)}"
        payment = {
            "currency": params["currency"],
            "total_amount": total,
            "invoice_payload": params["payload"],
            "telegram_payment_charge_id": charge,
            "provider_payment_charge_id": f"provider-{charge}",
        }
        await self.send(
            {
                "update_id": next(self._update_ids),
                "message": self._message(successful_payment=payment),
            }
        )

    async def send(self, data: dict[str, Any]) -> None:
        """Delivers one update to the Application and waits until it is handled."""
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def handle_line(self, line: str) -> None:
        """Acts on one input line."""
        line = line.rstrip("\r\n")
        if re.fullmatch(r"#\d+", line.strip()):
            await self.press(int(line.strip()[1:]))
        elif line.strip() == "!help":
            self.out.write(CONSOLE_HELP + "\n")
        elif line.strip() == "!pay":
            await self.pay()
        elif line.strip() == "!voice":
            await self.send(self.voice_update())
        elif line.strip() == "!contact" or line.startswith("!contact "):
            number = line[len("!contact") :].strip() or PRETEND_PHONE
            await self.send(self.contact_update(number))
        elif line.startswith("!photo "):
            path, _, caption = line[len("!photo ") :].strip().partition(" ")
            await self.send(self.photo_update(path, caption))
        else:
            await self.send(self.text_update(line))
        await deliver_pending(self.app)  # show notifications now, not a second later
        self.out.flush()


async def read_message(stdin: TextIO, prompt: TextIO | None) -> str:
    """One message: a line, or several when each but the last ends with a backslash (the
    Enter of a message of several lines, as Shift-Enter in Telegram); "" at end of input."""
    lines: list[str] = []
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return "\n".join(lines)
        text = line.rstrip("\r\n")
        if not text.endswith("\\"):
            return "\n".join([*lines, text]) + "\n"
        lines.append(text[:-1])
        if prompt is not None:
            prompt.write("...> ")
            prompt.flush()


async def run_console(
    application: App,
    api: ConsoleBotAPI,
    user: dict[str, Any],
    stdin: TextIO,
    out: TextIO,
    banner: str = "",
) -> None:
    """Reads lines until end of input, feeding each to the bot as the given user."""
    console = Console(application, api, user, out)
    interactive = stdin.isatty()
    if interactive:
        out.write(banner or f"Chatting with the bot as {user['first_name']}.\n")
    async with application:
        await start_jobs(application)  # runs the JobQueue, so timed jobs fire while you type
        webapp = None
        if interactive:  # the shop page too, in a local browser, as this user
            webapp, line = await start_console(application, application.bot_data["settings"], user)
            out.write(line + "\n")
            if webapp is not None:
                api.webapp_address = line.removeprefix("Mini App: ")
        try:
            while True:
                if interactive:
                    out.write("you> ")
                    out.flush()
                line = await read_message(stdin, out if interactive else None)
                if not line:
                    break
                if not interactive:
                    out.write("you> " + line.rstrip().replace("\n", "\n     ") + "\n")
                await console.handle_line(line)
        finally:
            if webapp is not None:
                webapp.stop()
            await application.stop()


def console_files_dir(base: Path, user_id: int) -> Path:
    """A fresh folder for this user's files (`base/user-<id>`): other consoles' stay."""
    folder = base / f"user-{user_id}"
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def console_banner(user: dict[str, Any], admin_ids: tuple[int, ...]) -> str:
    """What the console says first: who you are, how to be an operator, how to be someone else."""
    user_id = user["id"]
    role = "an operator (in ADMIN_IDS)" if user_id in admin_ids else "a buyer"
    other = 1002 if user_id == 1001 else 1001
    return (
        f"Chatting with the bot as {user['first_name']} (id {user_id}), {role}. "
        "Type !help for help.\n"
        f"  To be an operator: put ADMIN_IDS={user_id} in .env (comma-separated for several) "
        "and start again; /ops opens the back office.\n"
        "  To play a second user at the same time: in another terminal, "
        f'make console ARGS="--user-id {other} --first-name Li --lang zh-hans" '
        "(the same database; each user's files go to console-files/user-<id>/).\n"
    )


def main_console(
    application: App, api: ConsoleBotAPI, user: dict[str, Any], banner: str = ""
) -> int:
    """Runs the console chat on stdin/stdout; returns the exit status."""
    asyncio.run(run_console(application, api, user, sys.stdin, sys.stdout, banner))
    return 0
