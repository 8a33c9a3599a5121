// The list screen: cards, paging by infinite scroll, pull-to-refresh.

import { api, ApiError, errorText } from "./api.js";
import { cardNode } from "./card.js";
import { $, el } from "./dom.js";
import { noteReach } from "./drivetime.js";
import { staleText } from "./format.js";
import { listParams, renderBar } from "./insights.js";
import { withScreens } from "./later.js";
import { onShowList } from "./nav.js";
import { PAGE, state } from "./state.js";
import { haptic } from "./telegram.js";

const openLoad = (id) => withScreens((s) => s.openDetail(id));

/** The /api/cargos URL of a page of the current filters (index.html's boot script builds page 0 the same
 * way, without insights' own list parameters: with them the login's page is not used). */
export function query(offset) {
  const params = new URLSearchParams({ ...state.filters, ...listParams(), limit: String(PAGE), offset: String(offset) });
  return "/api/cargos?" + params.toString();
}


function showSkeletons(on) {
  document.querySelectorAll(".skeleton").forEach((n) => n.remove());
  if (on) for (let i = 0; i < 3; i++) $("cards").append(el("li", { class: "skeleton", "aria-hidden": "true" }));
}

/** The page a login answer carried (`cargos_query` must be this search's first page), or null. */
function carried(session) {
  if (!session || "/api/cargos?" + session.cargos_query !== query(0)) return null;
  if (session.cargos_error) throw new ApiError(session.cargos_error.status, session.cargos_error);
  return session.cargos || null;
}

/** Load the next page; `reset` starts the search over. `session` may carry the first page already. */
export async function loadPage(reset, session) {
  if (reset) {
    state.generation += 1;
    state.items = [];
    state.nextOffset = 0;
    state.done = false;
    $("cards").replaceChildren();
    window.scrollTo(0, 0);
    renderBar();  // the order control shows state.filters.sort, whoever changed it
  }
  if (state.loading && !reset) return;
  if (state.done) return;
  const generation = state.generation;
  state.loading = true;
  $("list-error").hidden = true;
  $("list-empty").hidden = true;
  $("list-end").hidden = true;
  showSkeletons(true);
  try {
    const page = (reset && carried(session)) || await api(query(state.nextOffset));
    if (generation !== state.generation) return;
    showSkeletons(false);
    state.items.push(...page.items);
    if (reset) noteReach(page.meta);
    $("cards").append(...page.items.map((item) => cardNode(item, openLoad)));
    $("stale-banner").hidden = !page.meta.stale;
    if (page.meta.stale) $("stale-banner").textContent = staleText(page.meta);
    state.nextOffset = page.meta.next_offset;
    state.done = page.meta.next_offset === null || page.meta.next_offset === undefined;
    $("list-empty").hidden = state.items.length > 0;
    $("list-end").hidden = !(state.done && state.items.length > 0);
    // an order of ours covers the freshest loads only: the end of the list says how many, and what else to do
    $("list-end").textContent = (page.meta.sort && page.meta.sort.text) || "Это все грузы по вашему запросу";
  } catch (error) {
    if (generation !== state.generation) return;
    showSkeletons(false);
    $("stale-banner").hidden = true;  // it spoke of data that is not on the screen
    // saved filters no longer valid: say which
    $("list-error-text").textContent = error.status === 400 ? errorText(error, "; ") : error.message;
    $("list-error").hidden = false;
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

onShowList(() => loadPage(true));  // filters and saved searches show the list through js/nav.js

export function watchScroll() {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !state.detailOpen && state.items.length) loadPage(false);
  }, { rootMargin: "400px" });
  observer.observe($("sentinel"));
}

export function watchPull() {  // pull-to-refresh: drag down at the top of the list
  let startY = null;
  const indicator = $("pull-indicator");
  window.addEventListener("touchstart", (e) => {
    startY = window.scrollY === 0 && !state.detailOpen ? e.touches[0].clientY : null;
  }, { passive: true });
  window.addEventListener("touchmove", (e) => {
    if (startY !== null) indicator.classList.toggle("active", e.touches[0].clientY - startY > 70);
  }, { passive: true });
  window.addEventListener("touchend", () => {
    if (indicator.classList.contains("active")) { haptic.tap(); loadPage(true); }
    indicator.classList.remove("active");
    startY = null;
  });
}
