"""`cargotool promo|payments|subs|flags|audit ...`: subscriptions and money, for operators."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Optional

import typer
from rich.table import Table

from ..bootstrap import Services
from ..core.billing.refunds import RefundResult
from ..core.cargo.formatting import format_rub
from ..core.clock import moscow_datetime
from .exit_codes import ExitCode
from .runtime import console, fail, print_json, run_with_services, when

promo_app = typer.Typer(help="Promo codes.", no_args_is_help=True)
payments_app = typer.Typer(help="Payments: YooKassa (roubles) and Telegram Stars.", no_args_is_help=True)
subs_app = typer.Typer(help="Drivers' subscriptions.", no_args_is_help=True)
flags_app = typer.Typer(help="Feature flags.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


def _gives(view) -> str:
    """What a promo code gives, in the CLI's language (the core's `describe()` speaks to drivers)."""
    if view.kind == "days":
        return f"+{view.value} days"
    if view.kind == "percent":
        return f"−{view.value} %"
    return f"−{format_rub(view.value)}"


def _date(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected YYYY-MM-DD", param_hint=option) from None
    return moscow_datetime(day, dt.time(23, 59, 59))  # end of day, Moscow


@promo_app.command("create")
def promo_create(
    days: Optional[int] = typer.Option(None, help="Free days of access."),
    percent: Optional[int] = typer.Option(None, help="Percent off a plan."),
    amount_rub: Optional[int] = typer.Option(None, help="Roubles off a plan."),
    code: Optional[str] = typer.Option(None, help="The code (default: generated, no look-alike characters)."),
    max_uses: Optional[int] = typer.Option(None, help="Uses in all (default: unlimited)."),
    valid_until: Optional[str] = typer.Option(None, help="Last day it works, YYYY-MM-DD (Moscow)."),
) -> None:
    """Create a promo code: exactly one of --days, --percent, --amount-rub."""
    kinds = [(k, v) for k, v in (("days", days), ("percent", percent), ("amount", amount_rub)) if v is not None]
    if len(kinds) != 1:
        raise typer.BadParameter("give exactly one of --days, --percent, --amount-rub")
    kind, value = kinds[0]
    until = _date(valid_until, "--valid-until")

    async def work(services: Services):
        return await services.promos.create(kind, value * 100 if kind == "amount" else value, code=code,
                                            max_uses=max_uses, valid_until=until)

    view = run_with_services(work)
    console.print(f"created {view.code}: {_gives(view)}" + (f", up to {view.max_uses} uses" if view.max_uses else ""))


@promo_app.command("list")
def promo_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Promo codes and their use; "reserved" = held by payments not finished yet."""
    views = run_with_services(lambda services: services.promos.list())
    if as_json:
        print_json({"items": [{"code": v.code, "kind": v.kind, "value": v.value, "used": v.used, "reserved": v.reserved, "max_uses": v.max_uses,
                               "valid_until": v.valid_until, "disabled": v.disabled} for v in views]})
        return
    table = Table()
    for column in ("Code", "Gives", "Used", "Reserved", "Valid until", "State"):
        table.add_column(column)
    for v in views:
        table.add_row(v.code, _gives(v), f"{v.used}/{v.max_uses or '∞'}", str(v.reserved), when(v.valid_until),
                      "disabled" if v.disabled else "on")
    console.print(table)


@promo_app.command("disable")
def promo_disable(code: str = typer.Argument(..., help="The code.")) -> None:
    """Switch a promo code off."""
    run_with_services(lambda services: services.promos.disable(code))
    console.print(f"{code.strip().upper()} disabled")


