// The auditor's list of every story (drafts and withdrawn ones too), most recently changed first.
import { api, problem } from "./lib/api.js";
import { byId, el, localTime, say } from "./lib/dom.js";
import { staffSignIn } from "./lib/signin.js";

let before = null;

async function load(more) {
  const query = new URLSearchParams({ limit: "50" });
  const q = byId("q").value.trim();
  if (q) query.set("q", q);
  if (more && before !== null) query.set("before", String(before));
  const result = await api("GET", "/api/audit/stories?" + query);
  if (!result.ok) { say(problem(result), "error"); return; }
  const items = result.data.stories.map((story) => el("li", {},
    el("a", { href: "/audit/" + encodeURIComponent(story.slug), className: "story-pick" },
      el("span", { className: "pick-headline" }, story.headline),
      el("span", { className: "pick-meta" }, `${story.status} · changed ${localTime(story.changed_at)} · ${story.slug}`))));
  if (more) byId("stories").append(...items); else byId("stories").replaceChildren(...items);
  before = result.data.next_before;
  byId("more").hidden = before === null;
  say(items.length || more ? "" : "No story matches.");
}

byId("search").addEventListener("submit", (event) => { event.preventDefault(); load(false); });
byId("more").addEventListener("click", () => load(true));
staffSignIn({ panel: "stories-panel", permission: "read_audit", refusal: "This token is not an auditor's.", ready: () => load(false) });
