// Responses made without network: kept on the device (js/offlinestore.js, «queue»), shown as «ждёт отправки» on
// the load's card, its detail and «Мои отклики», and sent when the network returns (the `online` event, the app's
// start, and every half minute while something waits). Each offer carries one Idempotency-Key (a UUID made before
// its first try) on every try, so the server answers a repeat as it did the first (core/responses/replay.py):
// sent exactly once even when a try's answer was lost. After it: «отправлен», or why not (the server's words).

import { api } from "./api.js";
import { $, el, toast } from "./dom.js";
import { plural } from "./format.js";
import { onResponses } from "./offline.js";
import { read, write } from "./offlinestore.js";

export const MAX_QUEUED = 5;
const MAX_AGE_MS = 24 * 3600 * 1000;  // the server remembers a key for a day (core/responses/replay.py)
const RETRY_MS = 30000;

let items = [];        // {key, cargoId, body, route, at, state: "waiting"|"failed", error}
let listeners = [];
let sending = null;    // the flush under way: one at a time, so nothing is sent twice from here

/** A UUID v4 for an offer's Idempotency-Key. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `listener({cargoId, response, item})` after a queued offer was sent (`response`) or refused (`item.error`). */
export function onQueueChange(listener) { listeners.push(listener); }

function changed(event) {
  refreshCards();
  for (const listener of listeners) { try { listener(event); } catch (e) {} }
}

const save = () => write("queue", items, () => false);

/** How a queued offer looks where a response from the server would: «ждёт отправки» or «не отправлен». */
export function asResponse(item) {
  return { id: null, cargo_id: item.cargoId, rate_rub: item.body.rate_rub, comment: item.body.comment || null,
    phone: item.body.phone || null, status: item.state === "failed" ? "failed" : "queued", queue_error: item.error || null,
    created_at: new Date(item.at).toISOString(), updated_at: new Date(item.at).toISOString(),
    cargo: { display: { route: item.route } } };
}

export function queuedFor(cargoId) { return items.find((i) => i.cargoId === String(cargoId)) || null; }

/** An answer of /api/responses with what waits here in front (it replaces the server's older offer). */
function withQueued(body, cargoId) {
  const mine = items.filter((i) => !cargoId || i.cargoId === String(cargoId));
  if (!mine.length) return body;
  const ids = new Set(mine.map((i) => i.cargoId));
  return { ...body, items: [...mine.map(asResponse), ...body.items.filter((r) => !ids.has(String(r.cargo_id)))] };
}

/** A line for the load's card in the list when an offer for it waits or was refused. */
export function queuedLine(cargoId) {
  const item = queuedFor(cargoId);
  if (!item) return null;
  return el("div", { class: "queued-line status " + (item.state === "failed" ? "failed" : "queued") },
    item.state === "failed" ? "Отклик не отправлен: " + item.error : "Отклик ждёт отправки");
}

function refreshCards() {
  for (const card of document.querySelectorAll("#cards .card")) {
    const old = card.querySelector(".queued-line");
    const line = queuedLine(card.getAttribute("data-id"));
    if (old) old.remove();
    if (line) card.append(line);
  }
}

/** Send an offer; without network it waits here. Resolves to the server's answer, or `{queued: response}`. */
export async function submitResponse(cargoId, body, route) {
  const item = { key: newKey(), cargoId: String(cargoId), body, route, at: Date.now(), state: "waiting", error: null };
  try {
    return await post(item);
  } catch (error) {
    if (error.status !== 0) throw error;
    const others = items.filter((i) => i.cargoId !== item.cargoId);  // a newer offer for the load replaces the older
    if (others.length >= MAX_QUEUED) {
      error.message = `Нет связи, а отправки уже ждут ${MAX_QUEUED} ${plural(MAX_QUEUED, "отклик", "отклика", "откликов")}. Отправьте их, когда появится сеть.`;
      throw error;
    }
    items = [...others, item];
    await save();
    changed({ cargoId: item.cargoId, item });
    return { queued: asResponse(item) };
  }
}

function post(item) {
  return api(`/api/cargos/${encodeURIComponent(item.cargoId)}/responses`, false,
    { method: "POST", body: item.body, headers: { "Idempotency-Key": item.key } });
}

/** The network is not there, or the server cannot take it now: try again later. */
const later = (error) => error.status === 0 || error.status === 429 || error.status >= 500;

async function sendOne(item) {
  try {
    const result = await post(item);
    items = items.filter((i) => i !== item);
    await save();
    toast(`Отклик «${item.route}» отправлен`);
    changed({ cargoId: item.cargoId, response: result.response, item });
    return true;
  } catch (error) {
    if (later(error)) return false;
    item.state = "failed";
    item.error = error.message;
    await save();
    toast("Отклик не отправлен: " + error.message);
    changed({ cargoId: item.cargoId, item });
    return true;
  }
}

/** Send what waits, in order, once: stops at the first try that needs the network (the rest wait too). */
export function flush() {
  if (!sending) {
    sending = (async () => {
      for (const item of items.filter((i) => i.state === "waiting")) if (!(await sendOne(item))) break;
    })().finally(() => { sending = null; });
  }
  return sending;
}

/** Forget a refused offer (its «Убрать» in «Мои отклики»). */
export async function dropQueued(cargoId) {
  items = items.filter((i) => i.cargoId !== String(cargoId));
  await save();
  changed({ cargoId: String(cargoId) });
}

/** «Удалить мои данные»: nothing waits any more (the device's copy goes with js/offlinestore.js's). */
export function forgetQueue() {
  items = [];
  changed({});
}

/** At start, after the login: read what waits (a day at most), and send it. */
export async function startQueue() {
  const stored = ((await read("queue")) || []).filter((i) => i && Date.now() - i.at <= MAX_AGE_MS);
  const made = items.filter((i) => !stored.some((s) => s.key === i.key));  // offers made while it was being read
  items = [...stored.filter((s) => !made.some((i) => i.cargoId === s.cargoId)), ...made];
  await save();
  refreshCards();
  await flush();
}

/** Whether anything waits to be sent (for the retry timer). */
const waiting = () => items.some((i) => i.state === "waiting");

export function wireQueue() {
  onResponses(withQueued);
  window.addEventListener("online", () => { flush(); });
  setInterval(() => { if (waiting() && navigator.onLine !== false) flush(); }, RETRY_MS);
  if ($("cards")) refreshCards();
}
