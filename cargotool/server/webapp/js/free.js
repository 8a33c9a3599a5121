// «Свободен с…» (issue 22 §1): the driver says where and from which day they are free (or takes the app's
// proposal from their accepted load in one tap), and sees the loads from there, from then, within the radius
// (GET/PUT/DELETE /api/me/availability, GET /api/me/availability/feed — one page of the shared list cache).
// New loads matching it also come as alerts in the bot, like a saved search's.

import { api } from "./api.js";
import { wireCity } from "./city.js";
import { openDetail } from "./detail.js";
import { $, el, toast } from "./dom.js";
import { companyText, moscowDate, route, rub, windowText } from "./format.js";
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
  try { render(await api(URL)); } catch (error) { say(error.message); }
}

export function closeFree() {
  if (!state.freeOpen) return;
  state.freeOpen = false;
  $("screen-free").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

function say(text) {
  $("free-error").textContent = text || "";
  $("free-error").hidden = !text;
}

function render(body) {
  const mine = body.availability;
  const proposal = body.proposal;
  $("free-current").textContent = mine ? `${mine.text}, ${radius(mine.radius_km)}` : "Вы не указали, где и когда свободны";
  $("free-clear").hidden = !mine;
  $("free-proposal").hidden = !proposal;
  if (proposal) {
    $("free-proposal").textContent = proposal.text;
    $("free-proposal").onclick = () => save({ point_id: proposal.point_id, date: proposal.date, name: proposal.name });
  }
  if (mine) {
    draft.filters.from = String(mine.point_id);
    draft.names.from = mine.name;
    $("free-city").value = mine.name;
    $("free-date").value = mine.date;
    $("free-radius").value = String(mine.radius_km);
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
    toast("Запомнили — пришлём новые грузы оттуда");
    render(await api(URL));
  } catch (error) {
    const fields = (error.fields && Object.values(error.fields)) || [];
    say([error.message, ...fields].filter(Boolean).join(". "));
  }
}

function saveForm() {
  if (!draft.filters.from) { say("Выберите город из подсказок"); return; }
  save({ point_id: Number(draft.filters.from), name: draft.names.from, date: $("free-date").value,
    radius_km: Number($("free-radius").value) });
}

async function clear() {
  try {
    await api(URL, false, { method: "DELETE" });
    haptic.success();
    toast("Больше не присылаем грузы по этому");
    render(await api(URL));
  } catch (error) { toast(error.message); }
}

async function loadFeed() {
  const list = $("free-feed");
  list.replaceChildren(el("li", { class: "skeleton" }));
  try {
    const feed = await api(URL + "/feed");
    list.replaceChildren(...(feed.items.length ? feed.items.map(card)
      : [el("li", { class: "state" }, "Пока нет грузов оттуда с этого дня — пришлём, когда появятся")]));
  } catch (error) { list.replaceChildren(el("li", { class: "state" }, error.message)); }
}

function card(item) {
  const open = () => { haptic.tap(); closeFree(); openDetail(item.id); };
  return el("li", { class: "card", "data-id": item.id, tabindex: "0", role: "button", onclick: open,
    onkeydown: (e) => { if (e.key === "Enter") open(); } },
  el("div", { class: "route" }, route(item)),
  el("div", { class: "dates" }, "Погрузка: " + windowText(item.from)),
  el("div", { class: "money" }, el("span", { class: "price" }, rub(item.price_rub))),
  item.company ? el("div", { class: "company" }, companyText(item.company)) : null);
}

export function wireFree() {
  $("open-free").addEventListener("click", () => { haptic.tap(); openFree(); });
  $("free-back").addEventListener("click", closeFree);
  $("free-save").addEventListener("click", saveForm);
  $("free-clear").addEventListener("click", clear);
  wireCity($("free-city-box"), draft);
}
