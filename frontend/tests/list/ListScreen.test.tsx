// The list screen rendered against a stubbed API: the URL picks the tab, rights disable buttons, and removing
// members goes through the confirmation that says how many receivers leave CleverReach.
import { ChakraProvider, defaultSystem } from "@chakra-ui/react";
import { createRoot, type Root } from "react-dom/client";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";

import type { Me, Permission } from "src/api/types";
import { MeContext } from "src/context/me";
import { createI18n } from "src/i18n";
import { ListScreen } from "src/screens/list/ListScreen";

// The bundle is built (and tested) with React's production build, which has no act(): wait for the screen instead.
/** Wait (up to 3 s) until the screen shows what the test expects next; the assertions then say what is wrong. */
const until = async (ready: () => boolean) => {
  const end = Date.now() + 3000;
  while (!ready() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

const detail = {
  id: "7", name: "Newsletter", short_description: "Monatlich", external_id: "CR-1", remote_member_count: 12,
  time_zone: "Europe/Berlin", translations: [], member_counts: { synced: 2, rejected: 1 },
  last_sync: { id: 3, status: "success", dry_run: false, started_at: "2026-12-05T17:52:44+01:00", finished_at: null,
    added: 1, updated: 0, removed: 0, rejected: 1, alert: null, message: null, dag_id: "d", run_id: "r", link: null },
};
const members = {
  time_zone: "Europe/Berlin", before: null, after: null,
  rows: [
    { contact_person_id: "11", salutation: null, first_name: "Anna", last_name: "Muster", function: null, email: "a@example.org",
      sync_state: "synced", sync_error: null, added_at: "2026-12-01T10:00:00+01:00", synchronised: true },
    { contact_person_id: "12", salutation: null, first_name: "Bernd", last_name: "Beispiel", function: null, email: null,
      sync_state: "rejected", sync_error: "no e-mail", added_at: null, synchronised: false },
  ],
};

const runs = [
  { id: 9, status: "blocked", dry_run: false, started_at: "2026-12-05T18:00:00+01:00", finished_at: null, added: 0, updated: 0,
    removed: 40, rejected: 0, alert: "mass removal", message: null, dag_id: "d", run_id: "r9", link: null, time_zone: "Europe/Berlin",
    scope: "full" },
  { id: 8, status: "success", dry_run: false, scope: "changes", started_at: "2026-12-05T17:00:00+01:00", finished_at: null,
    added: 1, updated: 2, removed: 0, rejected: 0, alert: null, message: null, dag_id: "d", run_id: "r8", link: null,
    time_zone: "Europe/Berlin" },
];
const plan = {
  run: runs[0], counts: { remove: 40 },
  changes: { rows: [{ id: 1, action: "remove", reason: "left the CRM selection", contact_person_id: "5", email: "x@example.org",
    old_value: null, new_value: null, result: null, error: null }], total: 40, page: 1, page_size: 200, pages: 1 },
};
const history = {
  contact: { id: "11", first_name: "Anna", last_name: "Muster" }, page: 1, page_size: 50, time_zone: "Europe/Berlin",
  events: [{ occurred_at: "2026-12-02T09:30:00+01:00", kind: "mail_sent", subject: "Dezember", detail: null }],
};

let location = "";
function LocationSpy() {
  const here = useLocation();
  location = here.pathname + here.search;
  return null;
}

let calls: { method: string; url: string; body?: string }[] = [];
let root: Root;
let host: HTMLElement;

function stubApi() {
  calls = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname.replace(/^.*cleverreach\/api\//, "");
    calls.push({ method: init.method ?? "GET", url: path + new URL(url).search, body: init.body as string | undefined });
    const json = (data: unknown) => new Response(JSON.stringify(data), { status: 200, headers: { "Content-Type": "application/json" } });
    if (path === "tenants/acme/lists/7") return json(detail);
    if (path === "tenants/acme/lists/7/members") return json(members);
    if (path === "tenants/acme/lists/7/sync/runs") return json(runs);
    if (path === "tenants/acme/lists/7/sync/runs/9") return json(plan);
    if (path === "tenants/acme/contacts/11/history") return json(history);
    if (path === "tenants/acme/lists/7/sync") return json({ dag_id: "cleverreach_sync_recipients", dag_run_id: "manual__2", link: null });
    if (path === "tenants/acme/lists/7/members/remove") return json({ dag_id: "cleverreach_manage_members", dag_run_id: "manual__1", link: null });
    return new Response("{}", { status: 404 });
  }));
}

async function open(path: string, permissions: Permission[]) {
  const me: Me = { user: "anna", permissions, tenants: null };
  const i18n = createI18n("en");
  host = document.createElement("div");
  document.body.appendChild(host);
  root = createRoot(host);
  root.render(
      <ChakraProvider value={defaultSystem}>
        <I18nextProvider i18n={i18n}>
          <MeContext.Provider value={me}>
            <MemoryRouter initialEntries={[path]}>
              <LocationSpy />
              <Routes>
                <Route path="/plugin/:page/tenants/:tenantId/lists/:listId" element={<ListScreen />} />
                <Route path="/plugin/:page/tenants/:tenantId/lists/:listId/:tab" element={<ListScreen />} />
              </Routes>
            </MemoryRouter>
          </MeContext.Provider>
        </I18nextProvider>
      </ChakraProvider>,
  );
  await until(() => q("[data-testid=title]")?.textContent === "Newsletter" && q("[data-testid=loading]") === null);
}

const q = (selector: string) => document.querySelector<HTMLElement>(selector);

beforeEach(stubApi);
afterEach(() => {
  root.unmount();
  host.remove();
  document.body.innerHTML = "";
  vi.unstubAllGlobals();
});

