"""Privacy routes: the policy page (`GET /privacy`, plain server-rendered Russian HTML), the driver's consents
(`GET`/`PUT /api/me/consent`) and forgetting the driver (`DELETE /api/me`)."""

from __future__ import annotations

from html import escape

from sanic import Blueprint, HTTPResponse, Request, json
from sanic_ext import openapi
from typing_extensions import TypedDict

from ..core.privacy.policy import Policy
from .auth import admit
from .requests import json_body, services
from .schema import describe

bp = Blueprint("privacy")
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class ConsentIn(TypedDict):
    kind: str  # position | live_location
    answer: bool


class ConsentAnswerBody(TypedDict):
    kind: str
    answer: bool
    at: str
    via: str


class ConsentKind(TypedDict):
    title: str
    purpose: str
    answer: ConsentAnswerBody | None


class Consents(TypedDict):
    position: ConsentKind
    live_location: ConsentKind


class KeptItem(TypedDict):
    what: str
    why: str


class ForgetBody(TypedDict):
    deleted: list[str]
    kept: list[KeptItem]
    message: str


async def _driver_id(request: Request) -> int:
    return (await admit(request)).telegram_id


@bp.get("/privacy")
@describe("The privacy policy (Russian HTML page): operator, data processed, purposes, retention, rights")
@openapi.response(200, {"text/html": str}, description="The policy page")
async def privacy_page(request: Request):
    return HTTPResponse(render_policy(services(request).privacy_policy), content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=3600", "Content-Security-Policy": PAGE_CSP})


@bp.get("/api/me/consent")
@describe("My answers on using my position and live location, with their time", responses={200: Consents}, secured=True)
async def my_consents(request: Request):
    return json(await services(request).consents.view(await _driver_id(request)))


@bp.put("/api/me/consent")
@describe('Answer whether my position or live location may be used: {"kind", "answer"}', body=ConsentIn,
          responses={200: ConsentAnswerBody}, secured=True)
async def answer_consent(request: Request):
    driver_id = await _driver_id(request)
    body = json_body(request)
    body = body if isinstance(body, dict) else {}
    return json(await services(request).consents.answer(driver_id, body.get("kind"), body.get("answer"), via="app"))


@bp.delete("/api/me")
@describe("Forget me: position, live location, fuel, searches, sessions, consents go; reports lose their author; "
          "payment records stay (accounting law). The answer says what went and what stays, and why",
          responses={200: ForgetBody}, secured=True)
async def forget_me(request: Request):
    driver_id = await _driver_id(request)
    done = await services(request).forgetter.forget(driver_id, via="app")
    return json(done.public(), headers={"Cache-Control": "no-store"})


def render_policy(policy: Policy) -> str:
    e = escape
    rows = "".join(
        f"<section class='cat' id='data-{e(c.key)}'><h3>{e(c.name)}</h3><dl>"
        f"<dt>Что</dt><dd>{e(c.what)}</dd><dt>Зачем</dt><dd>{e(c.why)}</dd>"
        f"<dt>Сколько храним</dt><dd>{e(c.kept)}</dd><dt>При удалении данных</dt><dd>{e(c.on_forget)}</dd></dl></section>"
        for c in policy.categories)
    rights = "".join(f"<li>{e(r)}</li>" for r in policy.rights)
    recipients = "".join(f"<li>{e(r)}</li>" for r in policy.recipients)
    return f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Политика конфиденциальности</title>
<style>
body{{font:16px/1.5 system-ui,-apple-system,sans-serif;margin:0 auto;padding:16px;max-width:720px;color:#1b1b1b;background:#fff}}
h1{{font-size:22px}} h2{{font-size:19px;margin-top:28px}} h3{{font-size:17px;margin:18px 0 4px}}
dl{{margin:0}} dt{{font-weight:600;margin-top:6px}} dd{{margin:0 0 0 0}} .cat{{border-top:1px solid #ddd;padding-top:4px}}
@media (prefers-color-scheme: dark){{body{{color:#eee;background:#17212b}} .cat{{border-color:#333}} a{{color:#6ab2f2}}}}
</style></head><body>
<h1>Политика конфиденциальности</h1>
<p>Здесь сказано, какие персональные данные водителей обрабатывает сервис поиска грузов (приложение в Telegram и бот),
зачем, сколько их храним и как их удалить. Политика составлена по Федеральному закону № 152-ФЗ «О персональных данных».</p>
<h2>Оператор</h2>
<p id="operator">{e(policy.operator_line)}.<br>
Вопросы и требования о ваших данных: <span id="contact">{e(policy.contact)}</span>.</p>
<h2>Какие данные, зачем и сколько храним</h2>
{rows}
<h2>Согласие</h2>
<p>Местоположение и трансляцию геопозиции используем только после вашего согласия: приложение и бот спрашивают об этом
перед первым использованием и записывают ответ с датой и временем. Согласие можно отозвать в любой момент.</p>
<h2>Кому передаём</h2>
<ul>{recipients}</ul>
<p>Данные не продаём и не передаём для рекламы.</p>
<h2>Ваши права</h2>
<p>По закону № 152-ФЗ вы можете:</p>
<ul>{rights}</ul>
<p>На запрос отвечаем в течение 10 рабочих дней.</p>
</body></html>"""
