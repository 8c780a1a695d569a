"""Imports every table module, so `SQLModel.metadata` knows every table (create_all, Alembic)."""

import models.adoption.adoptions
import models.adoption.browse
import models.adoption.farmers
import models.adoption.harvests
import models.adoption.personal_data
import models.adoption.reports
import models.catalog.importer
import models.catalog.places
import models.catalog.sample_payments
import models.catalog.sample_products
import models.catalog.sample_trees
import models.catalog.samples
import models.catalog.trees
import models.core.base
import models.core.broadcast
import models.core.contact
import models.core.jobs
import models.core.outbox
import models.core.payments
import models.core.personal_data
import models.core.roles
import models.core.state
import models.core.updates
import models.core.user
import models.deliveries
import models.helpdesk
import models.payment.methods
import models.privacy
import models.reporting.export
import models.reporting.stats
import models.shop.backoffice
import models.shop.orders
import models.shop.packing
import models.shop.personal_data
import models.shop.products
import models.shop.shipping  # noqa: F401
