"""Operators' numbers and files: /stats (text and a chart of sales per day) and CSV exports."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.render.charts import render_bar_chart
from handlers.backoffice.exports import export_labels
from handlers.kit import routes
from handlers.kit.common import button, esc, keyboard, show
from handlers.kit.roles import operator_only
from handlers.shop.orders import status_label
from models.adoption.reports import adoptions_by_village
from models.catalog.places import localized
from models.core.base import utcnow
from models.core.money import CNY, LAK, convert
from models.reporting.export import EXPORTS
from models.reporting.stats import (
    adoptions_by_season,
    orders_by_status,
    sales_by_product,
    sales_by_village,
    sales_per_day,
)
from models.shop.orders import OrderStatus

CHART_DAYS = 30


async def stats_text(context: BotContext) -> str:
    """Sales by product and village, the collectives' shares, orders by status, adoptions."""
    tr, lang, db = context.tr, context.lang, context.db
    lines = ["📊 <b>" + tr._("Statistics") + "</b>", "", "<b>" + tr._("Sales by product") + "</b>"]
    products = await db.run(sales_by_product)
    lines += [
        f"{esc(localized(p.product, 'name', lang))}: {tr.number(p.quantity)}"
        f" · {tr.money(p.fen, p.currency)}"
        for p in products
    ] or [tr._("No sales yet.")]
    lines += ["", "<b>" + tr._("Sales by village and the collective's share") + "</b>"]
    villages = await db.run(sales_by_village)
    lines += [
        tr._("{village}: {amount}, collective {pct}%: {share}").format(
            village=esc(localized(v.village, "name", lang)),
            amount=tr.money(v.fen, v.currency),
            pct=v.village.collective_share_pct,
            share=tr.money(v.collective_fen, v.currency),
        )
        for v in villages
    ] or [tr._("No sales yet.")]
    counts = await db.run(orders_by_status)
    lines += ["", "<b>" + tr._("Orders by status") + "</b>"]
    lines += [
        f"{status_label(tr, s.value)}: {tr.number(counts[s.value])}"
        for s in OrderStatus
        if counts.get(s.value)
    ] or [tr._("No orders yet.")]
    seasons = await db.run(adoptions_by_season)
    if seasons:
        lines += ["", "<b>" + tr._("Tree adoptions by season") + "</b>"]
        lines += [
            tr.ngettext(
                "{season}: {trees} tree, {amount}", "{season}: {trees} trees, {amount}", s.trees
            ).format(
                season=esc(s.season), trees=tr.number(s.trees), amount=tr.money(s.fen, s.currency)
            )
            for s in seasons
        ]
    lines += await adoption_village_lines(context)
    return "\n".join(lines)


async def adoption_village_lines(context: BotContext) -> list[str]:
    """Money raised by adoptions per village and the collective's share (none: no lines)."""
    tr = context.tr
    villages = await context.db.run(adoptions_by_village)
    if not villages:
        return []
    return ["", "<b>" + tr._("Tree adoptions by village and the collective's share") + "</b>"] + [
        tr._("{village}: {amount}, collective {pct}%: {share}").format(
            village=esc(localized(v.village, "name", context.lang)),
            amount=tr.money(v.fen, v.currency),
            pct=v.village.collective_share_pct,
            share=tr.money(v.collective_fen, v.currency),
        )
        for v in villages
    ]


async def chart_png(context: BotContext) -> bytes:
    """A bar chart of the last 30 days' produce sales, in yuan; kip sales are added as their
    estimate in yuan at the stated rate, and the title says so."""
    tr, rate = context.tr, context.settings.lak_per_cny
    days = await context.db.run(sales_per_day, days=CHART_DAYS)
    kip = await context.db.run(sales_per_day, days=CHART_DAYS, currency=LAK)
    bars = [
        (tr.short_day(day), (fen + convert(lak, LAK, CNY, rate)) // 100)
        for (day, fen), (_, lak) in zip(days, kip, strict=True)
    ]
    title = tr._("Produce sales per day, last {days} days (yuan)").format(days=CHART_DAYS)
    if any(lak for _, lak in kip):
        title = tr._(
            "Produce sales per day, last {days} days (yuan; kip counted at ≈ {rate} kip to "
            "the yuan)"
        ).format(days=CHART_DAYS, rate=tr.number(rate))
    return await asyncio.to_thread(
        render_bar_chart,
        title=title,
        bars=bars,
        value_label=tr.number,
        empty_text=tr._("No sales in these days."),
    )


@operator_only
async def stats(update: Update, context: BotContext) -> None:
    """Sends the figures as text, then the chart as a photo."""
    assert update.effective_chat is not None
    back = keyboard([button("🏤 " + context.tr._("Back office"), routes.BACK_OFFICE.data())])
    await show(update, context, await stats_text(context))
    await context.bot.send_photo(
        update.effective_chat.id,
        await chart_png(context),
        filename="sales-per-day.png",
        caption=context.tr._("Produce sales per day"),
        reply_markup=back,
    )


async def send_export(update: Update, context: BotContext, kind: str) -> None:
    """Builds one export and sends it as a CSV document."""
    assert update.effective_chat is not None
    tr = context.tr
    if kind not in EXPORTS:
        names = ", ".join(sorted(EXPORTS))
        text = tr._("Send /export followed by what to export: {names}.").format(names=names)
        await show(update, context, text)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    content = await context.db.run(EXPORTS[kind], labels=export_labels(tr, kind))
    name = f"{kind}-{utcnow():%Y%m%d-%H%M}.csv"
    caption = tr._(
        "{name}: contains buyers' names, phones and addresses. Keep it private and delete it "
        "when done."
    ).format(name=esc(name))
    await context.bot.send_document(
        update.effective_chat.id, content, filename=name, caption=caption
    )


@operator_only
async def export_command(update: Update, context: BotContext) -> None:
    """/export orders: sends the orders as a CSV file."""
    await send_export(update, context, context.args[0].lower() if context.args else "")


@operator_only
async def export_button(update: Update, context: BotContext) -> None:
    """The back office's export button."""
    await send_export(update, context, routes.text_field(context, "kind"))


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The operators' stats and export handlers, for `bot.app.journey_handlers`."""
    return [
        CommandHandler("stats", stats),
        routes.STATS.handler(stats),
        CommandHandler("export", export_command),
        routes.EXPORT.handler(export_button),
    ]
