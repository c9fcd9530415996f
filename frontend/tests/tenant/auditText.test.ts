// @vitest-environment node
import { readFileSync } from "node:fs";
import { join } from "node:path";

import de from "src/i18n/de.json";
import en from "src/i18n/en.json";
import { AUDIT_ACTIONS, auditPath, detailChips, isKnownAction, parseActor, runHref, runPath } from "src/screens/tenant/auditText";

describe("parseActor", () => {
  it("shows a user by name and a run by DAG and run id", () => {
    expect(parseActor("user:anna")).toEqual({ kind: "user", name: "anna" });
    expect(parseActor("run:cleverreach_sync_recipients/scheduled__2026-12-05T04:00:00+00:00")).toEqual({
      kind: "run", dagId: "cleverreach_sync_recipients", runId: "scheduled__2026-12-05T04:00:00+00:00",
    });
    expect(parseActor("run:dag/manual/with/slashes")).toEqual({ kind: "run", dagId: "dag", runId: "manual/with/slashes" });
  });

  it("keeps anything else raw (rows written before the actor rule)", () => {
    expect(parseActor("cleverreach_import_lists")).toEqual({ kind: "other", text: "cleverreach_import_lists" });
    expect(parseActor("run:nodag")).toEqual({ kind: "other", text: "run:nodag" });
    expect(parseActor("user:")).toEqual({ kind: "other", text: "user:" });
    expect(parseActor(null)).toEqual({ kind: "other", text: "" });
  });
});

describe("runHref", () => {
  it("points at Airflow's run page relative to the base URL, ids escaped", () => {
    expect(runPath("d", "manual__2026-12-05T10:00:00+00:00")).toBe("dags/d/runs/manual__2026-12-05T10%3A00%3A00%2B00%3A00");
    expect(runHref("d", "r/1", "https://airflow.example.org/prefix/plugin/cleverreach/tenants/acme"))
      .toBe("https://airflow.example.org/prefix/plugin/cleverreach/tenants/dags/d/runs/r%2F1");
    expect(runHref("d", "r", "https://airflow.example.org/prefix/")).toBe("https://airflow.example.org/prefix/dags/d/runs/r");
  });
});

describe("detailChips", () => {
  it("shows every key with its value", () => {
    expect(detailChips({ added: 3, dry_run: false, status: "success", ids: [1, 2], nothing: null }))
      .toEqual(["added: 3", "dry_run: false", "status: success", "ids: 1, 2", "nothing: –"]);
    expect(detailChips({ rows: { audit_event: 4 } })).toEqual(['rows: {"audit_event":4}']);
    expect(detailChips(undefined)).toEqual([]);
    expect(detailChips({ taken_over: [] })).toEqual(["taken_over: –"]);  // an empty list is no blank
  });
});

describe("auditPath", () => {
  it("asks for the newest page, or one older or newer than an event, of a tenant or one list", () => {
    expect(auditPath("acme")).toBe("tenants/acme/audit?limit=50");
    expect(auditPath("a b", { before: 17 })).toBe("tenants/a%20b/audit?limit=50&before=17");
    expect(auditPath("acme", { after: 9, listId: "42" })).toBe("tenants/acme/audit?limit=50&list_id=42&after=9");
    expect(auditPath("acme", { before: 5, after: 9 })).toBe("tenants/acme/audit?limit=50&before=5");
  });
});

describe("the actions", () => {
  it("are the ones the audit trail records (cleverreach.enums.AuditAction)", () => {
    const enums = readFileSync(join(import.meta.dirname, "../../../plugins/cleverreach/enums.py"), "utf8");
    const block = enums.slice(enums.indexOf("class AuditAction"), enums.indexOf("class ", enums.indexOf("class AuditAction") + 5));
    const recorded = [...block.matchAll(/^\s+[A-Z_]+ = "([a-z_]+)"/gm)].map((m) => m[1]);
    expect(recorded.length).toBeGreaterThan(10);
    expect([...AUDIT_ACTIONS].sort()).toEqual(recorded.sort());
  });

  it("each have words in both catalogues; an unknown one is not known", () => {
    for (const action of AUDIT_ACTIONS) {
      expect((de.audit.actions as Record<string, string>)[action], `de ${action}`).toBeTruthy();
      expect((en.audit.actions as Record<string, string>)[action], `en ${action}`).toBeTruthy();
    }
    expect(isKnownAction("tenant_moved")).toBe(true);
    expect(isKnownAction("something_new")).toBe(false);
  });
});
