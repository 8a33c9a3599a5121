// Subscription and payment: plans, YooKassa checkout (opened outside Telegram), promo codes.

import { api, errorText } from "./api.js";
import { $, el, toast } from "./dom.js";
import { rub } from "./format.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, hideMainButton, openExternal, showBackButton } from "./telegram.js";

let discountCode = null;  // a discount promo code, applied when paying

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
    $("subscription-status").textContent = subscriptionText(me.subscription);
    return me.subscription;
  } catch (e) { return null; }
}

export async function openPlans() {
  closeAllScreens();
  $("screen-plans").hidden = false;
  state.plansOpen = true;
  showBackButton();
  hideMainButton();
  refreshSubscription();
  $("plans").replaceChildren(el("li", { class: "skeleton" }));
  try {
    const { plans } = await api("/api/plans");
    $("plans").replaceChildren(...plans.map((p) => el("li", { class: "card plan", "data-plan": p.id },
      el("div", {}, el("div", { class: "route" }, p.title), el("div", { class: "specs" }, Math.round(p.price_rub / p.days) + " ₽ в день")),
      el("button", { class: "primary", type: "button", onclick: () => payFor(p.id) }, rub(p.price_rub)))));
  } catch (error) { $("plans").replaceChildren(el("li", { class: "state" }, error.message)); }
}

export function closePlans() {
  if (!state.plansOpen) return;
  state.plansOpen = false;
  $("screen-plans").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

async function payFor(planId) {
  haptic.tap();
  const body = { plan: planId };
  if (discountCode) body.promo_code = discountCode;
  try {
    const payment = await api("/api/payments", false, { method: "POST", body });
    // Telegram's rules for digital goods: the payment page opens outside Telegram
    openExternal(payment.confirmation_url);
    $("promo-result").textContent = `К оплате ${rub(payment.amount_rub)}. Ждём подтверждения от ЮKassa…`;
    waitForPayment();
  } catch (error) {
    $("promo-result").textContent = errorText(error);
  }
}

function waitForPayment() {
  let tries = 0;
  clearInterval(state.paymentTimer);
  state.paymentTimer = setInterval(async () => {
    tries += 1;
    const sub = await refreshSubscription();
    if ((sub && sub.active) || tries > 40 || !state.plansOpen) {
      clearInterval(state.paymentTimer);
      if (sub && sub.active) { haptic.success(); toast("Подписка оформлена"); $("promo-result").textContent = "Оплата получена, спасибо!"; }
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
  $("promo-apply").addEventListener("click", applyPromo);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.plansOpen) refreshSubscription(); });
}
