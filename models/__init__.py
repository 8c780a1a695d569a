"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import catalog, outbox, payments, privacy, state, user  # noqa: F401
