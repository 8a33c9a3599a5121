"""The driver JSON API under /api. Every route but `POST /api/session` needs a session token."""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from typing import Any

from sanic import Blueprint, HTTPResponse, Request, json
from sanic_ext import openapi

from ..core.cargo.filters import MAX_RADIUS_KM
from ..core.cargo.formatting import moscow_today
from ..core.cargo.listing import driver_page
from ..core.cargo.service import MIN_POINT_QUERY, Answer
from ..core.drivers.ratelimit import Limit
from ..core.contacts.card import load_id
from ..core.errors import CargotoolError, InvalidInput
from ..core.regions import find_regions
from . import bodies as B
from .client_ip import request_ip
from .auth import authenticate
from .requests import bearer, json_body, services
from .schema import describe
from .statuses import http_status
from .validation import NO_BODY
from ..core.numbers import plain_int

bp = Blueprint("api", url_prefix="/api")
bp.on_request(authenticate)  # every route but POST /api/session (server/auth.py)


def answer_response(answer: Answer) -> HTTPResponse:
    return HTTPResponse(answer.body, content_type="application/json", headers={"Cache-Control": "no-store"})


@bp.post("/session")
@describe("Log in with Telegram initData", body=B.Login, responses={200: B.Session}, errors=(401, 429),
          description="With `cargos` (a /api/cargos query string) the answer carries that page too "
                      "(`cargos`, or its error in `cargos_error`): one round trip less for the Mini App.")
async def create_session(request: Request):
    svc = services(request)
    ip = request_ip(request)
    await svc.limiter.check(f"login:{ip}", svc.login_limit)
    body: Any = json_body(request)
    init_data = body.get("init_data") if isinstance(body, dict) else None
    if not isinstance(init_data, str) or not init_data.strip():
        raise InvalidInput("Нужны данные входа Telegram", fields={"init_data": "Обязательное поле"})
    session, verified = await svc.auth.login(init_data.strip(), ip=ip)
    answer = {
        "session_token": session.token,
        "expires_at": dt.datetime.fromtimestamp(session.expires_at, dt.timezone.utc).isoformat(),
        "driver": session.driver.public(),
        "start_param": verified.start_param,
        "bot_can_write": await svc.reach.after_login(verified.user),  # clears a 403 when the launch data allows
    }
    cargos = body.get("cargos")
    if isinstance(cargos, str) and len(cargos) <= 2000:  # the first page too: one round trip less on a slow link
        answer.update(await first_page(svc, session.driver.telegram_id, cargos))
    return json(answer)


async def first_page(svc, driver_id: int, query_string: str) -> dict:
    """`GET /api/cargos?<query_string>`'s answer, or its error, for the login answer to carry along."""
    try:
        page = await driver_page(svc.cargos, svc.list_views, driver_id, query_string)
    except CargotoolError as exc:
        return {"cargos_query": query_string, "cargos_error": {"status": http_status(exc), **exc.to_dict()}}
    return {"cargos_query": query_string, "cargos": page.data if isinstance(page, Answer) else jsonlib.loads(page)}


@bp.delete("/session")
@describe("Log out (forget this session token)", responses={204: None}, secured=True)
async def delete_session(request: Request):
    await services(request).auth.logout(bearer(request))
    return HTTPResponse(status=204)


@bp.get("/cargos")
@describe("Loads matching the filters (cards), shared cache", responses={200: B.CargoPage}, secured=True, errors=(502,))
@openapi.parameter("from", int, description="Loading point id")
@openapi.parameter("to", int, description="Unloading point id")
@openapi.parameter("from_radius", int, description="km")
@openapi.parameter("to_radius", int, description="km")
@openapi.parameter("date", str, description="YYYY-MM-DD")
@openapi.parameter("wv", str, description="'<tonnes>-<m3>', e.g. 15-65")
@openapi.parameter("truck_types", str, description="comma-separated ids")
@openapi.parameter("load_types", str, description="comma-separated ids")
@openapi.parameter("price_min", int, description="₽")
@openapi.parameter("price_max", int, description="₽")
@openapi.parameter("rate_min", int, description="₽/km")
@openapi.parameter("distance_min", int, description="km")
@openapi.parameter("distance_max", int, description="km")
@openapi.parameter("mode", str, description="all | my")
@openapi.parameter("limit", int, description="1–50, default 20")
@openapi.parameter("offset", int)
@openapi.parameter("sort", str, description="rate_with_deadhead | above_market | rate | price | loading | arrival: applied to the "
                   "100 freshest loads matching the filters (meta.sort says so)")
@openapi.parameter("with_price", str, description="1: only loads with a price (among the 100 freshest)")
@openapi.parameter("reachable", str, description="1: only loads I can reach under the driving-time rules (with my "
                   "position; among the 100 freshest; meta.hidden_unreachable)")
@openapi.parameter("no_long_waits", str, description="1: leave out companies whose median dock wait is 6 h or more "
                   "(among the 100 freshest)")
