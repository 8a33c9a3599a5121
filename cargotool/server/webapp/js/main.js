// cargotool Mini App entry point: log in with Telegram initData, browse loads with filters, open a load.
// Works inside Telegram (telegram-web-app.js) and in an ordinary browser given #tgWebAppData=... .
// One module per screen or concern; see docs/architecture.md («Mini App») for how to add a screen.

import { login, api } from "./api.js";
import { $ } from "./dom.js";
import { closeSheet, loadFilters, restoreFilters, saveFilters, sheetOpen, summary, wireFilters } from "./filters.js";
import { closePositionSheet, initInsights, positionSheetOpen } from "./insights.js";
import { holdTaps, later, ready, withScreens } from "./later.js";
import { loadPage, watchPull, watchScroll } from "./list.js";
import { loadFavourites } from "./marks.js";
import { dropOld } from "./offline.js";
import { startQueue, wireQueue } from "./offlinequeue.js";
import { useDriver } from "./offlinestore.js";
import { wirePlatform } from "./platform.js";
import { closeAllScreens, state } from "./state.js";
import { applyTheme, haptic, launchParams, whenTelegram } from "./telegram.js";

/** Telegram's back button and every «‹ Назад»: close the topmost thing that is open. The screens of the
 * second script (js/screens.js) can be open only once it is here. */
function back() {
  const s = ready();
  if (s && state.adminOpen) s.closeAdmin();
  else if (s && state.settingsOpen) s.closeSettings();
  else if (s && state.hiddenOpen) s.closeHidden();
  else if (s && state.chainsOpen) s.closeChains();
  else if (s && state.freeOpen) s.closeFree();
  else if (s && state.plansOpen) s.closePlans();
  else if (s && s.offerOpen()) s.closeOffer();
  else if (s && s.searchSheetOpen()) s.closeSearchSheet();
  else if (sheetOpen()) closeSheet();
  else if (positionSheetOpen()) closePositionSheet();
  else if (s && state.detailOpen) s.closeDetail();
  else if (s && state.searchesOpen) s.closeSearches();
  else if (s && state.favouritesOpen) s.closeFavourites();
  else if (s) s.closeResponses();
}

/** Telegram's own buttons, once its script has run (at once, late, or never: nothing waits for it). */
function wireTelegram(tg) {
  document.documentElement.classList.add("tg");
  tg.ready();
  tg.expand();
  tg.BackButton.onClick(back);
  tg.MainButton.onClick(() => { if (ready()) ready().onMainButton(); });
  if (state.detailOpen || state.responsesOpen || state.plansOpen || state.adminOpen || state.searchesOpen || state.settingsOpen ||
    state.favouritesOpen || state.hiddenOpen || state.chainsOpen || state.freeOpen) tg.BackButton.show();
  if (state.detailOpen && ready()) ready().renderMyResponse();
}

function wire() {
  for (const id of ["detail-back", "responses-back", "searches-back", "admin-back", "plans-back", "settings-back", "favourites-back", "hidden-back"]) $(id).addEventListener("click", back);
  $("retry-list").addEventListener("click", () => loadPage(true));
  $("open-responses").addEventListener("click", () => { haptic.tap(); withScreens((s) => s.openResponses()); });
  wireFilters();
  holdTaps(["open-plans", "open-searches", "watch-search", "open-admin", "open-settings", "open-favourites", "open-hidden",
    "favourites-hidden", "open-chains", "open-free"]);
  wirePlatform($("screen-list"));  // wired by the second script
  wireQueue();
  whenTelegram(wireTelegram);
}

/** The launch data's Telegram user id (not verified: it only picks this device's own copy), or null. */
function launchUserId() {
  try { return JSON.parse(new URLSearchParams(launchParams().initData).get("user")).id || null; } catch (e) { return null; }
}

/** No network at start (the page came from the cache): show the device's copy of the last list, and start over
 * once the network is back. False when there is no copy to show. */
function startOffline() {
  const id = launchUserId();
  if (!id) return false;
  state.driver = { telegram_id: id };
  useDriver(id);
  loadFilters();
  summary();
  loadPage(true);
  startQueue();
  window.addEventListener("online", () => location.reload(), { once: true });
  return true;
}

async function start() {
  applyTheme(launchParams().theme);
  wire();
  let session;
  try {
    session = await login();
  } catch (error) {  // nothing works without a session: no screen (and no header buttons) behind the message
    if (error.status === 0 && startOffline()) return;
    closeAllScreens();
    $("fatal-text").textContent = error.message;
    $("fatal").hidden = false;
    return;
  }
  loadFilters();
  summary();
  restoreFilters(() => { summary(); loadPage(true); });  // from DeviceStorage when this webview lost its copy
  // not awaited: its view (from the device) is set at once; its profile must not hold up the first page
  initInsights({ reload: () => loadPage(true), openDetail: (id) => withScreens((s) => s.openDetail(id)),
    showList: () => { saveFilters(); summary(); if (ready()) ready().closeDetail(); loadPage(true); },
    saveFilters: () => { saveFilters(); summary(); },
    saveSearch: (...args) => later().then((s) => s.quickSave(...args)),
    openSearches: () => withScreens((s) => { s.closeDetail(); s.openSearches(); }),
    openPlans: (back) => withScreens((s) => s.openPlans(back)) });
  watchScroll();
  watchPull();
  await loadPage(true, session);
  dropOld().then(startQueue).catch(() => {});  // offline copies older than a day go; offers made offline are sent
  later().catch(() => {});  // the other screens' script, now that the first cards are up
  loadFavourites();  // the ☆ of the cards shown (favourites are flagged by the server only on a personal page)
  // not needed for the first screen: asked only once the first cards are up
  api("/api/responses").catch(() => {});  // «Мои отклики» kept on the device for a time without network (js/offline.js)
  api("/api/dictionaries").then((d) => { state.dictionaries = d; }).catch(() => { state.dictionaries = null; });
  api("/api/me").then((me) => {
    state.subscription = me.subscription;
    state.paywall = me.paywall;  // known before a driver without a subscription starts typing an offer
    $("open-admin").hidden = !me.is_admin;
  }).catch(() => {});
  const deepLink = /^c_(\d{1,20})$/.exec(session.start_param || "");
  const fromBot = /^\d{1,20}$/.exec(new URLSearchParams(location.search).get("load") || "");
  const search = new URLSearchParams(location.search).get("search");
  if (deepLink) withScreens((s) => s.openDetail(deepLink[1]));
  else if (fromBot) withScreens((s) => s.openDetail(fromBot[0]));
  else if (new URLSearchParams(location.search).get("screen") === "plans") withScreens((s) => s.openPlans());
  else if (/^\d{1,12}$/.test(search || "")) withScreens((s) => s.openSearchById(Number(search)));  // a digest's button
}

start();  // a module runs after the document is parsed
