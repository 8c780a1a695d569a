"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import (  # noqa: F401
    adoption_data,
    adoption_reports,
    adoptions,
    backoffice,
    broadcast,
    catalog,
    export,
    farmer,
    farmer_trees,
    harvests,
    orders,
    outbox,
    payments,
    privacy,
    roles,
    shop,
    state,
    stats,
    trees,
    updates,
    user,
)
