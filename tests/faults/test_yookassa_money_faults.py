"""YooKassa money paths when a step after the money fails once (Redis drops the cache key, the audit log,
the «Оплата прошла» message): the retried notification gets all the follow-ups while the subscription is
extended (or shortened) exactly once. YooKassa is the loopback stand-in spoken to through the SDK."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cargotool.core.storage.models import Payment, PaymentEffect
from tests.faults.test_stars_money_faults import audit_events, fail_once
from tests.integration.test_billing import app, days_left, loopback_peer, yookassa  # noqa: F401  (fixtures)

DRIVER = 501


async def paid_messages(services) -> list[str]:
    queued = await services.outbox.queue.claim(limit=50)
    return [item.payload["params"]["text"] for item in queued if "Оплата прошла" in item.payload["params"]["text"]]


def inject(monkeypatch, services, step, action) -> None:
    if step == "forget":
        fail_once(monkeypatch, services.subscriptions, "forget")
    elif step == "audit":
        fail_once(monkeypatch, services.audit, "record", when=lambda actor, act, **kw: act == action)
    else:
        fail_once(monkeypatch, services.payments, "on_paid")


async def succeeded(services, standin, plan):
    payment = await services.payments.create(DRIVER, {"plan": plan})
    standin.succeed(payment.yookassa_id)
    return payment, standin.notification("payment.succeeded", payment.yookassa_id)


@pytest.mark.parametrize("step", ["forget", "audit", "on_paid"])
async def test_a_payment_retried_after_a_blip_gets_its_follow_ups_and_one_extension(app, yookassa, monkeypatch, step):  # noqa: F811
    services, standin = app.ctx.services, yookassa[0]
    payment, body = await succeeded(services, standin, "1m")
    assert not (await services.subscriptions.status(DRIVER)).active  # cached: what the driver sees until dropped
    inject(monkeypatch, services, step, "payment.succeeded")
    with pytest.raises(ConnectionError):
        await services.payments.handle_notification(body)
    for _ in range(2):  # YooKassa's retry, then `payments reconcile` bringing it once more
        outcome = await services.payments.handle_notification(body)
        assert (outcome.status, outcome.applied) == ("succeeded", False)
    status = await services.subscriptions.status(DRIVER)  # from the cache, which the retry dropped
    assert status.active and 29.99 < days_left(status) < 30.001  # extended once
    [event] = [e for e in await audit_events(app, "payment.succeeded") if e.target == payment.id]
    recorded = dt.datetime.fromisoformat(json.loads(event.details)["expires_at"])
    assert abs((recorded - status.expires_at).total_seconds()) < 1
    assert len(await paid_messages(services)) == 1


async def test_a_payment_replayed_long_after_does_not_tell_the_driver_again(app, yookassa):  # noqa: F811
    """Past RETELL_WITHIN the outbox may have forgotten the message's key: a replay must not send it again."""
    services, standin = app.ctx.services, yookassa[0]
    payment, body = await succeeded(services, standin, "1m")
    assert (await services.payments.handle_notification(body)).applied
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    await services.database.run(lambda: PaymentEffect.update(created_at=past)
                                .where(PaymentEffect.payment == payment.id).execute())
    told = []

    async def on_paid(driver_id, expires_at):
        told.append(driver_id)

    services.payments.on_paid = on_paid
    assert not (await services.payments.replay(payment.yookassa_id)).applied
    assert told == [] and len(await audit_events(app, "payment.succeeded")) == 1


@pytest.mark.parametrize("step", ["forget", "audit"])
async def test_a_refund_retried_after_a_blip_shortens_once_and_is_audited_once(app, yookassa, monkeypatch, step):  # noqa: F811
    services, standin = app.ctx.services, yookassa[0]
    payment, body = await succeeded(services, standin, "3m")
    await services.payments.handle_notification(body)
    assert 89.99 < days_left(await services.subscriptions.status(DRIVER)) < 90.001  # cached
    refund_id = standin.refund(payment.yookassa_id, "649.50")  # half of 1299 ₽
    refund_body = standin.notification("refund.succeeded", refund_id)
    inject(monkeypatch, services, step, "payment.refunded")
    with pytest.raises(ConnectionError):
        await services.payments.handle_notification(refund_body)
    for _ in range(2):
        outcome = await services.payments.handle_notification(refund_body)
        assert (outcome.status, outcome.applied) == ("refund", False)
    assert 44.99 < days_left(await services.subscriptions.status(DRIVER)) < 45.001  # the cache was dropped; shortened once
    assert (await services.database.run(lambda: Payment.get_by_id(payment.id))).refunded_kopecks == 64950
    assert [json.loads(e.details)["refund_id"] for e in await audit_events(app, "payment.refunded")] == [refund_id]
    second = standin.refund(payment.yookassa_id, "324.75")  # another refund of the same payment: its own event
    assert (await services.payments.handle_notification(standin.notification("refund.succeeded", second))).applied
    assert [json.loads(e.details)["refund_id"] for e in await audit_events(app, "payment.refunded")] == [refund_id, second]


async def test_an_operator_refund_whose_cache_drop_failed_is_finished_by_repeating_it(app, yookassa, monkeypatch):  # noqa: F811
    services, standin = app.ctx.services, yookassa[0]
    payment, body = await succeeded(services, standin, "3m")
    await services.payments.handle_notification(body)
    assert 89.99 < days_left(await services.subscriptions.status(DRIVER)) < 90.001  # cached
    inject(monkeypatch, services, "forget", "payment.refunded")
    with pytest.raises(ConnectionError):
        await services.refunds.start(payment.yookassa_id, "двойная оплата", 64950)
    again = await services.refunds.start(payment.yookassa_id, "двойная оплата", 64950)  # the operator repeats it
    assert again.repeated and standin.refund_creates == 1
    assert 44.99 < days_left(await services.subscriptions.status(DRIVER)) < 45.001
    assert len(await audit_events(app, "payment.refunded")) == 1
