// The JSON API with the signed-in staff token (kept in this tab's sessionStorage, sent as a Bearer token).
const TOKEN_KEY = "newsroom-token";

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => (value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY));

export async function api(method, path, body, headers) {
  const sent = { ...(headers || {}) };
  if (token()) sent.Authorization = "Bearer " + token();
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    return { status: 0, ok: false, data: { error: { code: "offline", message: "The server could not be reached." } } };
  }
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  return { status: response.status, ok: response.ok, data };
}

export const articlePath = (slug) => "/api/articles/" + encodeURIComponent(slug);

// What went wrong, in words an editor can act on.
export function problem(result) {
  const error = result.data && result.data.error;
  if (!error) return `The server answered ${result.status}.`;
  const field = error.details && error.details.field ? ` (${error.details.field})` : "";
  return `${error.message}${field}`;
}
