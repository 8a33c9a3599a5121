// The one shared, mutable state of the page, and which screen is showing.

import { $ } from "./dom.js";

export const PAGE = 20;

export const state = {
  token: null,
  driver: null,
  filters: {},          // API query parameters (strings), persisted per driver
  names: {},            // city names for the chosen point ids, for display
  items: [],
  nextOffset: 0,
  loading: false,
  done: false,
  generation: 0,        // bumps on every new search; late answers of old searches are dropped
  dictionaries: null,
  subscription: null,   // from /api/me: {active, expires_at, source}
  paywall: null,        // from /api/me: which paywall parts are on (null: not known yet)
  botCanWrite: true,    // false while the server knows Telegram refuses the bot's messages (js/reach.js)
  detailOpen: false,
  responsesOpen: false,
  searchesOpen: false,
  plansOpen: false,
  adminOpen: false,
  settingsOpen: false,
  favouritesOpen: false,
  hiddenOpen: false,
  chainsOpen: false,
  freeOpen: false,
};

export const SCREENS = ["screen-list", "screen-detail", "screen-responses", "screen-searches", "screen-plans", "screen-admin", "screen-settings",
  "screen-favourites", "screen-hidden", "screen-chains", "screen-free"];

export function closeAllScreens() {
  for (const id of SCREENS) $(id).hidden = true;
  state.detailOpen = false;
  state.responsesOpen = false;
  state.searchesOpen = false;
  state.plansOpen = false;
  state.adminOpen = false;
  state.settingsOpen = false;
  state.favouritesOpen = false;
  state.hiddenOpen = false;
  state.chainsOpen = false;
  state.freeOpen = false;
}
