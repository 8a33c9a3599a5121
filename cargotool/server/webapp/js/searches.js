// Saved searches: «Следить за поиском» saves the current filters under an editable name; «Мои поиски»
// lists them with their new-load counts, runs one with a tap, edits, pauses and deletes.

import { api, errorText } from "./api.js";
import { $, el, toast } from "./dom.js";
import { describe, saveFilters, summary } from "./filters.js";
import { reloadList } from "./nav.js";
import { openFree } from "./free.js";
import { askBeforeNotifying, onReachChange, reachBanner, recheckReach } from "./reach.js";
import { confirmDialog } from "./platform.js";
import { state } from "./state.js";
import { haptic, hideBackButton, showBackButton, webApp } from "./telegram.js";

let editing = null;  // the search being edited, or null when saving a new one

// City names are not part of a search (the API keeps point ids); the device remembers them per search.
function namesKey(id) { return "cargotool.search-names." + id; }
function rememberNames(id, names) { try { localStorage.setItem(namesKey(id), JSON.stringify(names || {})); } catch (e) {} }
function namesOf(id) { try { return JSON.parse(localStorage.getItem(namesKey(id)) || "{}"); } catch (e) { return {}; } }

// ---- the save / edit sheet ------------------------------------------------------------------------

function openSheet(search) {
  editing = search || null;
  const filters = search ? search.filters : searchFilters(state.filters);
  $("search-title").textContent = search ? "Изменить поиск" : "Следить за поиском";
  $("search-filters").textContent = describe(filters, search ? namesOf(search.id) : state.names);
  $("search-name").value = search ? search.name : describe(filters, state.names).slice(0, 120);
  $("search-replace-row").hidden = !search;
  $("search-replace").checked = false;
  $("search-alerts").checked = search ? search.alerts : true;
  const rule = (search && search.auto_response) || {};
  $("auto-rate").value = rule.rate_min || "";
  $("auto-price").value = rule.price_min || "";
  $("search-errors").hidden = true;
  $("search-sheet").hidden = false;
  showBackButton();
}

export function searchSheetOpen() { return !$("search-sheet").hidden; }

export function closeSearchSheet() {
  $("search-sheet").hidden = true;
  if (!state.detailOpen && !state.searchesOpen) hideBackButton();
}

/** The list's filters without its order: `sort` arranges a page, it does not choose loads. */
function searchFilters(filters) {
  const rest = { ...filters };
  delete rest.sort;
  return rest;
}

function ruleFromSheet() {
  const rate = $("auto-rate").value.replace(/\s/g, "");
  const price = $("auto-price").value.replace(/\s/g, "");
  if (!rate && !price) return null;
  const rule = {};
  if (rate) rule.rate_min = /^\d+$/.test(rate) ? Number(rate) : rate;
  if (price) rule.price_min = /^\d+$/.test(price) ? Number(price) : price;
  return rule;
}

function showSheetError(text) {
  $("search-errors").textContent = text;
  $("search-errors").hidden = false;
}

/** Alerts on a search without a single filter mean a message for every new load on the marketplace: asked
 * once more instead of refused (a driver who takes anything anywhere may want exactly that). */
async function everyLoadConfirmed(filters) {
  const chosen = Object.values(filters || {}).filter((value) => value !== "" && value !== null && value !== undefined);
  if (chosen.length) return true;
  return confirmDialog("В поиске нет ни одного фильтра: бот будет присылать каждый новый груз, а их бывает сотни в день. Всё равно следить за всеми грузами?");
}

async function submitSheet(event) {
  event.preventDefault();
  const body = { name: $("search-name").value.trim(), alerts: $("search-alerts").checked, auto_response: ruleFromSheet() };
  const replacing = !editing || $("search-replace").checked;
  if (replacing) body.filters = searchFilters(state.filters);
  const save = $("search-save");
  if (save.disabled) return;  // a second tap while Telegram's prompt or the request is open
  save.disabled = true;
  try {
    const alreadyAlerting = editing && editing.alerts && !replacing;  // confirmed when it was saved
    if (body.alerts && !alreadyAlerting && !(await everyLoadConfirmed(replacing ? body.filters : editing.filters))) {
      showSheetError("Выберите в фильтрах хотя бы «Откуда» или выключите уведомления");
      return;
    }
    if (body.alerts && !(editing && editing.alerts)) await askBeforeNotifying();  // only when alerts go on
    const { search } = editing
      ? await api(`/api/searches/${editing.id}`, false, { method: "PATCH", body })
      : await api("/api/searches", false, { method: "POST", body });
    if (replacing) rememberNames(search.id, state.names);
    haptic.success();
    closeSearchSheet();
    toast(editing ? "Поиск изменён" : "Поиск сохранён — о новых грузах напишу в бот");
    if (state.searchesOpen) renderSearches();
  } catch (error) {
    showSheetError(errorText(error));
    haptic.error();
  } finally {
    save.disabled = false;
  }
}

