// The second script (js/screens.js): asked for once the first cards are up, or at once when a driver taps
// one of its buttons or opens a load before that. `later()` resolves to its screens.

import { $, toast } from "./dom.js";

let loading = null;
let loaded = null;

export function later() {
  if (!loading) {
    loading = import("./screens.js").then((module) => {
      module.wireScreens();
      loaded = module.screens;
      return loaded;
    }).catch((error) => {
      loading = null;  // a later tap tries again
      throw error;
    });
  }
  return loading;
}

/** The screens, if their script is here already (else null: none of them can be open). */
export function ready() { return loaded; }

/** Run `action(screens)`; when their script cannot come, say why (or load the current build, see below). */
export function withScreens(action) {
  return later().then(action, () => reloadIfOutdated().then((outdated) => {
    if (!outdated) toast("Не удалось загрузить раздел — проверьте связь и попробуйте ещё раз");
  }));
}

/** Buttons wired by the second script: a tap before it is here fetches it, then taps again. */
export function holdTaps(ids) {
  for (const id of ids) {
    $(id).addEventListener("click", (event) => {
      if (loaded) return;
      event.stopImmediatePropagation();
      withScreens(() => $(id).click());
    }, { capture: true });
  }
}

/** A page open across a deploy asks for a script the server no longer has: then load the current build. */
async function reloadIfOutdated() {
  const mine = document.querySelector('script[type="module"][src^="/static/app."]');
  try {
    const page = await (await fetch(location.pathname + location.search, { cache: "no-cache" })).text();
    if (!mine || page.includes(mine.getAttribute("src"))) return false;
  } catch (error) { return false; }  // offline: the toast says so
  location.reload();
  return true;
}
