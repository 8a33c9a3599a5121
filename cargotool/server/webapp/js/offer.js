// Responding to a load: the «Мой отклик» box on the detail screen and the offer sheet.
// Without a subscription (paywall.respond) the driver is told before typing and sent to the plans
// screen, which returns to this load; a typed offer is kept per load until it is sent or discarded.

import { errorText } from "./api.js";
import { mayRespond, openPlans } from "./billing.js";
import { $, el, groupAsTyped, toast } from "./dom.js";
import { amountText, groupDigits, measure, route, rub, windowText } from "./format.js";
import { NOT_KEPT, asResponse, onQueueChange, queuedFor, submitResponse, withdrawResponse } from "./offlinequeue.js";
import { read, write } from "./offlinestore.js";
import { askBeforeNotifying, onReachChange, reachBanner } from "./reach.js";
import { state } from "./state.js";
import { haptic, hideMainButton, showBackButton, webApp } from "./telegram.js";
import { confirmDialog } from "./platform.js";

export const STATUS = { sent: "отправлен", viewed: "диспетчер смотрит", accepted: "принят", declined: "отклонён",
  withdrawn: "отозван", expired: "истёк", queued: "ждёт отправки", failed: "не отправлен" };
const ACTIVE = ["sent", "viewed"];

export function statusNode(status) { return el("span", { class: "status " + status }, STATUS[status] || status); }

function paywalled() {
  return Boolean(state.paywall && state.paywall["paywall.respond"] && !(state.subscription && state.subscription.active));
}

const draftKey = (cargoId) => "cargotool.offer." + cargoId;

function loadDraft(cargoId) {
  try { return JSON.parse(sessionStorage.getItem(draftKey(cargoId)) || "null"); } catch (e) { return null; }
}

function saveDraft() {
  if (!state.cargo) return;
  const draft = { rate: $("offer-rate").value, comment: $("offer-comment").value, phone: $("offer-phone").value };
  try { sessionStorage.setItem(draftKey(state.cargo.id), JSON.stringify(draft)); } catch (e) {}
}

function dropDraft(cargoId) { try { sessionStorage.removeItem(draftKey(cargoId)); } catch (e) {} }

let openLoad = null;  // detail.js's openDetail, handed in by main.js (detail.js imports this module)

/** The plans screen, coming back to this load afterwards (with the typed offer, if any, reopened). */
function plansThenBack(cargoId) {
  openPlans(async () => {
    await openLoad(cargoId);
    if (loadDraft(cargoId) && state.cargo && await mayRespond()) openOffer();
  });
}

