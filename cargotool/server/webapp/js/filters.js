// Filters: saved per driver on the device, the one-line summary over the list, and the filter sheet.

import { describeAlongWay, finishAlongWay, openAlongWay, readAlongWay, resetAlongWay, wireAlongWay } from "./alongway.js";
import { api } from "./api.js";
import { resolveCity, wireCity } from "./city.js";
import { $, el, groupAsTyped } from "./dom.js";
import { amountText, day, groupDigits, moscowDate, radiusText, rub } from "./format.js";
import { reloadList } from "./nav.js";
import { regionLabel, regionName } from "./regions.js";
import { state } from "./state.js";
import { deviceGet, deviceSet } from "./platform.js";
import { haptic, hideBackButton, showBackButton } from "./telegram.js";

const WV_PRESETS = ["1.5-9", "3-16", "5-36", "7.5-45", "10-54", "15-65", "20-83"];
const RADII_KM = [0, 25, 50, 100, 200];
const AMOUNTS = ["price_min", "price_max", "rate_min", "distance_min", "distance_max"];
// How the summary line names the order (the control is the list's select, js/insights.js; the value is state.filters.sort)
const SORT_NAMES = { rate_with_deadhead: "выше ₽/км с порожним", above_market: "выше рынка", rate: "выше ₽/км",
  price: "дороже", loading: "ближе погрузка", net: "больше чистыми", arrival: "раньше прибытие" };

// ---- persistence and summary ----------------------------------------------------------------------

function storageKey() { return "cargotool.filters." + (state.driver ? state.driver.telegram_id : "anon"); }

export function saveFilters() {
  const value = JSON.stringify({ filters: state.filters, names: state.names });
  try { localStorage.setItem(storageKey(), value); } catch (e) {}
  deviceSet("filters", value);
}

/** Telegram's DeviceStorage outlives the webview's localStorage (which a client may clear): when this device's
 * localStorage has no filters but DeviceStorage does, take them back and call `onRestored()`. */
export function restoreFilters(onRestored) {
  let local = null;
  try { local = localStorage.getItem(storageKey()); } catch (e) {}
  if (local) return Promise.resolve(false);
  return deviceGet("filters").then((value) => {
    try {
      const saved = JSON.parse(value || "null");
      if (!saved || typeof saved.filters !== "object" || !Object.keys(saved.filters).length) return false;
      state.filters = saved.filters;
      state.names = saved.names || {};
      try { localStorage.setItem(storageKey(), value); } catch (e) {}
      onRestored();
      return true;
    } catch (e) { return false; }
  });
}

export function loadFilters() {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey()) || "null");
    if (saved && typeof saved.filters === "object") {
      state.filters = saved.filters;
      state.names = saved.names || {};
    }
  } catch (e) { state.filters = {}; }
}

function place(f, names, side, anywhere) {
  const region = regionName(f, names, side);  // a whole region: no radius
  if (region) return region;
  const name = names[side] || (f[side] ? "город №" + f[side] : null);
  if (!name) return anywhere;
  return f[side + "_radius"] ? `${name} ${radiusText(f[side + "_radius"])}` : name;  // no radius: that city only
}

/** One line describing filters (with city names where known, and each radius). */
export function describe(f, names) {
  const parts = [];
  if (f.from || f.to || f.from_region || f.to_region) parts.push(`${place(f, names, "from", "любой город")} → ${place(f, names, "to", "куда угодно")}`);
  const alongWay = describeAlongWay(f, names);
  if (alongWay) parts.push(alongWay);
  if (f.date) parts.push(f.date === moscowDate(0) ? "сегодня" : f.date === moscowDate(1) ? "завтра" : day(f.date));
  if (f.wv) parts.push(f.wv.replace("-", " т / ") + " м³");
  if (f.truck_types) parts.push("кузов: " + f.truck_types.split(",").length);
  if (f.load_types) parts.push("загрузка: " + f.load_types.split(",").length);
  if (f.price_min || f.price_max) {
    parts.push([f.price_min ? "от " + rub(Number(f.price_min)) : null, f.price_max ? "до " + rub(Number(f.price_max)) : null].filter(Boolean).join(" "));
  }
  if (f.rate_min) parts.push("от " + f.rate_min + " ₽/км");
  if (f.distance_min || f.distance_max) {
    parts.push([f.distance_min ? "от " + groupDigits(f.distance_min) : null, f.distance_max ? "до " + groupDigits(f.distance_max) : null].filter(Boolean).join(" ") + " км");
  }
  if (f.with_price) parts.push("только с ценой");
  if (f.reachable) parts.push("успеваю");
  if (f.vat) parts.push(f.vat === "with" ? "с НДС" : "без НДС");
  if (f.no_deferral) parts.push("без отсрочки");
  if (f.sort) parts.push("сначала " + (SORT_NAMES[f.sort] || f.sort));
  return parts.length ? parts.join(" · ") : "Все грузы";
}