async def list_cargos(request: Request):
    svc = services(request)
    page = await driver_page(svc.cargos, svc.list_views, request.ctx.driver.telegram_id, request.query_string)
    if isinstance(page, Answer):
        return answer_response(page)
    return HTTPResponse(page, content_type="application/json", headers={"Cache-Control": "no-store"})


@bp.get("/cargos/<cargo_id:str>")
@describe("One load with comment, contacts and addresses, and insights (market, the trip back)", responses={200: B.CargoDetail}, secured=True, errors=(404, 502))
@openapi.parameter("radius", int, description="km around the unloading city for the trip back (default 50)")
async def cargo_detail(request: Request, cargo_id: str):
    load_id(cargo_id)  # an id that is no number answers 404 before a bad radius does
    radius = _radius(request.args.get("radius"))
    svc = services(request)
    driver_id = request.ctx.driver.telegram_id
    card = await svc.contacts.card_for(driver_id, cargo_id)
    body = await svc.insights.personalise_detail(driver_id, card, radius, moscow_today())
    await svc.samefreight.attach(body)  # `group`: the other postings of this trip, as its list card showed them
    if svc.company_checks is not None:  # `company_check`: the register, asked now for a company not yet checked
        await svc.company_checks.attach_detail(body)
    await svc.shortlist.flag_detail(driver_id, body)  # `favourite`: the ☆ of its card
    return json(body, headers={"Cache-Control": "no-store"})


def _radius(text: str | None) -> int | None:
    radius = plain_int(text, max_digits=5)
    if text is not None and (radius is None or radius > MAX_RADIUS_KM):
        raise InvalidInput("Проверьте радиус", fields={"radius": f"Радиус — от 0 до {MAX_RADIUS_KM} км"})
    return radius


@bp.get("/points")
@describe("City autocomplete", responses={200: B.Points}, secured=True, errors=(502,))
@openapi.parameter("q", str, required=True, description=f"at least {MIN_POINT_QUERY} characters")
async def points(request: Request):
    text = (request.args.get("q") or "").strip()
    if len(text) < MIN_POINT_QUERY or len(text) > 64:
        raise InvalidInput("Введите хотя бы две буквы", fields={"q": f"От {MIN_POINT_QUERY} до 64 символов"})
    return answer_response(await services(request).cargos.points(text))


@bp.get("/regions")
@describe("Regions of Russia whose name has the words typed («ростовская обл», «татарстан»), for `from_region` / "
          "`to_region`", responses={200: B.Regions}, secured=True)
@openapi.parameter("q", str, required=True, description="at least 3 letters")
async def regions(request: Request):
    text = (request.args.get("q") or "").strip()
    if len(text) > 64:
        raise InvalidInput("Слишком длинный запрос", fields={"q": "До 64 символов"})
    return json({"items": [item.public() for item in find_regions(text)]})


@bp.get("/dictionaries")
@describe("Truck (body) and load types; null when unavailable", responses={200: B.Dictionaries}, secured=True)
async def dictionaries(request: Request):
    return json(await services(request).cargos.dictionaries())


@bp.get("/whoami")
@describe("The driver of this session", responses={200: B.WhoAmI}, secured=True)
async def whoami(request: Request):
    return json({"driver": request.ctx.driver.public()})



# ---- responses to loads -----------------------------------------------------------------------------

@bp.post("/cargos/<cargo_id:str>/responses")
@describe("Respond to a load with an offered rate (again: updates the offer)", body=B.Offer, responses={200: B.ResponseBody, 201: B.ResponseBody}, secured=True, errors=(402, 404, 409, 502),
          description="With an `Idempotency-Key` header (8–64 of A–Z a–z 0–9 - _; the Mini App sends a UUID per offer) a "
                      "repeat within a day answers the first try's status and that response as it is now, changing nothing; "
                      "a copy arriving while the first try runs is 409 `in_flight` with Retry-After; the key with another "
                      "load or offer is 400 on the field.")
@openapi.parameter("Idempotency-Key", str, location="header")
async def respond(request: Request, cargo_id: str):
    view, created = await services(request).responses.submit(request.ctx.driver, load_id(cargo_id),
                                                             lambda: json_body(request), ip=request_ip(request),
                                                             idempotency_key=request.headers.get("Idempotency-Key"))
    return json({"response": view.public()}, status=201 if created else 200)


@bp.delete("/cargos/<cargo_id:str>/responses")
@describe("Withdraw my response to a load", responses={200: B.ResponseBody}, secured=True, errors=(404, 409))
async def withdraw(request: Request, cargo_id: str):
    view = await services(request).responses.withdraw(request.ctx.driver, load_id(cargo_id))
    return json({"response": view.public()})


