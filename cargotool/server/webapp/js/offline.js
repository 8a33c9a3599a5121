// Offline copies of what the driver saw: the last list, each load they opened (with its contacts, when they had
// access: the answer is kept as it came) and «Мои отклики». js/api.js hands every successful GET of those here
// (`answered`) and, when the network fails, asks for the copy (`recall`): it comes back marked with its age,
// and the banner says «Нет сети — показаны данные от 14:05 (40 мин назад)». Kept per driver on the device
// (js/offlinestore.js); bounded by BOUNDS and offlinestore's LIMITS; copies older than a day are dropped.

import { $ } from "./dom.js";
import { savedAgoText } from "./format.js";
import { read, remove, storedNames, write, writtenAt } from "./offlinestore.js";

export const BOUNDS = {
  details: 30,             // loads opened, least recently opened out first
  detailChars: 60000,      // a bigger answer is not kept
  listItems: 100,          // cards of the last list (its pages as scrolled)
  cargoResponses: 30,      // «my response» of each load opened
  maxAgeMs: 24 * 3600 * 1000,
};

/** A load's copy: what goes first when the device runs out of room (js/offlinequeue.js makes room with them). */
export const isDetail = (name) => name.startsWith("d_");

/** What a path is a copy of: the list, a load, or my responses (of one load); null for anything else. */
function kindOf(path) {
  const url = new URL(path, location.origin);
  if (url.pathname === "/api/cargos") return { name: "list", url };
  const detail = /^\/api\/cargos\/(\d{1,20})$/.exec(url.pathname);
  if (detail) return { name: "d_" + detail[1], url };
  if (url.pathname === "/api/responses") return { name: "resp", url, cargo: url.searchParams.get("cargo_id") };
  return null;
}

/** The list's search without its paging: a copy answers only the same search. */
function searchOf(url) {
  const params = new URLSearchParams(url.search);
  params.delete("offset");
  params.delete("limit");
  params.sort();
  return params.toString();
}

let decorate = (body) => body;  // js/offlinequeue.js shows queued responses among the server's

/** js/offlinequeue.js: `decorate(body, cargoId)` adds what waits to be sent to an answer of /api/responses. */
export function onResponses(fn) { decorate = fn; }

async function rememberList(url, body) {
  if (!url.searchParams.has("offset")) return;  // not a page of the list (the filter sheet's check asks for one card)
  const search = searchOf(url);
  const offset = Number(url.searchParams.get("offset") || 0);
  let entry = { t: Date.now(), search, items: [], meta: body.meta };
  if (offset > 0) {
    const earlier = await read("list");
    if (!earlier || earlier.search !== search) return;
    entry = { ...earlier, meta: body.meta };
  }
  entry.items = entry.items.concat(body.items).slice(0, BOUNDS.listItems);
  await write("list", entry, isDetail);
}

async function rememberDetail(name, body) {
  if (JSON.stringify(body).length > BOUNDS.detailChars) return;
  await write(name, { t: Date.now(), body }, (old) => isDetail(old) && old !== name);
  const details = storedNames().filter(isDetail);
  for (const old of details.slice(0, Math.max(0, details.length - BOUNDS.details))) await remove(old);
}

async function rememberResponses(cargo, body) {
  const entry = (await read("resp")) || { t: 0, items: null, byCargo: {} };
  if (cargo) {
    entry.byCargo[cargo] = { t: Date.now(), items: body.items };
    const cargos = Object.keys(entry.byCargo).sort((a, b) => entry.byCargo[a].t - entry.byCargo[b].t);
    for (const old of cargos.slice(0, Math.max(0, cargos.length - BOUNDS.cargoResponses))) delete entry.byCargo[old];
  } else {
    entry.t = Date.now();
    entry.items = body.items;
  }
  await write("resp", entry, isDetail);
}

let saving = Promise.resolve();

/** A successful GET: keep a copy when it is one we keep, and hide the banner (the network is back). */
export function answered(path, body) {
  const kind = kindOf(path);
  hideBanner();
  if (!kind || !body) return body;
  // one copy at a time (each reads what it adds to); one that could not be kept is not worth failing the screen for
  saving = saving.then(() => (kind.name === "list" ? rememberList(kind.url, body)
    : kind.name === "resp" ? rememberResponses(kind.cargo, body) : rememberDetail(kind.name, body))).catch(() => {});
  return kind.name === "resp" ? decorate(body, kind.cargo) : body;
}

const fresh = (t) => Boolean(t) && Date.now() - t <= BOUNDS.maxAgeMs;

async function copyOf(kind) {
  const entry = await read(kind.name);
  if (!entry) return null;
  if (kind.name === "list") {
    if (entry.search !== searchOf(kind.url) || !fresh(entry.t)) return null;
    const first = Number(kind.url.searchParams.get("offset") || 0) === 0;
    return { t: entry.t, body: { items: first ? entry.items : [], meta: { ...entry.meta, stale: false, next_offset: null } } };
  }
  if (kind.name === "resp") {
    const own = kind.cargo ? entry.byCargo[kind.cargo] : null;
    if (own && fresh(own.t)) return { t: own.t, body: { items: own.items } };
    if (!entry.items || !fresh(entry.t)) return null;
    return { t: entry.t, body: { items: entry.items.filter((r) => !kind.cargo || String(r.cargo_id) === kind.cargo) } };
  }
  return fresh(entry.t) ? { t: entry.t, body: entry.body } : null;
}

/** The copy answering a GET that could not reach the server (marked `offline_saved_at`), or null. */
export async function recall(path) {
  const kind = kindOf(path);
  if (!kind) return null;
  const copy = await copyOf(kind).catch(() => null);
  if (!copy) return null;
  showBanner(copy.t);
  const body = { ...copy.body, offline_saved_at: new Date(copy.t).toISOString() };
  return kind.name === "resp" ? decorate(body, kind.cargo) : body;
}

const KEPT = new Set(["queue", "phone"]);  // what waits to be sent, and the phone for the next offer (js/offer.js)

/** Drop copies older than a day (at start). */
export async function dropOld() {
  for (const name of storedNames()) if (!KEPT.has(name) && !fresh(writtenAt(name))) await remove(name);
}

// ---- the banner --------------------------------------------------------------------------------------

let shownSince = null;
let ticker = null;

function renderBanner() {
  if (shownSince === null) return;
  $("offline-banner").textContent = "Нет сети — показаны данные " + savedAgoText(shownSince, Date.now());
}

function showBanner(savedAt) {
  shownSince = shownSince === null ? savedAt : Math.min(shownSince, savedAt);  // the oldest copy on screen
  renderBanner();
  $("offline-banner").hidden = false;
  if (!ticker) ticker = setInterval(renderBanner, 30000);
}

function hideBanner() {
  if (shownSince === null) return;
  shownSince = null;
  clearInterval(ticker);
  ticker = null;
  $("offline-banner").hidden = true;
}