/** Save filters as a search in one tap (the detail's trip back): no sheet, alerts on. Resolves to the new
 * search; rejects with the ApiError (`duplicate_search` when the driver already has the same search). */
export async function quickSave(name, filters, names) {
  await askBeforeNotifying();
  const { search } = await api("/api/searches", false, { method: "POST", body: { name, filters, alerts: true } });
  rememberNames(search.id, names);
  return search;
}

// ---- «Мои поиски» ---------------------------------------------------------------------------------

function card(search) {
  const actions = el("div", { class: "search-actions" },
    el("button", { type: "button", class: "secondary", "data-action": "toggle",
      onclick: (e) => { e.stopPropagation(); toggle(search); } }, search.alerts ? "Пауза" : "Включить"),
    el("button", { type: "button", class: "secondary", "data-action": "edit",
      onclick: (e) => { e.stopPropagation(); openSheet(search); } }, "Изменить"),
    el("button", { type: "button", class: "secondary", "data-action": "delete",
      onclick: (e) => { e.stopPropagation(); remove(search); } }, "Удалить"));
  return el("li", { class: "card" + (search.alerts ? "" : " paused"), "data-id": String(search.id), role: "button", tabindex: "0",
    onclick: () => runSearch(search) },
    el("div", { class: "route" }, search.name, search.new_count ? el("span", { class: "badge" }, `+${search.new_count}`) : null),
    el("div", { class: "dates" }, describe(search.filters, namesOf(search.id))),
    el("div", { class: "dates" }, search.alerts ? "🔔 уведомления включены" : "⏸ на паузе",
      search.auto_response ? " · 🤖 автоотклик" : ""),
    actions);
}

async function renderSearches() {
  $("searches").replaceChildren(el("li", { class: "skeleton" }), el("li", { class: "skeleton" }));
  try {
    const { items } = await api("/api/searches");
    $("searches-empty").hidden = items.length > 0;
    $("searches").replaceChildren(...items.map(card));
    return items;
  } catch (error) {
    $("searches").replaceChildren(el("li", { class: "state" }, error.message));
    return [];
  }
}

export async function openSearches() {
  $("screen-list").hidden = true;
  $("screen-searches").hidden = false;
  state.searchesOpen = true;
  showBackButton();
  showReach();
  recheckReach();
  return renderSearches();
}

export function closeSearches() {
  if (!state.searchesOpen) return;
  state.searchesOpen = false;
  $("screen-searches").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

/** Show the list with the search's filters (and reset its new-load count). */
export function runSearch(search) {
  haptic.tap();
  state.filters = state.filters.sort ? { ...search.filters, sort: state.filters.sort } : { ...search.filters };  // the order stays
  state.names = namesOf(search.id);
  saveFilters();
  summary();
  closeSearches();
  reloadList();
  api(`/api/searches/${search.id}`, false, { method: "PATCH", body: { opened: true } }).catch(() => {});
}

/** The digest's «Открыть …» button: `?search=<id>`. Not one of «Мои поиски» but the driver is free somewhere:
 * the digest's search is their «Свободен с…» (a system search, core/availability), so that screen opens. */
export async function openSearchById(id) {
  const items = await openSearches();
  const search = items.find((s) => s.id === id);
  if (search) { runSearch(search); return; }
  const mine = await api("/api/me/availability").catch(() => null);
  if (mine && mine.availability) openFree();
}

function showReach() { $("searches-reach").replaceChildren(...[reachBanner()].filter(Boolean)); }

async function toggle(search) {
  if (!search.alerts) await askBeforeNotifying();
  try {
    await api(`/api/searches/${search.id}`, false, { method: "PATCH", body: { alerts: !search.alerts } });
    haptic.select();
    renderSearches();
  } catch (error) { toast(error.message); }
}

function confirmed(text) {
  const tg = webApp();
  if (tg && tg.showConfirm) return new Promise((resolve) => tg.showConfirm(text, resolve));
  return Promise.resolve(window.confirm(text));
}

async function remove(search) {
  if (!(await confirmed(`Удалить поиск «${search.name}»?`))) return;
  try {
    await api(`/api/searches/${search.id}`, false, { method: "DELETE" });
    toast("Поиск удалён");
    renderSearches();
  } catch (error) { toast(error.message); }
}

export function wireSearches() {
  $("watch-search").addEventListener("click", () => { haptic.tap(); openSheet(null); });
  $("open-searches").addEventListener("click", () => { haptic.tap(); openSearches(); });
  $("close-search").addEventListener("click", closeSearchSheet);
  $("search-sheet").addEventListener("click", (e) => { if (e.target === $("search-sheet")) closeSearchSheet(); });
  $("search-form").addEventListener("submit", submitSheet);
  onReachChange(showReach);
}
