// The erasure dialog of the tenant view (docs/operations.md, "Erasure on request"), for admins (the button sits in the
// needs-administer section; the API refuses everyone else with 403). Loaded after app.js (api, state, $). The
// request is stored by the page's API, which triggers the erasure with the request's reference only.
"use strict";

const erasure = { tenant: null, reference: null };

function erasureOutcome(text, ok) {
  const box = $("erase-result");
  box.textContent = text;
  box.className = `lifecycle-result ${ok ? "ok" : "bad"}`;
  box.hidden = false;
}

function openErasure() {
  if (!state.tenant) return;
  Object.assign(erasure, { tenant: state.tenant.id, reference: null });
  const dialog = $("erase-dialog");
  dialog.querySelector("form").reset();
  for (const el of dialog.querySelectorAll(".tenant-id")) el.textContent = erasure.tenant;
  $("erase-result").hidden = true;
  $("erase-status").hidden = true;
  $("erase-submit").disabled = false;
  dialog.showModal();
}

function erasureBody() {
  const ids = $("erase-ids").value.split(/[\s,;]+/).filter(Boolean).map((v) => (/^\d+$/.test(v) ? Number(v) : v));
  const emails = $("erase-emails").value.split(/\n+/).map((v) => v.trim()).filter(Boolean);
  return { contact_ids: ids, emails };
}

async function submitErasure() {
  $("erase-submit").disabled = true;
  try {
    const r = await api(`tenants/${encodeURIComponent(erasure.tenant)}/erasures`, { method: "POST", body: erasureBody() });
    erasure.reference = r.reference;
    $("erase-form").reset();  // the addresses leave the page at once
    erasureOutcome(`Erasure request ${r.reference} stored (${r.contacts} contact id(s), ${r.emails} address(es)); ` +
                   `run ${r.dag_run_id} started.`, true);
    $("erase-status").hidden = false;
  } catch (err) {
    erasureOutcome(err.message, false);
    $("erase-submit").disabled = false;
  }
}

async function erasureStatus() {
  if (!erasure.reference) return;
  try {
    const r = await api(`tenants/${encodeURIComponent(erasure.tenant)}/erasures/${erasure.reference}`);
    const counts = r.counts && r.counts.cleverreach ? `: ${r.counts.cleverreach.receivers_deleted} receiver(s) deleted` : "";
    erasureOutcome(`Erasure request ${r.reference} is ${r.status}${counts}${r.purged ? "; its data are purged" : ""}.`,
                   r.status !== "failed");
  } catch (err) {
    erasureOutcome(err.message, false);
  }
}

function wireErasure() {
  $("tenant-erase").addEventListener("click", openErasure);
  $("erase-form").addEventListener("submit", (ev) => { ev.preventDefault(); if (!$("erase-submit").disabled) submitErasure(); });
  $("erase-status").addEventListener("click", erasureStatus);
}

wireErasure();
