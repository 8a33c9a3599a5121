// The server's JSON API: log in with the launch data, then call with the session token
// (logging in again once when the session has expired).

import { answered, recall } from "./offline.js";
import { useDriver } from "./offlinestore.js";
import { state } from "./state.js";
import { launchParams } from "./telegram.js";

/** What a driver reads: the server's message when it is Russian (written for drivers); otherwise (a
 * technical English message, say «could not reach CargoTech (ConnectError)…») plain words by kind. The
 * technical detail stays in the server's log. */
function driverMessage(status, error) {
  if (/^upstream/.test(error.code || "")) return "CargoTech сейчас не отвечает, а сохранённых данных нет. Попробуйте через минуту.";
  if (error.message && /[а-яё]/i.test(error.message)) return error.message;
  if (status === 0) return "Нет связи. Проверьте интернет и попробуйте ещё раз.";
  if (status === 429) return "Слишком много запросов. Подождите минуту.";
  if (status >= 500) return "Сервис временно недоступен. Попробуйте через минуту.";
  return "Что-то пошло не так. Попробуйте ещё раз.";
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    // only Russian text from the server reaches the screen; the technical detail stays in the server's log
    super(driverMessage(status, error));
    this.status = status;
    this.fields = error.fields || {};
    this.code = error.code;
  }
}

/** The field errors joined into one line, or the message when there are none. */
export function errorText(error, separator) {
  const fields = Object.values(error.fields || {});
  return fields.length ? fields.join(separator || ". ") : error.message;
}

const OFFLINE = "Нет связи. Проверьте интернет и попробуйте ещё раз.";

async function postSession(initData, cargos) {
  let response;
  try {
    response = await fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(cargos ? { init_data: initData, cargos } : { init_data: initData }),
    });
  } catch (e) {
    throw new ApiError(0, { error: { message: OFFLINE } });
  }
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Log in. The page's inline script may already have sent the first login (asking for the first page of
 * loads too, see index.html): its answer is used once; every later login is a plain one. */
export async function login() {
  const { initData } = launchParams();
  if (!initData) throw new ApiError(401, { error: { message: "Откройте приложение из бота в Telegram." } });
  const boot = window.cargotoolBoot;
  window.cargotoolBoot = null;
  let answer = null;
  if (boot && boot.initData === initData) answer = await boot.answer.catch(() => null);
  if (!answer || !answer.body) answer = await postSession(initData);
  if (answer.status !== 200) throw new ApiError(answer.status, answer.body);
  state.token = answer.body.session_token;
  state.driver = answer.body.driver;
  state.botCanWrite = answer.body.bot_can_write !== false;
  // this driver's offline copy (another driver's, on a shared phone, is wiped first); the login's first page too
  useDriver(state.driver.telegram_id);
  if (answer.body.cargos) answered("/api/cargos?" + answer.body.cargos_query, answer.body.cargos);
  return answer.body;
}

/** Call the API. A GET of the list, a load or my responses that cannot reach the server answers from the
 * device's copy (js/offline.js), marked `offline_saved_at`. `options.headers` are added to the request's. */
export async function api(path, retried, options) {
  let response;
  const init = { headers: { Authorization: "Bearer " + state.token, ...((options && options.headers) || {}) } };
  const get = !(options && options.method);
  if (options && options.method) init.method = options.method;
  if (options && options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers["Content-Type"] = "application/json";
  }
  try {
    response = await fetch(path, init);
  } catch (e) {
    const copy = get ? await recall(path) : null;
    if (copy) return copy;
    throw new ApiError(0, { error: { message: OFFLINE } });
  }
  if (response.status === 401 && !retried) {  // the session expired: log in again once
    await login();
    return api(path, true, options);
  }
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return get ? answered(path, body) : body;
}