@bp.get("/responses")
@describe("My responses, newest first (optionally for one load)", responses={200: B.Responses}, secured=True, errors=(404,))
@openapi.parameter("cargo_id", str)
async def my_responses(request: Request):
    cargo_id = request.args.get("cargo_id")
    views = await services(request).responses.mine(request.ctx.driver.telegram_id, load_id(cargo_id) if cargo_id else None)
    return json({"items": [v.public() for v in views]})


@bp.post("/cargos/<cargo_id:str>/contact-to-chat")
@describe("Have the bot send the load's contacts to my chat (phones become tappable there)", body=NO_BODY, responses={202: B.Queued}, secured=True, errors=(402, 404, 502))
async def contact_to_chat(request: Request, cargo_id: str):
    await services(request).contacts.send_to_chat(request.ctx.driver.telegram_id, cargo_id)
    return json({"queued": True}, status=202)


# ---- subscription and payments ----------------------------------------------------------------------

@bp.get("/plans")
@describe("Subscription plans, and whether a receipt needs an e-mail or phone (with the one given last time)", responses={200: B.Plans}, secured=True)
async def plans(request: Request):
    svc = services(request)
    contact = await svc.payments.contacts.get(request.ctx.driver.telegram_id)
    stars_on = await svc.stars.enabled()
    return json({"plans": [plan.public(stars_on) for plan in svc.plans.values()],
                 "receipt": {"required": svc.payments.receipts_on, "email": contact.get("email"), "phone": contact.get("phone")}})


@bp.get("/me")
@describe("The driver and their subscription", responses={200: B.Me}, secured=True)
async def me(request: Request):
    svc = services(request)
    driver = request.ctx.driver
    status = await svc.subscriptions.status(driver.telegram_id)
    return json({"driver": driver.public(), "subscription": status.public(),
                 "renewal": await svc.stars.renewal(driver.telegram_id),
                 "is_admin": driver.telegram_id in svc.settings.admin_telegram_ids,
                 "paywall": await svc.paywall.switches()})


@bp.post("/payments")
@describe("Start paying for a plan; open confirmation_url outside Telegram. With receipts on, an e-mail or "
                 "phone (79001234567; +7 (900) 123-45-67 and 8 900 ... are normalised) is needed, else the last one given",
          body=B.NewPayment, responses={200: B.Payment}, secured=True, errors=(409, 502),
          description='With "method": "stars", an invoice link in Telegram Stars for `Telegram.WebApp.openInvoice` '
                      '(the 30-day plan as a subscription renewed every 30 days); without it (or "yookassa"), YooKassa.')
async def create_payment(request: Request):
    svc = services(request)
    ip = request_ip(request)
    await svc.limiter.check(f"payments:{request.ctx.driver.telegram_id}", PAYMENT_LIMIT)
    body = json_body(request)
    method = body.get("method") if isinstance(body, dict) else None
    if method == "stars":
        payment = await svc.stars.create(request.ctx.driver.telegram_id, body.get("plan"), ip=ip)
        return json({"payment_id": payment.id, "invoice_link": payment.confirmation_url, "stars": payment.stars})
    if method not in (None, "yookassa"):
        raise InvalidInput("Проверьте оплату", fields={"method": "stars или yookassa"})
    payment = await svc.payments.create(request.ctx.driver.telegram_id, body, ip=ip)
    return json({"payment_id": payment.id, "confirmation_url": payment.confirmation_url,
                 "amount_rub": payment.amount_kopecks / 100, "status": payment.status})


@bp.post("/promo/apply")
@describe("Apply a promo code that gives days of access", body=B.PromoCode, responses={200: B.PromoApplied}, secured=True, errors=(404, 409))
async def apply_promo(request: Request):
    svc = services(request)
    body = json_body(request)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("Введите промокод", fields={"code": "Обязательное поле"})
    await svc.limiter.check(f"promo:{request.ctx.driver.telegram_id}", PAYMENT_LIMIT)
    promo, expires = await svc.promos.apply_days(code, request.ctx.driver.telegram_id, ip=request_ip(request))
    status = await svc.subscriptions.status(request.ctx.driver.telegram_id)
    return json({"promo": {"code": promo.code, "days": promo.value}, "subscription": status.public()})


@bp.post("/subscription/renewal")
@describe("Turn the renewal of a Telegram Stars subscription off (or back on)", body=B.RenewalChange,
          responses={200: B.RenewalBody}, secured=True, errors=(404, 503))
async def subscription_renewal(request: Request):
    svc = services(request)
    body = json_body(request)
    enabled = body.get("enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        raise InvalidInput("Проверьте поля", fields={"enabled": "true или false"})
    await svc.limiter.check(f"payments:{request.ctx.driver.telegram_id}", PAYMENT_LIMIT)
    renewal = await svc.stars.set_renewal(request.ctx.driver.telegram_id, enabled, ip=request_ip(request))
    return json({"renewal": renewal})


PAYMENT_LIMIT = Limit(per_minute=10, burst=5)  # stricter than the API's: payments and promo guesses
