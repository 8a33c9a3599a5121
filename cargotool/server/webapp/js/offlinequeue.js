// Responses made without network: kept on the device (js/offlinestore.js, «queue»), shown as «ждёт отправки» on
// the load's card, its detail and «Мои отклики», and sent when the network returns (the `online` event, the app's
// start, and every half minute while something waits). Each offer carries one Idempotency-Key (a UUID made before
// its first try) on every try, so the server answers a repeat as it did the first (core/responses/replay.py):
// sent exactly once even when a try's answer was lost. After it: «отправлен», or why not (the server's words).
// A newer offer or a withdrawal that reaches the server directly replaces what waits for the load (an older
// queued offer must not be sent after it). A copy the server is still working on (`in_flight`) keeps waiting.
// Offers older than a day are not sent (the server forgets keys after a day): they show why.

import { api } from "./api.js";
import { $, el, toast } from "./dom.js";
import { plural } from "./format.js";
import { isDetail, onResponses } from "./offline.js";
import { read, write } from "./offlinestore.js";

export const MAX_QUEUED = 5;
const MAX_AGE_MS = 24 * 3600 * 1000;  // the server remembers a key for a day (core/responses/replay.py)
const RETRY_MS = 30000;

let items = [];        // {key, cargoId, body, route, at, state: "waiting"|"failed", error}
let listeners = [];
let sending = null;    // the flush under way: one at a time, so nothing is sent twice from here
const direct = new Set();  // loads whose offer or withdrawal is going to the server directly: not flushed meanwhile

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

/** Keep the queue on the device, making room from the cached details if need be; false when it could not. */
const save = () => write("queue", items, isDetail);

export const NOT_KEPT = "Отклик не сохранён на устройстве: не закрывайте приложение до появления связи";
const TOO_OLD = "прошло больше суток — отправьте заново";

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

/** Send an offer; without network it waits here. Resolves to the server's answer, or `{queued: response, kept}`
 * (`kept` false when the device could not store it: then it waits only while the app is open). */
export async function submitResponse(cargoId, body, route) {
  const item = { key: newKey(), cargoId: String(cargoId), body, route, at: Date.now(), state: "waiting", error: null };
  try {
    return await directly(item.cargoId, () => post(item));
  } catch (error) {
    if (error.status !== 0) throw error;
    const others = items.filter((i) => i.cargoId !== item.cargoId);  // a newer offer for the load replaces the older
    if (others.filter((i) => i.state === "waiting").length >= MAX_QUEUED) {
      error.message = `Без сети можно отложить не больше ${MAX_QUEUED} ${plural(MAX_QUEUED, "отклика", "откликов", "откликов")} — дождитесь связи`;
      throw error;
    }
    items = [...others, item];
    const kept = await save();
    changed({ cargoId: item.cargoId, item });
    return { queued: asResponse(item), kept };
  }
}

/** Withdraw the response to a load; what waits for it is dropped (the withdrawal is the driver's last word). */
export function withdrawResponse(cargoId) {
  return directly(String(cargoId), () => api(`/api/cargos/${encodeURIComponent(cargoId)}/responses`, false, { method: "DELETE" }));
}

/** `send()` straight to the server for a load: after the queue's send under way (so this one lands last), with
 * the load's queued offers held back; once it succeeds they are dropped, so none is sent after it. */
async function directly(cargoId, send) {
  direct.add(cargoId);
  try {
    await sending;
    const result = await send();
    await sending;
    if (items.some((i) => i.cargoId === cargoId)) {
      items = items.filter((i) => i.cargoId !== cargoId);
      await save();
      changed({ cargoId });
    }
    return result;
  } finally {
    direct.delete(cargoId);
  }
}

function post(item) {
  return api(`/api/cargos/${encodeURIComponent(item.cargoId)}/responses`, false,
    { method: "POST", body: item.body, headers: { "Idempotency-Key": item.key } });
}

/** The network is not there, or the server cannot take it now: try again later. */
const later = (error) => error.status === 0 || error.status === 429 || error.status >= 500 || error.code === "in_flight";

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
    await fail(item, error.message);
    return true;
  }
}

async function fail(item, why) {
  item.state = "failed";
  item.error = why;
  await save();
  toast("Отклик не отправлен: " + why);
  changed({ cargoId: item.cargoId, item });
}

/** Offers waiting longer than a day are not sent (their key is forgotten by then): the driver sees why. */
async function expireOld() {
  for (const item of items) if (item.state === "waiting" && Date.now() - item.at > MAX_AGE_MS) await fail(item, TOO_OLD);
}

/** Send what waits, in order, once: stops at the first try that needs the network (the rest wait too). Offers
 * of a load being answered directly (`directly`) are left for it. */
export function flush() {
  if (!sending) {
    sending = (async () => {
      await expireOld();
      for (const item of items.filter((i) => i.state === "waiting")) {
        if (direct.has(item.cargoId) || !items.includes(item)) continue;
        if (!(await sendOne(item))) break;
      }
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

/** At start, after the login: read what waits, and send it (older than a day: marked not sent, see expireOld). */
export async function startQueue() {
  const stored = ((await read("queue")) || []).filter((i) => i && i.key && i.cargoId);
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
