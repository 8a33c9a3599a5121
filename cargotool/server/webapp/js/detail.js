// The detail screen of one load: route, cargo, comment, my response, contacts.

import { api } from "./api.js";
import { openPlans } from "./billing.js";
import { $, el, toast } from "./dom.js";
import { companyText, measure, route, rub, windowText } from "./format.js";
import { reachSection } from "./drivetime.js";
import { companyTrust, detailContext, detailEconomics, detailQuery } from "./insights.js";
import { detailCompany } from "./company.js";
import { detailMoney } from "./money.js";
import { reloadList } from "./nav.js";
import { renderMyResponse } from "./offer.js";
import { canShareMessage, shareMessage } from "./platform.js";
import { detailMarks } from "./shortlist.js";
import { groupSection } from "./samefreight.js";
import { state } from "./state.js";
import { haptic, hideBackButton, hideMainButton, openExternal, showBackButton } from "./telegram.js";

function row(label, value) {
  return value === null || value === undefined || value === "" ? null : el("div", { class: "row" }, el("span", {}, label), el("span", {}, value));
}

/** An address with «Маршрут»: the point's `nav_url` (a Yandex Maps car route, or a search for the address)
 * opened outside the Mini App by Telegram's openLink. */
function addressRow(point, id) {
  if (!point || (!point.address && !point.nav_url)) return null;
  const go = point.nav_url ? el("button", { class: "nav-link", type: "button", id,
    onclick: () => { haptic.tap(); openExternal(point.nav_url); } }, "Маршрут") : null;
  return el("div", { class: "row address-row" }, el("span", {}, "Адрес"),
    el("span", { class: "address" }, point.address || point.city || ""), go);
}

async function copy(text) {
  try { await navigator.clipboard.writeText(text); }
  catch (e) {
    const area = el("textarea", {}, text);
    document.body.append(area); area.select();
    try { document.execCommand("copy"); } catch (err) {}
    area.remove();
  }
  haptic.success();
  toast("Номер скопирован");
}

async function sendContactToChat(id) {
  try {
    await api(`/api/cargos/${encodeURIComponent(id)}/contact-to-chat`, false, { method: "POST" });
    haptic.success();
    toast("Контакт отправлен в чат с ботом");
  } catch (error) { toast(error.message); }
}

/** «Поделиться»: the bot prepares a message about the load (route, dates, price, a button to open it) and
 * Telegram's share dialog sends it to whomever the driver picks. */
async function shareLoad(id) {
  haptic.tap();
  try {
    const prepared = await api(`/api/cargos/${encodeURIComponent(id)}/share`, false, { method: "POST" });
    if (await shareMessage(prepared.id)) { haptic.success(); toast("Груз отправлен"); }
  } catch (error) { toast(error.message); }
}

function contactsSection(c) {
  const contacts = (c.contacts || []).flatMap((contact) => contact.phones.map((phone) =>
    el("div", { class: "contact" },
      el("div", {}, el("div", {}, contact.name || "Контакт"), el("div", { class: "phone" }, phone)),
      el("button", { class: "copy", type: "button", onclick: () => copy(phone) }, "Копировать"))));
  return el("div", { class: "section" }, el("h3", {}, "Контакты"),
    c.contacts_hidden ? el("div", { id: "contacts-paywall" }, el("p", {}, "Контакты доступны с подпиской."),
      el("button", { class: "primary", type: "button", onclick: () => openPlans(() => openDetail(c.id)) }, "Оформить подписку")) :
    contacts.length ? contacts : el("div", { class: "hint" }, "Контакты не указаны"),
    contacts.length ? el("button", { class: "linkish", type: "button", id: "contact-to-chat",
      onclick: () => sendContactToChat(c.id) }, "Отправить контакт в чат с ботом") : null,
    row("Компания", companyText(c.company)),
    row("Грузовладелец", companyText(c.shipper)));
}

function detailNode(c) {
  const flags = [c.round_trip ? "круговой рейс" : null, c.partial_load ? "догруз" : null].filter(Boolean);
  return [
    el("div", { class: "section" },
      el("div", { class: "route" }, route(c)),
      el("div", { class: "money" }, el("span", { class: "price" }, rub(c.price_rub)),
        c.rate_rub_per_km !== null ? el("span", { class: "rate" }, rub(c.rate_rub_per_km) + "/км") : null),
      flags.length ? el("div", { class: "tags" }, flags.map((f) => el("span", { class: "tag" }, f))) : null,
      canShareMessage() ? el("button", { class: "linkish", type: "button", id: "share-load", onclick: () => shareLoad(c.id) }, "Поделиться") : null),
    detailMarks(c, () => { closeDetail(); reloadList(); }),
    groupSection(c, openDetail),
    reachSection(c),
    ...detailMoney(c),
    detailCompany(c, companyTrust(c)),
    ...detailEconomics(c),
    el("div", { class: "section" }, el("h3", {}, "Маршрут"),
      row("Погрузка", windowText(c.from)), addressRow(c.from, "nav-from"),
      row("Выгрузка", windowText(c.to)), addressRow(c.to, "nav-to"),
      row("Расстояние", c.distance_km !== null ? measure(c.distance_km, "км", 0) : null)),
    el("div", { class: "section" }, el("h3", {}, "Груз"),
      row("Вес", c.weight_t !== null ? measure(c.weight_t, "т") : null),
      row("Объём", c.volume_m3 !== null ? measure(c.volume_m3, "м³") : null),
      row("Что везём", c.cargo_type),
      row("Кузов", c.truck_types.map((t) => t.name).join(", ")),
      row("Загрузка", c.load_types.map((t) => t.name).join(", "))),
    c.comment ? el("div", { class: "section" }, el("h3", {}, "Комментарий"), el("div", { class: "comment", id: "detail-comment" }, c.comment)) : null,
    el("div", { class: "section", id: "my-response" }),
    ...detailContext(c),
    contactsSection(c),
    c.source_url ? el("div", { class: "section" },
      el("button", { class: "linkish", type: "button", onclick: () => openExternal(c.source_url) }, "Открыть источник заявки ↗")) : null,
    el("p", { class: "summary" }, `Груз № ${c.id}` + (c.meta && c.meta.stale ? " · данные могли устареть" : "")),
  ];
}

export async function openDetail(id) {
  state.detailOpen = true;
  state.listScroll = window.scrollY;
  $("screen-list").hidden = true;
  $("screen-detail").hidden = false;
  $("detail").replaceChildren(el("div", { class: "skeleton" }), el("div", { class: "skeleton" }));
  window.scrollTo(0, 0);
  showBackButton();
  try {
    const [cargo, mine] = await Promise.all([
      api("/api/cargos/" + encodeURIComponent(id) + detailQuery()),
      api("/api/responses?cargo_id=" + encodeURIComponent(id)).catch(() => ({ items: [] })),
    ]);
    if (!state.detailOpen) return;
    state.cargo = cargo;
    state.myResponse = mine.items[0] || null;
    $("detail").replaceChildren(...detailNode(cargo).filter(Boolean));
    renderMyResponse();
  } catch (error) {
    $("detail").replaceChildren(el("div", { class: "state" },
      el("p", { class: "state-title" }, error.status === 404 ? "Груз не найден" : "Не удалось открыть груз"),
      el("p", {}, error.message)));
  }
}

export function closeDetail() {
  if (!state.detailOpen) return;
  state.detailOpen = false;
  state.cargo = null;
  hideMainButton();
  $("screen-detail").hidden = true;
  $("screen-list").hidden = false;
  window.scrollTo(0, state.listScroll || 0);
  hideBackButton();
}
