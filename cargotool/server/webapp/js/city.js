// City autocomplete in the filter sheet: suggestions from /api/points; picking one sets the point id.

import { api } from "./api.js";
import { el } from "./dom.js";
import { haptic } from "./telegram.js";

/** Wire one `.city` box; `draft` is the filter sheet's working copy ({filters, names}); `onPick(point)`, if
 * given, is told the city picked. */
export function wireCity(box, draft, onPick) {
  const side = box.dataset.side;
  const input = box.querySelector("input");
  const list = box.querySelector(".suggest");
  let timer = null;
  let seq = 0;
  input.addEventListener("input", () => {
    delete draft.filters[side];
    delete draft.filters[side + "_type"];
    delete draft.names[side];
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const found = await api("/api/points?q=" + encodeURIComponent(text));
        if (mine !== seq) return;
        list.replaceChildren(...found.items.map((p) => el("li", {
          role: "option", "data-id": String(p.id),
          onclick: () => {
            haptic.select();
            draft.filters[side] = String(p.id);
            if (p.type) draft.filters[side + "_type"] = String(p.type);
            draft.names[side] = p.name;
            input.value = p.name;
            list.hidden = true;
            if (onPick) onPick(p);
          },
        }, p.name)));
        list.hidden = found.items.length === 0;
      } catch (e) { list.hidden = true; }
    }, 250);
  });
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 200));
}
