// Administration (ADMIN_TELEGRAM_IDS; the server checks the role on every call): one tab per concern.

import { api, errorText } from "./api.js";
import { subscriptionText } from "./billing.js";
import { $, el, toast } from "./dom.js";
import { day, rub } from "./format.js";
import { freeTrucksTab } from "./freetrucks.js";
import { STATUS } from "./offer.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, hideMainButton, showBackButton } from "./telegram.js";

export function openAdmin() {
  closeAllScreens();
  $("screen-admin").hidden = false;
  state.adminOpen = true;
  showBackButton();
  hideMainButton();
  showAdminTab(state.adminTab || "payments");
}

export function closeAdmin() {
  if (!state.adminOpen) return;
  closeAllScreens();
  $("screen-list").hidden = false;
  hideBackButton();
}

function adminRow(title, ...lines) {
  return el("div", { class: "admin-row" }, el("b", {}, title), ...lines.filter(Boolean).map((l) => el("span", {}, l)));
}

/** A form with a visible label per field: [name, label, type, options?]; type "select" takes [[value, text], ...]. */
function adminForm(fields, label, submit) {
  const inputs = fields.map(([name, text, type, options]) => type === "select"
    ? el("select", { name, "aria-label": text }, ...options.map(([value, optionText]) => el("option", { value }, optionText)))
    : el("input", { name, type: type || "text", "aria-label": text, step: type === "number" ? "any" : null }));
  const result = el("p", { class: "summary" });
  const form = el("form", { class: "admin-form", onsubmit: async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(inputs.map((i) => [i.name, i.value.trim()]));
    try { result.textContent = await submit(values); }
    catch (error) { result.textContent = errorText(error); }
  } }, ...fields.map(([, text], n) => el("label", { class: "stack" }, text, inputs[n])),
  el("button", { class: "primary", type: "submit" }, label), result);
  return form;
}

/** Roubles with kopecks when there are any (money the operator refunds must read exactly). */
function rubExact(value) {
  return value.toLocaleString("ru-RU", { minimumFractionDigits: value % 1 ? 2 : 0, maximumFractionDigits: 2 }) + "\u00a0₽";
}

const PAYMENT_STATUS = { new: "создан", pending: "ждёт оплаты", waiting_for_capture: "ждёт подтверждения",
  succeeded: "оплачен", canceled: "отменён" };
const PROMO_KINDS = [["days", "Дни доступа бесплатно"], ["percent", "Скидка в процентах"], ["amount", "Скидка в рублях"]];
// Every flag of core/billing/flags.py DEFAULTS (tests/unit/test_webapp_build.py checks); an unknown one reads as
// the generic label, never as its key.
const FLAG_NAMES = { paywall: "Платный доступ (главный выключатель)", "paywall.contacts": "Контакты — только с подпиской",
  "paywall.respond": "Отклики — только с подпиской", "paywall.alerts": "Уведомления о грузах — только с подпиской",
  stars: "Оплата звёздами Telegram" };
const flagName = (name) => FLAG_NAMES[name] || "Переключатель без описания";

// The journal's actions in words (the raw name stays on the row's last line: the filter above takes it).
const ACTION_NAMES = { "driver.login": "Вход водителя", "driver.bot_reachable": "Бот может писать водителю",
  "subscription.grant": "Доступ выдан вручную", "subscription.renewal": "Автопродление", "flag.set": "Флаг переключён",
  "promo.create": "Промокод создан", "promo.disable": "Промокод выключен", "promo.use": "Промокод применён",
  "payment.created": "Платёж создан", "payment.create_failed": "Платёж не создан", "payment.succeeded": "Платёж прошёл",
  "payment.canceled": "Платёж отменён", "payment.webhook": "Уведомление ЮKassa", "payment.webhook_rejected": "Уведомление отклонено",
  "payment.mismatch": "Платёж не сходится с ЮKassa", "payment.unknown": "Неизвестный платёж",
  "payment.refund_requested": "Запрошен возврат", "payment.refunded": "Деньги возвращены",
  "payment.refund_needs_check": "Возврат нужно проверить", "response.created": "Отклик отправлен",
  "response.updated": "Отклик изменён", "response.accepted": "Отклик принят", "response.declined": "Отклик отклонён",
  "response.withdrawn": "Отклик отозван", "response.viewed": "Отклик просмотрен", "response.expired": "Отклик истёк",
  "report.create": "Отзыв о компании", "report.update": "Отзыв изменён", "report.delete": "Отзыв удалён",
  "report.hide": "Отзыв скрыт", "privacy.forget": "Данные водителя удалены", "cargotech.login": "Вход в CargoTech",
  "cargotech.token_flush": "Токены CargoTech сброшены", "bot.setup": "Настройка бота" };
