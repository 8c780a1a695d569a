"""The callback context every handler receives: the user's language, account row and services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator, translator

if TYPE_CHECKING:
    from models.core.user import User


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[Any, Any], dict[str, Any]]):
    """CallbackContext plus what `handlers.kit.users.load_user` resolves once per update."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.lang: str = self.settings.default_language
        self.account: User | None = None

    @property
    def settings(self) -> Settings:
        """The bot's configuration."""
        return self.bot_data["settings"]  # type: ignore[no-any-return]

    @property
    def db(self) -> Database:
        """The database; call domain functions with `await context.db.run(fn, ...)`."""
        return self.bot_data["db"]  # type: ignore[no-any-return]

    @property
    def scratch(self) -> dict[str, Any]:
        """This user's user_data: small scratch values between two steps of a dialogue."""
        data = self.user_data
        assert data is not None, "scratch is only for updates that come from a user"
        return data

    @property
    def tr(self) -> Translator:
        """gettext and Babel formatting in this update's language."""
        return translator(self.lang)
