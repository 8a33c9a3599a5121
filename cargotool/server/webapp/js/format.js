// Russian formatting of money, numbers and dates (Moscow time).

const NBSP = "\u202f";
/** Between a number and its unit («12 т», «450 км»): the unit never wraps to the next line alone. */
export const UNIT_SPACE = "\u00a0";
const MINUS = "\u2212";  // «−12 700 ₽», not the hyphen the ru-RU locale gives

/** The one money formatter: «136 800 ₽», «−12 700 ₽». */
export function rub(value) {
  if (value === null || value === undefined) return "—";
  return Math.round(value).toLocaleString("ru-RU").replace(/\s/g, NBSP).replace(/^-/, MINUS) + NBSP + "₽";
}

export function num(value, digits) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString("ru-RU", { maximumFractionDigits: digits === undefined ? 1 : digits }).replace(/^-/, MINUS);
}

/** A number with its unit, kept on one line: measure(12.5, "т") → «12,5 т». */
export function measure(value, unit, digits) {
  return num(value, digits) + UNIT_SPACE + unit;
}

export function day(iso) {
  if (!iso) return "";
  if (iso.length === 10) { const [, m, d] = iso.split("-"); return `${d}.${m}`; }
  const date = new Date(iso);
  return date.toLocaleString("ru-RU", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Moscow" });
}

export function windowText(point) {
  if (!point || !point.from) return "дата не указана";
  return point.to && point.to !== point.from ? `${day(point.from)} – ${day(point.to)}` : day(point.from);
}

export function moscowDate(offsetDays) {
  const now = new Date(Date.now() + 3 * 3600 * 1000 + offsetDays * 86400 * 1000);
  return now.toISOString().slice(0, 10);
}

export function route(cargo) {
  return `${(cargo.from && cargo.from.city) || "?"} → ${(cargo.to && cargo.to.city) || "?"}`;
}

/** "45000" → "45 000" (no-break spaces), for amounts as they are typed. */
export function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
}

/** The digits of a typed amount ("45 000" → "45000"); anything but digits and spaces is kept, so the
 * server can say what is wrong with it. */
export function amountText(value) {
  return value.replace(/[\s\u00a0\u202f]/g, "");
}

/** A company as drivers see it everywhere: its name and INN (CargoTech's security_status is not shown:
 * what its values mean is not known). */
export function companyText(company) {
  if (!company) return null;
  const parts = [company.name, company.inn ? "ИНН " + company.inn : null].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

/** A radius in km as the driver reads it. */
export function radiusText(km) {
  return Number(km) > 0 ? `+${km}${UNIT_SPACE}км` : "только этот город";
}

// The stale banner: how old the copy is («… полученные 12 мин назад»), from meta.age_seconds or fetched_at.
export function staleText(meta) {
  const age = Number.isFinite(meta.age_seconds) ? meta.age_seconds
    : Math.max(0, (Date.now() - Date.parse(meta.fetched_at)) / 1000);
  const minutes = Math.floor(age / 60);
  const when = !Number.isFinite(age) ? "ранее" : minutes < 1 ? "меньше минуты назад"
    : minutes < 60 ? `${minutes} мин назад` : `${Math.floor(minutes / 60)} ч ${minutes % 60} мин назад`;
  return `CargoTech сейчас недоступен — показываем данные, полученные ${when}.`;
}

/** The Russian plural form for `n`: plural(1, "отклик", "отклика", "откликов") → «отклик». */
export function plural(n, one, few, many) {
  const tens = Math.abs(n) % 100, units = tens % 10;
  if (tens > 10 && tens < 20) return many;
  if (units === 1) return one;
  return units >= 2 && units <= 4 ? few : many;
}

/** How old a copy saved at `savedAt` (ms) is, for the offline banner: «от 14:05 (40 мин назад)»; a copy of an
 * earlier Moscow day names the day: «от 03.12 14:05 (19 ч назад)». */
export function savedAgoText(savedAt, now) {
  const moscow = (ms) => new Date(ms + 3 * 3600 * 1000).toISOString();
  const saved = moscow(savedAt);
  const time = saved.slice(11, 16);
  const when = saved.slice(0, 10) === moscow(now).slice(0, 10) ? time : `${saved.slice(8, 10)}.${saved.slice(5, 7)} ${time}`;
  const minutes = Math.max(0, Math.floor((now - savedAt) / 60000));
  const hours = Math.floor(minutes / 60);
  const ago = minutes < 1 ? "только что" : minutes < 60 ? `${minutes} мин назад`
    : minutes % 60 ? `${hours} ч ${minutes % 60} мин назад` : `${hours} ${plural(hours, "час", "часа", "часов")} назад`;
  return `от ${when} (${ago})`;
}
