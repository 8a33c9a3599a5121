// «Свободен с…» (issue 22 §1): the driver says where and from which day they are free (or takes the app's
// proposal from their accepted load in one tap), and sees the loads from there, from then, within the radius
// (GET/PUT/DELETE /api/me/availability, GET /api/me/availability/feed — one page of the shared list cache).
// New loads matching it also come as alerts in the bot, like a saved search's (with a subscription when alerts are
// paid). Dispatchers see the driver's name, city, day and body type (the admin tab, /free in their chat).

import { api } from "./api.js";
import { cardNode } from "./card.js";
import { wireCity } from "./city.js";
import { openDetail } from "./detail.js";
import { $, el, toast } from "./dom.js";
import { moscowDate } from "./format.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, showBackButton } from "./telegram.js";

const URL = "/api/me/availability";
const MAX_DAYS = 30;
const draft = { filters: {}, names: {} };

export async function openFree() {
  closeAllScreens();
  $("screen-free").hidden = false;
  state.freeOpen = true;
  window.scrollTo(0, 0);
  showBackButton();
  const date = $("free-date");
  date.min = moscowDate(0);
  date.max = moscowDate(MAX_DAYS);
  if (!date.value) date.value = moscowDate(0);
  bodyOptions();
  $("free-note").textContent = "Диспетчеры увидят ваше имя, город, день и кузов, чтобы предложить груз. " + (alertsPaid()
    ? "Уведомления о новых грузах оттуда — с подпиской." : "Новые грузы оттуда пришлём в бот.");
  try { render(await api(URL)); } catch (error) { say(error.message); }
}

export function closeFree() {
  if (!state.freeOpen) return;
  state.freeOpen = false;
  $("screen-free").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

/** The body types of the list's filter (GET /api/dictionaries, loaded at start); «любой» when unknown. */
function bodyOptions() {
  const select = $("free-body");
  const types = (state.dictionaries && state.dictionaries.truck_types) || [];
  if (select.options.length > 1 || !types.length) return;
  select.append(...types.map((t) => el("option", { value: String(t.id) }, t.name)));
}

/** The saved body type stays choosable when the dictionaries did not load: else the next save would drop it. */
function keepBody(mine) {
  const select = $("free-body");
  if (!mine.body_type || [...select.options].some((o) => o.value === String(mine.body_type))) return;
  select.append(el("option", { value: String(mine.body_type) }, mine.body_name || "как сохранено"));
}

/** Alerts are paid when the paywall's alerts part is on and the driver has no subscription. */
function alertsPaid() {
  return Boolean(state.paywall && state.paywall["paywall.alerts"] && !(state.subscription && state.subscription.active));
}

function say(text) {
  $("free-error").textContent = text || "";
  $("free-error").hidden = !text;
}

function render(body) {
  const mine = body.availability;
  const proposal = body.proposal;
  $("free-current").textContent = mine
    ? [mine.text, radius(mine.radius_km), mine.body_name ? `кузов: ${mine.body_name}` : null].filter(Boolean).join(", ")
    : "Вы не указали, где и когда свободны";
  $("free-clear").hidden = !mine;
  $("free-proposal").hidden = !proposal;
  if (proposal) {
    $("free-proposal").textContent = proposal.text;
    $("free-proposal").onclick = () => save({ point_id: proposal.point_id, date: proposal.date, name: proposal.name,
      body_type: bodyType() });
  }
  if (mine) {
    draft.filters.from = String(mine.point_id);
    draft.names.from = mine.name;
    $("free-city").value = mine.name;
    $("free-date").value = mine.date;
    $("free-radius").value = String(mine.radius_km);
    keepBody(mine);
    $("free-body").value = mine.body_type ? String(mine.body_type) : "";
    loadFeed();
  } else {
    $("free-feed").replaceChildren();
  }
}

const radius = (km) => (km > 0 ? `±${km} км` : "только этот город");

async function save(body) {
  say("");
  try {
    await api(URL, false, { method: "PUT", body });
    haptic.success();
    toast(alertsPaid() ? "Запомнили: грузы оттуда — ниже, диспетчеры вас увидят. Уведомления о новых — с подпиской"
      : "Запомнили — пришлём новые грузы оттуда, диспетчеры вас увидят");
    render(await api(URL));
  } catch (error) {
    const fields = (error.fields && Object.values(error.fields)) || [];
    say([error.message, ...fields].filter(Boolean).join(". "));
  }
}

const bodyType = () => ($("free-body").value ? Number($("free-body").value) : null);

function saveForm() {
  if (!draft.filters.from) { say("Выберите город из подсказок"); return; }
  save({ point_id: Number(draft.filters.from), name: draft.names.from, date: $("free-date").value,
    radius_km: Number($("free-radius").value), body_type: bodyType() });
}

async function clear() {
  try {
    await api(URL, false, { method: "DELETE" });
    haptic.success();
    toast("Больше не присылаем грузы оттуда");
    render(await api(URL));
  } catch (error) { toast(error.message); }
}

async function loadFeed() {
  const list = $("free-feed");
  list.replaceChildren(el("li", { class: "skeleton" }));
  try {
    const feed = await api(URL + "/feed");
    const none = alertsPaid() ? "Пока нет грузов оттуда с этого дня — загляните позже"
      : "Пока нет грузов оттуда с этого дня — пришлём, когда появятся";
    list.replaceChildren(...(feed.items.length ? feed.items.map((item) => cardNode(item, open))
      : [el("li", { class: "state" }, none)]));
  } catch (error) { list.replaceChildren(el("li", { class: "state" }, error.message)); }
}

/** The list's card (☆, the company flag, a queued response) opening the detail over this screen. */
function open(id) { closeFree(); openDetail(id); }

export function wireFree() {
  $("open-free").addEventListener("click", () => { haptic.tap(); openFree(); });
  $("free-back").addEventListener("click", closeFree);
  $("free-save").addEventListener("click", saveForm);
  $("free-clear").addEventListener("click", clear);
  wireCity($("free-city-box"), draft);
}
