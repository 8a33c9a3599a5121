// Insights: the driver's position (for the empty run) and fuel figures, how the list is ordered, and what
// cards and the detail show about a load — economics, the lane's market, the company, dock waits, the
// trip back — plus the driver's own report on a company after an accepted load.

import { api, errorText } from "./api.js";
import { wireCity } from "./city.js";
import { ensurePositionConsent, forgetConsent, positionConsentNode, refreshConsent } from "./consent.js";
import { $, el, toast } from "./dom.js";
import { drivingFieldset, fillDriving, reachChip } from "./drivetime.js";
import { day, measure, radiusText, rub } from "./format.js";
import { fillTruck, truckFieldset } from "./money.js";
import { state } from "./state.js";
import { haptic, showBackButton, hideBackButton, webApp } from "./telegram.js";

// The list's one order control (the filter sheet has none): the values GET /api/cargos takes as `sort`,
// kept in state.filters.sort like every other list parameter, so the summary line names it too.
export const SORTS = [["", "Сначала новые"], ["rate_with_deadhead", "Выше ₽/км с порожним"], ["above_market", "Выше рынка"],
  ["rate", "Выше ₽/км"], ["price", "Дороже"], ["loading", "Ближе погрузка"], ["net", "Больше чистыми"],
  ["arrival", "По прибытию"]];
const REPORT_KINDS = [["not_paid", "не заплатили / задержали оплату"], ["no_cargo", "груза не было"], ["terms_changed", "условия изменили"]];
const REASON = "Покажем, сколько ехать порожняком до погрузки и сколько выходит ₽/км с учётом этого. " +
  "Ваше местоположение видите только вы; его можно забыть в любой момент.";

const view = { no_long_waits: false };  // how the list is filtered on this device (the order is in state.filters)
let profile = { position: null, fuel: null };
let hooks = { reload: () => {}, openDetail: () => {}, showList: () => {}, saveFilters: () => {}, saveSearch: async () => null,
  openSearches: () => {}, openPlans: () => {} };

function viewKey() { return "cargotool.view." + (state.driver ? state.driver.telegram_id : "anon"); }

/** Our list parameters (the server takes them out before asking CargoTech). */
export function listParams() {
  const params = {};
  if (view.no_long_waits) params.no_long_waits = "1";
  return params;
}

/** `?radius=` for the detail's trip back: the driver's own loading radius when they chose one. */
export function detailQuery() {
  return state.filters.from_radius ? "?radius=" + encodeURIComponent(state.filters.from_radius) : "";
}

// ---- the card -------------------------------------------------------------------------------------

function marketChip(market) {
  if (!market) return null;
  const delta = market.delta_percent;
  return el("span", { class: "mini market" + (delta > 0 ? " up" : delta < 0 ? " down" : "") }, market.text);
}

function waitsText(waits) {
  return waits && waits.median_label ? "простой " + waits.median_label : "простой: нет данных";
}

export function cardInsights(item) {
  const trust = item.trust;
  return [
    item.deadhead_km !== undefined ? el("div", { class: "economics" }, "≈" + measure(item.deadhead_km, "км", 0) + " порожняком" +
      (item.rate_with_deadhead_rub_km !== null ? " · " + rub(item.rate_with_deadhead_rub_km) + "/км с порожним" : "")) : null,
    // with a net (js/money.js) the older «остаётся» (the price less fuel only) would contradict it: the net's
    // own parts carry the fuel
    item.fuel_estimate && !item.net ? el("div", { class: "hint-line" }, item.fuel_estimate.text) : null,
    el("div", { class: "insight-chips" },
      reachChip(item),
      marketChip(item.market),
      trust && trust.flagged ? el("span", { class: "mini warn" }, "⚠ жалобы водителей: " + trust.reports_total) : null,
      el("span", { class: "mini" + (item.waits && item.waits.long ? " warn" : "") }, "⏱ " + waitsText(item.waits))),
  ];
}

// ---- the detail -----------------------------------------------------------------------------------

function row(label, value) {
  return value === null || value === undefined || value === "" ? null : el("div", { class: "row" }, el("span", {}, label), el("span", {}, value));
}

