// The filter sheet's «По пути» (route_from, route_to, corridor_km) and several cities per side (from=1,77):
// extra cities are chips under the city box; on «Показать» they join the city in the box. The sheet (filters.js)
// calls these hooks with its working copy `draft` ({filters, names}).

import { resolveCity } from "./city.js";
import { $, el } from "./dom.js";
import { haptic } from "./telegram.js";

const SIDES = ["from", "to"];
const ROUTE = ["route_from", "route_to"];
const WIDTHS_KM = [25, 50, 100, 150, 200];
export const MAX_CITIES = 5;  // the server's cap per side (core/cargo/filters.py MAX_PLACES)
const more = { from: [], to: [] };  // extra cities per side: [{id, name}]

const inputOf = (side) => $(side.replace("_", "-") + "-city");

function renderMore(side) {
  const box = $(side + "-more");
  box.replaceChildren(...more[side].map((city, i) => el("button", {
    type: "button", class: "chip on", "data-id": city.id, title: "Убрать",
    onclick: () => { haptic.select(); more[side].splice(i, 1); renderMore(side); },
  }, city.name + " ✕")));
  box.hidden = more[side].length === 0;
  $(side + "-add").hidden = more[side].length >= MAX_CITIES - 1;
}

/** «+ ещё город»: the city picked in the box becomes a chip, and the box is free for the next one. */
function addCity(draft, side) {
  const id = draft.filters[side];
  if (!id || String(id).includes(",")) { inputOf(side).focus(); return; }
  haptic.select();
  if (!more[side].some((c) => c.id === id)) more[side].push({ id, name: draft.names[side] || "город №" + id });
  delete draft.filters[side]; delete draft.filters[side + "_type"]; delete draft.names[side];
  inputOf(side).value = "";
  renderMore(side);
  inputOf(side).focus();
}

/** The sheet opens: several saved cities become chips plus the last one in the box; the route's cities show. */
export function openAlongWay(draft) {
  for (const side of SIDES) {
    const ids = String(draft.filters[side] || "").split(",").filter(Boolean);
    const names = draft.names[side + "_list"] || [];
    more[side] = ids.slice(0, -1).map((id, i) => ({ id, name: names[i] || "город №" + id }));
    if (ids.length > 1) {
      draft.filters[side] = ids[ids.length - 1];
      draft.names[side] = names[ids.length - 1] || "город №" + ids[ids.length - 1];
      inputOf(side).value = draft.names[side];
    }
    renderMore(side);
  }
  for (const side of ROUTE) inputOf(side).value = draft.names[side] || "";
  $("corridor-km").value = draft.filters.corridor_km || "100";
}

/** Read the route's boxes: an emptied box drops its city; no route, no width. */
export function readAlongWay(draft) {
  for (const side of ROUTE) {
    if (!inputOf(side).value.trim()) { delete draft.filters[side]; delete draft.names[side]; }
  }
  if (draft.filters.route_from || draft.filters.route_to || inputOf("route_from").value.trim() || inputOf("route_to").value.trim()) {
    draft.filters.corridor_km = $("corridor-km").value;
  } else {
    delete draft.filters.corridor_km;
  }
}

/** Before «Показать»: the route's cities typed in full are resolved, and each side's chips join its box's city.
 * Returns field errors (as the server names them). */
export async function finishAlongWay(draft) {
  const fields = {};
  for (const side of ROUTE) {
    const text = inputOf(side).value.trim();
    if (!text || draft.filters[side]) continue;
    const found = await resolveCity(text);
    if (found.point) {
      draft.filters[side] = String(found.point.id); draft.names[side] = found.point.name; inputOf(side).value = found.point.name;
    } else fields[side] = found.problem;
  }
  for (const side of SIDES) {
    const current = draft.filters[side] ? [{ id: String(draft.filters[side]).split(",").pop(), name: draft.names[side] }] : [];
    const cities = [...more[side], ...current].filter((c, i, all) => all.findIndex((o) => o.id === c.id) === i);
    delete draft.names[side + "_list"];
    if (cities.length < 2) continue;
    draft.filters[side] = cities.map((c) => c.id).join(",");
    delete draft.filters[side + "_type"];  // the cities' types may differ: the marketplace's default
    draft.names[side + "_list"] = cities.map((c) => c.name);
    draft.names[side] = cities.map((c) => c.name).join(", ");
  }
  return fields;
}

export function resetAlongWay() {
  for (const side of SIDES) { more[side] = []; renderMore(side); }
  for (const side of ROUTE) inputOf(side).value = "";
  $("corridor-km").value = "100";
}

/** «по пути: Москва → Казань ±100 км» for the summary line, or null. */
export function describeAlongWay(f, names) {
  if (!f.route_from || !f.route_to) return null;
  const name = (side) => names[side] || "город №" + f[side];
  return `по пути: ${name("route_from")} → ${name("route_to")} ±${f.corridor_km} км`;
}

export function wireAlongWay(draft) {
  $("corridor-km").replaceChildren(...WIDTHS_KM.map((km) => el("option", { value: String(km) }, `${km} км`)));
  $("corridor-km").value = "100";
  for (const side of SIDES) $(side + "-add").addEventListener("click", () => addCity(draft, side));
}
