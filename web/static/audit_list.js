// The auditor's list of every story (drafts and withdrawn ones too), most recently changed first.
"use strict";
(() => {
  const { el, api, say, signIn, localTime } = newsroom;
  const byId = (id) => document.getElementById(id);
  let before = null;

  async function load(more) {
    const query = new URLSearchParams({ limit: "50" });
    const q = byId("q").value.trim();
    if (q) query.set("q", q);
    if (more && before !== null) query.set("before", String(before));
    const result = await api("GET", "/api/audit/stories?" + query);
    if (!result.ok) { say(result.data && result.data.error ? result.data.error.message : `the server answered ${result.status}`, "error"); return; }
    const items = result.data.stories.map((story) => el("li", {},
      el("a", { href: "/audit/" + encodeURIComponent(story.slug), className: "story-pick" },
        el("span", { className: "pick-headline" }, story.headline),
        el("span", { className: "pick-meta" }, `${story.status} · changed ${localTime(story.changed_at)} · ${story.slug}`))));
    if (more) byId("stories").append(...items); else byId("stories").replaceChildren(...items);
    before = result.data.next_before;
    byId("more").hidden = before === null;
  }

  byId("search").addEventListener("submit", (event) => { event.preventDefault(); load(false); });
  byId("more").addEventListener("click", () => load(true));
  signIn("stories-panel", () => load(false));
})();
