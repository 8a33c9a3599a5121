// The admin screen's «Свободные» tab: drivers free from a day in a city (GET /api/admin/free-trucks), by day —
// the same list the dispatcher chat gets with /free.

import { api } from "./api.js";
import { el } from "./dom.js";

export async function freeTrucksTab() {
  const { items, text } = await api("/api/admin/free-trucks");
  if (!items.length) return [el("p", { class: "summary" }, text)];
  return items.map((t) => el("div", { class: "admin-row free-truck", "data-driver": String(t.driver_id) },
    el("b", {}, t.driver),
    el("span", {}, `${t.city}${t.radius_km > 0 ? ` ±${t.radius_km} км` : ""}, с ${t.date.split("-").reverse().slice(0, 2).join(".")}`),
    t.truck ? el("span", {}, t.truck) : null));
}
