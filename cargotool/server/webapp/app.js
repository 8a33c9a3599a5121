// cargotool Mini App: log in with Telegram initData, browse loads with filters, open a load.
// Works inside Telegram (telegram-web-app.js) and in an ordinary browser given #tgWebAppData=... .
"use strict";

(function () {
  const tg = window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData !== undefined
    ? window.Telegram.WebApp : null;
  const $ = (id) => document.getElementById(id);
  const PAGE = 20;
  const WV_PRESETS = ["1.5-9", "3-16", "5-36", "7.5-45", "10-54", "15-65", "20-83"];

  const state = {
    token: null,
    driver: null,
    filters: {},          // API query parameters (strings), persisted per driver
    names: {},            // city names for the chosen point ids, for display
    items: [],
    nextOffset: 0,
    loading: false,
    done: false,
    generation: 0,        // bumps on every new search; late answers of old searches are dropped
    dictionaries: null,
    detailOpen: false,
  };

  // ---- Telegram glue --------------------------------------------------------------------------

  function launchParams() {
    const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    return {
      initData: (tg && tg.initData) || hash.get("tgWebAppData") || "",
      theme: hash.get("tgWebAppThemeParams"),
    };
  }

  function applyTheme(themeJson) {
    if (tg) { document.documentElement.classList.add("tg"); return; }  // the script sets --tg-theme-*
    if (!themeJson) return;
    try {
      const theme = JSON.parse(themeJson);
      for (const [key, value] of Object.entries(theme)) {
        if (/^#[0-9a-f]{3,8}$/i.test(value)) {
          document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
        }
      }
      document.documentElement.classList.add("tg");
    } catch (e) { /* a broken theme is not worth failing for */ }
  }

  const haptic = {
    tap() { try { tg && tg.HapticFeedback.impactOccurred("light"); } catch (e) {} },
    select() { try { tg && tg.HapticFeedback.selectionChanged(); } catch (e) {} },
    success() { try { tg && tg.HapticFeedback.notificationOccurred("success"); } catch (e) {} },
  };

  function openExternal(url) {
    if (tg && tg.openLink) tg.openLink(url); else window.open(url, "_blank", "noopener");
  }

  // ---- API ------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || "Ошибка сети");
      this.status = status;
      this.fields = error.fields || {};
      this.code = error.code;
    }
  }

  async function login() {
    const { initData } = launchParams();
    if (!initData) throw new ApiError(401, { error: { message: "Откройте приложение из бота в Telegram." } });
    const response = await fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ init_data: initData }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    state.token = body.session_token;
    state.driver = body.driver;
    return body;
  }

  async function api(path, retried, options) {
    let response;
    const init = { headers: { Authorization: "Bearer " + state.token } };
    if (options && options.method) init.method = options.method;
    if (options && options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      init.headers["Content-Type"] = "application/json";
    }
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { error: { message: "Нет связи. Проверьте интернет и попробуйте ещё раз." } });
    }
    if (response.status === 401 && !retried) {  // the session expired: log in again once
      await login();
      return api(path, true, options);
    }
    if (response.status === 204) return null;
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // ---- formatting -----------------------------------------------------------------------------

  const NBSP = "\u202f";
  function rub(value) {
    if (value === null || value === undefined) return "—";
    return Math.round(value).toLocaleString("ru-RU").replace(/\s/g, NBSP) + NBSP + "₽";
  }
  function num(value, digits) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString("ru-RU", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }
  function day(iso) {
    if (!iso) return "";
    if (iso.length === 10) { const [, m, d] = iso.split("-"); return `${d}.${m}`; }
    const date = new Date(iso);
    return date.toLocaleString("ru-RU", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Moscow" });
  }
  function windowText(point) {
    if (!point || !point.from) return "дата не указана";
    return point.to && point.to !== point.from ? `${day(point.from)} – ${day(point.to)}` : day(point.from);
  }
  function moscowDate(offsetDays) {
    const now = new Date(Date.now() + 3 * 3600 * 1000 + offsetDays * 86400 * 1000);
    return now.toISOString().slice(0, 10);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(text) {
    const node = $("toast");
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 2000);
  }

  // ---- filters: persistence and summary --------------------------------------------------------

  function storageKey() { return "cargotool.filters." + (state.driver ? state.driver.telegram_id : "anon"); }

  function saveFilters() {
    const value = JSON.stringify({ filters: state.filters, names: state.names });
    try { localStorage.setItem(storageKey(), value); } catch (e) {}
    try { tg && tg.DeviceStorage && tg.DeviceStorage.setItem("filters", value, () => {}); } catch (e) {}
  }

  function loadFilters() {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey()) || "null");
      if (saved && typeof saved.filters === "object") {
        state.filters = saved.filters;
        state.names = saved.names || {};
      }
    } catch (e) { state.filters = {}; }
  }

  function summary() {
    const f = state.filters;
    const parts = [];
    if (f.from || f.to) parts.push(`${state.names.from || "любой город"} → ${state.names.to || "куда угодно"}`);
    if (f.date) parts.push(f.date === moscowDate(0) ? "сегодня" : f.date === moscowDate(1) ? "завтра" : day(f.date));
    if (f.wv) parts.push(f.wv.replace("-", " т / ") + " м³");
    if (f.truck_types) parts.push("кузов: " + f.truck_types.split(",").length);
    if (f.load_types) parts.push("загрузка: " + f.load_types.split(",").length);
    if (f.price_min) parts.push("от " + rub(Number(f.price_min)));
    if (f.rate_min) parts.push("от " + f.rate_min + " ₽/км");
    $("filter-summary").textContent = parts.length ? parts.join(" · ") : "Все грузы";
    const count = Object.keys(f).filter((k) => !/_(radius|type)$/.test(k)).length;
    $("filter-count").hidden = count === 0;
    $("filter-count").textContent = String(count);
  }

  // ---- the list ---------------------------------------------------------------------------------

  function query(offset) {
    const params = new URLSearchParams({ ...state.filters, limit: String(PAGE), offset: String(offset) });
    return "/api/cargos?" + params.toString();
  }

  function cardNode(item) {
    const tags = [
      ...item.truck_types.map((t) => el("span", { class: "tag" }, t.short_name)),
      ...item.load_types.map((t) => el("span", { class: "tag" }, t.short_name)),
    ];
    const company = item.company || {};
    return el("li", {
      class: "card", "data-id": item.id, tabindex: "0", role: "button",
      onclick: () => { haptic.tap(); openDetail(item.id); },
      onkeydown: (e) => { if (e.key === "Enter") openDetail(item.id); },
    },
      el("div", { class: "route" }, `${(item.from && item.from.city) || "?"} → ${(item.to && item.to.city) || "?"}`),
      el("div", { class: "dates" }, "Погрузка: " + windowText(item.from)),
      el("div", { class: "specs" }, [
        item.weight_t !== null ? num(item.weight_t) + " т" : null,
        item.volume_m3 !== null ? num(item.volume_m3) + " м³" : null,
        item.distance_km !== null ? num(item.distance_km, 0) + " км" : null,
      ].filter(Boolean).join(" · ")),
      el("div", { class: "money" },
        el("span", { class: "price" }, rub(item.price_rub)),
        item.rate_rub_per_km !== null ? el("span", { class: "rate" }, rub(item.rate_rub_per_km) + "/км") : null),
      el("div", { class: "tags" }, tags),
      // security_status is shown nowhere: CargoTech has not said what its values mean [?]
      company.name ? el("div", { class: "company" }, company.name + (company.inn ? " · ИНН " + company.inn : "")) : null,
    );
  }

  function showSkeletons(on) {
    document.querySelectorAll(".skeleton").forEach((n) => n.remove());
    if (on) for (let i = 0; i < 3; i++) $("cards").append(el("li", { class: "skeleton", "aria-hidden": "true" }));
  }

  async function loadPage(reset) {
    if (reset) {
      state.generation += 1;
      state.items = [];
      state.nextOffset = 0;
      state.done = false;
      $("cards").replaceChildren();
      window.scrollTo(0, 0);
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
      const page = await api(query(state.nextOffset));
      if (generation !== state.generation) return;
      showSkeletons(false);
      state.items.push(...page.items);
      $("cards").append(...page.items.map(cardNode));
      $("stale-banner").hidden = !page.meta.stale;
      state.nextOffset = page.meta.next_offset;
      state.done = page.meta.next_offset === null || page.meta.next_offset === undefined;
      $("list-empty").hidden = state.items.length > 0;
      $("list-end").hidden = !(state.done && state.items.length > 0);
    } catch (error) {
      if (generation !== state.generation) return;
      showSkeletons(false);
      if (error.status === 400 && error.fields) {  // saved filters no longer valid: say which
        $("list-error-text").textContent = Object.values(error.fields).join("; ");
      } else {
        $("list-error-text").textContent = error.message;
      }
      $("list-error").hidden = false;
    } finally {
      if (generation === state.generation) state.loading = false;
    }
  }

  function watchScroll() {
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !state.detailOpen && state.items.length) loadPage(false);
    }, { rootMargin: "400px" });
    observer.observe($("sentinel"));
  }

  function watchPull() {  // pull-to-refresh: drag down at the top of the list
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

  // ---- detail -----------------------------------------------------------------------------------

  function row(label, value) {
    return value === null || value === undefined || value === "" ? null : el("div", { class: "row" }, el("span", {}, label), el("span", {}, value));
  }

  async function copy(text) {
    try { await navigator.clipboard.writeText(text); }
    catch (e) {
      const area = el("textarea", {}, text);
      document.body.append(area); area.select();
      try { document.execCommand("copy"); } catch (err) {}
      area.remove();
    }
    haptic.success();
    toast("Номер скопирован");
  }

  function detailNode(c) {
    const flags = [c.round_trip ? "круговой рейс" : null, c.partial_load ? "догруз" : null].filter(Boolean);
    const contacts = (c.contacts || []).flatMap((contact) => contact.phones.map((phone) =>
      el("div", { class: "contact" },
        el("div", {}, el("div", {}, contact.name || "Контакт"), el("div", { class: "phone" }, phone)),
        el("button", { class: "copy", type: "button", onclick: () => copy(phone) }, "Копировать"))));
    return [
      el("div", { class: "section" },
        el("div", { class: "route" }, `${(c.from && c.from.city) || "?"} → ${(c.to && c.to.city) || "?"}`),
        el("div", { class: "money" }, el("span", { class: "price" }, rub(c.price_rub)),
          c.rate_rub_per_km !== null ? el("span", { class: "rate" }, rub(c.rate_rub_per_km) + "/км") : null),
        flags.length ? el("div", { class: "tags" }, flags.map((f) => el("span", { class: "tag" }, f))) : null),
      el("div", { class: "section" }, el("h3", {}, "Маршрут"),
        row("Погрузка", windowText(c.from)), row("Адрес", c.from && c.from.address),
        row("Выгрузка", windowText(c.to)), row("Адрес", c.to && c.to.address),
        row("Расстояние", c.distance_km !== null ? num(c.distance_km, 0) + " км" : null)),
      el("div", { class: "section" }, el("h3", {}, "Груз"),
        row("Вес", c.weight_t !== null ? num(c.weight_t) + " т" : null),
        row("Объём", c.volume_m3 !== null ? num(c.volume_m3) + " м³" : null),
        row("Что везём", c.cargo_type),
        row("Кузов", c.truck_types.map((t) => t.name).join(", ")),
        row("Загрузка", c.load_types.map((t) => t.name).join(", "))),
      c.comment ? el("div", { class: "section" }, el("h3", {}, "Комментарий"), el("div", { class: "comment", id: "detail-comment" }, c.comment)) : null,
      el("div", { class: "section", id: "my-response" }),
      el("div", { class: "section" }, el("h3", {}, "Контакты"),
        c.contacts_hidden ? el("div", { id: "contacts-paywall" }, el("p", {}, "Контакты доступны с подпиской."),
          el("button", { class: "primary", type: "button", onclick: openPlans }, "Оформить подписку")) :
        contacts.length ? contacts : el("div", { class: "hint" }, "Контакты не указаны"),
        contacts.length ? el("button", { class: "linkish", type: "button", id: "contact-to-chat",
          onclick: () => sendContactToChat(c.id) }, "Отправить контакт в чат с ботом") : null,
        c.company && c.company.name ? row("Компания", c.company.name + (c.company.inn ? ", ИНН " + c.company.inn : "")) : null,
        c.shipper && c.shipper.name ? row("Грузовладелец", c.shipper.name) : null),
      c.source_url ? el("div", { class: "section" },
        el("button", { class: "linkish", type: "button", onclick: () => openExternal(c.source_url) }, "Открыть источник заявки ↗")) : null,
      el("p", { class: "summary" }, `Груз № ${c.id}` + (c.meta && c.meta.stale ? " · данные могли устареть" : "")),
    ];
  }

  async function openDetail(id) {
    state.detailOpen = true;
    state.listScroll = window.scrollY;
    $("screen-list").hidden = true;
    $("screen-detail").hidden = false;
    $("detail").replaceChildren(el("div", { class: "skeleton" }), el("div", { class: "skeleton" }));
    window.scrollTo(0, 0);
    if (tg) { tg.BackButton.show(); }
    try {
      const [cargo, mine] = await Promise.all([
        api("/api/cargos/" + encodeURIComponent(id)),
        api("/api/responses?cargo_id=" + encodeURIComponent(id)).catch(() => ({ items: [] })),
      ]);
      if (!state.detailOpen) return;
      state.cargo = cargo;
      state.myResponse = mine.items[0] || null;
      $("detail").replaceChildren(...detailNode(cargo).filter(Boolean));
      renderMyResponse();
    } catch (error) {
      $("detail").replaceChildren(el("div", { class: "state" },
        el("p", { class: "state-title" }, error.status === 404 ? "Груз не найден" : "Не удалось открыть груз"),
        el("p", {}, error.message)));
    }
  }

  function closeDetail() {
    if (!state.detailOpen) return;
    state.detailOpen = false;
    state.cargo = null;
    if (tg) { tg.MainButton.hide(); }
    $("screen-detail").hidden = true;
    $("screen-list").hidden = false;
    window.scrollTo(0, state.listScroll || 0);
    if (tg) tg.BackButton.hide();
  }

  // ---- responding to a load ----------------------------------------------------------------------

  const STATUS = { sent: "отправлен", viewed: "диспетчер смотрит", accepted: "принят", declined: "отклонён",
    withdrawn: "отозван", expired: "истёк" };
  const ACTIVE = ["sent", "viewed"];

  function statusNode(status) { return el("span", { class: "status " + status }, STATUS[status] || status); }

  function renderMyResponse() {
    const box = $("my-response");
    if (!box) return;
    const mine = state.myResponse;
    const canRespond = !mine || mine.status !== "accepted";
    const label = mine && mine.status !== "withdrawn" && mine.status !== "expired" ? "Изменить ставку" : "Откликнуться";
    box.replaceChildren(
      el("h3", {}, "Мой отклик"),
      mine ? el("div", { class: "row" }, el("span", {}, rub(mine.rate_rub)), statusNode(mine.status))
           : el("div", { class: "hint" }, "Вы ещё не откликались на этот груз"),
      el("div", { class: "actions" },
        canRespond ? el("button", { class: "primary", type: "button", id: "respond", onclick: openOffer }, label) : null,
        mine && ACTIVE.includes(mine.status) ? el("button", { class: "secondary", type: "button", id: "withdraw",
          onclick: withdraw }, "Отозвать") : null));
    if (tg) {
      if (canRespond) {
        tg.MainButton.setText(label);
        tg.MainButton.show();
      } else {
        tg.MainButton.hide();
      }
    }
  }

  let offerDirty = false;
  function setDirty(dirty) {
    offerDirty = dirty;
    try { if (tg) dirty ? tg.enableClosingConfirmation() : tg.disableClosingConfirmation(); } catch (e) {}
  }

  function openOffer() {
    const cargo = state.cargo;
    if (!cargo) return;
    haptic.tap();
    const mine = state.myResponse;
    $("offer-route").textContent = `${(cargo.from && cargo.from.city) || "?"} → ${(cargo.to && cargo.to.city) || "?"} · цена ${rub(cargo.price_rub)}`;
    $("offer-rate").value = mine ? String(mine.rate_rub) : (cargo.price_rub ? String(Math.round(cargo.price_rub)) : "");
    $("offer-comment").value = mine && mine.comment ? mine.comment : "";
    $("offer-phone").value = (mine && mine.phone) || localStorage.getItem("cargotool.phone") || "";
    $("offer-errors").hidden = true;
    $("offer-contact").hidden = !(tg && tg.requestContact);
    updateDiff();
    setDirty(false);
    $("offer-sheet").hidden = false;
    if (tg) { tg.BackButton.show(); tg.MainButton.hide(); }
  }

  function closeOffer() {
    if (offerDirty && !window.confirm("Закрыть без отправки отклика?")) return;
    setDirty(false);
    $("offer-sheet").hidden = true;
    if (state.detailOpen) renderMyResponse();
  }

  function updateDiff() {
    const cargo = state.cargo;
    const rate = Number($("offer-rate").value.replace(/\s/g, ""));
    if (!cargo || !cargo.price_rub || !rate) { $("offer-diff").textContent = ""; return; }
    const diff = rate - cargo.price_rub;
    $("offer-diff").textContent = diff === 0 ? "Как в заявке" :
      (diff > 0 ? "Выше цены на " : "Ниже цены на ") + rub(Math.abs(diff)) + ` (${Math.abs(diff / cargo.price_rub * 100).toFixed(1).replace(".", ",")} %)`;
  }

  async function sendOffer(event) {
    event.preventDefault();
    const body = { rate_rub: Number($("offer-rate").value.replace(/\s/g, "")) || $("offer-rate").value };
    const comment = $("offer-comment").value.trim();
    const phone = $("offer-phone").value.trim();
    if (comment) body.comment = comment;
    if (phone) body.phone = phone;
    $("offer-send").disabled = true;
    try {
      const result = await api(`/api/cargos/${encodeURIComponent(state.cargo.id)}/responses`, false, { method: "POST", body });
      state.myResponse = result.response;
      if (phone) try { localStorage.setItem("cargotool.phone", phone); } catch (e) {}
      setDirty(false);
      $("offer-sheet").hidden = true;
      haptic.success();
      toast("Отклик отправлен диспетчеру");
      renderMyResponse();
    } catch (error) {
      if (error.status === 402) { setDirty(false); $("offer-sheet").hidden = true; toast(error.message); openPlans(); return; }
      $("offer-errors").textContent = error.fields && Object.keys(error.fields).length
        ? Object.values(error.fields).join(". ") : error.message;
      $("offer-errors").hidden = false;
    } finally {
      $("offer-send").disabled = false;
    }
  }

  async function withdraw() {
    if (!window.confirm("Отозвать отклик?")) return;
    try {
      const result = await api(`/api/cargos/${encodeURIComponent(state.cargo.id)}/responses`, false, { method: "DELETE" });
      state.myResponse = result.response;
      toast("Отклик отозван");
      renderMyResponse();
    } catch (error) { toast(error.message); }
  }

  async function sendContactToChat(id) {
    try {
      await api(`/api/cargos/${encodeURIComponent(id)}/contact-to-chat`, false, { method: "POST" });
      haptic.success();
      toast("Контакт отправлен в чат с ботом");
    } catch (error) { toast(error.message); }
  }

  function wireOffer() {
    $("offer").addEventListener("submit", sendOffer);
    $("close-offer").addEventListener("click", closeOffer);
    $("offer-sheet").addEventListener("click", (e) => { if (e.target === $("offer-sheet")) closeOffer(); });
    for (const id of ["offer-rate", "offer-comment", "offer-phone"]) {
      $(id).addEventListener("input", () => { setDirty(true); if (id === "offer-rate") updateDiff(); });
    }
    $("offer-contact").addEventListener("click", () => {
      tg.requestContact((shared, response) => {
        const contact = shared && response && response.responseUnsafe && response.responseUnsafe.contact;
        if (contact && contact.phone_number) {
          $("offer-phone").value = (contact.phone_number.startsWith("+") ? "" : "+") + contact.phone_number;
          setDirty(true);
        }
      });
    });
    if (tg) tg.MainButton.onClick(() => { if (state.detailOpen && $("offer-sheet").hidden) openOffer(); });
  }

  // ---- subscription and payment ---------------------------------------------------------------------

  let discountCode = null;  // a discount promo code, applied when paying

  function subscriptionText(sub) {
    if (sub.active) return "Подписка активна до " + new Date(sub.expires_at).toLocaleDateString("ru-RU", { timeZone: "Europe/Moscow" });
    if (sub.expires_at) return "Подписка закончилась " + new Date(sub.expires_at).toLocaleDateString("ru-RU", { timeZone: "Europe/Moscow" });
    return "Подписки нет";
  }

  async function refreshSubscription() {
    try {
      const me = await api("/api/me");
      state.subscription = me.subscription;
      $("subscription-status").textContent = subscriptionText(me.subscription);
      return me.subscription;
    } catch (e) { return null; }
  }

  async function openPlans() {
    closeAllScreens();
    $("screen-plans").hidden = false;
    state.plansOpen = true;
    if (tg) { tg.BackButton.show(); tg.MainButton.hide(); }
    refreshSubscription();
    $("plans").replaceChildren(el("li", { class: "skeleton" }));
    try {
      const { plans } = await api("/api/plans");
      $("plans").replaceChildren(...plans.map((p) => el("li", { class: "card plan", "data-plan": p.id },
        el("div", {}, el("div", { class: "route" }, p.title), el("div", { class: "specs" }, Math.round(p.price_rub / p.days) + " ₽ в день")),
        el("button", { class: "primary", type: "button", onclick: () => payFor(p.id) }, rub(p.price_rub)))));
    } catch (error) { $("plans").replaceChildren(el("li", { class: "state" }, error.message)); }
  }

  function closePlans() {
    if (!state.plansOpen) return;
    state.plansOpen = false;
    $("screen-plans").hidden = true;
    $("screen-list").hidden = false;
    if (tg) tg.BackButton.hide();
  }

  async function payFor(planId) {
    haptic.tap();
    const body = { plan: planId };
    if (discountCode) body.promo_code = discountCode;
    try {
      const payment = await api("/api/payments", false, { method: "POST", body });
      // Telegram's rules for digital goods: the payment page opens outside Telegram
      openExternal(payment.confirmation_url);
      $("promo-result").textContent = `К оплате ${rub(payment.amount_rub)}. Ждём подтверждения от ЮKassa…`;
      waitForPayment();
    } catch (error) {
      $("promo-result").textContent = error.fields && Object.keys(error.fields).length ? Object.values(error.fields).join(". ") : error.message;
    }
  }

  function waitForPayment() {
    let tries = 0;
    clearInterval(state.paymentTimer);
    state.paymentTimer = setInterval(async () => {
      tries += 1;
      const sub = await refreshSubscription();
      if ((sub && sub.active) || tries > 40 || !state.plansOpen) {
        clearInterval(state.paymentTimer);
        if (sub && sub.active) { haptic.success(); toast("Подписка оформлена"); $("promo-result").textContent = "Оплата получена, спасибо!"; }
      }
    }, 3000);
  }

  async function applyPromo() {
    const code = $("promo-code").value.trim();
    if (!code) return;
    try {
      const result = await api("/api/promo/apply", false, { method: "POST", body: { code } });
      haptic.success();
      $("promo-result").textContent = `Промокод применён: +${result.promo.days} дн.`;
      $("subscription-status").textContent = subscriptionText(result.subscription);
      discountCode = null;
    } catch (error) {
      const message = (error.fields && error.fields.promo_code) || error.message;
      if (/скидк/.test(message)) {
        discountCode = code;
        $("promo-result").textContent = "Скидка по промокоду будет учтена при оплате.";
      } else {
        $("promo-result").textContent = message;
      }
    }
  }

  function closeAllScreens() {
    for (const id of ["screen-list", "screen-detail", "screen-responses", "screen-plans", "screen-admin"]) $(id).hidden = true;
    state.detailOpen = false;
    state.responsesOpen = false;
    state.plansOpen = false;
    state.adminOpen = false;
  }

  // ---- admin -------------------------------------------------------------------------------------

  function openAdmin() {
    closeAllScreens();
    $("screen-admin").hidden = false;
    state.adminOpen = true;
    if (tg) { tg.BackButton.show(); tg.MainButton.hide(); }
    showAdminTab(state.adminTab || "payments");
  }

  function closeAdmin() {
    if (!state.adminOpen) return;
    closeAllScreens();
    $("screen-list").hidden = false;
    if (tg) tg.BackButton.hide();
  }

  function adminRow(title, ...lines) {
    return el("div", { class: "admin-row" }, el("b", {}, title), ...lines.filter(Boolean).map((l) => el("span", {}, l)));
  }

  function adminForm(fields, label, submit) {
    const inputs = fields.map(([name, placeholder, type]) => el("input", { name, placeholder, type: type || "text" }));
    const result = el("p", { class: "summary" });
    const form = el("form", { class: "admin-form", onsubmit: async (e) => {
      e.preventDefault();
      const values = Object.fromEntries(inputs.map((i) => [i.name, i.value.trim()]));
      try { result.textContent = await submit(values); }
      catch (error) { result.textContent = Object.values(error.fields || {}).join(". ") || error.message; }
    } }, ...inputs, el("button", { class: "primary", type: "submit" }, label), result);
    return form;
  }

  const ADMIN_TABS = {
    async payments() {
      const { items } = await api("/api/admin/payments");
      return items.map((p) => adminRow(`${rub(p.amount_rub)} · ${p.status}`, `водитель ${p.driver_id}, тариф ${p.plan}` +
        (p.promo_code ? `, промокод ${p.promo_code}` : ""), `${day(p.created_at)} · ${p.yookassa_id || "—"}`));
    },
    async subscriptions() {
      return [adminForm([["telegram_id", "Telegram id водителя", "number"], ["days", "Дней", "number"], ["reason", "Причина"]],
        "Выдать доступ", async (v) => {
          const sub = await api(`/api/admin/subscriptions/${encodeURIComponent(v.telegram_id)}/grant`, false,
            { method: "POST", body: { days: Number(v.days), reason: v.reason } });
          return subscriptionText(sub);
        })];
    },
    async promo() {
      const { items } = await api("/api/admin/promo");
      const form = adminForm([["kind", "days / percent / amount"], ["value", "Дней, % или ₽", "number"], ["code", "Код (необязательно)"],
        ["max_uses", "Лимит использований", "number"], ["valid_until", "Действует до", "date"]], "Создать промокод", async (v) => {
          const body = { kind: v.kind, value: Number(v.value) };
          if (v.code) body.code = v.code;
          if (v.max_uses) body.max_uses = Number(v.max_uses);
          if (v.valid_until) body.valid_until = v.valid_until;
          const created = await api("/api/admin/promo", false, { method: "POST", body });
          setTimeout(() => showAdminTab("promo"), 800);
          return `Создан ${created.code}: ${created.describe}`;
        });
      return [form, ...items.map((p) => el("div", { class: "admin-row" },
        el("b", {}, `${p.code} · ${p.describe}`), el("span", {}, `использован ${p.used}/${p.max_uses || "∞"}` + (p.disabled ? " · выключен" : "")),
        p.disabled ? null : el("button", { class: "secondary", type: "button", onclick: async () => {
          await api(`/api/admin/promo/${encodeURIComponent(p.code)}/disable`, false, { method: "POST" });
          showAdminTab("promo");
        } }, "Выключить")))];
    },
    async flags() {
      const flags = await api("/api/admin/flags");
      return Object.entries(flags).map(([name, on]) => el("label", { class: "admin-row inline" }, name,
        el("input", { type: "checkbox", "data-flag": name, checked: on, onchange: async (e) => {
          await api(`/api/admin/flags/${encodeURIComponent(name)}`, false, { method: "POST", body: { enabled: e.target.checked } });
          toast(`${name}: ${e.target.checked ? "вкл" : "выкл"}`);
        } })));
    },
    async responses() {
      const { items } = await api("/api/admin/responses");
      return items.map((r) => adminRow(`${(r.cargo.display && r.cargo.display.route) || r.cargo_id} · ${rub(r.rate_rub)}`,
        `водитель ${r.driver_id} · ${STATUS[r.status] || r.status}`, r.decided_by ? `решил: ${r.decided_by}` : null));
    },
    async audit() {
      const filters = el("form", { class: "admin-form", onsubmit: (e) => { e.preventDefault(); showAdminTab("audit"); } },
        el("input", { id: "audit-actor", placeholder: "Кто: cli, system, driver:…", value: state.auditActor || "" }),
        el("input", { id: "audit-action", placeholder: "Что: payment., promo., response.…", value: state.auditAction || "" }),
        el("button", { class: "secondary", type: "submit", onclick: () => {
          state.auditActor = $("audit-actor").value.trim(); state.auditAction = $("audit-action").value.trim();
        } }, "Фильтровать"));
      const params = new URLSearchParams();
      if (state.auditActor) params.set("actor", state.auditActor);
      if (state.auditAction) params.set("action", state.auditAction);
      const { items } = await api("/api/admin/audit?" + params.toString());
      return [filters, ...items.map((e) => adminRow(`${e.action} · ${e.actor}`, `${day(e.at)} · ${e.target || ""}`,
        Object.keys(e.details).length ? JSON.stringify(e.details) : null))];
    },
  };

  async function showAdminTab(tab) {
    state.adminTab = tab;
    document.querySelectorAll("#admin-tabs .chip").forEach((c) => c.classList.toggle("on", c.dataset.tab === tab));
    $("admin-body").replaceChildren(el("div", { class: "skeleton" }));
    try {
      const nodes = await ADMIN_TABS[tab]();
      $("admin-body").replaceChildren(...(nodes.length ? nodes : [el("p", { class: "summary" }, "Пусто")]));
    } catch (error) {
      $("admin-body").replaceChildren(el("p", { class: "errors" }, error.message));
    }
  }

  // ---- my responses -------------------------------------------------------------------------------

  async function openResponses() {
    $("screen-list").hidden = true;
    $("screen-responses").hidden = false;
    state.responsesOpen = true;
    if (tg) tg.BackButton.show();
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
        el("div", { class: "dates" }, "Обновлён " + day(r.updated_at)))));
    } catch (error) {
      $("responses").replaceChildren(el("li", { class: "state" }, error.message));
    }
  }

  function closeResponses() {
    if (!state.responsesOpen) return;
    state.responsesOpen = false;
    $("screen-responses").hidden = true;
    $("screen-list").hidden = false;
    if (tg) tg.BackButton.hide();
  }

  // ---- filter sheet -----------------------------------------------------------------------------

  const draft = { filters: {}, names: {} };

  function chipGroup(container, attr, value) {
    container.querySelectorAll(".chip").forEach((chip) => {
      const own = chip.dataset[attr];
      chip.classList.toggle("on", own !== undefined && own === (value || ""));
    });
  }

  function renderTypes(containerId, fieldId, items, key) {
    const field = $(fieldId);
    if (!items || !items.length) { field.hidden = true; return; }  // dictionary unavailable: hide the filter
    field.hidden = false;
    const chosen = new Set((draft.filters[key] || "").split(",").filter(Boolean));
    $(containerId).replaceChildren(...items.map((t) => el("button", {
      type: "button", class: "chip" + (chosen.has(String(t.id)) ? " on" : ""), "data-id": String(t.id),
      onclick: (e) => {
        haptic.select();
        const id = String(t.id);
        chosen.has(id) ? chosen.delete(id) : chosen.add(id);
        e.currentTarget.classList.toggle("on");
        if (chosen.size) draft.filters[key] = [...chosen].sort((a, b) => a - b).join(","); else delete draft.filters[key];
      },
    }, t.name)));
  }

  function openSheet() {
    draft.filters = { ...state.filters };
    draft.names = { ...state.names };
    const form = $("filters");
    $("from-city").value = draft.names.from || "";
    $("to-city").value = draft.names.to || "";
    form.from_radius.value = draft.filters.from_radius || "";
    form.to_radius.value = draft.filters.to_radius || "";
    form.price_min.value = draft.filters.price_min || "";
    form.rate_min.value = draft.filters.rate_min || "";
    const wv = draft.filters.wv || "";
    $("wv-custom").value = WV_PRESETS.includes(wv) ? "" : wv;
    chipGroup($("wv-chips"), "wv", WV_PRESETS.includes(wv) || !wv ? wv : null);
    syncDateChips();
    $("filter-errors").hidden = true;
    if (state.dictionaries) {
      renderTypes("truck-types", "truck-types-field", state.dictionaries.truck_types, "truck_types");
      renderTypes("load-types", "load-types-field", state.dictionaries.load_types, "load_types");
    }
    $("sheet").hidden = false;
    if (tg) tg.BackButton.show();
  }

  function closeSheet() {
    $("sheet").hidden = true;
    if (tg && !state.detailOpen) tg.BackButton.hide();
  }

  function syncDateChips() {
    const date = draft.filters.date || "";
    const token = !date ? "" : date === moscowDate(0) ? "today" : date === moscowDate(1) ? "tomorrow" : null;
    chipGroup($("date-chips"), "date", token);
    $("date-input").value = token === null ? date : "";
    document.querySelector(".date-chip").classList.toggle("on", token === null);
  }

  function readSheet() {
    const form = $("filters");
    for (const name of ["from_radius", "to_radius", "price_min", "rate_min"]) {
      const value = form[name].value.trim().replace(/\s/g, "");
      if (value) draft.filters[name] = value; else delete draft.filters[name];
    }
    for (const side of ["from", "to"]) {  // a city typed but not picked from the list is dropped
      if (!$(side + "-city").value.trim()) { delete draft.filters[side]; delete draft.names[side]; delete draft.filters[side + "_type"]; }
    }
    const custom = $("wv-custom").value.trim().replace(",", ".");
    if (custom) draft.filters.wv = custom;
  }

  async function applySheet(event) {
    if (event) event.preventDefault();
    readSheet();
    try {  // validate on the server before closing, so errors show next to the filters
      await api("/api/cargos?" + new URLSearchParams({ ...draft.filters, limit: "1" }).toString());
    } catch (error) {
      if (error.status === 400) {
        $("filter-errors").textContent = Object.values(error.fields).join(". ");
        $("filter-errors").hidden = false;
        return;
      }
    }
    state.filters = { ...draft.filters };
    state.names = { ...draft.names };
    saveFilters();
    summary();
    closeSheet();
    haptic.tap();
    loadPage(true);
  }

  const RADII_KM = [0, 25, 50, 100, 200];

  function wireSheet() {
    document.querySelectorAll("select.radius").forEach((select) => select.replaceChildren(
      ...RADII_KM.map((km) => el("option", { value: km ? String(km) : "" }, `${km} км`))));
    $("open-filters").addEventListener("click", () => { haptic.tap(); openSheet(); });
    $("close-filters").addEventListener("click", closeSheet);
    $("sheet").addEventListener("click", (e) => { if (e.target === $("sheet")) closeSheet(); });
    $("filters").addEventListener("submit", applySheet);
    $("reset-filters").addEventListener("click", () => {
      draft.filters = {}; draft.names = {};
      $("filters").reset();
      openSheetFields();
    });
    $("date-chips").addEventListener("click", (e) => {
      const chip = e.target.closest("button.chip");
      if (!chip) return;
      haptic.select();
      const token = chip.dataset.date;
      if (token) draft.filters.date = moscowDate(token === "today" ? 0 : 1); else delete draft.filters.date;
      syncDateChips();
    });
    $("date-input").addEventListener("change", (e) => {
      if (e.target.value) draft.filters.date = e.target.value; else delete draft.filters.date;
      syncDateChips();
    });
    $("wv-chips").addEventListener("click", (e) => {
      const chip = e.target.closest("button.chip");
      if (!chip) return;
      haptic.select();
      if (chip.dataset.wv) draft.filters.wv = chip.dataset.wv; else delete draft.filters.wv;
      $("wv-custom").value = "";
      chipGroup($("wv-chips"), "wv", chip.dataset.wv);
    });
    $("wv-custom").addEventListener("input", () => chipGroup($("wv-chips"), "wv", null));
    document.querySelectorAll(".city").forEach(wireCity);
  }

  function openSheetFields() {
    ["from-city", "to-city"].forEach((id) => { $(id).value = ""; });
    chipGroup($("wv-chips"), "wv", "");
    syncDateChips();
    if (state.dictionaries) {
      renderTypes("truck-types", "truck-types-field", state.dictionaries.truck_types, "truck_types");
      renderTypes("load-types", "load-types-field", state.dictionaries.load_types, "load_types");
    }
  }

  function wireCity(box) {
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
            },
          }, p.name)));
          list.hidden = found.items.length === 0;
        } catch (e) { list.hidden = true; }
      }, 250);
    });
    input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 200));
  }

  // ---- start --------------------------------------------------------------------------------------

  function back() {
    if (state.adminOpen) closeAdmin();
    else if (state.plansOpen) closePlans();
    else if (!$("offer-sheet").hidden) closeOffer();
    else if (!$("sheet").hidden) closeSheet();
    else if (state.detailOpen) closeDetail();
    else closeResponses();
  }

  async function start() {
    const { theme } = launchParams();
    applyTheme(theme);
    if (tg) {
      tg.ready();
      tg.expand();
      tg.BackButton.onClick(back);
    }
    $("detail-back").addEventListener("click", back);
    $("retry-list").addEventListener("click", () => loadPage(true));
    $("reset-from-empty").addEventListener("click", () => {
      state.filters = {}; state.names = {}; saveFilters(); summary(); loadPage(true);
    });
    wireSheet();
    wireOffer();
    $("open-responses").addEventListener("click", () => { haptic.tap(); openResponses(); });
    $("responses-back").addEventListener("click", back);
    $("open-plans").addEventListener("click", () => { haptic.tap(); openPlans(); });
    $("open-admin").addEventListener("click", () => { haptic.tap(); openAdmin(); });
    $("admin-back").addEventListener("click", back);
    $("admin-tabs").addEventListener("click", (e) => { const c = e.target.closest(".chip"); if (c) { haptic.select(); showAdminTab(c.dataset.tab); } });
    $("plans-back").addEventListener("click", back);
    $("promo-apply").addEventListener("click", applyPromo);
    document.addEventListener("visibilitychange", () => { if (!document.hidden && state.plansOpen) refreshSubscription(); });
    let session;
    try {
      session = await login();
    } catch (error) {
      $("fatal-text").textContent = error.message;
      $("fatal").hidden = false;
      return;
    }
    loadFilters();
    summary();
    watchScroll();
    watchPull();
    api("/api/dictionaries").then((d) => { state.dictionaries = d; }).catch(() => { state.dictionaries = null; });
    api("/api/me").then((me) => { state.subscription = me.subscription; $("open-admin").hidden = !me.is_admin; }).catch(() => {});
    await loadPage(true);
    const deepLink = /^c_(\d{1,20})$/.exec(session.start_param || "");
    const fromBot = /^\d{1,20}$/.exec(new URLSearchParams(location.search).get("load") || "");
    if (deepLink) openDetail(deepLink[1]); else if (fromBot) openDetail(fromBot[0]);
    else if (new URLSearchParams(location.search).get("screen") === "plans") openPlans();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