export function summary() {
  const f = state.filters;
  $("filter-summary").textContent = describe(f, state.names);
  const count = Object.keys(f).filter((k) => !/_(radius|type)$/.test(k) && !["sort", "route_to", "corridor_km"].includes(k)).length;
  $("filter-count").hidden = count === 0;
  $("filter-count").textContent = String(count);
  // with a count the chip is a funnel + the count at phone widths (app.css), so the header keeps one row
  $("open-filters").classList.toggle("counted", count > 0);
  $("open-filters").setAttribute("aria-label", count ? `Фильтры: ${count}` : "Фильтры");
}

/** Only the order is kept: it shows the same loads. */
function withoutFilters() { return state.filters.sort ? { sort: state.filters.sort } : {}; }

export function resetFilters() {
  state.filters = withoutFilters(); state.names = {}; saveFilters(); summary(); reloadList();
}

// ---- the sheet ------------------------------------------------------------------------------------

const draft = { filters: {}, names: {} };  // the sheet's working copy until «Показать грузы»

function chipGroup(container, attr, value) {
  container.querySelectorAll(".chip").forEach((chip) => {
    const own = chip.dataset[attr];
    chip.classList.toggle("on", own !== undefined && own === (value || ""));
  });
}

function renderTypes(containerId, fieldId, items, key) {
  const field = $(fieldId);
  if (!items || !items.length) { field.hidden = true; return; }  // dictionary unavailable: hide the filter
  field.hidden = false;
  const chosen = new Set((draft.filters[key] || "").split(",").filter(Boolean));
  $(containerId).replaceChildren(...items.map((t) => el("button", {
    type: "button", class: "chip" + (chosen.has(String(t.id)) ? " on" : ""), "data-id": String(t.id),
    onclick: (e) => {
      haptic.select();
      const id = String(t.id);
      chosen.has(id) ? chosen.delete(id) : chosen.add(id);
      e.currentTarget.classList.toggle("on");
      if (chosen.size) draft.filters[key] = [...chosen].sort((a, b) => a - b).join(","); else delete draft.filters[key];
    },
  }, t.name)));
}

function renderDictionaries() {
  if (!state.dictionaries) return;
  renderTypes("truck-types", "truck-types-field", state.dictionaries.truck_types, "truck_types");
  renderTypes("load-types", "load-types-field", state.dictionaries.load_types, "load_types");
}

function syncDateChips() {
  const date = draft.filters.date || "";
  const token = !date ? "" : date === moscowDate(0) ? "today" : date === moscowDate(1) ? "tomorrow" : null;
  chipGroup($("date-chips"), "date", token);
  $("date-input").value = token === null ? date : "";
  document.querySelector(".date-chip").classList.toggle("on", token === null);
}

function openSheet() {
  draft.filters = { ...state.filters };
  draft.names = { ...state.names };
  const form = $("filters");
  for (const side of ["from", "to"]) {
    const region = draft.filters[side + "_region"] ? draft.names[side + "_region"] : null;
    $(side + "-city").value = region ? regionLabel(region) : draft.names[side] || "";
  }
  form.from_radius.value = draft.filters.from_radius || "";
  form.to_radius.value = draft.filters.to_radius || "";
  for (const name of AMOUNTS) form[name].value = groupDigits(draft.filters[name] || "");
  form.with_price.checked = Boolean(draft.filters.with_price);
  form.reachable.checked = Boolean(draft.filters.reachable);
  form.vat.value = draft.filters.vat || "";
  form.no_deferral.checked = Boolean(draft.filters.no_deferral);
  const wv = draft.filters.wv || "";
  $("wv-custom").value = WV_PRESETS.includes(wv) ? "" : wv;
  chipGroup($("wv-chips"), "wv", WV_PRESETS.includes(wv) || !wv ? wv : null);
  syncDateChips();
  openAlongWay(draft);
  showFieldErrors({});
  renderDictionaries();
  $("sheet").hidden = false;
  showBackButton();
}

export function sheetOpen() { return !$("sheet").hidden; }

export function closeSheet() {
  $("sheet").hidden = true;
  if (!state.detailOpen) hideBackButton();
}

function readSheet() {
  const form = $("filters");
  for (const name of ["from_radius", "to_radius", ...AMOUNTS]) {
    const value = amountText(form[name].value.trim());
    if (value) draft.filters[name] = value; else delete draft.filters[name];
  }
  if (form.with_price.checked) draft.filters.with_price = "1"; else delete draft.filters.with_price;
  if (form.reachable.checked) draft.filters.reachable = "1"; else delete draft.filters.reachable;
  if (form.vat.value) draft.filters.vat = form.vat.value; else delete draft.filters.vat;
  if (form.no_deferral.checked) draft.filters.no_deferral = "1"; else delete draft.filters.no_deferral;
  for (const side of ["from", "to"]) {
    if (!$(side + "-city").value.trim()) {
      for (const key of [side, side + "_type", side + "_region"]) delete draft.filters[key];
      delete draft.names[side]; delete draft.names[side + "_region"];
    }
    if (draft.filters[side + "_region"]) delete draft.filters[side + "_radius"];  // the region's own extent
  }
  const custom = $("wv-custom").value.trim().replace(",", ".");
  if (custom) draft.filters.wv = custom;
  readAlongWay(draft);
}

