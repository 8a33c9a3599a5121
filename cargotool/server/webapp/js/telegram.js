// Telegram glue: launch parameters, theme, haptics and links. Outside Telegram (an ordinary browser
// opened with #tgWebAppData=...) every helper here quietly does the browser thing instead.
// telegram-web-app.js loads async: the page never waits for telegram.org (the launch data is in the URL
// hash), so Telegram's object may appear late, or never; ask webApp() each time, or use whenTelegram().

/** Telegram's WebApp object once its script has run, else null. */
export function webApp() {
  const app = window.Telegram && window.Telegram.WebApp;
  return app && app.initData !== undefined ? app : null;
}

/** Run `callback(webApp)` now if Telegram's script has run, else when it does (never, if it cannot load). */
export function whenTelegram(callback) {
  if (webApp()) { callback(webApp()); return; }
  const script = document.getElementById("telegram-script");
  if (script) script.addEventListener("load", () => { if (webApp()) callback(webApp()); }, { once: true });
}

export function launchParams() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  return {
    initData: hash.get("tgWebAppData") || (webApp() && webApp().initData) || "",
    theme: hash.get("tgWebAppThemeParams"),
  };
}

/** Colours from the launch data's theme at once; Telegram's script keeps --tg-theme-* up to date later. */
export function applyTheme(themeJson) {
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

export const haptic = {
  tap() { try { webApp().HapticFeedback.impactOccurred("light"); } catch (e) {} },
  select() { try { webApp().HapticFeedback.selectionChanged(); } catch (e) {} },
  success() { try { webApp().HapticFeedback.notificationOccurred("success"); } catch (e) {} },
  error() { try { webApp().HapticFeedback.notificationOccurred("error"); } catch (e) {} },
};

export function openExternal(url) {
  const app = webApp();
  if (app && app.openLink) app.openLink(url); else window.open(url, "_blank", "noopener");
}

export function showBackButton() { const app = webApp(); if (app) app.BackButton.show(); }
export function hideBackButton() { const app = webApp(); if (app) app.BackButton.hide(); }
export function hideMainButton() { const app = webApp(); if (app) app.MainButton.hide(); }
