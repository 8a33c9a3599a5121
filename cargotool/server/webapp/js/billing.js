// Subscription and payment: plans, YooKassa checkout (opened outside Telegram) or Telegram Stars (an invoice
// opened inside Telegram; the 30-day plan renews itself, and its renewal can be turned off here), promo
// codes, the e-mail or phone for the 54-FZ receipt (when the server sends receipts), and the way back to
// the load that sent the driver here.

import { api, errorText } from "./api.js";
import { $, el, toast } from "./dom.js";
import { rub } from "./format.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, hideMainButton, openExternal, showBackButton, webApp } from "./telegram.js";

let discountCode = null;  // a discount promo code, applied when paying
let receiptRequired = false;
let returnTo = null;  // called by «Назад» and after paying: back to where the driver came from (a load)

function moscowDay(iso) { return new Date(iso).toLocaleDateString("ru-RU", { timeZone: "Europe/Moscow" }); }

export function subscriptionText(sub) {
  if (sub.active) return "Подписка активна до " + moscowDay(sub.expires_at);
  if (sub.expires_at) return "Подписка закончилась " + moscowDay(sub.expires_at);
  return "Подписки нет";
}

export async function refreshSubscription() {
  try {
    const me = await api("/api/me");
    state.subscription = me.subscription;
    state.paywall = me.paywall;
    $("subscription-status").textContent = subscriptionText(me.subscription);
    showRenewal(me.renewal);
    return me.subscription;
  } catch (e) { return null; }
}

const respondBlocked = () => Boolean(state.paywall && state.paywall["paywall.respond"] && !(state.subscription && state.subscription.active));

/** Whether the driver may respond to loads now; asks the server unless the answer is known to be yes
 * (a subscription may have started since the page learnt otherwise). */
export async function mayRespond() {
  if (!state.paywall || respondBlocked()) await refreshSubscription();
  return !respondBlocked();
}

function phoneText(digits) { return digits ? "+" + digits : ""; }

function showReceipt(receipt) {
  receiptRequired = Boolean(receipt && receipt.required);
  $("receipt-box").hidden = !receiptRequired;
  $("receipt-telegram").hidden = !(webApp() && webApp().requestContact);
  $("receipt-error").textContent = "";
  if (receiptRequired && !$("receipt-contact").value) {
    $("receipt-contact").value = receipt.email || phoneText(receipt.phone);
  }
}

/** The plans screen. `back`: what «Назад» (and a finished payment) returns to; default the list. */
export async function openPlans(back) {
  returnTo = typeof back === "function" ? back : null;
  closeAllScreens();
  $("screen-plans").hidden = false;
  state.plansOpen = true;
  showBackButton();
  hideMainButton();
  refreshSubscription();
  $("plans").replaceChildren(el("li", { class: "skeleton" }));
  try {
    const { plans, receipt } = await api("/api/plans");
    showReceipt(receipt);
    $("plans").replaceChildren(...plans.map(planCard));
  } catch (error) { $("plans").replaceChildren(el("li", { class: "state" }, error.message)); }
}

function planCard(p) {
  const pay = el("div", { class: "plan-pay" },
    el("button", { class: "primary pay-rub", type: "button", onclick: () => payFor(p.id) }, rub(p.price_rub)));
  if (p.stars) {
    pay.append(el("button", { class: "secondary pay-stars", type: "button", "aria-label": `${p.stars} звёзд Telegram`,
      onclick: () => payStars(p.id) }, "⭐ " + p.stars));
  }
  const perDay = Math.round(p.price_rub / p.days) + " ₽ в день" + (p.stars && p.days === 30 ? " · звёздами — с автопродлением" : "");
  return el("li", { class: "card plan", "data-plan": p.id },
    el("div", {}, el("div", { class: "route" }, p.title), el("div", { class: "specs" }, perDay)),
    pay, el("p", { class: "summary plan-note", "aria-live": "polite" }));
}

/** A message next to the plan the driver tapped (the others' are cleared). */
function planMessage(planId, text) {
  document.querySelectorAll("#plans .plan-note").forEach((node) => { node.textContent = ""; });
  const card = document.querySelector(`#plans .plan[data-plan="${planId}"] .plan-note`);
  if (card) card.textContent = text;
}

export function closePlans() {
  if (!state.plansOpen) return;
  state.plansOpen = false;
  clearInterval(state.paymentTimer);
  $("screen-plans").hidden = true;
  const back = returnTo;
  returnTo = null;
  if (back) { back(); return; }
  $("screen-list").hidden = false;
  hideBackButton();
}

/** The receipt contact as the API takes it: {email} or {phone}; null (and a message) when missing. */
function receiptContact() {
  const text = $("receipt-contact").value.trim();
  if (!text) {
    $("receipt-error").textContent = "Укажите e-mail или телефон: на него придёт чек об оплате";
    $("receipt-contact").focus();
    return null;
  }
  return text.includes("@") ? { email: text } : { phone: text };
}

