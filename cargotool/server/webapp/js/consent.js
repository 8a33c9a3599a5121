// Consent before the driver's position is first used: the position sheet says what it is for and links the
// privacy policy; choosing a position (device or home city) is the «yes», «Не разрешаю» the «no». Either answer
// is stored by the server with its time (PUT /api/me/consent), which also refuses a position before a «yes».

import { api } from "./api.js";
import { $, el, toast } from "./dom.js";

let granted = null;  // null: not known yet; then the server's latest answer

/** The sheet's consent block; `close()` closes the sheet after a «no». */
export function positionConsentNode(close) {
  return el("div", { id: "position-consent", class: "consent", hidden: true },
    el("p", { class: "summary" }, "Выбирая местоположение, вы разрешаете использовать его для этих расчётов. ",
      el("a", { href: "/privacy", class: "policy-link", id: "position-policy" }, "Политика конфиденциальности")),
    el("button", { class: "link", type: "button", id: "position-decline", onclick: () => decline(close) }, "Не разрешаю"));
}

/** Show the block unless the driver has said yes (asks the server the first time). */
export async function refreshConsent() {
  if (granted === null) {
    try {
      const answers = await api("/api/me/consent");
      granted = Boolean(answers.position.answer && answers.position.answer.answer);
    } catch (e) { granted = false; }
  }
  $("position-consent").hidden = granted;
}

/** Before the first position is sent: store the «yes» (throws what the API says when it cannot). */
export async function ensurePositionConsent() {
  if (granted) return;
  await api("/api/me/consent", false, { method: "PUT", body: { kind: "position", answer: true } });
  granted = true;
  $("position-consent").hidden = true;
}

async function decline(close) {
  try {
    await api("/api/me/consent", false, { method: "PUT", body: { kind: "position", answer: false } });
    granted = false;
    toast("Хорошо, местоположение не используем");
    close();
  } catch (error) { toast(error.message); }
}

/** After «Удалить мои данные» or «Забыть местоположение» (the server withdrew the «yes»): the next position asks again. */
export function forgetConsent() { granted = null; }