/** Each error under its own field (data-error-for names the API's fields); the rest in the sheet's footer. */
function showFieldErrors(fields) {
  const rest = [];
  document.querySelectorAll("#filters .field-error").forEach((node) => { node.hidden = true; node.textContent = ""; });
  for (const [name, message] of Object.entries(fields)) {
    const node = document.querySelector(`#filters .field-error[data-error-for~="${name}"]`);
    if (node) { node.textContent = node.textContent ? node.textContent + ". " + message : message; node.hidden = false; }
    else rest.push(message);
  }
  $("filter-errors").textContent = rest.join(". ");
  $("filter-errors").hidden = rest.length === 0;
  const first = document.querySelector("#filters .field-error:not([hidden]), #filter-errors:not([hidden])");
  if (first) first.scrollIntoView({ block: "center" });
}

/** A city typed in full but not picked from the suggestions: take the exact match, or say why not. */
async function resolveTypedCities() {
  const fields = {};
  for (const side of ["from", "to"]) {
    const text = $(side + "-city").value.trim();
    if (!text || draft.filters[side] || draft.filters[side + "_region"]) continue;
    const found = await resolveCity(text);
    if (found.point) {
      draft.filters[side] = String(found.point.id);
      if (found.point.type) draft.filters[side + "_type"] = String(found.point.type);
      draft.names[side] = found.point.name;
      $(side + "-city").value = found.point.name;
    } else {
      fields[side] = found.problem;
    }
  }
  return fields;
}

async function applySheet(event) {
  if (event) event.preventDefault();
  readSheet();
  const cityErrors = { ...await resolveTypedCities(), ...await finishAlongWay(draft) };
  if (Object.keys(cityErrors).length) { showFieldErrors(cityErrors); return; }
  try {  // validate on the server before closing, so errors show next to the filters
    await api("/api/cargos?" + new URLSearchParams({ ...draft.filters, limit: "1" }).toString());
  } catch (error) {
    if (error.status === 400) {
      showFieldErrors(Object.keys(error.fields).length ? error.fields : { form: error.message });
      return;
    }
  }
  state.filters = { ...draft.filters };
  state.names = { ...draft.names };
  saveFilters();
  summary();
  closeSheet();
  haptic.tap();
  reloadList();
}

function resetSheet() {
  draft.filters = withoutFilters(); draft.names = {};
  $("filters").reset();
  ["from-city", "to-city"].forEach((id) => { $(id).value = ""; });
  chipGroup($("wv-chips"), "wv", "");
  syncDateChips();
  resetAlongWay();
  showFieldErrors({});
  renderDictionaries();
}

export function wireFilters() {
  document.querySelectorAll("select.radius").forEach((select) => select.replaceChildren(
    ...RADII_KM.map((km) => el("option", { value: km ? String(km) : "" }, km ? `${km} км` : radiusText(0)))));
  document.querySelectorAll("#filters input.rub").forEach((input) => groupAsTyped(input, groupDigits));
  $("open-filters").addEventListener("click", () => { haptic.tap(); openSheet(); });
  $("close-filters").addEventListener("click", closeSheet);
  $("sheet").addEventListener("click", (e) => { if (e.target === $("sheet")) closeSheet(); });
  $("filters").addEventListener("submit", applySheet);
  $("reset-filters").addEventListener("click", resetSheet);
  $("reset-from-empty").addEventListener("click", resetFilters);
  $("date-chips").addEventListener("click", (e) => {
    const chip = e.target.closest("button.chip");
    if (!chip) return;
    haptic.select();
    const token = chip.dataset.date;
    if (token) draft.filters.date = moscowDate(token === "today" ? 0 : 1); else delete draft.filters.date;
    syncDateChips();
  });
  $("date-input").addEventListener("change", (e) => {
    if (e.target.value) draft.filters.date = e.target.value; else delete draft.filters.date;
    syncDateChips();
  });
  $("wv-chips").addEventListener("click", (e) => {
    const chip = e.target.closest("button.chip");
    if (!chip) return;
    haptic.select();
    if (chip.dataset.wv) draft.filters.wv = chip.dataset.wv; else delete draft.filters.wv;
    $("wv-custom").value = "";
    chipGroup($("wv-chips"), "wv", chip.dataset.wv);
  });
  $("wv-custom").addEventListener("input", () => chipGroup($("wv-chips"), "wv", null));
  document.querySelectorAll(".city").forEach((box) => wireCity(box, draft));
  wireAlongWay(draft);
}
