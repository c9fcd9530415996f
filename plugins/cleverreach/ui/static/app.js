// The CleverReach page: plain JavaScript over the page's JSON API (relative paths only, so the page works
// under any prefix). Data is written with textContent, never as HTML. Buttons of rights the user lacks
// are disabled; the API refuses them anyway (403).
"use strict";

const STATES = ["pending", "synced", "unconfirmed", "rejected", "unsubscribed", "bounced"];
const state = { me: null, tenant: null, list: null, members: { page: 1, sort: "contact", order: "asc", state: "", pages: 1 },
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
    throw new Error(`${resp.status}: ${detail || resp.statusText}`);
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

function cell(row, value, className) {
  const td = document.createElement("td");
  if (value instanceof Node) td.appendChild(value); else td.textContent = value ?? "";
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fillTable(id, rows, render) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren();
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
    cell(tr, check ? `${check.ok ? "OK" : "failed"} at ${check.checked_at}${check.message ? ": " + check.message : ""}` : "never",
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

async function openTenant(tenant) {
  state.tenant = tenant;
  $("tenant-name").textContent = `${tenant.name} (${tenant.id})`;
  const lists = await api(`tenants/${encodeURIComponent(tenant.id)}/lists`);
  fillTable("lists", lists, (tr, l) => {
    tr.className = "clickable"; tr.dataset.list = l.id;
    cell(tr, l.id); cell(tr, l.name); cell(tr, l.short_description); cell(tr, l.external_id); cell(tr, l.remote_member_count);
    tr.addEventListener("click", () => guarded(() => openList(l.id)));
  });
  $("lists-section").hidden = false;
  $("list-section").hidden = true;
}

const listPath = (suffix = "") => `tenants/${encodeURIComponent(state.tenant.id)}/lists/${state.list.id}${suffix}`;

async function openList(listId) {
  state.list = { id: listId };
  const list = await api(listPath());
  state.list = list;
  $("list-title").textContent = `${list.name} (${list.id})`;
  $("list-name").value = list.name;
  $("list-description").value = list.short_description || "";
  $("list-external-id").value = list.external_id;
  $("list-remote-count").value = list.remote_member_count ?? "";
  const last = $("last-sync");
  last.replaceChildren();
  if (list.last_sync) {
    const s = list.last_sync;
    last.append(`${s.status}${s.dry_run ? " (dry run)" : ""}, ${s.started_at}: +${s.added} ~${s.updated} -${s.removed}, ${s.rejected} rejected`
                + (s.alert ? ` — ALERT: ${s.alert}` : "") + " ", runLink(s));
  } else last.textContent = "none yet";
  renderTranslations(list.translations);
  $("list-section").hidden = false;
  state.members.page = 1; state.selected.clear();
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
    cell(tr, t.language); cell(tr, t.name); cell(tr, t.short_description); cell(tr, `${t.changed_at} ${t.changed_by || ""}`);
    const del = document.createElement("button");
    del.textContent = "Delete"; del.disabled = !state.me.permissions.includes("manage_lists");
    del.addEventListener("click", () => guarded(async () => {
      await api(listPath(`/translations/${encodeURIComponent(t.language)}`), { method: "DELETE" });
      await openList(state.list.id); openTab("languages");
    }));
    cell(tr, del);
  });
}

// ---------------------------------------------------------------- members
async function loadMembers() {
  const m = state.members;
  const query = new URLSearchParams({ page: m.page, page_size: 50, sort: m.sort, order: m.order });
  if (m.state) query.set("state", m.state);
  const page = await api(listPath(`/members?${query}`));
  m.pages = page.pages;
  $("member-page").textContent = `page ${page.page} of ${page.pages} (${page.total} members)`;
  $("member-counts").textContent = Object.entries(state.list.member_counts || {}).map(([k, v]) => `${k}: ${v}`).join(", ");
  fillTable("members", page.rows, (tr, r) => {
    const box = document.createElement("input");
    box.type = "checkbox"; box.className = "member-select"; box.value = r.contact_person_id;
    box.checked = state.selected.has(r.contact_person_id);
    box.addEventListener("click", (ev) => ev.stopPropagation());
    box.addEventListener("change", () => box.checked ? state.selected.add(r.contact_person_id) : state.selected.delete(r.contact_person_id));
    cell(tr, box);
    cell(tr, [r.salutation, r.first_name, r.last_name].filter(Boolean).join(" "));
    cell(tr, r.function); cell(tr, r.email);
    cell(tr, `${r.synchronised ? "✔ " : ""}${r.sync_state}`, r.synchronised ? "ok" : (r.sync_state === "rejected" ? "bad" : ""));
    cell(tr, r.sync_error);
    tr.className = "clickable";
    tr.addEventListener("click", () => guarded(() => loadHistory(r.contact_person_id)));
  });
}

async function loadHistory(contactId) {
  const data = await api(`tenants/${encodeURIComponent(state.tenant.id)}/contacts/${contactId}/history`);
  const c = data.contact;
  $("history-title").textContent = `of ${[c.first_name, c.last_name].filter(Boolean).join(" ")} (${c.id})`;
  fillTable("history-table", data.events, (tr, e) => { cell(tr, e.occurred_at); cell(tr, e.kind); cell(tr, e.subject); cell(tr, e.detail); });
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
    tr.className = "clickable"; tr.dataset.run = r.id;
    for (const v of [r.id, r.started_at, r.status, r.dry_run ? "yes" : "no", r.added, r.updated, r.removed, r.rejected]) cell(tr, v);
    cell(tr, r.alert || r.message, r.alert ? "bad" : "muted");
    cell(tr, runLink(r));
    tr.addEventListener("click", () => guarded(() => loadPlan(r.id)));
  });
}

