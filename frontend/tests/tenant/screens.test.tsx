// The screens against a stubbed API: the tabs, tables and rows the browser tests find by data-testid.
import { ChakraProvider, defaultSystem } from "@chakra-ui/react";
import { createRoot, type Root } from "react-dom/client";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter, Route, Routes } from "react-router-dom";

import type { Me } from "src/api/types";
import { MeContext } from "src/context/me";
import { createI18n } from "src/i18n";
import { AccessScreen } from "src/screens/tenant/AccessScreen";
import { TenantScreen } from "src/screens/tenant/TenantScreen";

// The bundle is built (and tested) with React's production build, which has no act(): wait for the DOM instead.
// Settled: no loading state and the same DOM over five checks in a row (a loaded machine renders late).
const settle = async () => {
  let last = "";
  let stable = 0;
  for (let i = 0; i < 250 && stable < 5; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = document.body.innerHTML;
    stable = now === last && !document.querySelector('[data-testid="loading"]') ? stable + 1 : 0;
    last = now;
  }
};

const answers: Record<string, unknown> = {
  tenants: [{ id: "acme", name: "ACME GmbH", cleverreach_conn_id: "cleverreach_acme", lists: 1, time_zone: "Europe/Berlin", login_check: null }],
  "tenants/acme/lists": [
    { id: "7", name: "Newsletter", short_description: null, external_id: "g-1", remote_member_count: 3 },
    { id: "8", name: "Alt", short_description: "x", external_id: "g-2", remote_member_count: null, gone_at: "2026-12-01T10:00:00+01:00" },
  ],
  "tenants/acme/audit?limit=50": {
    rows: [
      { id: 12, occurred_at: "2026-12-05T17:52:44+01:00", tenant_id: "acme", list_id: "7", actor: "user:anna", action: "members_added", detail: { added: 2 }, dag_id: "cleverreach_manage_members", run_id: "manual__1" },
      { id: 11, occurred_at: "2026-12-05T17:50:00+01:00", tenant_id: "acme", list_id: null, actor: "run:cleverreach_import_lists/scheduled__x", action: "brand_new", detail: {}, dag_id: null, run_id: null },
    ],
    limit: 50, before: 11, after: null, time_zone: "Europe/Berlin",
  },
  [`tenants/acme/erasures/${"a".repeat(32)}`]: {
    reference: "a".repeat(32), tenant_id: "acme", status: "done", requested_by: "user:ops", requested_at: "2026-12-05T17:52:44+01:00",
    counts: { cleverreach: { receivers_deleted: 2 } }, dag_id: "cleverreach_erase_contact", dag_run_id: "manual__e",
    finished_at: "2026-12-05T17:53:00+01:00", purged: true, purged_at: "2026-12-05T17:53:00+01:00",
  },
  "tenants/acme/audit?limit=50&list_id=7": { rows: [], limit: 50, before: null, after: null, time_zone: "Europe/Berlin" },
  "access/grants": [{ username: "anna", tenant_id: "acme", granted_at: "2026-12-05T17:52:44+01:00", granted_by: "user:ops" }],
};

let root: Root;
let host: HTMLDivElement;
const asked: string[] = [];
const refuseLastGrant = { on: false };

beforeEach(() => {
  asked.length = 0;
  refuseLastGrant.on = false;
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    const path = decodeURIComponent(new URL(url).pathname.replace(/^.*cleverreach\/api\//, "")) + new URL(url).search;
    const method = init?.method ?? "GET";
    asked.push(method === "GET" ? path : `${method} ${path}${init?.body ? ` ${String(init.body)}` : ""}`);
    if (method === "DELETE") {
      if (refuseLastGrant.on && !path.endsWith("lift_limit=true")) return new Response(JSON.stringify({ detail: "last tenant" }), { status: 409 });
      return new Response(null, { status: 204 });
    }
    if (method === "POST" && path === "tenants/acme/erasures") {
      return new Response(JSON.stringify({ reference: "a".repeat(32), contacts: 1, emails: 1, dag_id: "cleverreach_erase_contact", dag_run_id: "manual__e", link: null }), { status: 201 });
    }
    if (method === "POST") return new Response(JSON.stringify({ detail: "refused: a sync runs" }), { status: 409 });
    if (path === "tenants/nordlicht/lists") return new Response(JSON.stringify({ detail: "not your tenant" }), { status: 403 });
    const found = answers[path];
    return new Response(JSON.stringify(found ?? { detail: "no" }), { status: found ? 200 : 404 });
  }));
  host = document.createElement("div");
  document.body.appendChild(host);
  root = createRoot(host);
});

