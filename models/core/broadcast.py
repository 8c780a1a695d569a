"""Announcements from the post office to every user or every adopter, one outbox row each."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

from models.adoption.adoptions import PAID, Adoption
from models.core.base import telegram_id_column, utcnow
from models.core.outbox import Notification, NotificationStatus
from models.core.user import User


class Broadcast(SQLModel, table=True):
    """One announcement, written in one to three languages."""

    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(max_length=20)
    texts: str  # JSON {"zh": ..., "lo": ..., "en": ...}
    created_by: int = Field(sa_column=telegram_id_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    recipients: int = 0

    def text_for(self, language: str, default: str) -> str:
        """The text in `language`, else the default language, else any language written."""
        texts: dict[str, str] = json.loads(self.texts)
        return texts.get(language) or texts.get(default) or next(iter(texts.values()))


def _everyone(session: Session) -> list[int]:
    """Every user who has not blocked the bot."""
    return list(session.exec(select(User.id).where(col(User.blocked_bot).is_(False))))


def _adopters(session: Session) -> list[int]:
    """Everyone with a paid adoption (active, harvest shipped or completed) who can be reached."""
    statement = (
        select(Adoption.user_id)
        .join(User, col(User.id) == col(Adoption.user_id))
        .where(col(Adoption.status).in_(PAID), col(User.blocked_bot).is_(False))
        .distinct()
    )
    return list(session.exec(statement))


# Audience name → who is in it.
AUDIENCES: dict[str, Callable[[Session], list[int]]] = {"all": _everyone, "adopters": _adopters}


def create_broadcast(
    *, session: Session, audience: str, texts: dict[str, str], created_by: int
) -> Broadcast:
    """Stores the announcement and queues one notification per recipient, in one transaction."""
    texts = {lang: text for lang, text in texts.items() if text}
    if not texts:
        raise ValueError("a broadcast needs at least one text")
    recipients = AUDIENCES[audience](session)
    broadcast = Broadcast(
        audience=audience,
        texts=json.dumps(texts, ensure_ascii=False),
        created_by=created_by,
        recipients=len(recipients),
    )
    session.add(broadcast)
    session.flush()
    now, params = utcnow(), json.dumps({"broadcast_id": broadcast.id})
    session.add_all(
        Notification(
            user_id=user_id,
            kind="broadcast",
            params=params,
            dedupe_key=f"bc{broadcast.id}:{user_id}",
            created_at=now,
            next_attempt_at=now,
        )
        for user_id in recipients
    )
    return broadcast


def get_broadcast(*, session: Session, broadcast_id: int) -> Broadcast | None:
    """One broadcast."""
    return session.get(Broadcast, broadcast_id)


@dataclass(frozen=True)
class BroadcastProgress:
    """How far a broadcast has gone."""

    total: int
    sent: int
    blocked: int
    failed: int

    @property
    def pending(self) -> int:
        """Messages not yet settled."""
        return self.total - self.sent - self.blocked - self.failed


def broadcast_progress(*, session: Session, broadcast_id: int) -> BroadcastProgress:
    """Counts the broadcast's notifications by status."""
    prefix = f"bc{broadcast_id}:%"
    rows = session.exec(
        select(Notification.status, func.count())
        .where(col(Notification.dedupe_key).like(prefix))
        .group_by(col(Notification.status))
    )
    counts = dict(rows.all())
    return BroadcastProgress(
        total=sum(counts.values()),
        sent=counts.get(NotificationStatus.SENT, 0),
        blocked=counts.get(NotificationStatus.BLOCKED, 0),
        failed=counts.get(NotificationStatus.FAILED, 0),
    )
