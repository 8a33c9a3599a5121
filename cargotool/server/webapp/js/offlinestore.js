// The device's copy for offline use (js/offline.js, js/offlinequeue.js): Telegram's DeviceStorage where the
// client has it (Bot API 9.0, up to 5 MB per user and bot; keys of A–Z a–z 0–9 _ -), else the browser's
// localStorage. Every key is the driver's: «cto_<telegram id>_<name>»; «cto_users» lists whose data is here,
// so a session of another driver (a shared phone) wipes the previous driver's copy before anything is shown.
// Sizes are bounded here: each value, and all of a driver's values together (the oldest details go first).

import { deviceStorage, telegramSoon } from "./platform.js";

export const LIMITS = {
  valueChars: 300000,   // one value (the list); a detail is refused above DETAIL_CHARS in js/offline.js
  totalChars: 1500000,  // everything of one driver: about 3 MB in UTF-16, within DeviceStorage's 5 MB and localStorage's
};

const USERS = "cto_users";
let backend = null;    // chosen once: DeviceStorage or localStorage
let driverId = null;   // whose copy is in use
let sizes = {};        // name -> chars, of the current driver (the index, «cto_<id>_idx»)

function localBackend() {
  return {
    get: (key) => { try { return Promise.resolve(localStorage.getItem(key)); } catch (e) { return Promise.resolve(null); } },
    set: (key, value) => { try { localStorage.setItem(key, value); return Promise.resolve(true); } catch (e) { return Promise.resolve(false); } },
    remove: (key) => { try { localStorage.removeItem(key); } catch (e) {} return Promise.resolve(); },
    keys: () => { try { return Object.keys(localStorage); } catch (e) { return []; } },
  };
}

function deviceBackend(store) {
  const call = (method, ...args) => new Promise((resolve) => {
    try { store[method](...args, (error, value) => resolve(error ? null : value)); } catch (e) { resolve(null); }
  });
  return {
    get: (key) => call("getItem", key).then((v) => (v === undefined || v === "" ? null : v)),
    set: (key, value) => call("setItem", key, value).then((ok) => ok !== null),
    remove: (key) => call("removeItem", key),
    keys: () => [],  // DeviceStorage cannot list its keys: the index says what is there
  };
}

/** The backend, chosen once Telegram's script has run (or could not). */
async function store() {
  if (!backend) {
    await telegramSoon();
    const device = deviceStorage();
    if (!backend) backend = device ? deviceBackend(device) : localBackend();
  }
  return backend;
}

const keyOf = (id, name) => `cto_${id}_${name}`;

async function readJson(key) {
  const text = await (await store()).get(key);
  try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
}

async function saveIndex() {
  if (driverId !== null) await (await store()).set(keyOf(driverId, "idx"), JSON.stringify(sizes));
}

/** Remove everything of driver `id` (what its index names, and on localStorage every key with its prefix). */
async function wipe(id) {
  const s = await store();
  const index = (await readJson(keyOf(id, "idx"))) || {};
  const names = new Set([...Object.keys(index), "idx", "list", "resp", "queue"]);
  for (const key of s.keys()) if (key.startsWith(keyOf(id, ""))) names.add(key.slice(keyOf(id, "").length));
  await Promise.all([...names].map((name) => s.remove(keyOf(id, name))));
}

let switching = Promise.resolve();  // reads and writes wait for the driver's copy to be chosen

/** Use driver `id`'s copy; the copy of anyone else on this device is wiped first. Not awaited at login: every
 * read and write waits for it. */
export function useDriver(id) {
  switching = switching.then(() => switchTo(id)).catch(() => {});
  return switching;
}

async function switchTo(id) {
  const s = await store();
  try { localStorage.removeItem("cargotool.phone"); } catch (e) {}  // an older app kept one phone for everyone
  const users = ((await readJson(USERS)) || []).map(String);
  for (const other of users) if (other !== String(id)) await wipe(other);
  await s.set(USERS, JSON.stringify([String(id)]));
  sizes = (await readJson(keyOf(id, "idx"))) || {};
  driverId = String(id);
}

/** «Удалить мои данные»: the current driver's copy goes, and nothing is kept until the next session. */
export async function forgetDriver() {
  await switching;
  if (driverId === null) return;
  const id = driverId;
  driverId = null;
  sizes = {};
  await wipe(id);
  await (await store()).set(USERS, "[]");
}

export function currentDriver() { return driverId; }

export async function read(name) {
  await switching;
  return driverId === null ? null : readJson(keyOf(driverId, name));
}

/** When `name` was last written (ms), or null. */
export function writtenAt(name) { return sizes[name] ? sizes[name][1] : null; }

/** Names stored, oldest write first (for evicting). */
export function storedNames() { return Object.keys(sizes).sort((a, b) => sizes[a][1] - sizes[b][1]); }

/** Store a value; `evictable(name)` says which names may go to make room. False when it does not fit. */
export async function write(name, value, evictable) {
  await switching;
  if (driverId === null) return false;
  const text = JSON.stringify(value);
  if (text.length > LIMITS.valueChars) return false;
  const total = () => Object.entries(sizes).reduce((sum, [n, [chars]]) => sum + (n === name ? 0 : chars), 0);
  for (const old of storedNames()) {
    if (total() + text.length <= LIMITS.totalChars) break;
    if (old !== name && evictable(old)) await remove(old);
  }
  if (total() + text.length > LIMITS.totalChars) return false;
  const s = await store();
  let ok = await s.set(keyOf(driverId, name), text);
  for (const old of storedNames()) {  // the device is fuller than counted here (its own quota): make room, try again
    if (ok) break;
    if (old !== name && evictable(old)) { await remove(old); ok = await s.set(keyOf(driverId, name), text); }
  }
  if (ok) { sizes[name] = [text.length, Date.now()]; await saveIndex(); }
  return ok;
}

export async function remove(name) {
  await switching;
  if (driverId === null) return;
  delete sizes[name];
  await (await store()).remove(keyOf(driverId, name));
  await saveIndex();
}
