// The CleverReach page: plain JavaScript over the page's JSON API (relative paths only, so the page works
// under any prefix). Data is written with textContent, never as HTML. Buttons of rights the user lacks
// are disabled; the API refuses them anyway (403).
"use strict";

const STATES = ["pending", "synced", "unconfirmed", "rejected", "unsubscribed", "bounced"];
const PAGE_SIZE = 50;
// Members are paged by keyset: the API answers "the page after/before contact X", "the first", "the last";
// the page number shown is counted here (first = 1, last = the count of pages from the list's member counts).
const state = { me: null, tenant: null, list: null,
                members: { sort: "contact", order: "asc", state: "", position: "first", boundary: null, number: 1,
                           before: null, after: null },
                selected: new Set(), plan: null };
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: { "Accept": "application/json" }, ...options };
  if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const resp = await fetch("api/" + path, init);
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    let detail = data.detail;
    if (Array.isArray(detail)) detail = detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    const error = new Error(`Error ${resp.status}: ${detail || resp.statusText}`);
    error.status = resp.status;
    throw error;
  }
  return data;
}

function show(text, kind = "info") {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

async function guarded(action) {
  try { await action(); } catch (err) { show(err.message, "error"); }
}

// Stored times are UTC without a zone: shown to the second, marked UTC.
function when(value) {
  return value ? `${String(value).replace("T", " ").slice(0, 19)} UTC` : "";
}

function missing(text) {
  const span = document.createElement("span");
  span.className = "muted"; span.textContent = text;
  return span;
}

function cell(row, value, className) {
  const td = document.createElement("td");
  if (value instanceof Node) td.appendChild(value); else td.textContent = value ?? "";
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fillTable(id, rows, render, empty = "none") {
  const body = $(id).querySelector("tbody");
  body.replaceChildren();
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell(tr, empty, "muted empty");
    td.colSpan = $(id).querySelectorAll("thead th").length;
    body.appendChild(tr);
  }
  for (const item of rows) {
    const tr = document.createElement("tr");
    render(tr, item);
    body.appendChild(tr);
  }
}

function runLink(run) {
  if (!run || !run.link) return document.createTextNode("");
  const a = document.createElement("a");
  a.href = run.link; a.target = "_top"; a.textContent = "open run";
  return a;
}

function applyRights() {
  const rights = new Set(state.me.permissions);
  for (const el of document.querySelectorAll("[class*='needs-']")) {
    const needed = [...el.classList].find((c) => c.startsWith("needs-")).slice(6);
    if (el.tagName === "SECTION") { el.hidden = !rights.has(needed); continue; }
    const allowed = rights.has(needed);
    for (const control of el.matches("button, input, textarea, select") ? [el] : el.querySelectorAll("button, input, textarea, select")) {
      if (!allowed) { control.disabled = true; control.title = `needs the right ${needed}`; }
    }
  }
  $("list-name").readOnly = $("list-description").readOnly = !rights.has("manage_lists");
}

// ---------------------------------------------------------------- tenants and lists
async function loadTenants() {
  const tenants = await api("tenants");
  fillTable("tenants", tenants, (tr, t) => {
    tr.className = "clickable"; tr.dataset.tenant = t.id;
    cell(tr, t.id); cell(tr, t.name); cell(tr, t.cleverreach_conn_id); cell(tr, t.lists);
    const check = t.login_check;
    cell(tr, check ? `${check.ok ? "OK" : "failed"} at ${when(check.checked_at)}${check.message ? ": " + check.message : ""}` : "never",
         check ? (check.ok ? "ok" : "bad") : "muted");
    const button = document.createElement("button");
    button.textContent = "Check login"; button.className = "needs-run_syncs login-check";
    button.disabled = !state.me.permissions.includes("run_syncs");
    button.addEventListener("click", (ev) => { ev.stopPropagation(); guarded(async () => {
      await api(`tenants/${encodeURIComponent(t.id)}/login-check`, { method: "POST" });
      await loadTenants();
    }); });
    cell(tr, button);
    tr.addEventListener("click", () => guarded(() => openTenant(t)));
  });
}

// The page's place in the address (#tenant=…&list=…), so a reload or a shared link opens the same list.
function remember() {
  const place = new URLSearchParams();
  if (state.tenant) place.set("tenant", state.tenant.id);
  if (state.list && state.list.id) place.set("list", state.list.id);
  history.replaceState(null, "", `#${place}`);
}

async function openTenant(tenant) {
  state.tenant = tenant;
  state.list = null;
  remember();
  $("tenant-name").textContent = `${tenant.name} (${tenant.id})`;
  const lists = await api(`tenants/${encodeURIComponent(tenant.id)}/lists`);
  fillTable("lists", lists, (tr, l) => {
    tr.className = "clickable"; tr.dataset.list = l.id;
    cell(tr, l.id); cell(tr, l.name); cell(tr, l.short_description); cell(tr, l.external_id); cell(tr, l.remote_member_count);
    tr.addEventListener("click", () => guarded(() => openList(l.id)));
  }, "no lists imported yet");
  $("lists-section").hidden = false;
  $("list-section").hidden = true;
}

const listPath = (suffix = "") => `tenants/${encodeURIComponent(state.tenant.id)}/lists/${state.list.id}${suffix}`;

async function openList(listId) {
  state.list = { id: listId };
  show("");
  const list = await api(listPath());
  state.list = list;
  remember();
  $("list-title").textContent = `${list.name} (${list.id})`;
  $("list-name").value = list.name;
  $("list-description").value = list.short_description || "";
  $("list-external-id").value = list.external_id;
  $("list-remote-count").value = list.remote_member_count ?? "";
  const last = $("last-sync");
  last.replaceChildren();
  if (list.last_sync) {
    const s = list.last_sync;
    last.append(`${s.status}${s.dry_run ? " (dry run)" : ""}, ${when(s.started_at)}: +${s.added} ~${s.updated} -${s.removed}, ${s.rejected} rejected`
                + (s.alert ? ` — ALERT: ${s.alert}` : "") + " ", runLink(s));
  } else last.textContent = "none yet";
  renderTranslations(list.translations);
  $("list-section").hidden = false;
  Object.assign(state.members, { position: "first", boundary: null, number: 1 }); state.selected.clear();
  openTab("details");
}

function openTab(name) {
  for (const b of document.querySelectorAll(".tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const t of document.querySelectorAll(".tab")) t.hidden = t.id !== `tab-${name}`;
  if (name === "members") guarded(loadMembers);
  if (name === "add") guarded(loadVocabulary);
  if (name === "sync") guarded(loadRuns);
}

// ---------------------------------------------------------------- list edits and languages
function renderTranslations(rows) {
  fillTable("translations", rows, (tr, t) => {
    cell(tr, t.language); cell(tr, t.name); cell(tr, t.short_description); cell(tr, `${when(t.changed_at)} ${t.changed_by || ""}`);
    const del = document.createElement("button");
    del.textContent = "Delete"; del.disabled = !state.me.permissions.includes("manage_lists");
    del.addEventListener("click", () => guarded(async () => {
      await api(listPath(`/translations/${encodeURIComponent(t.language)}`), { method: "DELETE" });
      await openList(state.list.id); openTab("languages");
    }));
    cell(tr, del);
  }, "no other languages");
}

// ---------------------------------------------------------------- members
function memberTotal() {
  const counts = state.list.member_counts || {};
  return state.members.state ? (counts[state.members.state] || 0) : Object.values(counts).reduce((a, b) => a + b, 0);
}

function pageMembers(position, boundary = null) {
  const m = state.members;
  const pages = Math.max(1, Math.ceil(memberTotal() / PAGE_SIZE));
  m.number = { first: 1, last: pages, after: m.number + 1, before: Math.max(1, m.number - 1) }[position];
  m.position = position; m.boundary = boundary;
  guarded(loadMembers);
}

async function loadMembers() {
  const m = state.members;
  const query = new URLSearchParams({ page_size: PAGE_SIZE, sort: m.sort, order: m.order });
  if (m.state) query.set("state", m.state);
  if (m.position === "after" || m.position === "before") query.set(m.position, m.boundary);
  if (m.position === "last") query.set("last", "true");
  const page = await api(listPath(`/members?${query}`));
  m.before = page.before; m.after = page.after;
  const total = memberTotal();
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (page.before === null) m.number = 1;
  if (page.after === null) m.number = pages;
  $("member-page").textContent = `page ${m.number.toLocaleString("en")} of ${pages.toLocaleString("en")} ` +
    `(${total.toLocaleString("en")} member${total === 1 ? "" : "s"}${m.state ? " " + m.state : ""})`;
  $("member-first").disabled = $("member-prev").disabled = page.before === null;
  $("member-next").disabled = $("member-last").disabled = page.after === null;
  $("member-counts").textContent = Object.entries(state.list.member_counts || {}).map(([k, v]) => `${k}: ${v.toLocaleString("en")}`).join(" · ");
  for (const th of document.querySelectorAll("#members th[data-sort]")) {
    th.classList.toggle("sorted", th.dataset.sort === m.sort);
    th.dataset.arrow = th.dataset.sort === m.sort ? (m.order === "asc" ? "▲" : "▼") : "";
  }
  fillTable("members", page.rows, (tr, r) => {
    const box = document.createElement("input");
    box.type = "checkbox"; box.className = "member-select"; box.value = r.contact_person_id;
    box.checked = state.selected.has(r.contact_person_id);
    box.setAttribute("aria-label", `select contact ${r.contact_person_id}`);
    box.addEventListener("click", (ev) => ev.stopPropagation());
    box.addEventListener("change", () => box.checked ? state.selected.add(r.contact_person_id) : state.selected.delete(r.contact_person_id));
    cell(tr, box);
    const person = [r.salutation, r.first_name, r.last_name].filter(Boolean).join(" ");
    cell(tr, person || missing("no name"));
    cell(tr, r.function); cell(tr, r.email || missing("no e-mail"));
    const tick = r.synchronised ? "✔ " : "";
    cell(tr, `${tick}${r.sync_state}`, r.synchronised ? "ok state" : (r.sync_state === "rejected" ? "bad state" : "state"))
      .title = r.synchronised ? "synchronised with CleverReach" : "";
    cell(tr, r.sync_error); cell(tr, when(r.added_at), "muted");
    tr.className = "clickable"; tr.dataset.contact = r.contact_person_id;
    tr.addEventListener("click", () => guarded(() => loadHistory(r.contact_person_id)));
  }, m.state ? `no ${m.state} members` : "no members yet: add recipients in the next tab");
}

async function loadHistory(contactId) {
  const data = await api(`tenants/${encodeURIComponent(state.tenant.id)}/contacts/${contactId}/history`);
  const c = data.contact;
  $("history-title").textContent = `of ${[c.first_name, c.last_name].filter(Boolean).join(" ")} (${c.id})`;
  fillTable("history-table", data.events, (tr, e) => { cell(tr, when(e.occurred_at)); cell(tr, e.kind); cell(tr, e.subject); cell(tr, e.detail); },
            "no mails sent to this contact yet");
  $("history").hidden = false;
}

async function triggered(run, what) {
  const link = runLink(run);
  show(`${what}: run ${run.dag_run_id} of ${run.dag_id} started. `);
  $("message").appendChild(link);
}

// ---------------------------------------------------------------- add recipients
async function loadVocabulary() {
  const words = await api(listPath("/recipients/vocabulary"));
  for (const kind of ["letter", "tag", "category", "sales_process"]) {
    const select = $(`filter-${kind}`);
    const current = select.value;
    select.replaceChildren(new Option("any", ""));
    for (const word of words[kind]) select.appendChild(new Option(word, word));
    select.value = current;
  }
}

function filters() {
  const found = {};
  for (const kind of ["letter", "tag", "category", "sales_process", "search"]) {
    const value = $(`filter-${kind}`).value.trim();
    if (value) found[kind] = value;
  }
  return found;
}

// ---------------------------------------------------------------- sync
async function loadRuns() {
  const runs = await api(listPath("/sync/runs"));
  fillTable("runs", runs, (tr, r) => {
    tr.className = "clickable"; tr.dataset.run = r.id; tr.dataset.airflowRun = r.run_id || "";
    for (const v of [r.id, when(r.started_at), r.status, r.dry_run ? "yes" : "no", r.added, r.updated, r.removed, r.rejected]) cell(tr, v);
    cell(tr, r.alert || r.message, r.alert ? "bad" : "muted");
    cell(tr, runLink(r));
    tr.addEventListener("click", () => guarded(() => loadPlan(r.id)));
  }, "no sync runs yet: start a dry run");
}

async function loadPlan(runId) {
  const plan = await api(listPath(`/sync/runs/${runId}?page_size=200`));
  state.plan = plan.run;
  $("plan-run").textContent = `${plan.run.id} (${plan.run.status})`;
  $("plan-counts").textContent = Object.entries(plan.counts).map(([k, v]) => `${k}: ${v}`).join(", ") || "no changes";
  $("plan-blocked").hidden = plan.run.status !== "blocked";
  fillTable("plan-table", plan.changes.rows, (tr, c) => { cell(tr, c.action); cell(tr, c.email || missing("no e-mail")); cell(tr, c.reason); cell(tr, c.result); },
            "nothing to change");
  $("plan").hidden = false;
}

// ---------------------------------------------------------------- access
async function loadGrants() {
  const grants = await api("access/grants");
  fillTable("grants", grants, (tr, g) => {
    cell(tr, g.username); cell(tr, g.tenant_id); cell(tr, `${when(g.granted_at)} by ${g.granted_by || ""}`);
    const del = document.createElement("button");
    del.textContent = "Revoke";
    del.addEventListener("click", () => guarded(async () => {
      const path = `access/grants/${encodeURIComponent(g.username)}/${encodeURIComponent(g.tenant_id)}`;
      try { await api(path, { method: "DELETE" }); }
      catch (err) {
        if (err.status !== 409 || !confirm(`${err.message}\n\nLift the limit?`)) throw err;
        await api(`${path}?lift_limit=true`, { method: "DELETE" });
      }
      await loadGrants();
    }));
    cell(tr, del);
  }, "no grants: every user with a CleverReach role sees every tenant");
}

// ---------------------------------------------------------------- wiring
function wire() {
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => openTab(b.dataset.tab));
  for (const s of STATES) $("member-state").appendChild(new Option(s, s));
  $("member-state").addEventListener("change", (ev) => { state.members.state = ev.target.value; pageMembers("first"); });
  for (const th of document.querySelectorAll("#members th[data-sort]")) th.addEventListener("click", () => {
    const m = state.members;
    m.order = m.sort === th.dataset.sort && m.order === "asc" ? "desc" : "asc";
    m.sort = th.dataset.sort; pageMembers("first");
  });
  $("member-first").addEventListener("click", () => pageMembers("first"));
  $("member-prev").addEventListener("click", () => { if (state.members.before !== null) pageMembers("before", state.members.before); });
  $("member-next").addEventListener("click", () => { if (state.members.after !== null) pageMembers("after", state.members.after); });
  $("member-last").addEventListener("click", () => pageMembers("last"));
  $("member-all").addEventListener("change", (ev) => {
    for (const box of document.querySelectorAll(".member-select")) { box.checked = ev.target.checked; box.dispatchEvent(new Event("change")); }
  });
  $("member-remove").addEventListener("click", () => guarded(async () => {
    if (!state.selected.size) throw new Error("select members first");
    const run = await api(listPath("/members/remove"), { method: "POST", body: { contact_ids: [...state.selected] } });
    state.selected.clear(); triggered(run, "Removing the selected members");
  }));
  $("member-remove-rejected").addEventListener("click", () => guarded(async () => {
    triggered(await api(listPath("/members/remove-rejected"), { method: "POST" }), "Removing all rejected members");
  }));
  $("list-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(async () => {
    await api(listPath(), { method: "PUT", body: { name: $("list-name").value, short_description: $("list-description").value } });
    const listId = state.list.id;
    await openTenant(state.tenant); await openList(listId);  // the lists table shows the new name too
    show("List saved.");
  }); });
  $("translation-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(async () => {
    const language = $("translation-language").value.trim();
    renderTranslations(await api(listPath(`/translations/${encodeURIComponent(language)}`), { method: "PUT",
      body: { name: $("translation-name").value, short_description: $("translation-description").value } }));
    show(`Language ${language} saved.`);
  }); });
  $("add-preview").addEventListener("click", () => guarded(async () => {
    const p = await api(listPath("/recipients/preview"), { method: "POST", body: filters() });
    $("preview-summary").textContent = `${p.count} contact person(s) match (${p.filters}); ${p.without_valid_email} without a valid e-mail address.`;
    fillTable("preview-table", p.rows, (tr, r) => { cell(tr, r.contact_person_id); cell(tr, r.name); cell(tr, r.city); cell(tr, r.email, r.valid_email ? "" : "bad"); });
    $("preview").hidden = false;
    $("add-submit").disabled = !state.me.permissions.includes("manage_lists") || p.count === 0;
  }));
  $("add-submit").addEventListener("click", () => guarded(async () => {
    show("");
    triggered(await api(listPath("/recipients/add"), { method: "POST", body: filters() }), "Adding recipients");
  }));
  for (const [id, dry, what] of [["sync-dry-run", true, "Dry run"], ["sync-apply", false, "Sync"]]) {
    $(id).addEventListener("click", () => guarded(async () => {
      show("");  // the last run's message goes, so it is never taken for this one's
      triggered(await api(listPath("/sync"), { method: "POST", body: { dry_run: dry } }), what);
    }));
  }
  $("sync-refresh").addEventListener("click", () => guarded(loadRuns));
  $("plan-approve").addEventListener("click", () => guarded(async () => {
    triggered(await api(listPath("/sync/approve"), { method: "POST", body: { sync_run_id: state.plan.id } }), "Approved mass removal");
  }));
  $("grant-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(async () => {
    await api("access/grants", { method: "POST", body: { username: $("grant-user").value, tenant_id: $("grant-tenant").value } });
    await loadGrants();
  }); });
}

async function openRemembered() {
  const place = new URLSearchParams(location.hash.slice(1));
  const tenantId = place.get("tenant");
  if (!tenantId) return;
  const row = document.querySelector(`#tenants tr[data-tenant="${CSS.escape(tenantId)}"]`);
  state.tenant = row ? { id: tenantId, name: row.children[1].textContent } : { id: tenantId, name: tenantId };
  if (row) await openTenant(state.tenant);
  if (place.get("list")) await openList(Number(place.get("list")));
}

async function main() {
  wire();
  await guarded(async () => {
    try { state.me = await api("me"); }
    catch (err) {
      if (err.status === 401) {
        err.message = "Error 401: you are not logged in to Airflow. Log in, then open CleverReach from Airflow's navigation (Browse → CleverReach).";
        $("tenants-section").hidden = true;
      }
      throw err;
    }
    $("who").textContent = `${state.me.user} · rights: ${state.me.permissions.join(", ")}` +
      (state.me.tenants ? ` · tenants: ${state.me.tenants.join(", ")}` : "");
    applyRights();
    await loadTenants();
    if (state.me.permissions.includes("administer")) await loadGrants();
    await openRemembered();
  });
}

main();