async function payFor(planId) {
  haptic.tap();
  planMessage(planId, "");
  const body = { plan: planId };
  if (discountCode) body.promo_code = discountCode;
  if (receiptRequired) {
    const contact = receiptContact();
    if (!contact) return;
    Object.assign(body, contact);
    $("receipt-error").textContent = "";
  }
  try {
    const payment = await api("/api/payments", false, { method: "POST", body });
    // Telegram's rules for digital goods: the payment page opens outside Telegram
    openExternal(payment.confirmation_url);
    $("promo-result").textContent = `К оплате ${rub(payment.amount_rub)}. Ждём подтверждения от ЮKassa…`;
    waitForPayment();
  } catch (error) {
    const receiptError = error.fields && (error.fields.email || error.fields.phone);
    if (receiptError) $("receipt-error").textContent = receiptError;
    else planMessage(planId, errorText(error));
  }
}

const INVOICE_WORDS = {
  paid: "Оплата получена. Доступ откроется через несколько секунд…",
  pending: "Платёж обрабатывается. Доступ откроется, как только Telegram его подтвердит.",
  cancelled: "Оплата отменена.",
  failed: "Оплата не прошла. Попробуйте ещё раз или напишите в поддержку: /paysupport",
};

/** Pay for a plan in Telegram Stars: the server makes the invoice link, Telegram shows the payment. */
async function payStars(planId) {
  haptic.tap();
  planMessage(planId, "");
  try {
    const invoice = await api("/api/payments", false, { method: "POST", body: { plan: planId, method: "stars" } });
    const app = webApp();
    if (!app || !app.openInvoice) { openExternal(invoice.invoice_link); waitForPayment(); return; }
    app.openInvoice(invoice.invoice_link, (status) => {
      planMessage(planId, INVOICE_WORDS[status] || "");
      if (status === "paid" || status === "pending") { refreshSubscription(); waitForPayment(); }
      if (status === "failed") haptic.error();
    });
  } catch (error) { planMessage(planId, errorText(error)); }
}

/** The Stars subscription's renewal, with a button to turn it off (or back on). */
function showRenewal(renewal) {
  $("renewal-box").hidden = !renewal;
  if (!renewal) return;
  $("renewal-text").textContent = renewal.enabled
    ? `Автопродление звёздами включено: ⭐ ${renewal.stars} спишется ${moscowDay(renewal.period_ends_at)}.`
    : `Автопродление выключено: подписка закончится ${moscowDay(renewal.period_ends_at)}.`;
  $("renewal-toggle").textContent = renewal.enabled ? "Отключить автопродление" : "Включить автопродление";
  $("renewal-toggle").dataset.enabled = renewal.enabled ? "1" : "";
}

async function toggleRenewal() {
  haptic.tap();
  try {
    const result = await api("/api/subscription/renewal", false,
      { method: "POST", body: { enabled: !$("renewal-toggle").dataset.enabled } });
    showRenewal(result.renewal);
  } catch (error) { $("renewal-text").textContent = errorText(error); }
}

function waitForPayment() {
  let tries = 0;
  clearInterval(state.paymentTimer);
  state.paymentTimer = setInterval(async () => {
    tries += 1;
    const sub = await refreshSubscription();
    if ((sub && sub.active) || tries > 40 || !state.plansOpen) {
      clearInterval(state.paymentTimer);
      if (sub && sub.active) {
        haptic.success();
        toast("Подписка оформлена");
        $("promo-result").textContent = "Оплата получена, спасибо!";
        if (returnTo && state.plansOpen) closePlans();  // back to the load the driver was answering
      }
    }
  }, 3000);
}

async function applyPromo() {
  const code = $("promo-code").value.trim();
  if (!code) return;
  try {
    const result = await api("/api/promo/apply", false, { method: "POST", body: { code } });
    haptic.success();
    $("promo-result").textContent = `Промокод применён: +${result.promo.days} дн.`;
    $("subscription-status").textContent = subscriptionText(result.subscription);
    discountCode = null;
  } catch (error) {
    const message = (error.fields && error.fields.promo_code) || error.message;
    if (/скидк/.test(message)) {
      discountCode = code;
      $("promo-result").textContent = "Скидка по промокоду будет учтена при оплате.";
    } else {
      $("promo-result").textContent = message;
    }
  }
}

export function wireBilling() {
  $("open-plans").addEventListener("click", () => { haptic.tap(); openPlans(); });
  $("receipt-telegram").addEventListener("click", () => {
    webApp().requestContact((shared, response) => {
      const contact = shared && response && response.responseUnsafe && response.responseUnsafe.contact;
      if (contact && contact.phone_number) $("receipt-contact").value = phoneText(contact.phone_number.replace(/^\+/, ""));
    });
  });
  $("promo-apply").addEventListener("click", applyPromo);
  $("renewal-toggle").addEventListener("click", toggleRenewal);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.plansOpen) refreshSubscription(); });
}