describe("ListScreen", () => {
  it("opens the details tab by default, read-only without manage_lists", async () => {
    await open("/plugin/cleverreach/tenants/acme/lists/7", ["view"]);
    expect(q("[data-testid=title]")?.textContent).toBe("Newsletter");
    expect(q("[data-testid=breadcrumbs]")?.textContent).toContain("Recipient lists");
    expect((q("[data-testid=list-name]") as HTMLInputElement).value).toBe("Newsletter");
    expect(q("[data-testid=list-external-id]")?.textContent).toBe("CR-1");
    expect((q("[data-testid=list-save]") as HTMLButtonElement).disabled).toBe(true);
    expect(q("[data-testid=list-save]")?.title).toContain("manage lists");
    expect(q("[data-testid=last-sync]")?.textContent).toContain("+1 ~0 -0");
    expect(q("[data-testid=last-sync] time")?.textContent).toBe("05/12/2026, 17:52:44 CET");
  });

  it("opens the tab the URL names and asks for the first members page", async () => {
    await open("/plugin/cleverreach/tenants/acme/lists/7/members", ["view", "manage_lists"]);
    expect(q("[data-testid=tab-members]")?.getAttribute("aria-selected")).toBe("true");
    expect(calls.some((c) => c.url === "tenants/acme/lists/7/members?page_size=50&sort=contact&order=asc")).toBe(true);
    expect(document.querySelectorAll("[data-testid=members] tr[data-contact]")).toHaveLength(2);
    expect(q("tr[data-contact='12']")?.textContent).toContain("no e-mail");
    expect(q("tr[data-contact='11']")?.textContent).toContain("Synchronised");
    expect((q("[data-testid=member-next]") as HTMLButtonElement).disabled).toBe(true);
    expect(q("[data-testid=member-page]")?.textContent).toContain("Page 1 of 1 (3 members)");
  });

  it("removes the picked members only after the confirmation that counts them", async () => {
    await open("/plugin/cleverreach/tenants/acme/lists/7/members", ["view", "manage_lists"]);
    const box = q("tr[data-contact='12'] [data-testid=member-select] input") as HTMLInputElement;
    box.click();
    await until(() => !(q("[data-testid=member-remove]") as HTMLButtonElement).disabled);
    const remove = q("[data-testid=member-remove]") as HTMLButtonElement;
    expect(remove.disabled).toBe(false);
    remove.click();
    await until(() => q("[data-testid=confirm-dialog]") !== null);
    expect(q("[data-testid=confirm-dialog]")?.textContent).toContain("1 receiver will be removed from CleverReach");
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    q("[data-testid=confirm-ok]")?.click();
    await until(() => calls.some((c) => c.method === "POST") && q("[data-testid=run-started]") !== null);
    const post = calls.find((c) => c.method === "POST");
    expect(post?.url).toBe("tenants/acme/lists/7/members/remove");
    expect(JSON.parse(post?.body ?? "{}")).toEqual({ contact_ids: ["12"] });
    expect(q("[data-testid=run-started]")?.textContent).toContain("manual__1");
  });

  it("keeps the tab in the URL and opens a member's history from the row (?contact=)", async () => {
    await open("/plugin/cleverreach/tenants/acme/lists/7", ["view"]);
    q("[data-testid=tab-members]")?.click();
    await until(() => location.endsWith("/members"));
    expect(location).toBe("/plugin/cleverreach/tenants/acme/lists/7/members");
    await until(() => q("tr[data-contact='11']") !== null);
    q("tr[data-contact='11']")?.click();
    await until(() => Boolean(q("[data-testid=history-drawer]")?.textContent?.includes("Dezember")));
    expect(location).toBe("/plugin/cleverreach/tenants/acme/lists/7/members?contact=11");
    expect(calls.some((c) => c.url.startsWith("tenants/acme/contacts/11/history?page=1"))).toBe(true);
    expect(q("[data-testid=history-drawer]")?.textContent).toContain("Dezember");
    expect(q("[data-testid=history-drawer] time")?.textContent).toBe("02/12/2026, 09:30:00 CET");
    expect((q("[data-testid=member-remove-rejected]") as HTMLButtonElement).disabled).toBe(true);
  });

  it("applies a sync only after the confirmation, and offers approval of a blocked plan to approvers only", async () => {
    await open("/plugin/cleverreach/tenants/acme/lists/7/sync?run=9", ["view", "run_syncs"]);
    expect(q("[data-testid=runs] tr[data-run='9']")?.textContent).toContain("-40");
    expect(q("[data-testid=plan]")?.textContent).toContain("left the CRM selection");
    const approve = q("[data-testid=plan-approve]") as HTMLButtonElement;
    expect(approve.disabled).toBe(true);
    expect(approve.title).toContain("approve mass removals");
    q("[data-testid=sync-apply]")?.click();
    await until(() => q("[data-testid=confirm-dialog]") !== null);
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    q("[data-testid=confirm-ok]")?.click();
    await until(() => calls.some((c) => c.method === "POST") && q("[data-testid=run-started]") !== null);
    const post = calls.find((c) => c.method === "POST");
    expect(post?.url).toBe("tenants/acme/lists/7/sync");
    expect(JSON.parse(post?.body ?? "{}")).toEqual({ dry_run: false });
  });

  it("marks a run that read only the changes, not one that read the whole group", async () => {
    await open("/plugin/cleverreach/tenants/acme/lists/7/sync?run=9", ["view"]);
    expect(q("[data-testid=runs] tr[data-run='8'] [data-scope=changes]")?.textContent).toBe("changes only");
    expect(q("[data-testid=runs] tr[data-run='9'] [data-scope]")).toBeNull();
  });
});
