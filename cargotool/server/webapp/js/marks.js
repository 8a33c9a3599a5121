// Favourites (☆) on cards: which loads the driver starred (GET /api/favourites, kept on the server so they
// follow the driver across devices), and the star toggle the list's cards and the detail show.

import { api } from "./api.js";
import { el, toast } from "./dom.js";
import { haptic } from "./telegram.js";

const starred = new Set();

export function isFavourite(id) { return starred.has(String(id)); }

/** What the star says, read aloud and on hover: what a tap does now. */
function starLabel(on) { return on ? "Убрать из избранного" : "В избранное"; }

/** The detail's words beside its star (shortlist.js): where the load is now. */
export function starHint(on) { return on ? "В избранном" : "В избранное"; }

function paint(id) {
  const on = isFavourite(id);
  for (const node of document.querySelectorAll(".star")) {
    if (node.dataset.id !== String(id)) continue;
    node.textContent = on ? "★" : "☆";
    node.setAttribute("aria-pressed", on ? "true" : "false");
    node.setAttribute("aria-label", starLabel(on));
    node.title = starLabel(on);
  }
  for (const hint of document.querySelectorAll(`.star-hint[data-id="${CSS.escape(String(id))}"]`)) hint.textContent = starHint(on);
}

/** Ask the server which loads are starred, then paint the stars already shown. */
export async function loadFavourites() {
  try {
    const answer = await api("/api/favourites");
    starred.clear();
    for (const item of answer.items) starred.add(String(item.cargo_id));
    for (const node of document.querySelectorAll(".star")) paint(node.dataset.id);
  } catch (e) {}
}

/** Star or unstar a load; true when it is starred now. */
export async function toggleFavourite(id) {
  const on = !isFavourite(id);
  haptic.tap();
  try {
    await api("/api/favourites/" + encodeURIComponent(id), false, { method: on ? "PUT" : "DELETE" });
    if (on) starred.add(String(id)); else starred.delete(String(id));
    paint(id);
    toast(on ? "Добавлено в избранное" : "Убрано из избранного");
  } catch (error) { toast(error.message); }
  return isFavourite(id);
}

/** The ☆ button of a card or the detail. `item.favourite`: true on a personal page's card; true or false on
 * the detail — the server's word, fresher than the set read at start (another device may have changed it). */
export function starButton(item) {
  const known = isFavourite(item.id);
  if (item.favourite === true) starred.add(String(item.id));
  else if (item.favourite === false) starred.delete(String(item.id));
  if (known !== isFavourite(item.id)) paint(item.id);  // the list's card behind the detail, too
  const on = isFavourite(item.id);
  return el("button", {
    class: "star", type: "button", "data-id": String(item.id), "aria-pressed": on ? "true" : "false",
    "aria-label": starLabel(on), title: starLabel(on),
    onclick: (e) => { e.stopPropagation(); toggleFavourite(item.id); },
    onkeydown: (e) => e.stopPropagation(),
  }, on ? "★" : "☆");
}