function economicsSection(c) {
  if (c.deadhead_km === undefined) {
    return el("div", { class: "section", id: "detail-economics" }, el("h3", {}, "Экономика"),
      el("p", { class: "hint-line" }, "Укажите, где вы, — посчитаем порожний пробег до погрузки."),
      el("button", { class: "linkish", type: "button", onclick: openPositionSheet }, "📍 Указать местоположение"));
  }
  const fuel = c.net ? null : c.fuel_estimate;  // with a net, «Чистыми» above lists the fuel and what is left
  return el("div", { class: "section", id: "detail-economics" }, el("h3", {}, "Экономика"),
    row("Порожний пробег", "≈" + measure(c.deadhead_km, "км", 0)),
    row("Ставка с порожним", c.rate_with_deadhead_rub_km !== null ? rub(c.rate_with_deadhead_rub_km) + "/км" : null),
    row("Ставка без порожнего", c.rate_rub_per_km !== null ? rub(c.rate_rub_per_km) + "/км" : null),
    fuel ? row("Топливо (оценка)", "≈" + rub(fuel.fuel_rub)) : null,
    fuel ? row("Остаётся (оценка)", "≈" + rub(fuel.left_rub)) : null,
    el("p", { class: "hint-line" }, "Порожний пробег — по прямой × 1,25, приблизительно."));
}

function marketSection(c) {
  return el("div", { class: "section", id: "detail-market" }, el("h3", {}, "Рынок направления"),
    c.market ? [el("div", {}, marketChip(c.market)),
      el("p", { class: "hint-line" }, `${c.market.basis_text || `По ${c.market.points} грузам за ${c.market.days} дней`}, середина ставок.`)]
      : el("p", { class: "hint-line" }, "Мало данных по направлению: нужно от 10 грузов за 60 дней."));
}

function reportForm(c, mine) {
  let kind = mine ? mine.kind : "";
  const comment = el("textarea", { id: "report-comment", rows: "2", maxlength: "1000", placeholder: "Комментарий (необязательно)" },
    mine && mine.comment ? mine.comment : "");
  const chips = el("div", { class: "chips", id: "report-kinds" }, REPORT_KINDS.map(([value, label]) => el("button", {
    type: "button", class: "chip" + (value === kind ? " on" : ""), "data-kind": value,
    onclick: (e) => {
      haptic.select(); kind = value;
      chips.querySelectorAll(".chip").forEach((chip) => chip.classList.toggle("on", chip === e.currentTarget));
    },
  }, label)));
  async function send() {
    if (!kind) { toast("Выберите, что случилось"); return; }
    try {
      await api(`/api/cargos/${encodeURIComponent(c.id)}/report`, false, { method: "PUT", body: { kind, comment: comment.value.trim() || null } });
      haptic.success(); toast("Отзыв сохранён"); hooks.openDetail(c.id);
    } catch (error) { toast(errorText(error)); }
  }
  async function remove() {
    try {
      await api(`/api/cargos/${encodeURIComponent(c.id)}/report`, false, { method: "DELETE" });
      toast("Отзыв удалён"); hooks.openDetail(c.id);
    } catch (error) { toast(error.message); }
  }
  return el("div", { class: "report", id: "report-form" },
    el("div", { class: "hint-line" }, mine ? (mine.hidden ? "Ваш отзыв скрыт модератором." : "Ваш отзыв об этой компании:")
      : "Вы работали по этому грузу. Если что-то пошло не так, расскажите другим водителям:"),
    chips, el("label", { class: "stack" }, comment),
    el("div", { class: "actions" },
      el("button", { class: "primary", type: "button", id: "report-send", onclick: send }, mine ? "Изменить отзыв" : "Отправить отзыв"),
      mine ? el("button", { class: "secondary", type: "button", id: "report-delete", onclick: remove }, "Удалить") : null));
}

/** The report form, once the driver's own report (if any) has arrived. */
function reportSlot(c) {
  const slot = el("div", { id: "report-slot" });
  api(`/api/cargos/${encodeURIComponent(c.id)}/report`)
    .then((answer) => slot.replaceChildren(reportForm(c, answer.report)))
    .catch(() => slot.replaceChildren(reportForm(c, null)));
  return slot;
}

/** What our drivers say about the load's companies, for the detail's one «Компания» (js/company.js, which
 * draws the names, INNs and the register's lines): `poster` and `shipper` lines, the driver's own report form
 * after an accepted load, and whether a company is flagged. */
export function companyTrust(c) {
  const t = c.trust;
  if (!t) return { poster: [], shipper: [], report: null, flagged: false };
  const accepted = state.myResponse && state.myResponse.status === "accepted";
  const s = t.shipper;
  return { poster: trustLines(t), shipper: s ? trustLines(s) : [], flagged: Boolean(t.flagged || (s && s.flagged)),
    report: accepted && (t.inn || (s && s.inn)) ? reportSlot(c) : null };
}

