// Whether the bot can write to the driver. After Telegram refused a message (the driver never started the
// bot, or blocked it) the server sends no status messages or alerts until the driver lets it write again.
// Here: Telegram's requestWriteAccess is asked (once a session) before alerts are turned on and before a
// response when the launch data does not say the bot may write; while the server knows it cannot, a banner
// says so on «Мои поиски» and under «Мой отклик», with a button that asks again.

import { api } from "./api.js";
import { el, toast } from "./dom.js";
import { state } from "./state.js";
import { launchParams, webApp } from "./telegram.js";

const REASON = "Разрешите боту писать вам — иначе уведомления о грузах и откликах не придут";
const listeners = [];
let asked = false;

/** Telegram's `allows_write_to_pm` in the launch data (absent: the bot may not be allowed to write). */
function launchAllowsWrite() {
  try {
    const user = JSON.parse(new URLSearchParams(launchParams().initData).get("user") || "{}");
    return user.allows_write_to_pm === true;
  } catch (e) { return false; }
}

/** requestWriteAccess exists from WebApp 6.9. */
function canAsk() {
  const app = webApp();
  return Boolean(app && typeof app.requestWriteAccess === "function" && typeof app.isVersionAtLeast === "function"
    && app.isVersionAtLeast("6.9"));
}

function requestWriteAccess() {
  return new Promise((resolve) => {
    try { webApp().requestWriteAccess((granted) => resolve(granted === true)); } catch (e) { resolve(false); }
  });
}

function changed() { for (const listener of listeners) listener(); }

/** Call `listener()` when what the server knows about the bot writing changes (to redraw a banner). */
export function onReachChange(listener) { listeners.push(listener); }

/** Ask Telegram to let the bot write (with the reason on screen); a grant is reported to the server. */
export async function askWriteAccess() {
  asked = true;
  if (!canAsk()) return false;
  toast(REASON);
  const granted = await requestWriteAccess();
  if (granted) {
    state.botCanWrite = true;
    changed();
    await api("/api/me/bot-access", false, { method: "POST", body: { granted: true } })
      .catch(() => toast("Не удалось сообщить серверу — откройте приложение заново"));
  } else {
    toast("Без разрешения бот не сможет присылать уведомления");
  }
  return granted;
}

/** Before alerts are turned on or a response is sent: ask once a session, if the bot may not be able to write. */
export async function askBeforeNotifying() {
  if (asked || (launchAllowsWrite() && state.botCanWrite !== false)) return;
  await askWriteAccess();
}

/** While the banner shows, ask the server again: the driver may have written to the bot meanwhile. */
export async function recheckReach() {
  if (state.botCanWrite !== false) return;
  try {
    const answer = await api("/api/me/bot-access");
    if (answer.bot_can_write) { state.botCanWrite = true; changed(); }
  } catch (e) { /* the banner stays as it was */ }
}

/** The banner, or null when the server does not know of a refusal. */
export function reachBanner() {
  if (state.botCanWrite !== false) return null;
  return el("div", { class: "banner reach-banner", role: "status" },
    el("span", {}, "Бот не может вам писать — уведомления не придут",
      canAsk() ? null : ". Напишите боту в Telegram любое сообщение, например /start."),
    canAsk() ? el("button", { type: "button", class: "reach-ask", onclick: () => askWriteAccess() }, "Разрешить") : null);
}