export function renderMyResponse() {
  const box = $("my-response");
  if (!box) return;
  const mine = state.myResponse;
  const canRespond = !mine || mine.status !== "accepted";
  const locked = canRespond && paywalled();
  const label = locked ? "Оформить подписку" :
    mine && mine.status !== "withdrawn" && mine.status !== "expired" ? "Изменить ставку" : "Откликнуться";
  box.replaceChildren(...[  // replaceChildren would write a null as the text "null"
    el("h3", {}, "Мой отклик"),
    mine ? el("div", { class: "row" }, el("span", {}, rub(mine.rate_rub)), statusNode(mine.status))
         : el("div", { class: "hint" }, "Вы ещё не откликались на этот груз"),
    mine && mine.status === "queued" ? el("p", { class: "hint", id: "queued-hint" }, "Нет сети: отклик уйдёт диспетчеру, когда связь вернётся.") : null,
    mine && mine.queue_error ? el("p", { class: "hint", id: "queued-error" }, "Не отправлен: " + mine.queue_error) : null,
    locked ? el("p", { class: "hint", id: "respond-paywall" },
      "Откликаться можно с подпиской. После оплаты вы вернётесь к этому грузу.") : null,
    el("div", { class: "actions" },
      canRespond ? el("button", { class: "primary", type: "button", id: "respond", onclick: openOffer }, label) : null,
      mine && ACTIVE.includes(mine.status) ? el("button", { class: "secondary", type: "button", id: "withdraw",
        onclick: withdraw }, "Отозвать") : null),
    mine ? reachBanner() : null].filter(Boolean));
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

async function openOffer() {
  const cargo = state.cargo;
  if (!cargo) return;
  haptic.tap();
  if (!(await mayRespond())) { toast("Откликаться можно с подпиской"); plansThenBack(cargo.id); return; }
  const mine = state.myResponse;
  const draft = loadDraft(cargo.id);
  $("offer-summary").replaceChildren(...offerSummary(cargo));
  const rate = mine ? mine.rate_rub : cargo.price_rub;
  $("offer-rate").value = draft ? draft.rate : rate ? groupDigits(String(Math.round(rate))) : "";
  $("offer-comment").value = draft ? draft.comment : mine && mine.comment ? mine.comment : "";
  $("offer-phone").value = draft ? draft.phone : (mine && mine.phone) || (await read("phone")) || "";  // this driver's
  showOfferError(null);
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
  const load = [cargo.weight_t !== null ? measure(cargo.weight_t, "т") : null, cargo.volume_m3 !== null ? measure(cargo.volume_m3, "м³") : null]
    .filter(Boolean).join(", ");
  return [
    line("Маршрут", route(cargo)),
    line("Погрузка", windowText(cargo.from)),
    line("Груз", load),
    line("Расстояние", cargo.distance_km !== null ? measure(cargo.distance_km, "км", 0) : null),
    line("Цена в заявке", cargo.price_rub ? rub(cargo.price_rub) : "не указана"),
  ].filter(Boolean);
}

export function offerOpen() { return !$("offer-sheet").hidden; }

export async function closeOffer() {
  if (offerDirty && !(await confirmDialog("Закрыть без отправки отклика?"))) return;
  if (state.cargo) dropDraft(state.cargo.id);
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

// The server's bounds (core/responses/service.py MIN_RATE_RUB/MAX_RATE_RUB; tests/unit/test_webapp_labels.py
// checks they agree), so a wrong rate is said before the write-access question, not after it.
const MIN_RATE_RUB = 100;
const MAX_RATE_RUB = 50000000;

/** What is wrong with the typed rate, or null. */
function rateProblem(typed) {
  if (!typed) return "Укажите ставку в рублях";
  if (!/^\d+$/.test(typed)) return "Укажите ставку целым числом рублей, только цифры";
  const rate = Number(typed);
  if (rate < MIN_RATE_RUB || rate > MAX_RATE_RUB) return `Ставка от ${groupDigits(String(MIN_RATE_RUB))} до ${groupDigits(String(MAX_RATE_RUB))} ₽`;
  return null;
}

function showOfferError(text) {
  $("offer-errors").textContent = text || "";
  $("offer-errors").hidden = !text;
  if (text) $("offer-rate").setAttribute("aria-invalid", "true"); else $("offer-rate").removeAttribute("aria-invalid");
}

async function sendOffer(event) {
  event.preventDefault();
  const typed = amountText($("offer-rate").value);
  const problem = rateProblem(typed);
  if (problem) { showOfferError(problem); $("offer-rate").focus(); return; }
  const body = { rate_rub: Number(typed) };
  const comment = $("offer-comment").value.trim();
  const phone = $("offer-phone").value.trim();
  if (comment) body.comment = comment;
  if (phone) body.phone = phone;
  $("offer-send").disabled = true;
  try {
    await askBeforeNotifying();
    const result = await submitResponse(state.cargo.id, body, route(state.cargo));  // waits on the device without network
    state.myResponse = result.queued || result.response;
    if (phone) write("phone", phone, () => false);  // per driver on the device (js/offlinestore.js); best effort
    dropDraft(state.cargo.id);
    setDirty(false);
    $("offer-sheet").hidden = true;
    haptic.success();
    toast(!result.queued ? "Отклик отправлен диспетчеру" :
      result.kept ? "Нет сети — отклик отправится, когда связь вернётся" : "Нет сети. " + NOT_KEPT);
    renderMyResponse();
  } catch (error) {
    if (error.status === 402) {  // the subscription ended meanwhile: keep the offer, pay, come back
      saveDraft();
      setDirty(false);
      $("offer-sheet").hidden = true;
      toast(error.message);
      state.subscription = null;
      plansThenBack(state.cargo.id);
      return;
    }
    showOfferError(errorText(error));
  } finally {
    $("offer-send").disabled = false;
  }
}

async function withdraw() {
  if (!(await confirmDialog("Отозвать отклик?"))) return;
  try {
    const result = await withdrawResponse(state.cargo.id);  // an offer still waiting for the load is dropped
    state.myResponse = result.response;
    toast("Отклик отозван");
    renderMyResponse();
  } catch (error) { toast(error.message); }
}

/** Bind the offer sheet; `openDetail` shows a load (the way back from the plans screen). */
export function wireOffer(openDetail) {
  openLoad = openDetail;
  onReachChange(() => { if (state.detailOpen) renderMyResponse(); });
  onQueueChange(({ cargoId, response }) => {  // a queued offer was sent, or refused
    if (!state.detailOpen || !state.cargo || String(state.cargo.id) !== cargoId) return;
    const item = queuedFor(cargoId);
    state.myResponse = response || (item ? asResponse(item) : state.myResponse);
    renderMyResponse();
  });
  $("offer").addEventListener("submit", sendOffer);
  $("close-offer").addEventListener("click", closeOffer);
  $("offer-sheet").addEventListener("click", (e) => { if (e.target === $("offer-sheet")) closeOffer(); });
  groupAsTyped($("offer-rate"), groupDigits);
  for (const id of ["offer-rate", "offer-comment", "offer-phone"]) {
    $(id).addEventListener("input", () => {
      setDirty(true);
      saveDraft();
      if (id === "offer-rate") { updateDiff(); showOfferError(null); }  // the old complaint no longer holds
    });
  }
  $("offer-contact").addEventListener("click", () => {
    webApp().requestContact((shared, response) => {
      const contact = shared && response && response.responseUnsafe && response.responseUnsafe.contact;
      if (contact && contact.phone_number) {
        $("offer-phone").value = (contact.phone_number.startsWith("+") ? "" : "+") + contact.phone_number;
        setDirty(true);
        saveDraft();
      }
    });
  });
}

/** Telegram's MainButton on the detail screen is «Откликнуться»; wired once Telegram's script has run. */
export function onMainButton() {
  if (state.detailOpen && $("offer-sheet").hidden) openOffer();
}
