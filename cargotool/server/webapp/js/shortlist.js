// «Избранное» and «Скрытые» screens, and the detail's «Скрыть груз» / «Скрыть компанию» (with an undo toast).
// The list is reached through js/nav.js (reloadList), never by importing js/list.js.

import { api } from "./api.js";
import { $, el, toast } from "./dom.js";
import { companyText, route, rub, windowText } from "./format.js";
import { isFavourite, loadFavourites, starButton, starHint } from "./marks.js";
import { reloadList } from "./nav.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, showBackButton } from "./telegram.js";

let undoTimer = null;

/** A toast with «Отменить» for 5 seconds. */
function undoToast(text, undo) {
  const node = $("undo-toast");
  $("undo-text").textContent = text;
  node.hidden = false;
  $("toast").hidden = true;  // one message at a time: this one carries the undo
  clearTimeout(undoTimer);
  $("undo-button").onclick = async () => { node.hidden = true; clearTimeout(undoTimer); await undo(); };
  undoTimer = setTimeout(() => { node.hidden = true; }, 5000);
}

async function call(path, method, body) {
  return api(path, false, body === undefined ? { method } : { method, body });
}

async function hideCargo(c, after) {
  try {
    await call("/api/hidden/cargos/" + encodeURIComponent(c.id), "PUT");
    haptic.success();
    after();
    undoToast("Груз скрыт", async () => {
      await call("/api/hidden/cargos/" + encodeURIComponent(c.id), "DELETE").catch((e) => toast(e.message));
      reloadList();
    });
  } catch (error) { toast(error.message); }
}

async function hideCompany(company, after) {
  const path = "/api/hidden/companies/" + encodeURIComponent(company.inn);
  try {
    await call(path, "PUT", { name: company.name || null });
    haptic.success();
    after();
    undoToast("Компания скрыта", async () => { await call(path, "DELETE").catch((e) => toast(e.message)); reloadList(); });
  } catch (error) { toast(error.message); }
}

/** The detail's ☆ and hiding buttons; `after` leaves the detail for the list once something is hidden. */
export function detailMarks(c, after) {
  const company = c.company && c.company.inn ? c.company : null;
  const star = starButton(c);  // first: it takes the server's word on c.favourite
  return el("div", { class: "section marks", id: "detail-marks" },
    el("div", { class: "marks-row" }, star, el("span", { class: "hint star-hint", "data-id": String(c.id) }, starHint(isFavourite(c.id)))),
    el("button", { class: "linkish", type: "button", id: "hide-cargo", onclick: () => hideCargo(c, after) }, "Скрыть груз"),
    company ? el("button", { class: "linkish", type: "button", id: "hide-company", onclick: () => hideCompany(company, after) },
      "Скрыть компанию") : null);
}

function open(id, flag) {
  closeAllScreens();
  $(id).hidden = false;
  state[flag] = true;
  window.scrollTo(0, 0);
  showBackButton();
}

function close(id, flag) {
  state[flag] = false;
  $(id).hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

function favouriteNode(item, openDetail) {
  const c = item.card;
  return el("li", { class: "card" + (item.gone ? " gone" : ""), "data-id": item.cargo_id },
    el("div", { class: "route" }, c.from ? route(c) : "Груз № " + item.cargo_id, " ", starButton({ id: item.cargo_id, favourite: true })),
    item.gone ? el("span", { class: "tag gone-tag" }, item.status_text) : null,
    c.from ? el("div", { class: "dates" }, "Погрузка: " + windowText(c.from)) : null,
    el("div", { class: "money" }, el("span", { class: "price" }, rub(c.price_rub))),
    c.company ? el("div", { class: "company" }, companyText(c.company)) : null,
    ...(c.contacts || []).flatMap((contact) => contact.phones.map((phone) =>
      el("a", { class: "phone linkish", href: "tel:" + phone }, (contact.name ? contact.name + ": " : "") + phone))),
    item.gone ? null : el("button", { class: "linkish", type: "button", onclick: () => openDetail(item.cargo_id) }, "Открыть"));
}

export async function openFavourites(openDetail) {
  open("screen-favourites", "favouritesOpen");
  const list = $("favourites-list");
  list.replaceChildren(el("li", { class: "skeleton" }));
  try {
    const answer = await api("/api/favourites");
    loadFavourites();
    list.replaceChildren(...answer.items.map((item) => favouriteNode(item, openDetail)));
    $("favourites-empty").hidden = answer.items.length > 0;
  } catch (error) { list.replaceChildren(el("li", { class: "state" }, error.message)); }
}

export function closeFavourites() { close("screen-favourites", "favouritesOpen"); }

function hiddenRow(text, path) {
  const row = el("li", { class: "hidden-item" }, el("span", {}, text));
  row.append(el("button", { class: "secondary", type: "button", onclick: async () => {
    try { await call(path, "DELETE"); haptic.success(); row.remove(); toast("Снова показываем"); } catch (e) { toast(e.message); }
  } }, "Вернуть"));
  return row;
}

export async function openHidden() {
  open("screen-hidden", "hiddenOpen");
  const list = $("hidden-list");
  list.replaceChildren(el("li", { class: "skeleton" }));
  try {
    const answer = await api("/api/hidden");
    list.replaceChildren(
      ...answer.companies.map((c) => hiddenRow("Компания: " + (c.name || "ИНН " + c.inn), "/api/hidden/companies/" + c.inn)),
      ...answer.cargos.map((c) => hiddenRow("Груз: " + (c.route || "№ " + c.cargo_id), "/api/hidden/cargos/" + c.cargo_id)));
    $("hidden-empty").hidden = answer.companies.length + answer.cargos.length > 0;
  } catch (error) { list.replaceChildren(el("li", { class: "state" }, error.message)); }
}

export function closeHidden() {
  close("screen-hidden", "hiddenOpen");
  reloadList();  // what was returned shows again
}

export function wireShortlist(openDetail) {
  $("open-favourites").addEventListener("click", () => { haptic.tap(); openFavourites(openDetail); });
  $("open-hidden").addEventListener("click", () => { haptic.tap(); openHidden(); });
  $("favourites-hidden").addEventListener("click", () => { haptic.tap(); openHidden(); });
}