@payments_app.command("list")
def payments_list(status: Optional[str] = typer.Option(None, help="new, pending, succeeded, canceled, ..."),
                  limit: int = typer.Option(50, min=1, max=1000), as_json: bool = typer.Option(False, "--json")) -> None:
    """Payments, newest first; then refunds whose answer was lost that need a manual check in YooKassa."""
    async def work(services: Services):
        return await services.payments.list(status, limit), await services.payments.refunds_to_check()

    rows, to_check = run_with_services(work)
    if as_json:
        print_json({"items": [{"id": r.id, "driver_id": r.driver_id, "plan": r.plan_id, "amount_kopecks": r.amount_kopecks,
                               "promo_code": r.promo_code, "status": r.status, "yookassa_id": r.yookassa_id,
                               "refunded_kopecks": r.refunded_kopecks, "created_at": r.created_at, "method": r.method,
                               "stars": r.stars, "refunded_stars": r.refunded_stars,
                               "telegram_payment_charge_id": r.telegram_payment_charge_id} for r in rows],
                    "refunds_to_check": [{"refund_id": r.id, "payment_id": r.payment_id, "amount_kopecks": r.amount_kopecks,
                                          "reason": r.reason, "requested_at": r.created_at} for r in to_check]})
        return
    table = Table()
    for column in ("Created", "Driver", "Plan", "Amount", "Promo", "Status", "Method", "Payment id"):
        table.add_column(column, no_wrap=column in ("Amount", "Payment id"))
    for r in rows:
        stars = r.method == "stars"
        refunded = r.refunded_stars if stars else r.refunded_kopecks
        table.add_row(when(r.created_at), str(r.driver_id), r.plan_id, f"{r.stars} Stars" if stars else format_rub(r.amount_kopecks),
                      r.promo_code or "—", r.status + (" (refunded)" if refunded else ""), r.method,
                      (r.telegram_payment_charge_id if stars else r.yookassa_id) or r.id)
    console.print(table)
    for r in to_check:
        console.print(f"CHECK in YooKassa's dashboard: refund {r.id} of payment {r.payment_id}, {format_rub(r.amount_kopecks)},"
                      f" requested {when(r.created_at)}: its answer was lost and it is not sent again")


@payments_app.command("replay")
def payments_replay(yookassa_id: str = typer.Argument(..., help="YooKassa payment id.")) -> None:
    """Re-fetch a payment from YooKassa and process it, as its webhook would (idempotent)."""
    outcome = run_with_services(lambda services: services.payments.replay(yookassa_id.strip()))
    console.print(f"payment {outcome.payment_id}: {outcome.status}; "
                  + ("applied now" if outcome.applied else "nothing new (already processed or still open)"))


@payments_app.command("reconcile")
def payments_reconcile(older_than: int = typer.Option(10, min=0, help="Minutes a payment has been open."),
                       refund_days: Optional[int] = typer.Option(
                           None, min=1, help="Also compare the refunds of payments that succeeded in these days."),
                       payment: list[str] = typer.Option(
                           [], "--payment", help="A payment (YooKassa's id or ours) to check whatever its age; repeatable.")) -> None:
    """Repair lost webhooks: re-fetch payments still open after some minutes and apply the result; apply
    refunds YooKassa has and we do not (its refunded_amount vs ours) for payments with a refund of ours
    still open, those of the last --refund-days, and every --payment. Idempotent."""
    outcomes = run_with_services(lambda services: services.payments.reconcile(
        older_than, refund_days=refund_days, payment_refs=tuple(payment)))
    applied = [o for o in outcomes if o.applied]
    console.print(f"checked {sum(o.status != 'refund' for o in outcomes)} open payment(s); "
                  f"{len(applied)} change(s) applied")
    for o in applied:
        console.print(f"  {o.payment_id}: {'refund applied' if o.status == 'refund' else o.status}")


def _kopecks(text: str | None) -> int | None:
    if text is None:
        return None
    try:  # quantize raises too, for a value beyond Decimal's precision (1E+30)
        value = Decimal(text.replace(",", ".").strip())
        whole_kopecks = value.is_finite() and value > 0 and value == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        whole_kopecks = False
    if not whole_kopecks:
        raise typer.BadParameter("roubles, e.g. 250 or 649.50", param_hint="--amount-rub")
    return int(value * 100)


def _renewal_still_on(result: RefundResult) -> None:
    """A Stars refund done but its subscription's renewal not turned off: a line and exit 5 so it is retried."""
    if result.renewal_still_on:
        fail("RENEWAL STILL ON: Telegram did not accept turning the subscription's renewal off; run the same "
             "command again (no Stars are sent twice, only the renewal is turned off)", ExitCode.UNREACHABLE)