function trustLines(t) {
  const reports = t.reports && t.reports.length
    ? t.reports.map((r) => el("div", { class: "row warn-text" }, el("span", {}, r.label), el("span", {}, `${r.count} · последний ${day(r.last_at)}`)))
    : [el("p", { class: "hint-line" }, "Жалоб от наших водителей нет.")];
  return [t.drivers_worked_text ? el("p", { class: "hint-line" }, t.drivers_worked_text[0].toUpperCase() + t.drivers_worked_text.slice(1)) : null,
    ...reports].filter(Boolean);
}

function waitsSection(c) {
  const w = c.waits;
  if (!w) return null;
  return el("div", { class: "section", id: "detail-waits" }, el("h3", {}, "Простой на складе"),
    row("Погрузка", w.loading.text), row("Выгрузка", w.unloading.text), row("У компании", w.company.text),
    el("p", { class: "hint-line" }, `Медиана ответов наших водителей, от ${w.min_answers} ответов.`));
}

function backhaulSection(c) {
  const b = c.backhaul;
  if (!b) return null;
  if (!b.available) return el("div", { class: "section", id: "detail-backhaul" }, el("h3", {}, "Обратный груз"), el("p", { class: "hint-line" }, b.text));
  const showAll = () => {
    haptic.tap();
    const sort = state.filters.sort;  // the driver's order stays
    state.filters = { from: String(b.query.from), from_radius: String(b.query.from_radius), date: b.query.date };
    if (sort) state.filters.sort = sort;
    state.names = { from: b.city };
    hooks.showList();
  };
  return el("div", { class: "section", id: "detail-backhaul" }, el("h3", {}, "Обратный груз"),
    el("div", { class: "backhaul-title" }, b.text),
    b.best.map((item) => el("button", { class: "backhaul-item", type: "button", "data-id": item.id,
      onclick: () => { haptic.tap(); hooks.openDetail(item.id); } },
      el("span", {}, (item.display && item.display.route) || ("→ " + (item.to || "?"))),
      el("span", { class: "rate" }, item.rate_rub_per_km !== null ? rub(item.rate_rub_per_km) + "/км" : ""))),
    b.count ? el("button", { class: "linkish", type: "button", id: "backhaul-all", onclick: showAll }, "Показать все") : null,
    backhaulSave(b, c.id));
}

/** «Сохранить как поиск»: loads from the unloading city within the radius used, WITHOUT a date — a saved
 * search keeps one fixed date, which would be useless two days later; this one keeps finding loads back. */
function backhaulSave(b, cargoId) {
  // The server declines the city («из Краснодара»); «из г. …» needs no declension if an old answer lacks it.
  const from = b.from_text || "из г. " + b.city;
  const name = ("Обратно " + from).slice(0, 120);
  const filters = { from: String(b.query.from), from_radius: String(b.query.from_radius) };
  const note = el("p", { class: "hint-line", id: "backhaul-save-note", role: "status" },
    `Без даты: бот напишет о новых грузах ${from} (${radiusText(b.query.from_radius)}), пока вы не удалите поиск.`);
  const button = el("button", { class: "secondary", type: "button", id: "backhaul-save", onclick: save }, "🔔 Сохранить как поиск");
  const mine = el("button", { class: "linkish", type: "button", id: "backhaul-searches", hidden: true,
    onclick: () => { haptic.tap(); hooks.openSearches(); } }, "Мои поиски");
  const plans = el("button", { class: "linkish", type: "button", id: "backhaul-plans", hidden: true,
    onclick: () => { haptic.tap(); hooks.openPlans(() => hooks.openDetail(cargoId)); } }, "Оформить подписку");
  function saved(text) {
    button.disabled = true;
    button.textContent = "✓ Сохранено как поиск";
    note.className = "hint-line";
    note.textContent = text;
    mine.hidden = false;
    plans.hidden = true;
  }
  async function save() {
    haptic.tap();
    button.disabled = true;
    try {
      await hooks.saveSearch(name, filters, { from: b.city });
      haptic.success();
      saved(`Поиск «${name}» сохранён — о новых грузах напишу в бот.`);
    } catch (error) {
      if (error.code === "duplicate_search") { saved(error.message + " — второй не нужен."); return; }
      haptic.error();
      button.disabled = false;
      note.className = "errors";
      // no field to point at here: the whole sentence (the cap's says how many and what to do)
      note.textContent = error.status === 402 ? "Сохранять поиски можно с подпиской."
        : error.code === "invalid_filter" ? errorText(error) : error.message;
      mine.hidden = error.code !== "too_many_searches";  // the way to delete one
      plans.hidden = error.status !== 402;
    }
  }
  return el("div", { class: "backhaul-save" }, button, note, el("div", { class: "actions-inline" }, mine, plans));
}

