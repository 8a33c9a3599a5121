// City autocomplete in the filter sheet: suggestions from /api/points; picking one sets the point id.
// The field says when it cannot search, and a city typed in full is resolved by exact name on «Показать».

import { api } from "./api.js";
import { el } from "./dom.js";
import { haptic } from "./telegram.js";

const norm = (text) => text.trim().toLowerCase().replace(/ё/g, "е");

/** {point} for the one city named exactly `text`, else {problem} in words for the field. */
export async function resolveCity(text) {
  let found;
  try {
    found = await api("/api/points?q=" + encodeURIComponent(text));
  } catch (e) {
    return { problem: "Не удалось проверить город: поиск городов сейчас недоступен. Выберите город из подсказок позже" };
  }
  const exact = found.items.filter((p) => norm(p.name) === norm(text));
  if (exact.length === 1) return { point: exact[0] };
  if (exact.length > 1) return { problem: `Городов «${text}» несколько — выберите нужный из подсказок` };
  return { problem: found.items.length ? `Город «${text}» не найден — выберите из подсказок` : `Город «${text}» не найден` };
}

/** Wire one `.city` box; `draft` is the filter sheet's working copy ({filters, names}); `onPick(point)`, if
 * given, is told the city picked. */
export function wireCity(box, draft, onPick) {
  const side = box.dataset.side;
  const input = box.querySelector("input");
  const list = box.querySelector(".suggest");
  const note = box.parentElement.querySelector(".field-error");
  const say = (text) => { if (note) { note.textContent = text || ""; note.hidden = !text; } };  // a box may have no note
  let timer = null;
  let seq = 0;
  input.addEventListener("input", () => {
    delete draft.filters[side];
    delete draft.filters[side + "_type"];
    delete draft.names[side];
    clearTimeout(timer);
    const text = input.value.trim();
    say("");
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
            if (p.type && !box.dataset.noType) draft.filters[side + "_type"] = String(p.type);
            draft.names[side] = p.name;
            input.value = p.name;
            list.hidden = true;
            say("");
            if (onPick) onPick(p);
          },
        }, p.name)));
        list.hidden = found.items.length === 0;
        if (!found.items.length) say(`Город «${text}» не найден`);
      } catch (e) {
        if (mine !== seq) return;
        list.hidden = true;
        say(e.status === 0 ? "Нет связи — поиск городов недоступен" : "Поиск городов сейчас недоступен — попробуйте позже");
      }
    }, 250);
  });
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 200));
}