@payments_app.command("refund")
def payments_refund(payment_id: str = typer.Argument(..., help="YooKassa's payment id (as `payments replay` takes), a Telegram Stars charge id, or ours."),
                    amount_rub: Optional[str] = typer.Option(None, help="Roubles to refund (default: all that is left)."),
                    reason: str = typer.Option(..., help="Why (audit log, and the refund's description at YooKassa)."),
                    as_json: bool = typer.Option(False, "--json")) -> None:
    """Refund a paid payment through YooKassa and shorten the subscription by the refunded share (once,
    however the refund's news arrives); a Telegram Stars payment (our id or its charge id) goes back whole
    through refundStarPayment. Repeating the same command does not refund again."""
    amount = _kopecks(amount_rub)
    result = run_with_services(lambda services: services.refunds.start(payment_id, reason, amount))
    if as_json:
        print_json(result.public())
        _renewal_still_on(result)
        return
    if result.stars is not None:
        done = "already refunded (nothing new sent)" if result.repeated else "refunded"
        console.print(f"{done}: {result.stars} Stars of payment {result.payment_id} (charge {result.refund_id})")
        if result.expires_at:
            console.print(f"driver's access now until {when(result.expires_at)}")
        _renewal_still_on(result)
        return
    if result.repeated:
        console.print(f"already requested: refund {result.yookassa_id or result.refund_id} of {format_rub(result.amount_kopecks)}"
                      f" is {result.status}; nothing new sent")
    else:
        console.print(f"refund {result.yookassa_id} of {format_rub(result.amount_kopecks)}: {result.status}")
    if result.expires_at:
        console.print(f"driver's access now until {when(result.expires_at)}")
    elif result.status == "pending":
        console.print("the subscription is shortened when YooKassa confirms (webhook or `payments reconcile`)")


@subs_app.command("show")
def subs_show(telegram_id: int = typer.Argument(..., help="The driver's Telegram id."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """A driver's subscription."""
    status = run_with_services(lambda services: services.subscriptions.status(telegram_id))
    if as_json:
        print_json(status.public())
        return
    if status.expires_at is None:
        console.print(f"driver {telegram_id}: no subscription")
    else:
        console.print(f"driver {telegram_id}: {'active' if status.active else 'ended'}, until {when(status.expires_at)}"
                      f" (last from {status.source})")


@subs_app.command("grant")
def subs_grant(telegram_id: int = typer.Argument(..., help="The driver's Telegram id."),
               days: int = typer.Option(..., help="Days to add."), reason: str = typer.Option(..., help="Why (audit log).")) -> None:
    """Give a driver days of access (from the later of now and their current end)."""
    expires = run_with_services(lambda services: services.subscriptions.grant(telegram_id, days, reason))
    console.print(f"driver {telegram_id}: access until {when(expires)}")


@flags_app.command("list")
def flags_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Feature flags and their values."""
    values = run_with_services(lambda services: services.flags.all())
    if as_json:
        print_json(values)
        return
    for name, on in sorted(values.items()):
        console.print(f"{name}: {'on' if on else 'off'}")


@flags_app.command("set")
def flags_set(name: str = typer.Argument(..., help="Flag name."), value: str = typer.Argument(..., help="on or off")) -> None:
    """Switch a flag on or off."""
    if value not in ("on", "off"):
        raise typer.BadParameter("on or off", param_hint="VALUE")
    run_with_services(lambda services: services.flags.set(name, value == "on"))
    console.print(f"{name}: {value}")


@audit_app.command("tail")
def audit_tail(actor: Optional[str] = typer.Option(None, help="e.g. cli, system, driver:123 (prefix match)."),
               action: Optional[str] = typer.Option(None, help="e.g. payment.succeeded (prefix match)."),
               since: Optional[str] = typer.Option(None, help="YYYY-MM-DD (Moscow)."),
               limit: int = typer.Option(50, min=1, max=5000), as_json: bool = typer.Option(False, "--json")) -> None:
    """The newest audit events."""
    start = None
    if since is not None:
        start = _date(since, "--since") - dt.timedelta(days=1, seconds=-1)

    events = run_with_services(lambda services: services.audit.tail(limit, action=action, actor=actor, since=start))
    if as_json:
        print_json({"items": [{"at": e.created_at, "actor": e.actor, "action": e.action, "target": e.target,
                               "details": json.loads(e.details or "{}"), "ip": e.ip} for e in events]})
        return
    if not events:
        console.print("no audit events match")
        return
    table = Table()
    for column in ("When", "Actor", "Action", "Target", "Details"):
        table.add_column(column)
    for e in events:
        table.add_row(when(e.created_at), e.actor, e.action, e.target or "—", e.details if e.details != "{}" else "")
    console.print(table)
