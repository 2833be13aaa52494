// Shared by the desk and the auditor view: DOM building from text only, and API calls with the staff token.
"use strict";
const newsroom = (() => {
  const TOKEN_KEY = "newsroom-token";
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "className") node.className = value;
      else if (key === "onclick") node.addEventListener("click", value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function localTime(iso) {
    return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
  }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  async function api(method, path, body, headers) {
    const sent = { ...(headers || {}) };
    if (token()) sent.Authorization = "Bearer " + token();
    if (body !== undefined) sent["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, ok: response.ok, data };
  }
  function say(text, kind) {
    const message = document.getElementById("message");
    message.className = "message " + (kind || "");
    message.textContent = text;
  }
  function signIn(panelId, onReady) {
    const signin = document.getElementById("signin");
    const panel = document.getElementById(panelId);
    const show = () => { signin.hidden = Boolean(token()); panel.hidden = !token(); if (token()) onReady(); };
    document.getElementById("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
      show();
    });
    const signout = document.getElementById("signout");
    if (signout) signout.addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); show(); });
    show();
  }
  return { el, localTime, api, say, signIn };
})();
