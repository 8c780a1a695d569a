"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import broadcast, catalog, outbox, payments, privacy, roles, state, user  # noqa: F401