const DETAIL_NAMES = { via: "как", enabled: "включено", reason: "причина", days: "дней", expires_at: "до", rate_rub: "ставка, ₽",
  cargo_id: "груз", kind: "вид", value: "значение", max_uses: "использований", method: "способ", stars: "звёзд",
  plan: "тариф", event: "событие", problem: "проблема", note: "заметка", error: "ошибка", removed: "удалено",
  subscription: "автопродление", payer: "плательщик", charge_id: "платёж Telegram", yookassa_id: "платёж ЮKassa",
  inn: "ИНН", shipper_inn: "ИНН грузовладельца", promo: "промокод", consents: "согласий", profile: "профиль",
  reports: "отзывов", responses: "откликов", searches: "поисков", sessions: "сессий" };
const VALUE_NAMES = { stars: "звёзды", write_access: "разрешение в приложении", login: "вход с разрешением", message: "написал боту",
  app: "в приложении", bot: "в боте" };

function detailText(key, value) {
  const shown = value === true ? "да" : value === false ? "нет" : typeof value === "object" && value !== null ? JSON.stringify(value)
    : VALUE_NAMES[value] || String(value);
  return `${DETAIL_NAMES[key] || key}: ${shown}`;
}

function auditRow(e) {
  const details = Object.entries(e.details || {}).map(([key, value]) => detailText(key, value)).join(" · ");
  return adminRow(`${ACTION_NAMES[e.action] || e.action} · ${e.actor}`, `${day(e.at)}${e.target ? " · " + e.target : ""}`,
    details || null, el("span", { class: "hint-line" }, e.action));
}

function refundForm(p) {
  const left = Math.round((p.amount_rub - p.refunded_rub) * 100) / 100;
  return adminForm([["amount_rub", `Сумма возврата, ₽ (пусто — всё, что осталось: ${rubExact(left)})`, "number"],
    ["reason", "Причина возврата"]], "Вернуть деньги", async (v) => {
    const body = { reason: v.reason };
    if (v.amount_rub) body.amount_rub = Number(v.amount_rub);
    const refund = await api(`/api/admin/payments/${encodeURIComponent(p.id)}/refund`, false, { method: "POST", body });
    setTimeout(() => showAdminTab("payments"), 1500);
    const done = refund.status === "succeeded" ? "выполнен" : refund.status === "pending" ? "в обработке" : "отменён";
    return (refund.repeated ? "Такой возврат уже был: " : "Возврат ") + `${rubExact(refund.amount_rub)} ${done}`;
  });
}

/** Refunds whose answer from YooKassa was lost and that are never sent again: an operator checks them by hand. */
/** A Telegram Stars payment goes back whole (Telegram's refundStarPayment has no amount). A refunded
 * subscription whose renewal Telegram did not turn off keeps this form: sending it again turns it off. */
