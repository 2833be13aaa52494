// Staff sign-in for the desk, the moderation queue and the auditor's pages: the token is checked at once
// (GET /api/staff/me, and the permission the page needs), so a mistyped token or another role's is said at
// the form and never kept; the tab keeps a good one (sessionStorage) until "Sign out".
import { api, problem, setToken, token } from "./api.js";
import { byId } from "./dom.js";

export function staffSignIn({ panel, permission = null, refusal = "", ready }) {
  async function signIn(value) {
    setToken(value);
    const result = await api("GET", "/api/staff/me");
    const allowed = result.ok && (permission === null || result.data.permissions.includes(permission));
    byId("signin").hidden = allowed;
    byId(panel).hidden = !allowed;
    if (!allowed) {
      setToken(null);
      byId("signin-message").textContent = result.ok ? refusal
        : result.status === 401 ? "That token was not accepted." : problem(result);
      return;
    }
    byId("me-name").textContent = result.data.display_name;
    byId("me-role").textContent = result.data.role;
    await ready(result.data);
  }
  byId("signin-form").addEventListener("submit", (event) => { event.preventDefault(); signIn(byId("token").value.trim()); });
  byId("signout").addEventListener("click", () => { setToken(null); window.location.href = window.location.pathname; });
  if (token()) signIn(token());
}