/** Sections under the price: what the load earns and how its rate compares with the lane. */
export function detailEconomics(c) { return [economicsSection(c), marketSection(c)]; }

/** Sections after the driver's response: dock waits, the trip back. */
export function detailContext(c) { return [waitsSection(c), backhaulSection(c)]; }

// ---- position, fuel and the list's order -----------------------------------------------------------

function positionLabel() {
  const p = profile.position;
  if (!p) return "📍 Где вы?";
  return "📍 " + (p.label || (p.source === "live" ? "живая геопозиция из чата" : "по геопозиции"));
}

/** The bar shows the list's state: called after login and whenever the list starts over (list.js). */
export function renderBar() {
  if (!$("insights-bar")) return;
  $("position-button").textContent = positionLabel();
  $("sort-select").value = state.filters.sort || "";
  $("no-long-waits").classList.toggle("on", view.no_long_waits);
}

function setSort(value) {
  haptic.select();
  if (value) state.filters.sort = value; else delete state.filters.sort;
  hooks.showList();  // saves the filters, redraws the summary line (it names the order) and reloads
}

function saveView() {
  try { localStorage.setItem(viewKey(), JSON.stringify(view)); } catch (e) {}
}

async function setPosition(body) {
  try {
    await ensurePositionConsent();
    profile = await api("/api/me/position", false, { method: "PUT", body });
    haptic.success();
    closePositionSheet();
    renderBar();
    hooks.reload();
    if (state.detailOpen && state.cargo) hooks.openDetail(state.cargo.id);  // its economics change too
  } catch (error) {
    if (error.code === "consent_required") { await askConsentAgain(); return; }
    $("position-error").textContent = errorText(error); $("position-error").hidden = false;
  }
}

/** The server no longer has a «yes» (withdrawn in the bot with /forget_location while the app was open): show
 *  the consent block again instead of the error; the driver's next choice is the new «yes». */
async function askConsentAgain() {
  forgetConsent();
  await refreshConsent();
  $("position-error").textContent = "Вы отозвали разрешение использовать местоположение. Выберите его ещё раз — этим вы снова разрешите его использовать.";
  $("position-error").hidden = false;
}