function starsRefundForm(p) {
  const label = p.refunded_stars ? "Отключить автопродление" : `Вернуть ⭐ ${p.stars} целиком`;
  let renewalWasOn = Boolean(p.renewal_still_on);
  return adminForm([["reason", "Причина возврата"]], label, async (v) => {
    const refund = await api(`/api/admin/payments/${encodeURIComponent(p.id)}/refund`, false, { method: "POST", body: { reason: v.reason } });
    const done = refund.repeated ? `Эти звёзды уже возвращены (⭐ ${refund.stars})` : `Звёзды возвращены: ⭐ ${refund.stars}`;
    if (refund.renewal_still_on) {
      renewalWasOn = true;
      return `${done}. ⚠ ${refund.warning}`;
    }
    setTimeout(() => showAdminTab("payments"), 1500);
    return done + (renewalWasOn ? ". Автопродление отключено" : "");
  });
}

/** Roubles and Stars paid among the payments shown, side by side. */
function paidTotals(items) {
  const paid = items.filter((p) => p.status === "succeeded");
  const rub = paid.filter((p) => p.method !== "stars").reduce((sum, p) => sum + p.amount_rub - p.refunded_rub, 0);
  const stars = paid.filter((p) => p.method === "stars").reduce((sum, p) => sum + p.stars - p.refunded_stars, 0);
  return el("p", { class: "summary", id: "payment-totals" }, `Оплачено (за вычетом возвратов): картой ${rubExact(Math.round(rub * 100) / 100)}, звёздами ⭐ ${stars.toLocaleString("ru-RU")}`);
}

function paymentRow(p, titles) {
  const stars = p.method === "stars";
  const price = stars ? `⭐ ${p.stars} · звёзды` : `${rubExact(p.amount_rub)} · карта`;
  const refunded = stars ? (p.refunded_stars ? " · возвращено целиком" + (p.renewal_still_on ? " · ⚠ автопродление не отключено" : "") : "")
    : (p.refunded_rub ? ` · возвращено ${rubExact(p.refunded_rub)}` : "");
  const row = adminRow(`${price} · ${PAYMENT_STATUS[p.status] || p.status}${p.recurring ? " · автопродление" : ""}${refunded}`,
    `водитель ${p.driver_id}, тариф «${titles[p.plan] || p.plan}»` + (p.promo_code ? `, промокод ${p.promo_code}` : ""),
    `${day(p.created_at)} · ` + (stars ? `Telegram: ${p.telegram_payment_charge_id || "—"}` : `ЮKassa: ${p.yookassa_id || "—"}`));
  const refundable = p.status === "succeeded" && (stars ? !p.refunded_stars || p.renewal_still_on : p.refunded_rub < p.amount_rub);
  if (refundable) row.append(el("details", { class: "refund" }, el("summary", {}, "Возврат…"), stars ? starsRefundForm(p) : refundForm(p)));
  row.dataset.payment = p.id;
  row.dataset.method = p.method || "yookassa";
  return row;
}

function refundsToCheck(refunds) {
  if (!refunds.length) return null;
  return el("div", { class: "admin-warning", id: "refunds-to-check", role: "status" },
    el("b", {}, "Возвраты: проверьте вручную"),
    ...refunds.map((r) => el("div", { class: "refund-check", "data-refund": r.refund_id },
      el("div", {}, `Возврат ${rubExact(r.amount_rub)} по платежу ${r.payment_id}: ответ ЮKassa потерян — проверьте в личном кабинете ЮKassa, прошёл ли он.`),
      el("div", {}, `Запрошен ${r.requested_at ? day(r.requested_at) : "—"}, причина: ${r.reason}`))));
}

