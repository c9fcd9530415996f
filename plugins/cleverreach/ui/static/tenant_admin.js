// The tenant lifecycle's two admin actions on the tenant view (docs/operations.md, "Tenant lifecycle"): rename a tenant id the
// CRM renamed, and move a tenant to another CleverReach account. Loaded after app.js and built on it (api, show,
// state, openTenant). The controls are in sections marked needs-administer, so applyRights shows them to users
// with the right to administer only; the API refuses everyone else (403) and a refused action (409, with the
// reason, which the dialog shows). Each dialog asks the user to type the tenant id: that is the API's `confirm`.
"use strict";

// The dialog that is open: its action, the tenant it acts on (fixed when it opened, whatever the page shows
// after a rename) and whether it succeeded (then it only shows the result).
const lifecycle = { action: null, tenant: null, done: false };

function openLifecycle(action) {
  if (!state.tenant) return;
  Object.assign(lifecycle, { action, tenant: state.tenant, done: false });
  const dialog = $(`${action}-dialog`);
  dialog.querySelector("form").reset();
  for (const el of dialog.querySelectorAll(".tenant-id")) el.textContent = lifecycle.tenant.id;
  for (const el of dialog.querySelectorAll(".tenant-conn")) {
    el.textContent = lifecycle.tenant.cleverreach_conn_id || `cleverreach_${lifecycle.tenant.id}`;
  }
  $(`${action}-result`).hidden = true;
  lifecycleReady();
  dialog.showModal();
  $(action === "rename" ? "rename-new" : "move-confirm").focus();
}

// Submit only once the tenant id is typed exactly (and, for a rename, a valid new id other than it).
function lifecycleReady() {
  const { action, tenant, done } = lifecycle;
  if (!action) return;
  if (!done) $(`${action}-result`).hidden = true;  // a refusal stays until the user changes what was refused
  let ready = !done && $(`${action}-confirm`).value.trim() === tenant.id;
  if (action === "rename") {
    const next = $("rename-new");
    ready = ready && next.checkValidity() && next.value.trim() !== tenant.id;
  }
  $(`${action}-submit`).disabled = !ready;
}

function lifecycleOutcome(action, text, ok) {
  const box = $(`${action}-result`);
  box.textContent = text;
  box.className = `lifecycle-result ${ok ? "ok" : "bad"}`;
  box.hidden = false;
}

function renameReport(r) {
  if (!r.changed) {
    return `Nothing of tenant ${r.tenant_id} was left to rename: its private state is ${r.new_tenant_id}'s already (or it had none).`;
  }
  const rows = Object.entries(r.rows).filter(([, n]) => n).map(([table, n]) => `${table}: ${n}`).join(", ");
  return `Renamed tenant ${r.tenant_id} to ${r.new_tenant_id}. Rows re-keyed: ${rows || "none"}.`;
}

function moveReport(r) {
  const accounts = r.released_accounts.length ? `CleverReach account ${r.released_accounts.join(", ")}` : "its CleverReach account (none was bound)";
  return `Moved tenant ${r.tenant_id} off ${accounts}: ${r.lists_marked_gone} of ${r.lists} list(s) marked gone, ` +
    `${r.members_pending} member(s) set to pending. Next: run cleverreach_import_lists for the tenant, then sync its lists.`;
}

async function runLifecycle() {
  const { action, tenant } = lifecycle;
  const body = { confirm: $(`${action}-confirm`).value.trim() };
  if (action === "rename") body.new_tenant_id = $("rename-new").value.trim();
  $(`${action}-submit`).disabled = true;
  let result;
  try {
    result = await api(`tenants/${encodeURIComponent(tenant.id)}/${action}`, { method: "POST", body });
  } catch (err) {
    lifecycleOutcome(action, err.message, false);  // a refusal (409) says why and that nothing was changed
    $(`${action}-submit`).disabled = false;
    return;
  }
  lifecycle.done = true;
  const report = action === "rename" ? renameReport(result) : moveReport(result);
  lifecycleOutcome(action, report, true);
  // The page behind the dialog shows the tenant as it is now: the new id after a rename, the lists after a move.
  await guarded(async () => {
    await loadTenants();
    await openTenantById(action === "rename" ? result.new_tenant_id : tenant.id);
    show(report);
  });
}

// A tenant of the tenants table by id; an id the CRM no longer has opens as a "former" tenant: no lists (they are
// the new id's in the CRM), only the admin actions, so that its private state can be renamed.
async function openTenantById(id) {
  const found = (await api("tenants")).find((t) => t.id === id);
  if (found) { await openTenant(found); return; }
  state.tenant = { id, name: id, former: true };
  state.list = null;
  remember();
  $("tenant-name").textContent = `${id} (not an active tenant of the CRM)`;
  fillTable("lists", [], () => {}, `tenant ${id} is not an active tenant of the CRM: renamed or removed there. ` +
            "If the CRM renamed it, rename its id here too.");
  $("lists-section").hidden = false;
  $("list-section").hidden = true;
}

function wireTenantAdmin() {
  $("tenant-rename").addEventListener("click", () => openLifecycle("rename"));
  $("tenant-move").addEventListener("click", () => openLifecycle("move"));
  for (const id of ["rename-new", "rename-confirm", "move-confirm"]) $(id).addEventListener("input", lifecycleReady);
  for (const action of ["rename", "move"]) {
    $(`${action}-form`).addEventListener("submit", (ev) => { ev.preventDefault(); if (!$(`${action}-submit`).disabled) runLifecycle(); });
  }
  for (const button of document.querySelectorAll(".lifecycle-close")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  for (const dialog of document.querySelectorAll("dialog.lifecycle")) {
    dialog.addEventListener("close", () => { lifecycle.action = null; });
  }
  $("former-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(async () => {
    show("");
    await openTenantById($("former-id").value.trim());
  }); });
}

wireTenantAdmin();