afterEach(() => {
  root.unmount();
  host.remove();
  vi.unstubAllGlobals();
});

async function show(path: string, me: Me) {
  root.render(
      <ChakraProvider value={defaultSystem}>
        <I18nextProvider i18n={createI18n("en")}>
          <MeContext.Provider value={me}>
            <MemoryRouter key={path} initialEntries={[path]}>
              <Routes>
                <Route path="/plugin/:page/tenants/:tenantId" element={<TenantScreen />} />
                <Route path="/plugin/:page/tenants/:tenantId/:tab" element={<TenantScreen />} />
                <Route path="/plugin/:page/access" element={<AccessScreen />} />
              </Routes>
            </MemoryRouter>
          </MeContext.Provider>
        </I18nextProvider>
      </ChakraProvider>,
  );
  await settle();
}

const viewer: Me = { user: "vera", permissions: ["view"], tenants: null };
const admin: Me = { user: "ops", permissions: ["view", "administer"], tenants: null };
const q = (selector: string) => host.querySelector(selector);

describe("the tenant screen", () => {
  it("shows another tenant's deep link as refused (403), an unknown one as not found", async () => {
    await show("/plugin/cleverreach/tenants/nordlicht", viewer);
    expect(q('[data-testid="error"]')?.textContent).toContain("not your tenant");
    expect(q('[data-testid="tab-lists"]')).toBeNull();
    await show("/plugin/cleverreach/tenants/nowhere", viewer);
    expect(q('[data-testid="error"]')).toBeNull();
    expect(q('[data-testid="empty"]')?.textContent).toContain("nowhere");
  });

  it("shows the lists, a gone one marked, and no admin tab without the right", async () => {
    await show("/plugin/cleverreach/tenants/acme", viewer);
    expect(q('[data-testid="tab-lists"]')).not.toBeNull();
    expect(q('[data-testid="tab-admin"]')).toBeNull();
    expect(q('[data-testid="lists"] [data-list="7"]')?.textContent).toContain("Newsletter");
    expect(q('[data-list="8"] [data-testid="list-gone"]')).not.toBeNull();
    expect(q('[data-testid="breadcrumbs"]')?.textContent).toContain("ACME GmbH");
  });

  it("shows the audit trail in words, with the older page to ask for", async () => {
    await show("/plugin/cleverreach/tenants/acme/audit", viewer);
    const row = q('[data-testid="audit"] [data-event="12"]');
    expect(row?.textContent).toContain("anna");
    expect(row?.textContent).toContain("Receivers added");
    expect(row?.textContent).toContain("added: 2");
    expect(row?.textContent).toContain("17:52:44 CET");
    expect(q('[data-event="11"]')?.textContent).toContain("brand_new");
    expect((q('[data-testid="audit-newer"]') as HTMLButtonElement).disabled).toBe(true);
    expect((q('[data-testid="audit-older"]') as HTMLButtonElement).disabled).toBe(false);
  });

  it("opens the administration for admins, also of a tenant the CRM no longer has", async () => {
    await show("/plugin/cleverreach/tenants/acme/admin", admin);
    expect(q('[data-testid="tenant-rename"]')).not.toBeNull();
    expect(q('[data-testid="tenant-move"]')).not.toBeNull();
    expect(q('[data-testid="tenant-erase"]')).not.toBeNull();
    await show("/plugin/cleverreach/tenants/oldacme", admin);
    expect(q('[data-testid="former-tenant"]')).not.toBeNull();
    expect(q('[data-testid="tenant-rename"]')).not.toBeNull();
    expect(q('[data-testid="tenant-move"]')).toBeNull();
  });

  it("says not found to a viewer for an unknown tenant", async () => {
    await show("/plugin/cleverreach/tenants/oldacme/audit", viewer);
    expect(q('[data-testid="empty"]')?.textContent).toContain("oldacme");
    expect(q('[data-testid="audit"]')).toBeNull();
  });
});