/** A report on a company, with the comment (operators only) and «Скрыть…» asking for the reason. */
function reportRow(r) {
  const company = r.company ? `${r.company} · ИНН ${r.inn}` : `ИНН ${r.inn}`;
  const row = el("div", { class: "admin-row" + (r.hidden ? " hidden-report" : ""), "data-report": String(r.id) },
    el("b", {}, company),
    r.shipper_inn ? el("span", {}, `грузовладелец: ${r.shipper ? r.shipper + " · " : ""}ИНН ${r.shipper_inn}`) : null,
    el("span", {}, `${r.label} · ${day(r.updated_at)} · груз № ${r.cargo_id} · водитель ${r.driver_id}`),
    r.comment ? el("span", { class: "comment" }, "«" + r.comment + "»") : el("span", {}, "без комментария"),
    el("span", { class: "report-state" }, r.hidden ? `Скрыт${r.hidden_reason ? ": " + r.hidden_reason : ""}` : "Виден водителям"));
  if (r.hidden) return row;
  const reason = el("input", { name: "reason", maxlength: "500", "aria-label": "Причина (попадёт в журнал)", placeholder: "Причина, например: оскорбления" });
  const problem = el("p", { class: "errors", hidden: true });
  const form = el("form", { class: "hide-form", hidden: true, onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api(`/api/admin/reports/${r.id}/hide`, false, { method: "POST", body: { reason: reason.value.trim() } });
      haptic.success();
      toast("Отзыв скрыт");
      row.replaceWith(reportRow({ ...r, hidden: true, hidden_reason: reason.value.trim() }));
    } catch (error) {
      haptic.error();
      problem.textContent = error.code === "reason_required" ? error.message : errorText(error);
      problem.hidden = false;
    }
  } }, el("label", { class: "stack" }, "Причина (попадёт в журнал)", reason), problem,
  el("div", { class: "actions" }, el("button", { class: "primary", type: "submit" }, "Скрыть"),
    el("button", { class: "secondary", type: "button", onclick: () => { form.hidden = true; open.hidden = false; } }, "Отмена")));
  const open = el("button", { class: "secondary", type: "button", "data-action": "hide",
    onclick: () => { open.hidden = true; form.hidden = false; reason.focus(); } }, "Скрыть…");
  row.append(open, form);
  return row;
}

