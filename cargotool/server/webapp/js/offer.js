// Responding to a load: the «Мой отклик» box on the detail screen and the offer sheet.

import { api, errorText } from "./api.js";
import { openPlans } from "./billing.js";
import { $, el, groupAsTyped, toast } from "./dom.js";
import { amountText, groupDigits, num, route, rub, windowText } from "./format.js";
import { state } from "./state.js";
import { haptic, hideMainButton, showBackButton, webApp } from "./telegram.js";

export const STATUS = { sent: "отправлен", viewed: "диспетчер смотрит", accepted: "принят", declined: "отклонён",
  withdrawn: "отозван", expired: "истёк" };
const ACTIVE = ["sent", "viewed"];

export function statusNode(status) { return el("span", { class: "status " + status }, STATUS[status] || status); }

export function renderMyResponse() {
  const box = $("my-response");
  if (!box) return;
  const mine = state.myResponse;
  const canRespond = !mine || mine.status !== "accepted";
  const label = mine && mine.status !== "withdrawn" && mine.status !== "expired" ? "Изменить ставку" : "Откликнуться";
  box.replaceChildren(
    el("h3", {}, "Мой отклик"),
    mine ? el("div", { class: "row" }, el("span", {}, rub(mine.rate_rub)), statusNode(mine.status))
         : el("div", { class: "hint" }, "Вы ещё не откликались на этот груз"),
    el("div", { class: "actions" },
      canRespond ? el("button", { class: "primary", type: "button", id: "respond", onclick: openOffer }, label) : null,
      mine && ACTIVE.includes(mine.status) ? el("button", { class: "secondary", type: "button", id: "withdraw",
        onclick: withdraw }, "Отозвать") : null));
  const tg = webApp();
  if (tg && canRespond) {
    tg.MainButton.setText(label);
    tg.MainButton.show();
  } else {
    hideMainButton();
  }
}

let offerDirty = false;
function setDirty(dirty) {
  offerDirty = dirty;
  const tg = webApp();
  try { if (tg) dirty ? tg.enableClosingConfirmation() : tg.disableClosingConfirmation(); } catch (e) {}
}

function openOffer() {
  const cargo = state.cargo;
  if (!cargo) return;
  haptic.tap();
  const mine = state.myResponse;
  $("offer-summary").replaceChildren(...offerSummary(cargo));
  const rate = mine ? mine.rate_rub : cargo.price_rub;
  $("offer-rate").value = rate ? groupDigits(String(Math.round(rate))) : "";
  $("offer-comment").value = mine && mine.comment ? mine.comment : "";
  $("offer-phone").value = (mine && mine.phone) || localStorage.getItem("cargotool.phone") || "";
  $("offer-errors").hidden = true;
  $("offer-contact").hidden = !(webApp() && webApp().requestContact);
  updateDiff();
  setDirty(false);
  $("offer-sheet").hidden = false;
  showBackButton();
  hideMainButton();
}

/** One line per field: what the driver is bidding on. */
function offerSummary(cargo) {
  const line = (label, value) => value ? el("div", { class: "row" }, el("span", {}, label), el("span", {}, value)) : null;
  const load = [cargo.weight_t !== null ? num(cargo.weight_t) + " т" : null, cargo.volume_m3 !== null ? num(cargo.volume_m3) + " м³" : null]
    .filter(Boolean).join(", ");
  return [
    line("Маршрут", route(cargo)),
    line("Погрузка", windowText(cargo.from)),
    line("Груз", load),
    line("Расстояние", cargo.distance_km !== null ? num(cargo.distance_km, 0) + " км" : null),
    line("Цена в заявке", cargo.price_rub ? rub(cargo.price_rub) : "не указана"),
  ].filter(Boolean);
}

export function offerOpen() { return !$("offer-sheet").hidden; }

export function closeOffer() {
  if (offerDirty && !window.confirm("Закрыть без отправки отклика?")) return;
  setDirty(false);
  $("offer-sheet").hidden = true;
  if (state.detailOpen) renderMyResponse();
}

function updateDiff() {
  const cargo = state.cargo;
  const rate = Number(amountText($("offer-rate").value));
  if (!cargo || !cargo.price_rub || !rate) { $("offer-diff").textContent = ""; return; }
  const diff = rate - cargo.price_rub;
  $("offer-diff").textContent = diff === 0 ? "Как в заявке" :
    (diff > 0 ? "Выше цены на " : "Ниже цены на ") + rub(Math.abs(diff)) + ` (${Math.abs(diff / cargo.price_rub * 100).toFixed(1).replace(".", ",")} %)`;
}

async function sendOffer(event) {
  event.preventDefault();
  const typed = amountText($("offer-rate").value);
  if (!typed) {
    $("offer-errors").textContent = "Укажите ставку в рублях";
    $("offer-errors").hidden = false;
    return;
  }
  const body = { rate_rub: /^\d+$/.test(typed) ? Number(typed) : typed };
  const comment = $("offer-comment").value.trim();
  const phone = $("offer-phone").value.trim();
  if (comment) body.comment = comment;
  if (phone) body.phone = phone;
  $("offer-send").disabled = true;
  try {
    const result = await api(`/api/cargos/${encodeURIComponent(state.cargo.id)}/responses`, false, { method: "POST", body });
    state.myResponse = result.response;
    if (phone) try { localStorage.setItem("cargotool.phone", phone); } catch (e) {}
    setDirty(false);
    $("offer-sheet").hidden = true;
    haptic.success();
    toast("Отклик отправлен диспетчеру");
    renderMyResponse();
  } catch (error) {
    if (error.status === 402) { setDirty(false); $("offer-sheet").hidden = true; toast(error.message); openPlans(); return; }
    $("offer-errors").textContent = errorText(error);
    $("offer-errors").hidden = false;
  } finally {
    $("offer-send").disabled = false;
  }
}

async function withdraw() {
  if (!window.confirm("Отозвать отклик?")) return;
  try {
    const result = await api(`/api/cargos/${encodeURIComponent(state.cargo.id)}/responses`, false, { method: "DELETE" });
    state.myResponse = result.response;
    toast("Отклик отозван");
    renderMyResponse();
  } catch (error) { toast(error.message); }
}

export function wireOffer() {
  $("offer").addEventListener("submit", sendOffer);
  $("close-offer").addEventListener("click", closeOffer);
  $("offer-sheet").addEventListener("click", (e) => { if (e.target === $("offer-sheet")) closeOffer(); });
  groupAsTyped($("offer-rate"), groupDigits);
  for (const id of ["offer-rate", "offer-comment", "offer-phone"]) {
    $(id).addEventListener("input", () => { setDirty(true); if (id === "offer-rate") updateDiff(); });
  }
  $("offer-contact").addEventListener("click", () => {
    webApp().requestContact((shared, response) => {
      const contact = shared && response && response.responseUnsafe && response.responseUnsafe.contact;
      if (contact && contact.phone_number) {
        $("offer-phone").value = (contact.phone_number.startsWith("+") ? "" : "+") + contact.phone_number;
        setDirty(true);
      }
    });
  });
}

/** Telegram's MainButton on the detail screen is «Откликнуться»; wired once Telegram's script has run. */
export function onMainButton() {
  if (state.detailOpen && $("offer-sheet").hidden) openOffer();
}