describe("the access screen", () => {
  it("lists the grants with their revoke buttons", async () => {
    await show("/plugin/cleverreach/access", admin);
    expect(q('[data-testid="grants"] [data-grant="anna/acme"] [data-testid="grant-revoke"]')).not.toBeNull();
    expect(q('[data-testid="grant-save"]')).not.toBeNull();
    expect(q('[data-grant="anna/acme"]')?.textContent).toContain("05/12/2026, 17:52:44 UTC+01:00");  // no time_zone: offset
    expect(q('[data-grant="anna/acme"]')?.textContent).not.toContain("user:ops");
  });
});

const visible = (testid: string) =>
  [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)].find((el) => !el.closest("[hidden]")) ?? null;

async function click(el: Element | null) {
  expect(el).not.toBeNull();
  (el as HTMLElement).click();
  await settle();
}

async function type(el: Element | null, value: string) {
  expect(el).not.toBeNull();
  const input = el as HTMLInputElement;
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value")?.set?.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await settle();
}

describe("actions", () => {
  it("pages to older events by the id the answer named", async () => {
    await show("/plugin/cleverreach/tenants/acme/audit", viewer);
    await click(q('[data-testid="audit-older"]'));
    expect(asked).toContain("tenants/acme/audit?limit=50&before=11");
  });

  it("asks a second time before it revokes a user's last grant, then lifts the limit", async () => {
    refuseLastGrant.on = true;
    await show("/plugin/cleverreach/access", admin);
    await click(q('[data-grant="anna/acme"] [data-testid="grant-revoke"]'));
    await click(visible("confirm-ok"));
    expect(asked).toContain("DELETE access/grants/anna/acme");
    expect(document.body.textContent).toContain("last tenant");
    await click(visible("confirm-ok"));
    expect(asked).toContain("DELETE access/grants/anna/acme?lift_limit=true");
  });

  it("sends a rename only with the tenant id typed, and shows the refusal", async () => {
    await show("/plugin/cleverreach/tenants/acme/admin", admin);
    await click(q('[data-testid="tenant-rename"]'));
    await type(visible("rename-new-id"), "acme2");
    expect((visible("confirm-ok") as HTMLButtonElement).disabled).toBe(true);
    await type(visible("confirm-text"), "acme");
    expect((visible("confirm-ok") as HTMLButtonElement).disabled).toBe(false);
    await click(visible("confirm-ok"));
    expect(asked).toContain('POST tenants/acme/rename {"new_tenant_id":"acme2","confirm":"acme"}');
    expect(visible("error")?.textContent).toContain("refused: a sync runs");
  });
});

describe("more actions", () => {
  it("keeps the list filter in the address", async () => {
    await show("/plugin/cleverreach/tenants/acme/audit?list=7", viewer);
    expect(asked).toContain("tenants/acme/audit?limit=50&list_id=7");
    expect((q('[data-testid="audit-list-filter"]') as HTMLSelectElement).value).toBe("7");
    expect(q('[data-testid="empty"]')).not.toBeNull();
  });

  it("stores an erasure request, forgets the addresses and shows its status until done", async () => {
    await show("/plugin/cleverreach/tenants/acme/admin", admin);
    await click(q('[data-testid="tenant-erase"]'));
    await type(visible("erase-contacts"), "42");
    await type(visible("erase-emails"), "anna@example.org");
    await type(visible("confirm-text"), "acme");
    await click(visible("confirm-ok"));
    expect(asked).toContain('POST tenants/acme/erasures {"contact_ids":[42],"emails":["anna@example.org"]}');
    expect(document.body.innerHTML).not.toContain("anna@example.org");
    const status = q('[data-testid="erasure-status"]');
    expect(status?.getAttribute("data-status")).toBe("done");
    expect(status?.textContent).toContain("cleverreach.receivers_deleted: 2");
    expect(status?.textContent).toContain("17:53:00 CET");
  });
});
