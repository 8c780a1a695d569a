"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import adoptions, catalog, outbox, payments, state, trees, user  # noqa: F401