function locate() {
  $("position-error").hidden = true;
  const failed = () => { $("position-error").textContent = "Не удалось определить местоположение — выберите город."; $("position-error").hidden = false; };
  const manager = webApp() && webApp().LocationManager;
  if (manager) {  // Telegram asks the driver itself; our reason is already on screen
    manager.init(() => {
      if (!manager.isLocationAvailable) { failed(); return; }
      manager.getLocation((data) => data ? setPosition({ lat: data.latitude, lon: data.longitude }) : failed());
    });
    return;
  }
  if (!navigator.geolocation) { failed(); return; }
  navigator.geolocation.getCurrentPosition((pos) => setPosition({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
    failed, { timeout: 10000, maximumAge: 600000 });
}

async function saveFuel() {
  const litres = Number($("fuel-litres").value.replace(",", "."));
  const price = Number($("fuel-price").value.replace(",", "."));
  const empty = !$("fuel-litres").value.trim() && !$("fuel-price").value.trim();
  try {
    profile = await api("/api/me/fuel", false, { method: "PUT", body: empty ? { l_per_100km: null, price_rub: null } : { l_per_100km: litres, price_rub: price } });
    haptic.success(); toast(empty ? "Расход забыт" : "Расход сохранён"); closePositionSheet(); hooks.reload();
  } catch (error) { $("position-error").textContent = errorText(error); $("position-error").hidden = false; }
}

async function forgetPosition() {
  try { profile = await api("/api/me/position", false, { method: "DELETE" }); } catch (error) { toast(error.message); return; }
  forgetConsent();  // the server withdrew the «yes» with the position: the next one is asked about again
  closePositionSheet(); renderBar(); hooks.reload();
}

export function openPositionSheet() {
  $("position-error").hidden = true;
  $("home-city").value = "";
  $("fuel-litres").value = profile.fuel ? String(profile.fuel.l_per_100km).replace(".", ",") : "";
  $("fuel-price").value = profile.fuel ? String(profile.fuel.price_rub).replace(".", ",") : "";
  fillDriving();
  fillTruck(profile.truck);
  $("forget-position").hidden = !profile.position;
  $("position-sheet").hidden = false;
  refreshConsent();
  showBackButton();
}

export function positionSheetOpen() { return !$("position-sheet").hidden; }

export function closePositionSheet() {
  $("position-sheet").hidden = true;
  if (!state.detailOpen) hideBackButton();
}

function buildUi() {
  const bar = el("div", { class: "insights-bar", id: "insights-bar" },
    el("button", { class: "chip-button", type: "button", id: "position-button", onclick: () => { haptic.tap(); openPositionSheet(); } }, "📍 Где вы?"),
    el("select", { id: "sort-select", "aria-label": "Порядок", onchange: (e) => setSort(e.target.value) },
      SORTS.map(([value, label]) => el("option", { value }, label))),
    el("button", { class: "chip", type: "button", id: "no-long-waits",
      onclick: () => { haptic.select(); view.no_long_waits = !view.no_long_waits; saveView(); renderBar(); hooks.reload(); } }, "Без долгих простоев"));
  $("filter-summary").parentElement.after(bar);  // its own row under the summary: at 360 px they do not fit side by side
  const sheet = el("div", { id: "position-sheet", class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "position-title", hidden: true },
    el("div", { class: "sheet-body" },
      el("div", { class: "sheet-head" }, el("h2", { id: "position-title" }, "Где вы сейчас?"),
        el("button", { type: "button", class: "link", onclick: closePositionSheet }, "Закрыть")),
      el("p", { class: "summary", id: "position-reason" }, REASON),
      positionConsentNode(closePositionSheet),
      el("div", { class: "actions" }, el("button", { class: "primary", type: "button", id: "locate", onclick: locate }, "Определить местоположение")),
      el("label", { class: "stack" }, "Или домашний город",
        el("span", { class: "city", id: "home-city-box", "data-side": "home" },
          el("input", { id: "home-city", placeholder: "Начните вводить город", autocomplete: "off" }),
          el("ul", { id: "home-suggest", class: "suggest", role: "listbox", hidden: true }))),
      el("fieldset", {}, el("legend", {}, "Расход топлива (для оценки)"),
        el("div", { class: "inline" }, "Литров на 100 км", el("input", { id: "fuel-litres", inputmode: "decimal", placeholder: "32" })),
        el("div", { class: "inline" }, "Цена литра, ₽", el("input", { id: "fuel-price", inputmode: "decimal", placeholder: "68" })),
        el("div", { class: "actions" }, el("button", { class: "secondary", type: "button", id: "fuel-save", onclick: saveFuel }, "Сохранить расход"))),
      drivingFieldset(() => { closePositionSheet(); hooks.reload(); }),
      truckFieldset((saved) => { profile = saved; closePositionSheet(); hooks.reload(); }),
      el("p", { class: "errors", id: "position-error", hidden: true }),
      el("button", { class: "link", type: "button", id: "forget-position", onclick: forgetPosition }, "Забыть местоположение")));
  sheet.addEventListener("click", (e) => { if (e.target === sheet) closePositionSheet(); });
  document.getElementById("app").append(sheet);
  wireCity($("home-city-box"), { filters: {}, names: {} }, (point) => setPosition({ point_id: point.id, name: point.name }));
}

/** After login: build the bar and the sheet, read the saved order and the driver's position. */
export async function initInsights(callbacks) {
  hooks = { ...hooks, ...callbacks };
  try {
    const saved = JSON.parse(localStorage.getItem(viewKey()) || "{}");
    view.no_long_waits = Boolean(saved.no_long_waits);
    // the order used to be kept here, apart from the filters: move it over once
    if (saved.sort && !state.filters.sort && SORTS.some(([value]) => value === saved.sort)) { state.filters.sort = saved.sort; hooks.saveFilters(); }
    if ("sort" in saved) saveView();
  } catch (e) {}
  buildUi();
  renderBar();
  try { profile = await api("/api/me/insights"); } catch (e) { /* no position: the bar offers to set one */ }
  renderBar();
}