const ADMIN_TABS = {
  free: freeTrucksTab,
  async payments() {
    const [{ items, refunds_to_check: toCheck }, { plans }] = await Promise.all([api("/api/admin/payments"), api("/api/plans")]);
    const titles = Object.fromEntries(plans.map((p) => [p.id, p.title]));
    return [refundsToCheck(toCheck || []), paidTotals(items), ...items.map((p) => paymentRow(p, titles))].filter(Boolean);
  },
  async subscriptions() {
    return [adminForm([["telegram_id", "ID водителя в Telegram", "number"], ["days", "Сколько дней добавить", "number"],
      ["reason", "Причина (попадёт в журнал)"]],
      "Выдать доступ", async (v) => {
        const sub = await api(`/api/admin/subscriptions/${encodeURIComponent(v.telegram_id)}/grant`, false,
          { method: "POST", body: { days: Number(v.days), reason: v.reason } });
        return subscriptionText(sub);
      })];
  },
  async promo() {
    const { items } = await api("/api/admin/promo");
    const form = adminForm([["kind", "Что даёт промокод", "select", PROMO_KINDS],
      ["value", "Сколько: дней, процентов или рублей", "number"], ["code", "Код (пусто — придумать самому)"],
      ["max_uses", "Сколько раз можно использовать (пусто — без ограничений)", "number"],
      ["valid_until", "Действует до (включительно)", "date"]], "Создать промокод", async (v) => {
        const body = { kind: v.kind, value: Number(v.value) };
        if (v.code) body.code = v.code;
        if (v.max_uses) body.max_uses = Number(v.max_uses);
        if (v.valid_until) body.valid_until = v.valid_until;
        const created = await api("/api/admin/promo", false, { method: "POST", body });
        setTimeout(() => showAdminTab("promo"), 800);
        return `Создан ${created.code}: ${created.describe}`;
      });
    return [form, ...items.map((p) => el("div", { class: "admin-row" },
      el("b", {}, `${p.code} · ${p.describe}`),
      el("span", {}, `использован ${p.used} из ${p.max_uses || "∞"}` + (p.reserved ? `, ждут оплаты ${p.reserved}` : "") +
        (p.valid_until ? `, до ${day(p.valid_until)}` : "") + (p.disabled ? " · выключен" : "")),
      p.disabled ? null : el("button", { class: "secondary", type: "button", onclick: async () => {
        await api(`/api/admin/promo/${encodeURIComponent(p.code)}/disable`, false, { method: "POST" });
        showAdminTab("promo");
      } }, "Выключить")))];
  },
  async flags() {
    const flags = await api("/api/admin/flags");
    return Object.entries(flags).map(([name, on]) => el("label", { class: "admin-row inline" }, flagName(name),
      el("input", { type: "checkbox", "data-flag": name, checked: on, onchange: async (e) => {
        await api(`/api/admin/flags/${encodeURIComponent(name)}`, false, { method: "POST", body: { enabled: e.target.checked } });
        toast(`${flagName(name)}: ${e.target.checked ? "включено" : "выключено"}`);
      } })));
  },
  async responses() {
    const { items } = await api("/api/admin/responses");
    return items.map((r) => adminRow(`${(r.cargo.display && r.cargo.display.route) || r.cargo_id} · ${rub(r.rate_rub)}`,
      `водитель ${r.driver_id} · ${STATUS[r.status] || r.status}`, r.decided_by ? `решил: ${r.decided_by}` : null));
  },
  async reports() {
    const inn = el("input", { id: "reports-inn", inputmode: "numeric", value: state.reportsInn || "" });
    const filter = el("form", { class: "admin-form", onsubmit: (e) => { e.preventDefault(); state.reportsInn = inn.value.trim(); showAdminTab("reports"); } },
      el("label", { class: "stack" }, "ИНН компании (пусто — все)", inn), el("button", { class: "secondary", type: "submit" }, "Показать"));
    const params = new URLSearchParams({ limit: "100" });
    if (state.reportsInn) params.set("inn", state.reportsInn);
    const { items } = await api("/api/admin/reports?" + params.toString());
    return [el("h2", { class: "admin-title" }, "Отзывы о компаниях"),
      el("p", { class: "summary" }, "Водители видят только число жалоб по видам; комментарий виден лишь здесь. Скрытый отзыв не считается в жалобах."),
      filter, ...(items.length ? items.map(reportRow) : [el("p", { class: "summary" }, "Отзывов нет")])];
  },
  async audit() {
    const filters = el("form", { class: "admin-form", onsubmit: (e) => { e.preventDefault(); showAdminTab("audit"); } },
      el("input", { id: "audit-actor", placeholder: "Кто: cli, system, driver:…", value: state.auditActor || "" }),
      el("input", { id: "audit-action", placeholder: "Что: payment., promo., response.…", value: state.auditAction || "" }),
      el("button", { class: "secondary", type: "submit", onclick: () => {
        state.auditActor = $("audit-actor").value.trim(); state.auditAction = $("audit-action").value.trim();
      } }, "Фильтровать"));
    const params = new URLSearchParams();
    if (state.auditActor) params.set("actor", state.auditActor);
    if (state.auditAction) params.set("action", state.auditAction);
    const { items } = await api("/api/admin/audit?" + params.toString());
    return [filters, ...items.map(auditRow)];
  },
};

async function showAdminTab(tab) {
  state.adminTab = tab;
  document.querySelectorAll("#admin-tabs .chip").forEach((c) => c.classList.toggle("on", c.dataset.tab === tab));
  $("admin-body").replaceChildren(el("div", { class: "skeleton" }));
  let nodes;
  try {
    nodes = await ADMIN_TABS[tab]();
  } catch (error) {
    nodes = [el("p", { class: "errors" }, error.message)];
  }
  if (state.adminTab !== tab) return;  // another tab was picked meanwhile: a slower answer must not cover it
  $("admin-body").replaceChildren(...(nodes.length ? nodes : [el("p", { class: "summary" }, "Пусто")]));
}

export function wireAdmin() {
  $("open-admin").addEventListener("click", () => { haptic.tap(); openAdmin(); });
  $("admin-tabs").addEventListener("click", (e) => { const c = e.target.closest(".chip"); if (c) { haptic.select(); showAdminTab(c.dataset.tab); } });
}
