// A load's card, as the list shows it (☆, money, insights, the company flag, a queued response): js/list.js and
// «Свободен с…» (js/free.js) both draw it; each says how a tap opens the load (`open(id)`).

import { cardCompanyFlag } from "./company.js";
import { el } from "./dom.js";
import { companyText, measure, route, rub, windowText } from "./format.js";
import { cardInsights } from "./insights.js";
import { starButton } from "./marks.js";
import { cardMoney } from "./money.js";
import { queuedLine } from "./offlinequeue.js";
import { groupLine } from "./samefreight.js";
import { haptic } from "./telegram.js";

/** The card of `item` (a list card); a tap calls `open(item.id)`. */
export function cardNode(item, open) {
  const tags = [
    ...item.truck_types.map((t) => el("span", { class: "tag" }, t.short_name)),
    ...item.load_types.map((t) => el("span", { class: "tag" }, t.short_name)),
  ];
  const company = companyText(item.company);
  return el("li", {
    class: "card", "data-id": item.id, tabindex: "0", role: "button",
    onclick: () => { haptic.tap(); open(item.id); },
    onkeydown: (e) => { if (e.key === "Enter") open(item.id); },
  },
    el("div", { class: "route" }, route(item), " ", starButton(item)),
    el("div", { class: "dates" }, "Погрузка: " + windowText(item.from)),
    el("div", { class: "specs" }, [
      item.weight_t !== null ? measure(item.weight_t, "т") : null,
      item.volume_m3 !== null ? measure(item.volume_m3, "м³") : null,
      item.distance_km !== null ? measure(item.distance_km, "км", 0) : null,
    ].filter(Boolean).join(" · ")),
    el("div", { class: "money" },
      el("span", { class: "price" }, rub(item.price_rub)),
      item.rate_rub_per_km !== null ? el("span", { class: "rate" }, rub(item.rate_rub_per_km) + "/км") : null),
    groupLine(item, open),
    ...cardMoney(item),
    ...cardInsights(item),
    el("div", { class: "tags" }, tags),
    company ? el("div", { class: "company" }, company) : null,
    cardCompanyFlag(item),
    queuedLine(item.id),
  );
}
