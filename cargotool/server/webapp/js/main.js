// cargotool Mini App entry point: log in with Telegram initData, browse loads with filters, open a load.
// Works inside Telegram (telegram-web-app.js) and in an ordinary browser given #tgWebAppData=... .
// One module per screen or concern; see docs/architecture.md («Mini App») for how to add a screen.

import { closeAdmin, wireAdmin } from "./admin.js";
import { login, api } from "./api.js";
import { closePlans, openPlans, wireBilling } from "./billing.js";
import { closeDetail, openDetail } from "./detail.js";
import { $ } from "./dom.js";
import { closeSheet, loadFilters, saveFilters, sheetOpen, summary, wireFilters } from "./filters.js";
import { closePositionSheet, initInsights, positionSheetOpen } from "./insights.js";
import { loadPage, watchPull, watchScroll } from "./list.js";
import { closeOffer, offerOpen, wireOffer } from "./offer.js";
import { closeResponses, openResponses } from "./responses.js";
import { closeSearches, closeSearchSheet, openSearchById, searchSheetOpen, wireSearches } from "./searches.js";
import { state } from "./state.js";
import { applyTheme, haptic, launchParams, tg } from "./telegram.js";

/** Telegram's back button and every «‹ Назад»: close the topmost thing that is open. */
function back() {
  if (state.adminOpen) closeAdmin();
  else if (state.plansOpen) closePlans();
  else if (offerOpen()) closeOffer();
  else if (searchSheetOpen()) closeSearchSheet();
  else if (sheetOpen()) closeSheet();
  else if (positionSheetOpen()) closePositionSheet();
  else if (state.detailOpen) closeDetail();
  else if (state.searchesOpen) closeSearches();
  else closeResponses();
}

function wire() {
  if (tg) {
    tg.ready();
    tg.expand();
    tg.BackButton.onClick(back);
  }
  for (const id of ["detail-back", "responses-back", "searches-back", "admin-back", "plans-back"]) $(id).addEventListener("click", back);
  $("retry-list").addEventListener("click", () => loadPage(true));
  $("open-responses").addEventListener("click", () => { haptic.tap(); openResponses(); });
  wireFilters();
  wireOffer(openDetail);
  wireBilling();
  wireAdmin();
  wireSearches();
}

async function start() {
  applyTheme(launchParams().theme);
  wire();
  let session;
  try {
    session = await login();
  } catch (error) {
    $("fatal-text").textContent = error.message;
    $("fatal").hidden = false;
    return;
  }
  loadFilters();
  summary();
  await initInsights({ reload: () => loadPage(true), openDetail,
    showList: () => { saveFilters(); summary(); closeDetail(); loadPage(true); } });
  watchScroll();
  watchPull();
  api("/api/dictionaries").then((d) => { state.dictionaries = d; }).catch(() => { state.dictionaries = null; });
  api("/api/me").then((me) => {
    state.subscription = me.subscription;
    state.paywall = me.paywall;  // known before a driver without a subscription starts typing an offer
    $("open-admin").hidden = !me.is_admin;
  }).catch(() => {});
  await loadPage(true);
  const deepLink = /^c_(\d{1,20})$/.exec(session.start_param || "");
  const fromBot = /^\d{1,20}$/.exec(new URLSearchParams(location.search).get("load") || "");
  if (deepLink) openDetail(deepLink[1]); else if (fromBot) openDetail(fromBot[0]);
  else if (new URLSearchParams(location.search).get("screen") === "plans") openPlans();
  else if (/^\d{1,12}$/.test(new URLSearchParams(location.search).get("search") || "")) {
    openSearchById(Number(new URLSearchParams(location.search).get("search")));  // a digest's button
  }
}

start();  // a module runs after the document is parsed
