// «Успеваю?» (the driving-time rules): the card's short coloured label, the detail's line, and the driver's
// «Сегодня уже за рулём: N ч» in the position sheet (PUT /api/me/driving).

import { api, errorText } from "./api.js";
import { $, el, toast } from "./dom.js";
import { haptic } from "./telegram.js";

const LABELS = { ok: "✓ успеваете", tight: "⚠ впритык", no: "✕ не успеть" };
const HOW = "Оценка: порожний пробег по средней скорости грузовика, с перерывами и отдыхом по приказу Минтранса № 424 " +
  "(до 9 ч за рулём в день, 45 мин после 4,5 ч, отдых от 11 ч). Время московское.";

/** The card's label, or null without a verdict (no position known). */
export function reachChip(item) {
  const reach = item.reach;
  if (!reach) return null;
  return el("span", { class: "mini reach " + reach.verdict, title: reach.text }, LABELS[reach.verdict] || reach.text);
}

/** The detail's section: the verdict's full text and how it is estimated. */
export function reachSection(c) {
  if (!c.reach) return null;
  return el("div", { class: "section", id: "detail-reach" }, el("h3", {}, "Успеваете к погрузке?"),
    el("div", { class: "reach-text " + c.reach.verdict }, c.reach.text),
    el("p", { class: "hint-line" }, HOW));
}

/** With «успеваю» or «по прибытию» but no position known, say what is missing (nothing was left out). */
export function noteReach(meta) {
  if (meta && meta.reach_known === false) toast("Укажите, где вы (📍), — тогда покажем, к каким погрузкам успеваете");
}

function hoursText(value) { return value ? String(value).replace(".", ",") : ""; }

/** «Сегодня уже за рулём: N ч» for the position sheet; `saved()` runs after the server took it. */
export function drivingFieldset(saved) {
  const save = async () => {
    const text = $("driven-today").value.trim().replace(",", ".");
    try {
      await api("/api/me/driving", false, { method: "PUT", body: { driven_today_h: text ? Number(text) : 0 } });
      haptic.success(); toast("Сохранено до конца дня"); saved();
    } catch (error) { $("position-error").textContent = errorText(error); $("position-error").hidden = false; }
  };
  return el("fieldset", { id: "driving-today" }, el("legend", {}, "Режим труда и отдыха"),
    el("div", { class: "inline" }, "Сегодня уже за рулём, ч",
      el("input", { id: "driven-today", inputmode: "decimal", placeholder: "0", "aria-label": "Сегодня уже за рулём, часов" })),
    el("div", { class: "actions" }, el("button", { class: "secondary", type: "button", id: "driving-save", onclick: save }, "Сохранить часы")));
}

/** Show the hours the server has for today (0 shows as empty); a failed read leaves the field as it is. */
export async function fillDriving() {
  try {
    const today = await api("/api/me/driving");
    if ($("driven-today")) $("driven-today").value = hoursText(today.driven_today_h);
  } catch (e) { /* the field stays editable; saving says what went wrong */ }
}