async function loadPlan(runId) {
  const plan = await api(listPath(`/sync/runs/${runId}?page_size=200`));
  state.plan = plan.run;
  $("plan-run").textContent = `${plan.run.id} (${plan.run.status})`;
  $("plan-counts").textContent = Object.entries(plan.counts).map(([k, v]) => `${k}: ${v}`).join(", ") || "no changes";
  $("plan-blocked").hidden = plan.run.status !== "blocked";
  fillTable("plan-table", plan.changes.rows, (tr, c) => { cell(tr, c.action); cell(tr, c.email); cell(tr, c.reason); cell(tr, c.result); });
  $("plan").hidden = false;
}

// ---------------------------------------------------------------- access
async function loadGrants() {
  const grants = await api("access/grants");
  fillTable("grants", grants, (tr, g) => {
    cell(tr, g.username); cell(tr, g.tenant_id); cell(tr, `${g.granted_at} by ${g.granted_by || ""}`);
    const del = document.createElement("button");
    del.textContent = "Revoke";
    del.addEventListener("click", () => guarded(async () => {
      const path = `access/grants/${encodeURIComponent(g.username)}/${encodeURIComponent(g.tenant_id)}`;
      try { await api(path, { method: "DELETE" }); }
      catch (err) {
        if (!err.message.startsWith("409") || !confirm(`${err.message}\n\nLift the limit?`)) throw err;
        await api(`${path}?lift_limit=true`, { method: "DELETE" });
      }
      await loadGrants();
    }));
    cell(tr, del);
  });
}

// ---------------------------------------------------------------- wiring
function wire() {
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => openTab(b.dataset.tab));
  for (const s of STATES) $("member-state").appendChild(new Option(s, s));
  $("member-state").addEventListener("change", (ev) => { state.members.state = ev.target.value; state.members.page = 1; guarded(loadMembers); });
  for (const th of document.querySelectorAll("#members th[data-sort]")) th.addEventListener("click", () => {
    const m = state.members;
    m.order = m.sort === th.dataset.sort && m.order === "asc" ? "desc" : "asc";
    m.sort = th.dataset.sort; m.page = 1; guarded(loadMembers);
  });
  $("member-prev").addEventListener("click", () => { if (state.members.page > 1) { state.members.page--; guarded(loadMembers); } });
  $("member-next").addEventListener("click", () => { if (state.members.page < state.members.pages) { state.members.page++; guarded(loadMembers); } });
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
    await openList(state.list.id); await openTenant(state.tenant); $("list-section").hidden = false;
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
    triggered(await api(listPath("/recipients/add"), { method: "POST", body: filters() }), "Adding recipients");
  }));
  $("sync-dry-run").addEventListener("click", () => guarded(async () => triggered(await api(listPath("/sync"), { method: "POST", body: { dry_run: true } }), "Dry run")));
  $("sync-apply").addEventListener("click", () => guarded(async () => triggered(await api(listPath("/sync"), { method: "POST", body: { dry_run: false } }), "Sync")));
  $("sync-refresh").addEventListener("click", () => guarded(loadRuns));
  $("plan-approve").addEventListener("click", () => guarded(async () => {
    triggered(await api(listPath("/sync/approve"), { method: "POST", body: { sync_run_id: state.plan.id } }), "Approved mass removal");
  }));
  $("grant-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(async () => {
    await api("access/grants", { method: "POST", body: { username: $("grant-user").value, tenant_id: $("grant-tenant").value } });
    await loadGrants();
  }); });
}

async function main() {
  wire();
  await guarded(async () => {
    state.me = await api("me");
    $("who").textContent = `${state.me.user} · rights: ${state.me.permissions.join(", ")}` +
      (state.me.tenants ? ` · tenants: ${state.me.tenants.join(", ")}` : "");
    applyRights();
    await loadTenants();
    if (state.me.permissions.includes("administer")) await loadGrants();
  });
}

main();
