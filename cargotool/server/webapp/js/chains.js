// «Домой»: two loads on the way to the driver's home (or any city) by a date that pay more per km, empty km
// included, than the best direct trip (GET /api/chains), with their arithmetic; each leg opens its load.
// The home city is kept on the server (GET/PUT /api/me/home), so the screen proposes it without asking again.

import { api } from "./api.js";
import { wireCity } from "./city.js";
import { openDetail } from "./detail.js";
import { $, el, toast } from "./dom.js";
import { day, moscowDate, rub } from "./format.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, showBackButton } from "./telegram.js";

const DEFAULT_DAYS = 3;
const draft = { filters: {}, names: {} };
let home = null;

export async function openChains() {
  closeAllScreens();
  $("screen-chains").hidden = false;
  state.chainsOpen = true;
  window.scrollTo(0, 0);
  showBackButton();
  const by = $("chains-by");
  by.min = moscowDate(0);
  by.max = moscowDate(14);
  if (!by.value) by.value = moscowDate(DEFAULT_DAYS);
  try { home = (await api("/api/me/home")).home; } catch (error) { home = null; }
  if (home && !draft.filters.to) pick(home.point_id, home.name);
  renderHome();
  if (draft.filters.to) findChains();
}

export function closeChains() {
  if (!state.chainsOpen) return;
  state.chainsOpen = false;
  $("screen-chains").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

function pick(id, name) {
  draft.filters.to = String(id);
  draft.names.to = name;
  $("chains-to").value = name;
}

function renderHome() {
  const isHome = home && draft.filters.to === String(home.point_id);
  $("chains-save-home").hidden = !draft.filters.to || Boolean(isHome);
  $("chains-home-note").textContent = isHome ? `Дом: ${home.name}` : "";
}

async function saveHome() {
  try {
    home = (await api("/api/me/home", false, { method: "PUT", body: { point_id: Number(draft.filters.to), name: draft.names.to } })).home;
    haptic.success();
    toast("Запомнили ваш дом");
    renderHome();
  } catch (error) { toast(error.message); }
}

async function findChains() {
  const note = $("chains-error");
  note.hidden = true;
  if (!draft.filters.to) { note.textContent = "Выберите город из подсказок"; note.hidden = false; return; }
  const query = new URLSearchParams({ to: draft.filters.to, to_name: draft.names.to || "", by: $("chains-by").value });
  if (draft.filters.from) { query.set("from", draft.filters.from); query.set("from_name", draft.names.from || ""); }
  $("chains-result").replaceChildren(el("div", { class: "skeleton" }), el("div", { class: "skeleton" }));
  try {
    render(await api("/api/chains?" + query.toString()));
  } catch (error) {
    $("chains-result").replaceChildren();
    const fields = (error.fields && Object.values(error.fields)) || [];
    note.textContent = [error.message, ...fields].filter(Boolean).join(". ");
    note.hidden = false;
  }
}

function render(body) {
  const items = body.chains.map((chain, n) => chainCard(chain, n === 0 ? "Лучшая цепочка" : "Цепочка " + (n + 1)));
  if (body.direct) items.push(chainCard(body.direct, "Прямой рейс для сравнения"));
  $("chains-result").replaceChildren(
    el("p", { class: "summary", id: "chains-summary" }, `${body.start.name} → ${body.target.name}: ${body.text}`),
    el("ul", { class: "cards chains" }, items));
}

function chainCard(chain, title) {
  return el("li", { class: "card chain" },
    el("div", { class: "chain-title" }, title),
    el("div", { class: "chain-text" }, chain.text),
    el("div", { class: "summary" }, `${rub(chain.price_rub)} · порожних ${chain.empty_km} км`),
    chain.legs.map((leg) => el("button", {
      type: "button", class: "chain-leg linkish", "data-id": leg.id,
      onclick: () => { haptic.tap(); closeChains(); openDetail(leg.id); },
    }, `${leg.route || "Груз " + leg.id} · ${day(leg.loading_day)} · ${leg.price || rub(leg.price_rub)}`)));
}

export function wireChains() {
  $("open-chains").addEventListener("click", () => { haptic.tap(); openChains(); });
  $("chains-back").addEventListener("click", closeChains);
  $("chains-find").addEventListener("click", () => { haptic.tap(); findChains(); });
  $("chains-save-home").addEventListener("click", saveHome);
  wireCity($("chains-to-box"), draft, () => { renderHome(); findChains(); });
  wireCity($("chains-from-box"), draft);
  $("chains-to").addEventListener("input", renderHome);
}
