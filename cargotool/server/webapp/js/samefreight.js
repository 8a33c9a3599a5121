// Postings of one trip: the shipper's and brokers' reposts, which the server folds into one card (`group`
// on a card and on the detail). The card says «выставлен 3 компаниями: …»; a tap lists the postings, each
// opening its own detail. `open(id)` is how the caller opens a load (the list through js/later.js, the
// detail directly), so this module imports no screen.

import { el } from "./dom.js";
import { rub } from "./format.js";
import { state } from "./state.js";
import { haptic } from "./telegram.js";

function postingRow(posting, currentId, open) {
  const current = String(posting.id) === String(currentId);
  return el("li", {},
    el("button", { class: "posting", type: "button", "data-posting": posting.id, disabled: current,
      onclick: () => { haptic.tap(); closePostings(); open(posting.id); } },
      el("span", { class: "posting-company" }, posting.company || "Компания не указана"),
      el("span", { class: "posting-price" }, rub(posting.price_rub), current ? el("span", { class: "mini" }, "открыт") : null)));
}

function postingList(group, currentId, open) {
  return el("ul", { class: "postings" }, group.postings.map((p) => postingRow(p, currentId, open)));
}

export function closePostings() {
  const sheet = document.getElementById("postings-sheet");
  if (sheet) sheet.remove();
}

/** The sheet listing the group's postings (from a card: none is open yet). */
export function openPostings(group, open) {
  closePostings();
  const sheet = el("div", { id: "postings-sheet", class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "postings-title" },
    el("div", { class: "sheet-body" },
      el("div", { class: "sheet-head" }, el("h2", { id: "postings-title" }, "Кто выставил груз"),
        el("button", { type: "button", class: "link", onclick: closePostings }, "Закрыть")),
      el("p", { class: "hint-line" }, group.text),
      postingList(group, null, open)));
  sheet.addEventListener("click", (e) => { if (e.target === sheet) closePostings(); });
  document.getElementById("app").append(sheet);
}

/** The card's line, or null for a load posted once. A tap opens the postings, not the card. */
export function groupLine(item, open) {
  const group = item.group;
  if (!group) return null;
  return el("button", { class: "group-line", type: "button", "aria-haspopup": "dialog",
    onclick: (e) => { e.stopPropagation(); haptic.tap(); openPostings(group, open); },
    onkeydown: (e) => e.stopPropagation() }, "👥 " + group.text);
}

/** The detail's section: every posting of the trip, this one marked, the others one tap away (back from
 * them still returns to where the list was). */
export function groupSection(cargo, open) {
  const group = cargo.group;
  if (!group) return null;
  const sibling = (id) => {
    const listScroll = state.listScroll;
    const opened = open(id);  // opening a load remembers the scroll: the list's, not this detail's
    state.listScroll = listScroll;
    return opened;
  };
  return el("div", { class: "section", id: "detail-group" }, el("h3", {}, "Кто выставил груз"),
    el("p", { class: "hint-line" }, group.text), postingList(group, cargo.id, sibling));
}
