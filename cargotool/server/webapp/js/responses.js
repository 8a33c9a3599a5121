// «Мои отклики»: the driver's responses, each opening its load.

import { api } from "./api.js";
import { openDetail } from "./detail.js";
import { $, el } from "./dom.js";
import { day, rub } from "./format.js";
import { statusNode } from "./offer.js";
import { dropQueued, onQueueChange } from "./offlinequeue.js";
import { state } from "./state.js";
import { hideBackButton, showBackButton } from "./telegram.js";

export async function openResponses() {
  $("screen-list").hidden = true;
  $("screen-responses").hidden = false;
  state.responsesOpen = true;
  showBackButton();
  $("responses").replaceChildren(el("li", { class: "skeleton" }), el("li", { class: "skeleton" }));
  try {
    const { items } = await api("/api/responses");
    $("responses-empty").hidden = items.length > 0;
    $("responses").replaceChildren(...items.map((r) => el("li", {
      class: "card", "data-id": r.cargo_id, role: "button", tabindex: "0",
      onclick: () => { closeResponses(); openDetail(r.cargo_id); },
    },
      el("div", { class: "route" }, (r.cargo.display && r.cargo.display.route) || "Груз " + r.cargo_id),
      el("div", { class: "money" }, el("span", { class: "price" }, rub(r.rate_rub)), statusNode(r.status)),
      el("div", { class: "dates" }, (r.status === "queued" || r.status === "failed" ? "Создан " : "Обновлён ") + day(r.updated_at)),
      queueNote(r))));
  } catch (error) {
    $("responses").replaceChildren(el("li", { class: "state" }, error.message));
  }
}

/** Why a queued offer was not sent, with «Убрать». */
function queueNote(r) {
  if (r.status !== "failed") return null;
  return el("div", { class: "hint queue-error" }, "Не отправлен: " + r.queue_error + " ",
    el("button", { class: "linkish", type: "button", onclick: (e) => { e.stopPropagation(); dropQueued(r.cargo_id); } }, "Убрать"));
}

onQueueChange(() => { if (state.responsesOpen) openResponses(); });  // sent or refused: the list says so

export function closeResponses() {
  if (!state.responsesOpen) return;
  state.responsesOpen = false;
  $("screen-responses").hidden = true;
  $("screen-list").hidden = false;
  hideBackButton();
}

