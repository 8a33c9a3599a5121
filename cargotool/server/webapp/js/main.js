// cargotool Mini App entry point: log in with Telegram initData, browse loads with filters, open a load.
// Works inside Telegram (telegram-web-app.js) and in an ordinary browser given #tgWebAppData=... .
// One module per screen or concern; see docs/architecture.md («Mini App») for how to add a screen.

import { login, api } from "./api.js";
import { closePlans, openPlans, wireBilling } from "./billing.js";
import { closeDetail, openDetail } from "./detail.js";
import { $, toast } from "./dom.js";
import { closeSheet, loadFilters, saveFilters, sheetOpen, summary, wireFilters } from "./filters.js";
import { closePositionSheet, initInsights, positionSheetOpen } from "./insights.js";
import { loadPage, watchPull, watchScroll } from "./list.js";
import { closeOffer, offerOpen, onMainButton, renderMyResponse, wireOffer } from "./offer.js";
import { closeResponses, openResponses } from "./responses.js";
import { closeSearches, closeSearchSheet, openSearchById, openSearches, quickSave, searchSheetOpen, wireSearches } from "./searches.js";
import { closeAllScreens, state } from "./state.js";
import { applyTheme, haptic, launchParams, whenTelegram } from "./telegram.js";

let admin = null;  // admin.js, fetched the first time an operator opens the screen (drivers never need it)

/** The admin screen's script comes as a second file: the first screen of every driver does not wait for it. */
function wireAdminLoader() {
  $("open-admin").addEventListener("click", () => {
    haptic.tap();
    import("./admin.js").then((module) => {
      admin = module;
      module.wireAdmin();  // from now on admin.js answers the button itself
      module.openAdmin();
    }).catch(() => {
      wireAdminLoader();
      reloadIfOutdated().then((outdated) => {
        if (!outdated) toast("Не удалось загрузить раздел — проверьте связь и нажмите ещё раз");
      });
    });
  }, { once: true });
}

/** A page open across a deploy asks for a chunk the server no longer has: then load the current build. */
async function reloadIfOutdated() {
  const mine = document.querySelector('script[type="module"][src^="/static/app."]');
  try {
    const page = await (await fetch(location.pathname + location.search, { cache: "no-cache" })).text();
    if (!mine || page.includes(mine.getAttribute("src"))) return false;
  } catch (error) { return false; }  // offline: the toast says so
  location.reload();
  return true;
}

/** Telegram's back button and every «‹ Назад»: close the topmost thing that is open. */
function back() {
  if (state.adminOpen && admin) admin.closeAdmin();
  else if (state.plansOpen) closePlans();
  else if (offerOpen()) closeOffer();
  else if (searchSheetOpen()) closeSearchSheet();
  else if (sheetOpen()) closeSheet();
  else if (positionSheetOpen()) closePositionSheet();
  else if (state.detailOpen) closeDetail();
  else if (state.searchesOpen) closeSearches();
  else closeResponses();
}

/** Telegram's own buttons, once its script has run (at once, late, or never: nothing waits for it). */
function wireTelegram(tg) {
  document.documentElement.classList.add("tg");
  tg.ready();
  tg.expand();
  tg.BackButton.onClick(back);
  tg.MainButton.onClick(onMainButton);
  if (state.detailOpen || state.responsesOpen || state.plansOpen || state.adminOpen || state.searchesOpen) tg.BackButton.show();
  if (state.detailOpen) renderMyResponse();
}

function wire() {
  for (const id of ["detail-back", "responses-back", "searches-back", "admin-back", "plans-back"]) $(id).addEventListener("click", back);
  $("retry-list").addEventListener("click", () => loadPage(true));
  $("open-responses").addEventListener("click", () => { haptic.tap(); openResponses(); });
  wireFilters();
  wireOffer(openDetail);
  wireBilling();
  wireAdminLoader();
  wireSearches();
  whenTelegram(wireTelegram);
}

async function start() {
  applyTheme(launchParams().theme);
  wire();
  let session;
  try {
    session = await login();
  } catch (error) {  // nothing works without a session: no screen (and no header buttons) behind the message
    closeAllScreens();
    $("fatal-text").textContent = error.message;
    $("fatal").hidden = false;
    return;
  }
  loadFilters();
  summary();
  // not awaited: its view (from the device) is set at once; its profile must not hold up the first page
  initInsights({ reload: () => loadPage(true), openDetail,
    showList: () => { saveFilters(); summary(); closeDetail(); loadPage(true); },
    saveFilters: () => { saveFilters(); summary(); },
    saveSearch: quickSave, openSearches: () => { closeDetail(); openSearches(); } });
  watchScroll();
  watchPull();
  await loadPage(true, session);
  // not needed for the first screen: asked only once the first cards are up
  api("/api/dictionaries").then((d) => { state.dictionaries = d; }).catch(() => { state.dictionaries = null; });
  api("/api/me").then((me) => {
    state.subscription = me.subscription;
    state.paywall = me.paywall;  // known before a driver without a subscription starts typing an offer
    $("open-admin").hidden = !me.is_admin;
  }).catch(() => {});
  const deepLink = /^c_(\d{1,20})$/.exec(session.start_param || "");
  const fromBot = /^\d{1,20}$/.exec(new URLSearchParams(location.search).get("load") || "");
  if (deepLink) openDetail(deepLink[1]); else if (fromBot) openDetail(fromBot[0]);
  else if (new URLSearchParams(location.search).get("screen") === "plans") openPlans();
  else if (/^\d{1,12}$/.test(new URLSearchParams(location.search).get("search") || "")) {
    openSearchById(Number(new URLSearchParams(location.search).get("search")));  // a digest's button
  }
}

start();  // a module runs after the document is parsed
