// Telegram's platform features, each checked with isVersionAtLeast, with the browser's way when absent:
// confirmations and popups (6.2), vertical swipes (7.7), sharing a prepared message and the home screen (8.0),
// and DeviceStorage (9.0). Outside Telegram (or on an older client) every helper quietly does the browser thing.

import { webApp, whenTelegram } from "./telegram.js";

/** Telegram's WebApp when it is at least `version` (and has `method`, if named), else null. */
function at(version, method) {
  const app = webApp();
  if (!app || typeof app.isVersionAtLeast !== "function" || !app.isVersionAtLeast(version)) return null;
  return !method || typeof app[method] === "function" ? app : null;
}

/** «OK / Отмена»: Telegram's showConfirm, else the browser's confirm(). Resolves to true or false. */
export function confirmDialog(text) {
  const app = at("6.2", "showConfirm");
  if (app) return new Promise((resolve) => app.showConfirm(text, (ok) => resolve(Boolean(ok))));
  return Promise.resolve(window.confirm(text));
}

/** A popup with our own buttons ([{id, type?, text}]): Telegram's showPopup, else confirm() for the first
 * button. Resolves to the id of the pressed button, or "" when closed. */
export function popup(title, message, buttons) {
  const app = at("6.2", "showPopup");
  if (app) return new Promise((resolve) => app.showPopup({ title, message, buttons }, (id) => resolve(id || "")));
  return Promise.resolve(window.confirm(message) ? buttons[0].id : "");
}

/** Telegram's swipe-down-to-close fights a pull-to-refresh: off while the list can be pulled, on elsewhere. */
export function allowVerticalSwipes(allowed) {
  const app = at("7.7", allowed ? "enableVerticalSwipes" : "disableVerticalSwipes");
  if (!app) return;
  if (allowed) app.enableVerticalSwipes(); else app.disableVerticalSwipes();
}

/** Keep swipes in step with the list screen: off while it shows, on while anything else does. */
export function swipesFollowList(list) {
  const sync = () => allowVerticalSwipes(list.hidden);
  new MutationObserver(sync).observe(list, { attributes: true, attributeFilter: ["hidden"] });
  sync();
  return sync;  // call again once Telegram's script has loaded
}

/** Telegram's DeviceStorage (9.0: setItem/getItem/removeItem/clear with callbacks), or null. */
export function deviceStorage() {
  const app = at("9.0");
  return app && app.DeviceStorage ? app.DeviceStorage : null;
}
const storage = deviceStorage;

// How long a read from DeviceStorage waits for telegram-web-app.js, which loads async (see telegram.js).
const TELEGRAM_WAIT_MS = 3000;

/** Telegram's object, once its script has run, or null after TELEGRAM_WAIT_MS (blocked, or not in Telegram). */
export function telegramSoon() {
  if (webApp()) return Promise.resolve(webApp());
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), TELEGRAM_WAIT_MS);
    whenTelegram((app) => { clearTimeout(timer); resolve(app); });
  });
}

/** A value from Telegram's DeviceStorage (null when absent, unsupported or failing). Read at start-up, it
 * waits for Telegram's script rather than taking "no script yet" for "no DeviceStorage". */
export async function deviceGet(key) {
  await telegramSoon();
  const store = storage();
  if (!store) return null;
  return new Promise((resolve) => {
    try { store.getItem(key, (error, value) => resolve(error || value === undefined || value === "" ? null : value)); }
    catch (e) { resolve(null); }
  });
}

export function deviceSet(key, value) {
  const store = storage();
  if (store) try { store.setItem(key, value, () => {}); } catch (e) {}
}

export function deviceRemove(key) {
  const store = storage();
  if (store) try { store.removeItem(key, () => {}); } catch (e) {}
}

/** Whether a prepared message can be shared from here (Telegram 8.0). */
export function canShareMessage() { return Boolean(at("8.0", "shareMessage")); }

/** Telegram's share dialog for a message the bot prepared; resolves to true when it was sent. */
export function shareMessage(preparedId) {
  const app = at("8.0", "shareMessage");
  if (!app) return Promise.resolve(false);
  return new Promise((resolve) => app.shareMessage(preparedId, (sent) => resolve(Boolean(sent))));
}

/** The home-screen shortcut's state: "unsupported", "unknown", "added" or "missed" (Telegram 8.0). */
export function homeScreenStatus() {
  const app = at("8.0", "checkHomeScreenStatus");
  if (!app || typeof app.addToHomeScreen !== "function") return Promise.resolve("unsupported");
  return new Promise((resolve) => app.checkHomeScreenStatus((status) => resolve(status || "unknown")));
}

export function addToHomeScreen() {
  const app = at("8.0", "addToHomeScreen");
  if (app) app.addToHomeScreen();
}

/** Open our own page (the privacy policy) outside the Mini App, so the app stays where it was. */
export function openOwnPage(path) {
  const url = new URL(path, location.origin).href;
  const app = webApp();
  if (app && app.openLink) app.openLink(url); else window.open(url, "_blank", "noopener");
}

/** Swipes follow the list screen (also once Telegram's script arrives late); policy links open outside. */
export function wirePlatform(list) {
  const sync = swipesFollowList(list);
  whenTelegram(sync);
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.policy-link");
    if (!link) return;
    event.preventDefault();
    openOwnPage(link.getAttribute("href"));
  });
}
