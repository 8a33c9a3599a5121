// «Настройки»: the privacy policy, the position consent, «Удалить мои данные» (DELETE /api/me), and the one-time
// offer to put the app on the home screen once a driver has come back a few times (never again after it).

import { api } from "./api.js";
import { forgetConsent } from "./consent.js";
import { $, el, toast } from "./dom.js";
import { forgetQueue } from "./offlinequeue.js";
import { forgetDriver } from "./offlinestore.js";
import { addToHomeScreen, deviceGet, deviceRemove, deviceSet, homeScreenStatus, popup } from "./platform.js";
import { closeAllScreens, state } from "./state.js";
import { haptic, hideBackButton, showBackButton } from "./telegram.js";

export const VISITS_BEFORE_HOME_OFFER = 3;

function homeKey() { return "cargotool.home." + (state.driver ? state.driver.telegram_id : "anon"); }

async function renderConsent() {
  $("consent-status").textContent = "…";
  try {
    const answer = (await api("/api/me/consent")).position.answer;
    const when = answer ? new Date(answer.at).toLocaleString("ru-RU", { timeZone: "Europe/Moscow", dateStyle: "short", timeStyle: "short" }) : "";
    $("consent-status").textContent = !answer ? "Местоположение: разрешение не спрашивали." :
      answer.answer ? `Местоположение: вы разрешили ${when} (МСК).` : `Местоположение: вы не разрешили (${when} МСК).`;
    $("withdraw-consent").hidden = !(answer && answer.answer);
  } catch (error) { $("consent-status").textContent = error.message; }
}

export function openSettings() {
  closeAllScreens();
  $("screen-settings").hidden = false;
  state.settingsOpen = true;
  window.scrollTo(0, 0);
  showBackButton();
  renderConsent();
}

export function closeSettings() {
  state.settingsOpen = false;
  $("screen-settings").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

async function withdrawConsent() {
  try {
    await api("/api/me/consent", false, { method: "PUT", body: { kind: "position", answer: false } });
    await api("/api/me/position", false, { method: "DELETE" });
    forgetConsent();
    haptic.success();
    toast("Согласие отозвано, местоположение забыто");
    renderConsent();
  } catch (error) { toast(error.message); }
}

/** What this device keeps of the driver: their filters, order, phone draft, home-screen offer. */
function forgetOnDevice() {
  try {
    const id = state.driver ? String(state.driver.telegram_id) : "";
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("cargotool.") && (key.endsWith("." + id) || key === "cargotool.phone")) localStorage.removeItem(key);
    }
  } catch (e) {}
  for (const key of ["filters", "home"]) deviceRemove(key);
  forgetQueue();
  forgetDriver();  // the offline copies (js/offlinestore.js)
}

async function forgetMe() {
  const choice = await popup("Удалить мои данные?",
    "Удалятся местоположение, расход топлива, поиски, сессии и согласия; отзывы станут обезличенными. " +
    "Записи о платежах останутся: их хранения требует закон.",
    [{ id: "delete", type: "destructive", text: "Удалить" }, { id: "cancel", type: "cancel" }]);
  if (choice !== "delete") return;
  try {
    const answer = await api("/api/me", false, { method: "DELETE" });
    forgetOnDevice();
    forgetConsent();
    haptic.success();
    $("forget-me").hidden = true;
    $("forget-result").replaceChildren(
      el("p", { class: "state-title" }, answer.message),
      el("p", {}, "Удалено:"), el("ul", {}, answer.deleted.map((d) => el("li", {}, d))),
      el("p", {}, "Остаётся:"), el("ul", { id: "forget-kept" }, answer.kept.map((k) => el("li", {}, `${k.what}. ${k.why}`))),
      el("button", { class: "secondary", type: "button", onclick: () => location.reload() }, "Начать заново"));
    $("forget-result").hidden = false;
  } catch (error) { toast(error.message); }
}

// ---- the home screen -----------------------------------------------------------------------------------

async function readHome() {
  let local = {};
  try { local = JSON.parse(localStorage.getItem(homeKey()) || "{}"); } catch (e) {}
  let device = {};
  try { device = JSON.parse((await deviceGet("home")) || "{}"); } catch (e) {}
  return { visits: Math.max(Number(local.visits) || 0, Number(device.visits) || 0), done: local.done || device.done || null };
}

function writeHome(home) {
  const value = JSON.stringify(home);
  try { localStorage.setItem(homeKey(), value); } catch (e) {}
  deviceSet("home", value);
}

/** Count this visit; from the VISITS_BEFORE_HOME_OFFER-th on, offer the home-screen shortcut once, only when
 * Telegram says it can be added and is not there yet. Whatever the answer, it is never offered again. */
export async function offerHomeScreen() {
  const home = await readHome();
  home.visits += 1;
  writeHome(home);
  if (home.done || home.visits < VISITS_BEFORE_HOME_OFFER) return;
  const status = await homeScreenStatus();
  if (status === "added") { home.done = "added"; writeHome(home); return; }
  if (status !== "missed") return;  // unsupported or unknown: nothing to offer
  home.done = "offered";
  writeHome(home);
  const banner = el("div", { id: "home-offer", class: "banner home-offer", role: "status" },
    el("span", {}, "Добавить «Грузы» на экран «Домой»? Откроются в одно касание."),
    el("span", { class: "row-inline" },
      el("button", { class: "secondary", type: "button", id: "home-add", onclick: () => { addToHomeScreen(); banner.remove(); } }, "Добавить"),
      el("button", { class: "link", type: "button", id: "home-dismiss", onclick: () => banner.remove() }, "Не надо")));
  $("cards").before(banner);
}

export function wireSettings() {
  $("open-settings").addEventListener("click", () => { haptic.tap(); openSettings(); });
  $("withdraw-consent").addEventListener("click", withdrawConsent);
  $("forget-me").addEventListener("click", forgetMe);
  offerHomeScreen();
}
