// City autocomplete in the filter sheet: suggestions from /api/points; picking one sets the point id.
// The field says when it cannot search, and a city typed in full is resolved by exact name on «Показать».
// A box marked `data-regions` offers whole regions too (/api/regions, js/regions.js): picking one sets `<side>_region`.

import { api } from "./api.js";
import { el } from "./dom.js";
import { findRegions, regionLabel } from "./regions.js";
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
  const withRegions = Boolean(box.dataset.regions);
  let timer = null;
  let seq = 0;
  const pickRegion = (region) => {
    haptic.select();
    for (const key of [side, side + "_type", side + "_radius"]) delete draft.filters[key];
    delete draft.names[side];
    draft.filters[side + "_region"] = region.id;
    draft.names[side + "_region"] = region.name;
    input.value = regionLabel(region.name);
    list.hidden = true;
    say("");
  };
  input.addEventListener("input", () => {
    for (const key of [side, side + "_type", side + "_region"]) delete draft.filters[key];
    delete draft.names[side];
    delete draft.names[side + "_region"];
    clearTimeout(timer);
    const text = input.value.trim();
    say("");
    if (text.length < 2) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      const regionsFound = withRegions ? findRegions(text) : Promise.resolve([]);
      try {
        const found = await api("/api/points?q=" + encodeURIComponent(text));
        const regions = await regionsFound;
        if (mine !== seq) return;
        const regionItems = regions.map((r) => el("li", {
          role: "option", class: "region", "data-region": r.id, onclick: () => pickRegion(r),
        }, regionLabel(r.name)));
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
        }, p.name)), ...regionItems);  // the cities first: «Моск» is Москва the city before the region
        list.hidden = found.items.length + regions.length === 0;
        if (list.hidden) say(`Город «${text}» не найден`);
      } catch (e) {
        if (mine !== seq) return;
        list.hidden = true;
        say(e.status === 0 ? "Нет связи — поиск городов недоступен" : "Поиск городов сейчас недоступен — попробуйте позже");
      }
    }, 250);
  });
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 200));
}
