// Telegram glue: launch parameters, theme, haptics and links. Outside Telegram (an ordinary browser
// opened with #tgWebAppData=...) every helper here quietly does the browser thing instead.

export const tg = window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData !== undefined
  ? window.Telegram.WebApp : null;

export function launchParams() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  return {
    initData: (tg && tg.initData) || hash.get("tgWebAppData") || "",
    theme: hash.get("tgWebAppThemeParams"),
  };
}

export function applyTheme(themeJson) {
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

export const haptic = {
  tap() { try { tg && tg.HapticFeedback.impactOccurred("light"); } catch (e) {} },
  select() { try { tg && tg.HapticFeedback.selectionChanged(); } catch (e) {} },
  success() { try { tg && tg.HapticFeedback.notificationOccurred("success"); } catch (e) {} },
  error() { try { tg && tg.HapticFeedback.notificationOccurred("error"); } catch (e) {} },
};

export function openExternal(url) {
  if (tg && tg.openLink) tg.openLink(url); else window.open(url, "_blank", "noopener");
}

export function showBackButton() { if (tg) tg.BackButton.show(); }
export function hideBackButton() { if (tg) tg.BackButton.hide(); }
export function hideMainButton() { if (tg) tg.MainButton.hide(); }
