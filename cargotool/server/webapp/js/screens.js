// The screens a driver opens after the first card (the load, responding, my responses, saved searches,
// plans, the admin screen): the bundler makes this module and what only it needs a second script, which
// js/later.js asks for once the first cards are up, so the first card does not wait for it on a slow link.

import { closeAdmin, wireAdmin } from "./admin.js";
import { closePlans, openPlans, wireBilling } from "./billing.js";
import { closeChains, wireChains } from "./chains.js";
import { closeDetail, openDetail } from "./detail.js";
import { closeFree, wireFree } from "./free.js";
import { closeOffer, offerOpen, onMainButton, renderMyResponse, wireOffer } from "./offer.js";
import { closeResponses, openResponses } from "./responses.js";
import { closeSettings, wireSettings } from "./settings.js";
import { closeFavourites, closeHidden, wireShortlist } from "./shortlist.js";
import { closeSearches, closeSearchSheet, openSearchById, openSearches, quickSave, searchSheetOpen, wireSearches } from "./searches.js";

export const screens = {
  closeAdmin, closePlans, openPlans, closeDetail, openDetail, closeOffer, offerOpen, onMainButton, renderMyResponse,
  closeResponses, openResponses, closeSearches, closeSearchSheet, openSearchById, openSearches, quickSave, searchSheetOpen,
  closeSettings, closeFavourites, closeHidden, closeChains, closeFree,
};

/** Their buttons, once their script is here (js/later.js holds a tap that comes earlier). */
export function wireScreens() {
  wireOffer(openDetail);
  wireBilling();
  wireSearches();
  wireAdmin();
  wireSettings();
  wireShortlist(openDetail);
  wireChains();
  wireFree();
}
