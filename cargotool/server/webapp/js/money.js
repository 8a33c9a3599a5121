// Money on a card and the detail (issue 21 §1–2): how and when a load is paid (`payment_terms`), what is left
// after the road (`net`, an estimate for a driver who gave fuel figures), and the driver's truck figures
// (over 12 t — Platon is charged — and their own other cost per km) in the position sheet beside the fuel.

import { api, errorText } from "./api.js";
import { $, el, toast } from "./dom.js";
import { rub, UNIT_SPACE } from "./format.js";
import { haptic } from "./telegram.js";

/** The card's two lines: «💳 с НДС, безнал, отсрочка 5 банк. дней» and «Чистыми ≈ 61 000 ₽ (оценка)». */
export function cardMoney(item) {
  const terms = item.payment_terms;
  return [
    terms ? el("div", { class: "payment-line" + (terms.source ? "" : " unknown") }, "💳 " + terms.text) : null,
    item.net ? el("div", { class: "net-line" }, item.net.text, el("span", { class: "hint-inline" }, " (оценка)")) : null,
  ];
}

function row(label, value) {
  return el("div", { class: "row" }, el("span", {}, label), el("span", {}, value));
}

/** The detail's «Оплата» and, with a net, «Чистыми (оценка)»: the price, each cost, the sum. */
export function detailMoney(c) {
  const terms = c.payment_terms;
  const payment = terms ? el("div", { class: "section", id: "detail-payment" }, el("h3", {}, "Оплата"),
    el("p", { class: "payment-line" + (terms.source ? "" : " unknown") }, terms.text)) : null;
  if (!c.net) return [payment];
  const net = el("div", { class: "section", id: "detail-net" }, el("h3", {}, "Чистыми (оценка)"),
    row("Цена", rub(c.price_rub)),
    c.net.parts.map((part) => row("− " + part.name, rub(part.rub))),
    el("div", { class: "row total" }, el("span", {}, "Остаётся"), el("span", {}, "≈ " + rub(c.net.rub))),
    el("p", { class: "hint-line" }, "Оценка по вашему расходу топлива" + (c.deadhead_km !== undefined ? " с порожним пробегом" : ", без порожнего пробега") +
      `. Платон — только для машин тяжелее 12${UNIT_SPACE}т.`));
  return [payment, net];
}

/** The truck fieldset of the position sheet; `saved(profile)` runs after the server took the figures. */
export function truckFieldset(saved) {
  async function save() {
    const cost = $("truck-cost").value.trim().replace(",", ".");
    const number = Number(cost);  // not a number: sent as typed, the server names the field's problem
    const body = { over_12t: $("truck-heavy").checked, cost_rub_km: cost ? (Number.isNaN(number) ? cost : number) : null };
    try {
      const profile = await api("/api/me/truck", false, { method: "PUT", body });
      haptic.success(); toast("Данные о машине сохранены"); saved(profile);
    } catch (error) { $("truck-error").textContent = errorText(error); $("truck-error").hidden = false; }
  }
  return el("fieldset", { id: "truck-fieldset" }, el("legend", {}, "Машина (для «чистыми»)"),
    el("label", { class: "inline check" }, `Тяжелее 12${UNIT_SPACE}т (Платон)`, el("input", { type: "checkbox", id: "truck-heavy" })),
    el("div", { class: "inline" }, "Прочие расходы, ₽/км", el("input", { id: "truck-cost", inputmode: "decimal", placeholder: "необязательно" })),
    el("p", { class: "errors", id: "truck-error", hidden: true }),
    el("div", { class: "actions" }, el("button", { class: "secondary", type: "button", id: "truck-save", onclick: save }, "Сохранить машину")));
}

/** Fill the truck fieldset from `GET /api/me/insights`'s `truck`. */
export function fillTruck(truck) {
  $("truck-error").hidden = true;
  $("truck-heavy").checked = Boolean(truck && truck.over_12t);
  $("truck-cost").value = truck && truck.cost_rub_km !== null ? String(truck.cost_rub_km).replace(".", ",") : "";
}
